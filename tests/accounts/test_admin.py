"""The accounts admin: services and account status are view-only there, and search finds
account numbers and phones written the way people write them."""

from datetime import date

import pytest

from accounts.models import Account, Customer, Premise, Service
from accounts.services import premise_lookup
from tests.factories import make_account, make_customer, make_premise, post_bill, post_charge
from utilityclerk.core.models import AuditEvent

DAY = date(2025, 3, 3)


@pytest.fixture
def service(db):
    account = make_account()
    return Service.objects.create(
        account=account,
        premise=account.premise,
        utility="water",
        rate_code="W-RES",
        start_date=DAY,
        status="active",
    )


def changelist(client, model, q):
    response = client.get(f"/admin/accounts/{model}/", {"q": q})
    assert response.status_code == 200
    return set(response.context["cl"].result_list)


# Services are view-only ---------------------------------------------------------------------


def test_service_add_is_refused_and_a_post_saves_nothing(admin_client):
    first, second = make_account(), make_account()
    assert admin_client.get("/admin/accounts/service/add/").status_code == 403
    response = admin_client.post(
        "/admin/accounts/service/add/",
        {
            "account": first.pk,
            "premise": second.premise.pk,
            "utility": "electric",
            "rate_code": "E-RES",
            "start_date": "2025-03-03",
            "status": "active",
        },
    )
    assert response.status_code == 403
    assert not Service.objects.exists()


def test_service_change_form_shows_the_service_without_fields(admin_client, service):
    page = admin_client.get(f"/admin/accounts/service/{service.pk}/change/")
    assert page.status_code == 200
    assert b"W-RES" in page.content
    assert b'name="status"' not in page.content
    assert b'name="premise"' not in page.content


def test_service_change_post_is_refused_and_changes_nothing(admin_client, service):
    other = make_premise()
    response = admin_client.post(
        f"/admin/accounts/service/{service.pk}/change/",
        {
            "account": service.account.pk,
            "premise": other.pk,
            "utility": "electric",
            "rate_code": "E-RES",
            "start_date": "2025-03-03",
            "status": "stopped",
        },
    )
    assert response.status_code == 403
    service.refresh_from_db()
    assert (service.premise, service.utility, service.status) == (
        service.account.premise,
        "water",
        "active",
    )
    assert not AuditEvent.objects.filter(action__startswith="service.").exists()


def test_service_delete_is_refused(admin_client, service):
    response = admin_client.post(f"/admin/accounts/service/{service.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Service.objects.filter(pk=service.pk).exists()


def test_service_list_still_searches_and_filters(admin_client, service):
    response = admin_client.get("/admin/accounts/service/", {"status__exact": "active"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [service]
    assert b"Add service" not in response.content


# Accounts: no add, status read-only -----------------------------------------------------------


def test_account_add_is_refused_and_a_post_saves_nothing(admin_client):
    customer, premise = make_customer(), make_premise()
    assert admin_client.get("/admin/accounts/account/add/").status_code == 403
    response = admin_client.post(
        "/admin/accounts/account/add/",
        {
            "customer": customer.pk,
            "premise": premise.pk,
            "status": "active",
            "opened_on": "2025-03-03",
            "mail_street": "1 MAIN ST",
            "mail_city": "CIBOLO",
            "mail_state": "TX",
            "mail_zip": "78108",
        },
    )
    assert response.status_code == 403
    assert not Account.objects.exists()


def test_account_status_is_shown_but_not_editable(admin_client):
    account = make_account(status="active")
    page = admin_client.get(f"/admin/accounts/account/{account.pk}/change/")
    assert page.status_code == 200
    assert b'name="status"' not in page.content
    assert b'name="premise"' not in page.content
    assert b'name="mail_street"' in page.content
    assert b"Status changes only through Start, Stop and Transfer service" in page.content


def test_account_post_keeps_status_and_still_saves_the_mailing_address(admin_client):
    account = make_account(status="active")
    response = admin_client.post(
        f"/admin/accounts/account/{account.pk}/change/",
        {
            "status": "closed",
            "premise": make_premise().pk,
            "opened_on": account.opened_on.isoformat(),
            "mail_street": "9 ELM ST",
            "mail_city": "CIBOLO",
            "mail_state": "TX",
            "mail_zip": "78108",
            "services-TOTAL_FORMS": "0",
            "services-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    before_premise = account.premise
    account.refresh_from_db()
    assert account.status == "active"
    assert account.premise == before_premise
    assert account.mail_street == "9 ELM ST"
    assert AuditEvent.objects.filter(action="account.change.admin").exists()


# The admin keeps the counter's rules -------------------------------------------------------


def _admin_post(client, obj, data):
    model = obj._meta.model_name
    return client.post(f"/admin/accounts/{model}/{obj.pk}/change/", data)


def test_admin_refuses_a_customer_the_counter_would_refuse(admin_client):
    customer = make_customer(first_name="Laura", last_name="Smith")
    data = {
        "kind": "person",
        "customer_class": "residential",
        "first_name": "",
        "last_name": "Smith",
        "phone": "abc",
        "email": "",
        "preferred_contact": "phone",
        "mail_street": "120 OAK ST",
        "mail_city": "CIBOLO",
        "mail_state": "ZZ",
        "mail_zip": "1",
    }
    response = _admin_post(admin_client, customer, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) >= {"first_name", "phone", "mail_state", "mail_zip"}
    unchanged = Customer.objects.get(pk=customer.pk)
    assert (unchanged.first_name, unchanged.phone, unchanged.mail_state) == (
        customer.first_name,
        customer.phone,
        customer.mail_state,
    )

    # Typed as a clerk types it, the same values save, stored as the counter stores them.
    account = make_account(customer=customer)
    data.update(first_name="Laura", phone="(210) 555-0142", mail_state="tx", mail_zip="78154")
    assert _admin_post(admin_client, customer, data).status_code == 302
    customer.refresh_from_db()
    assert (customer.phone, customer.mail_state, customer.mail_zip) == ("2105550142", "TX", "78154")
    # Through the clerk's service: audited once, and the account's bills follow the address.
    account.refresh_from_db()
    assert account.mail_zip == "78154"
    assert AuditEvent.objects.filter(action="customer.update").count() == 1


def test_admin_refuses_an_account_mailing_address_the_counter_would_refuse(admin_client):
    account = make_account()
    data = {
        "mail_street": "9 ELM ST",
        "mail_city": "CIBOLO",
        "mail_state": "QQ",
        "mail_zip": "abc",
        "services-TOTAL_FORMS": "0",
        "services-INITIAL_FORMS": "0",
    }
    response = _admin_post(admin_client, account, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"mail_state", "mail_zip"}
    account.refresh_from_db()
    assert account.mail_street == "120 OAK ST"


def test_admin_keeps_a_premise_findable_by_its_normalised_address(admin_client):
    premise = make_premise()
    data = {
        "house_number": premise.house_number,
        "street": premise.street,
        "unit": "",
        "city": "Cibolo",
        "state": "ZZ",
        "zip_code": "xx",
        "premise_type": "single_family",
        "hazard_note": "",
        "service_points-TOTAL_FORMS": "0",
        "service_points-INITIAL_FORMS": "0",
    }
    response = _admin_post(admin_client, premise, data)
    assert response.status_code == 200
    assert set(response.context["adminform"].form.errors) == {"state", "zip_code"}

    data.update(
        house_number="123a",
        street="north main street",
        unit="Apt 4",
        state="tx",
        zip_code="78108-1234",
    )
    response = _admin_post(admin_client, premise, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    premise.refresh_from_db()
    assert (premise.house_number, premise.street, premise.unit, premise.zip_code) == (
        "123A",
        "N MAIN ST",
        "4",
        "78108",
    )
    assert (premise.city, premise.state) == ("CIBOLO", "TX")
    # So the counter finds it by the address as a clerk types it.
    key = premise_lookup(house_number="123a", street="N Main St", unit="#4", zip_code="78108")
    assert Premise.objects.get(**key) == premise


# Search --------------------------------------------------------------------------------------


def test_account_search_finds_the_number_as_displayed(admin_client):
    account, other = make_account(), make_account()
    assert "-" in account.display_number
    assert changelist(admin_client, "account", account.display_number) == {account}
    assert changelist(admin_client, "account", account.display_number.replace("-", " ")) == {
        account
    }
    assert other not in changelist(admin_client, "account", account.display_number)


def test_account_search_with_a_wrong_check_digit_finds_nothing(admin_client):
    account = make_account()
    wrong = f"{account.number[:-1]}-{(int(account.number[-1]) + 1) % 10}"
    assert changelist(admin_client, "account", wrong) == set()


def test_ledger_bill_and_service_search_find_the_account_number_as_displayed(admin_client, service):
    account = service.account
    other = make_account()
    charge = post_charge(account, "12.50", on=DAY)
    post_charge(other, "3.00", on=DAY)
    bill = post_bill(account, "40.00", bill_date=DAY)
    post_bill(other, "20.00", bill_date=DAY)
    number = account.display_number
    assert charge in changelist(admin_client, "ledgerentry", number)
    assert {e.account for e in changelist(admin_client, "ledgerentry", number)} == {account}
    assert changelist(admin_client, "bill", number) == {bill}
    assert changelist(admin_client, "service", number) == {service}


def test_ledger_search_by_displayed_number_still_finds_memos_quoting_it(admin_client):
    account, other = make_account(), make_account()
    quoting = post_charge(
        other, "5.00", on=DAY, memo=f"Balance transferred from {account.display_number}"
    )
    assert quoting in changelist(admin_client, "ledgerentry", account.display_number)


@pytest.mark.parametrize(
    "typed", ["(361) 633-3470", "361-633-3470", "361.633.3470", "+1 361 633 3470", "3616333470"]
)
def test_customer_search_finds_a_phone_typed_any_way(admin_client, typed):
    customer = make_customer(last_name="Okafor", phone="3616333470")
    make_customer(last_name="Other", phone="2105550100")
    assert changelist(admin_client, "customer", typed) == {customer}


def test_customer_search_finds_the_other_phone_formatted(admin_client):
    customer = make_customer(phone="2105550100", alt_phone="3616333470")
    assert changelist(admin_client, "customer", "(361) 633-3470") == {customer}


def test_ledger_search_finds_the_customer_by_last_name(admin_client):
    account = make_account(customer=make_customer(first_name="Ana", last_name="Villarreal"))
    other = make_account(customer=make_customer(last_name="Smith"))
    entry = post_charge(account, "7.00", on=DAY)
    post_charge(other, "7.00", on=DAY)
    assert changelist(admin_client, "ledgerentry", "villarreal") == {entry}


def test_ledger_search_finds_the_customer_by_organisation_name(admin_client):
    business = Customer.objects.create(
        kind="organisation",
        organisation_name="Guadalupe Feed Store",
        mail_street="1 MAIN ST",
        mail_city="CIBOLO",
        mail_state="TX",
        mail_zip="78108",
    )
    entry = post_charge(make_account(customer=business), "9.00", on=DAY)
    post_charge(make_account(), "9.00", on=DAY)
    assert changelist(admin_client, "ledgerentry", "Feed Store") == {entry}


@pytest.mark.parametrize("typed", ["Núñez", "nunez"])
def test_customer_search_ignores_accents(admin_client, typed):
    zoe = make_customer(first_name="Zoë", last_name="Núñez")
    make_customer(first_name="Ana", last_name="Nash")
    assert changelist(admin_client, "customer", typed) == {zoe}
    account = make_account(customer=zoe)
    make_account()
    assert changelist(admin_client, "account", typed) == {account}


def test_an_admin_without_the_supervisors_permission_sees_protections_but_cannot_change_them(
    db, client
):
    from tests.factories import make_user

    admin = make_user("cityadmin", role="Admin")
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    customer = make_customer()
    page = client.get(f"/admin/accounts/customer/{customer.pk}/change/").content.decode()
    assert "Cash only until" in page
    assert 'name="cash_only_until"' not in page
    assert 'name="first_name"' in page


def test_a_meter_number_finds_its_premise(admin_client):
    from accounts.models import ServicePoint

    premise = make_premise(house_number="77", street="PECAN DR")
    point = ServicePoint.objects.create(premise=premise, utility="water", meter_number="W-10234")
    ServicePoint.objects.create(premise=make_premise(), utility="water", meter_number="W-55555")
    assert changelist(admin_client, "servicepoint", "W-10234") == {point}
    assert changelist(admin_client, "premise", "W-10234") == {premise}
