from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Account, AdjustmentRequest, Customer, LedgerEntry, Premise
from tests.factories import (
    make_account,
    make_customer,
    make_premise,
    make_user,
    post_bill,
    post_credit,
)
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    account = make_account(customer=make_customer(first_name="Robert", last_name="Johnson"))
    today = business_day.today()
    for months_back in range(14, 0, -1):
        bill_date = today - timedelta(days=30 * months_back - 20)
        post_bill(account, "80.00", bill_date=bill_date)
        if months_back > 3:
            post_credit(account, "80.00", on=bill_date + timedelta(days=15))
    return account


TABS = ["ledger", "bills", "services", "notes", "history"]


def test_account_page_shows_balance_and_past_due(clerk_client, account):
    response = clerk_client.get(f"/accounts/{account.number}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Robert Johnson" in html
    assert account.display_number in html
    assert 'id="account-balance">$240.00<' in html
    # Three unpaid bills: two past their due date, the newest not yet due.
    assert 'id="account-past-due">$160.00<' in html


def test_account_page_within_query_budget(clerk_client, account, django_assert_max_num_queries):
    clerk_client.get("/")  # a working clerk's session was renewed within the last minute
    with django_assert_max_num_queries(10):
        assert clerk_client.get(f"/accounts/{account.number}/").status_code == 200


@pytest.mark.parametrize("tab", TABS)
def test_each_tab_is_a_fragment_for_htmx_and_a_page_without(
    clerk_client, account, tab, django_assert_max_num_queries
):
    url = f"/accounts/{account.number}/{tab}/"
    with django_assert_max_num_queries(10):
        fragment = clerk_client.get(url, headers={"HX-Request": "true", "HX-Target": "tab-panel"})
    assert fragment.status_code == 200
    assert b"<html" not in fragment.content
    with django_assert_max_num_queries(10):
        page = clerk_client.get(url)
    assert b"<html" in page.content
    assert f'id="tab-{tab}"'.encode() in page.content


def test_ledger_tab_shows_running_balance(clerk_client, account):
    html = clerk_client.get(
        f"/accounts/{account.number}/ledger/",
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    ).content.decode()
    assert html.count("<tr>") == LedgerEntry.objects.filter(account=account).count() + 1
    assert "$240.00" in html


def test_bill_is_viewable(clerk_client, account):
    bill = account.bills.first()
    response = clerk_client.get(f"/accounts/{account.number}/bills/{bill.number}/")
    assert response.status_code == 200
    assert b"Water service" in response.content


def test_a_bill_shows_what_was_owed_from_the_previous_bill_to_this_one(
    clerk_client, django_assert_max_num_queries
):
    from tests.factories import post_charge

    account = make_account()
    first_day = business_day.today() - timedelta(days=60)
    first = post_bill(account, "100.00", bill_date=first_day)
    post_credit(account, "60.00", on=first_day + timedelta(days=10))
    post_charge(account, "4.00", on=first_day + timedelta(days=21))  # a late fee
    second = post_bill(account, "80.00", bill_date=first_day + timedelta(days=30))
    post_credit(account, "124.00", on=first_day + timedelta(days=40))  # after: not on it
    # Posted after the bill though dated before it (a mail batch keyed late): the bill as
    # issued does not change.
    post_credit(account, "7.00", on=first_day + timedelta(days=25))

    clerk_client.get("/")
    with django_assert_max_num_queries(9):
        response = clerk_client.get(f"/accounts/{account.number}/bills/{second.number}/")
    html = response.content.decode()

    def shown(element_id):
        return html.split(f'id="{element_id}">')[1].split("<")[0]

    assert shown("bill-previous-balance") == "$100.00"
    assert shown("bill-credits") == "-$60.00"
    assert shown("bill-other-charges") == "$4.00"
    assert shown("bill-amount-due") == "$124.00"
    assert f">{first.number}</a>" in html
    # The first bill has nothing before it.
    html = clerk_client.get(f"/accounts/{account.number}/bills/{first.number}/").content.decode()
    assert shown("bill-previous-balance") == "$0.00"
    assert shown("bill-amount-due") == "$100.00"


def test_unknown_account_and_tab_are_404(clerk_client, account):
    assert clerk_client.get("/accounts/99999999/").status_code == 404
    assert clerk_client.get(f"/accounts/{account.number}/nonsense/").status_code == 404


def test_user_without_a_role_is_refused(client, account):
    client.force_login(make_user())
    assert client.get(f"/accounts/{account.number}/").status_code == 403
    assert client.get("/search/?q=johnson").status_code == 403
    assert client.get("/accounts/new/").status_code == 403


def test_search_fragment_for_htmx(clerk_client, account):
    response = clerk_client.get("/search/?q=jonson", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert account.display_number.encode() in response.content


def test_enter_before_the_live_list_opens_the_account_the_number_names(clerk_client):
    account = make_account()
    make_account()
    response = clerk_client.get("/search/", {"q": account.display_number})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.number}/"
    # A name, even one match (it may be a typo's correction), or a guess, shows the list.
    make_account(customer=make_customer(first_name="Zed", last_name="Quillfeather"))
    assert clerk_client.get("/search/", {"q": "quillfether"}).status_code == 200
    wrong = account.number[:7] + str((int(account.number[7]) + 1) % 10)
    assert clerk_client.get("/search/", {"q": wrong}).status_code == 200


def test_adjustment_form_posts_and_redirects(clerk_client, account, clerk):
    response = clerk_client.post(
        f"/accounts/{account.number}/adjust/",
        {
            "direction": "credit",
            "amount": "$25",
            "reason_code": "fee_waiver",
            "memo": "First late fee",
            "idempotency_key": "8a4f5e7c-0000-4000-8000-000000000001",
        },
    )
    assert response.status_code == 302
    entry = LedgerEntry.objects.get(kind="adjustment_credit")
    assert entry.amount == Decimal("-25.00")
    assert entry.posted_by == clerk


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "12.345"}, "amount", "at most two digits"),
        ({"amount": "abc"}, "amount", "dollars and cents"),
        ({"amount": "-5"}, "amount", "cannot be negative"),
        ({"amount": "0"}, "amount", "more than $0.00"),
        ({"reason_code": ""}, "reason_code", "This field is required"),
        ({"memo": "x" * 201}, "memo", "at most 200 characters"),
    ],
)
def test_bad_adjustment_input_shows_the_error_beside_the_field(
    clerk_client, account, data, field, message
):
    form = {
        "direction": "credit",
        "amount": "10",
        "reason_code": "other",
        "memo": "m",
        "idempotency_key": "8a4f5e7c-0000-4000-8000-000000000002",
        **data,
    }
    response = clerk_client.post(f"/accounts/{account.number}/adjust/", form)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not LedgerEntry.objects.filter(kind__startswith="adjustment").exists()


def test_adjustment_over_the_limit_goes_to_the_supervisor_queue(
    clerk_client, supervisor_client, account
):
    clerk_client.post(
        f"/accounts/{account.number}/adjust/",
        {
            "direction": "credit",
            "amount": "75.00",
            "reason_code": "leak_credit",
            "memo": "Leak",
            "idempotency_key": "8a4f5e7c-0000-4000-8000-000000000003",
        },
    )
    request = AdjustmentRequest.objects.get()
    assert clerk_client.get("/accounts/adjustments/").status_code == 403
    queue = supervisor_client.get("/accounts/adjustments/")
    assert account.display_number.encode() in queue.content
    approved = supervisor_client.post(f"/accounts/adjustments/{request.pk}/approve/", follow=True)
    assert "approved and posted" in approved.content.decode()
    request.refresh_from_db()
    assert request.status == "approved"
    # Approved again (a second click, a second tab): said so, and nothing is posted twice.
    again = supervisor_client.post(f"/accounts/adjustments/{request.pk}/approve/", follow=True)
    assert "was already approved and posted by" in again.content.decode()
    assert LedgerEntry.objects.filter(kind__startswith="adjustment").count() == 1


def test_the_queue_shows_where_approval_leaves_the_balance(
    clerk_client, supervisor_client, django_assert_max_num_queries
):
    from tests.factories import post_charge

    account = make_account()
    post_charge(account, "121.74", on=business_day.today())
    for key, amount in (("4", "1234.50"), ("5", "60.00")):
        clerk_client.post(
            f"/accounts/{account.number}/adjust/",
            {
                "direction": "credit",
                "amount": amount,
                "reason_code": "billing_error",
                "memo": "Rebill",
                "idempotency_key": f"8a4f5e7c-0000-4000-8000-00000000000{key}",
            },
        )
    supervisor_client.get("/")
    with django_assert_max_num_queries(8):
        html = supervisor_client.get("/accounts/adjustments/").content.decode()
    assert "$121.74" in html  # balance now, on both rows
    assert "-$1,112.76" in html and "credit balance" in html
    assert "$61.74" in html
    assert "data-confirm=" in html
    # A rejection without a reason: told beside that row's box, and nothing changes.
    first = AdjustmentRequest.objects.order_by("pk").first()
    refused = supervisor_client.post(f"/accounts/adjustments/{first.pk}/reject/", {"note": " "})
    assert refused.status_code == 400
    assert f'id="reject-note-{first.pk}-error"' in refused.content.decode()
    first.refresh_from_db()
    assert first.status == "pending"
    waiting = supervisor_client.get("/accounts/adjustments/waiting/").content.decode()
    assert "2 adjustments waiting" in waiting
    assert clerk_client.get("/accounts/adjustments/waiting/").status_code == 403


def test_notes_tab_adds_a_note(clerk_client, account):
    response = clerk_client.post(
        f"/accounts/{account.number}/notes/add/",
        {"text": "Customer asked for paperless"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert b"Customer asked for paperless" in response.content
    assert b"Note added." in response.content
    assert account.notes.count() == 1
    # An empty note next: its error, and the last success message cleared, not left above it.
    empty = clerk_client.post(
        f"/accounts/{account.number}/notes/add/", {"text": " "}, headers={"HX-Request": "true"}
    ).content.decode()
    assert 'id="id_text_error"' in empty
    messages_area = empty.split('<div id="messages"')[1].split("</div>")[0]
    assert 'hx-swap-oob="true"' in messages_area and "message-" not in messages_area
    assert account.notes.count() == 1


NEW_ACCOUNT = {
    "customer-kind": "person",
    "customer-customer_class": "residential",
    "customer-first_name": "Lena",
    "customer-last_name": "Okafor",
    "customer-phone": "(210) 555-0177",
    "customer-email": "lena@example.com",
    "customer-preferred_contact": "phone",
    "customer-language": "English",
    "customer-mail_street": "9 ELM ST",
    "customer-mail_city": "Cibolo",
    "customer-mail_state": "tx",
    "customer-mail_zip": "78108",
    "premise-house_number": "9",
    "premise-street": "Elm Street",
    "premise-city": "Cibolo",
    "premise-state": "TX",
    "premise-zip_code": "78108",
    "premise-premise_type": "single_family",
}


def test_new_customer_and_account_at_a_new_premise(clerk_client, clerk):
    response = clerk_client.post("/accounts/new/", NEW_ACCOUNT)
    assert response.status_code == 302
    account = Account.objects.get(customer__last_name="Okafor")
    assert response["Location"] == f"/accounts/{account.number}/"
    assert account.customer.phone == "2105550177"
    assert account.customer.mail_state == "TX"
    assert account.premise.street == "ELM ST"
    assert account.status == "pending"
    assert AuditEvent.objects.filter(action="account.open", actor=clerk).exists()


def test_bills_go_to_the_service_address_unless_the_clerk_unticks_it(clerk_client):
    blank_mail = {k: "" for k in NEW_ACCOUNT if k.startswith("customer-mail_")}
    fresh = clerk_client.get("/accounts/new/").content.decode()
    assert 'name="mail_at_service_address" value="on" checked' in fresh

    # Unticked, the mailing address is the clerk's to type: blank, it is refused beside it.
    refused = clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, **blank_mail})
    assert 'id="id_customer-mail_street_error"' in refused.content.decode()
    assert not Account.objects.exists()

    # Ticked, it is the service address, unit and all.
    clerk_client.post(
        "/accounts/new/",
        {
            **NEW_ACCOUNT,
            **blank_mail,
            "premise-unit": "Apt 2",
            "mail_at_service_address": "on",
        },
    )
    customer = Account.objects.get().customer
    assert customer.mailing_address_lines == ["9 ELM ST #2", "CIBOLO, TX 78108"]


@pytest.mark.parametrize(
    ("house", "street", "unit"),
    [("9", "Elm", ""), ("9", "elm street", ""), ("9", "ELM ST", "")],
)
def test_an_address_typed_without_its_street_type_is_the_one_on_file(
    clerk_client, house, street, unit
):
    on_file = make_account(premise=make_premise(house_number="9", street="ELM ST"))
    make_premise(house_number="9", street="ELM CT", unit="2")  # another unit: not a candidate
    response = clerk_client.post(
        "/accounts/new/",
        {**NEW_ACCOUNT, "premise-house_number": house, "premise-street": street},
    )
    # Warned that the address already has an open account, and no second premise made.
    assert on_file.display_number in response.content.decode()
    assert not Account.objects.exclude(pk=on_file.pk).exists()
    clerk_client.post(
        "/accounts/new/",
        {
            **NEW_ACCOUNT,
            "premise-house_number": house,
            "premise-street": street,
            "confirm_duplicates": "on",
        },
    )
    assert Account.objects.exclude(pk=on_file.pk).get().premise == on_file.premise


def test_a_street_without_its_type_naming_two_on_file_is_asked_about(clerk_client):
    make_account(premise=make_premise(house_number="9", street="ELM ST"))
    make_premise(house_number="9", street="ELM AVE")
    response = clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, "premise-street": "elm"})
    html = response.content.decode()
    assert 'id="id_premise-street_error"' in html
    assert "on file as ELM AVE and as ELM ST" in html
    assert not Account.objects.exclude(premise__street="ELM ST").exists()
    assert not Premise.objects.filter(street="ELM").exists()
    # Even ticked through the duplicate warning.
    clerk_client.post(
        "/accounts/new/", {**NEW_ACCOUNT, "premise-street": "elm", "confirm_duplicates": "on"}
    )
    assert not Premise.objects.filter(street="ELM").exists()


def test_the_mailing_copy_names_the_street_on_file(clerk_client):
    on_file = make_account(premise=make_premise(house_number="9", street="ELM ST"))
    blank_mail = {k: "" for k in NEW_ACCOUNT if k.startswith("customer-mail_")}
    clerk_client.post(
        "/accounts/new/",
        {
            **NEW_ACCOUNT,
            **blank_mail,
            "premise-street": "elm",
            "mail_at_service_address": "on",
            "confirm_duplicates": "on",
        },
    )
    account = Account.objects.exclude(pk=on_file.pk).get()
    assert account.premise == on_file.premise
    assert account.mailing_address_lines[0] == "9 ELM ST"


def test_a_typed_street_type_names_only_that_street(clerk_client):
    make_account(premise=make_premise(house_number="9", street="ELM ST"))
    clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, "premise-street": "Elm Ave"})
    assert Premise.objects.filter(street="ELM AVE").exists()


def test_existing_premise_is_reused(clerk_client):
    premise = make_premise(house_number="9", street="ELM ST")
    clerk_client.post("/accounts/new/", NEW_ACCOUNT)
    assert Premise.objects.count() == 1
    assert Account.objects.get().premise == premise


def test_likely_duplicate_warns_and_saves_nothing_until_confirmed(clerk_client):
    existing = make_customer(first_name="L", last_name="Okafor", phone="2105550177")
    response = clerk_client.post("/accounts/new/", NEW_ACCOUNT)
    assert response.status_code == 200
    assert b"Possible duplicates" in response.content
    # The way out that keeps one customer: start their service from the existing record.
    start_instead = f"/workorders/service/start/?customer={existing.pk}"
    assert start_instead in response.content.decode()
    assert clerk_client.get(start_instead).status_code == 200
    assert not Account.objects.exists()
    confirmed = clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, "confirm_duplicates": "on"})
    assert confirmed.status_code == 302
    assert Account.objects.count() == 1


def test_same_name_at_the_same_mailing_address_warns_whatever_the_phone(clerk_client):
    make_customer(first_name="Lena", last_name="OKAFOR", phone="2105550999", mail_street="9 Elm St")
    make_customer(first_name="Lena", last_name="Okafor", phone="2105550998", mail_zip="78154")
    response = clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, "customer-email": ""})
    html = response.content.decode()
    assert "Possible duplicates" in html
    assert "(210) 555-0999" in html  # same name, same mailing address
    assert "(210) 555-0998" not in html  # same name, another address
    assert not Account.objects.exists()


def test_premise_with_an_active_account_warns(clerk_client):
    make_account(premise=make_premise(house_number="9", street="ELM ST"))
    response = clerk_client.post("/accounts/new/", NEW_ACCOUNT)
    assert b"already has an open account" in response.content
    assert Account.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("customer-mail_zip", "781", "ZIP code"),
        ("customer-phone", "555-01", "10-digit US phone"),
        ("customer-email", "not-an-email", "valid email"),
        ("customer-mail_state", "ZZ", "two-letter US state"),
        ("customer-last_name", "", "Enter the last name"),
        ("premise-house_number", "Elm", "starts with a digit"),
    ],
)
def test_bad_fields_show_errors_beside_them_and_save_nothing(clerk_client, field, value, message):
    response = clerk_client.post("/accounts/new/", {**NEW_ACCOUNT, field: value})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Customer.objects.exists()
    assert not Premise.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "own_message", "contradiction"),
    [
        ("customer-phone", "12", "10-digit US phone", "Enter a phone number, or choose"),
        ("customer-first_name", "A" * 61, "at most 60 characters", "Enter the first name"),
    ],
)
def test_a_field_with_an_error_gets_one_message_not_a_contradiction(
    clerk_client, field, value, own_message, contradiction
):
    response = clerk_client.post(
        "/accounts/new/", {**NEW_ACCOUNT, field: value, "customer-email": ""}
    )
    html = response.content.decode()
    assert own_message in html
    assert contradiction not in html


@pytest.mark.parametrize(
    ("preferred", "phone", "email", "field"),
    [
        ("phone", "", "a@example.com", "phone"),
        ("text", "", "", "phone"),
        ("email", "(210) 555-0100", "", "email"),
    ],
)
def test_the_preferred_contact_needs_its_details(clerk_client, preferred, phone, email, field):
    response = clerk_client.post(
        "/accounts/new/",
        {
            **NEW_ACCOUNT,
            "customer-preferred_contact": preferred,
            "customer-phone": phone,
            "customer-email": email,
        },
    )
    html = response.content.decode()
    assert f'id="id_customer-{field}_error"' in html
    assert "or choose another preferred contact" in html
    assert not Customer.objects.exists()


def test_a_customer_who_prefers_mail_moves_without_a_phone_or_e_mail(clerk_client, account):
    customer = account.customer
    type(customer).objects.filter(pk=customer.pk).update(
        phone="", email="", preferred_contact="mail"
    )
    customer.refresh_from_db()
    response = clerk_client.post(
        f"/accounts/customers/{customer.pk}/edit/",
        _customer_form(customer, mail_street="PO BOX 12", mail_zip="78154"),
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.mail_street == "PO BOX 12"


def test_customer_edit_shows_the_phone_as_clerks_type_it(clerk_client, account):
    customer = account.customer
    customer.phone = "2105550199"
    customer.save()
    html = clerk_client.get(f"/accounts/customers/{customer.pk}/edit/").content.decode()
    assert 'value="(210) 555-0199"' in html


def test_customer_edit_is_audited_with_before_and_after(clerk_client, clerk, account):
    customer = account.customer
    form = {
        "kind": "person",
        "customer_class": "residential",
        "first_name": "Robert",
        "last_name": "Johnson",
        "phone": "210-555-0999",
        "email": "",
        "preferred_contact": "phone",
        "language": "Spanish",
        "mail_street": customer.mail_street,
        "mail_city": customer.mail_city,
        "mail_state": "TX",
        "mail_zip": "78108",
    }
    response = clerk_client.post(f"/accounts/customers/{customer.pk}/edit/", form)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "2105550999"
    event = AuditEvent.objects.get(action="customer.update")
    assert event.actor == clerk
    assert event.after["phone"] == "2105550999"
    assert event.after["language"] == "Spanish"
    assert "first_name" not in event.after
    history = clerk_client.get(f"/accounts/customers/{customer.pk}/").content.decode()
    # Read as a clerk reads it: the action and the field in words, not their codes.
    assert "Customer: update" in history
    assert "<strong>Phone</strong>" in history
    assert "(210) 555-0999" in history and "2105550999" not in history
    assert "customer.update" not in history


def _customer_form(customer, **changes):
    return {
        "kind": "person",
        "customer_class": "residential",
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "email": customer.email,
        "preferred_contact": customer.preferred_contact,
        "language": customer.language,
        "mail_street": customer.mail_street,
        "mail_unit": customer.mail_unit,
        "mail_city": customer.mail_city,
        "mail_state": customer.mail_state,
        "mail_zip": customer.mail_zip,
        **changes,
    }


def test_a_customers_new_address_carries_the_accounts_mailed_at_the_old_one(clerk_client, account):
    customer = account.customer
    landlords = make_account(customer=customer)
    Account.objects.filter(pk=landlords.pk).update(mail_street="PO BOX 9", mail_zip="78154")
    closed = make_account(customer=customer, status="closed")

    response = clerk_client.post(
        f"/accounts/customers/{customer.pk}/edit/",
        _customer_form(customer, mail_street="PO Box 4242", mail_city="Schertz", mail_zip="78154"),
        follow=True,
    )

    html = response.content.decode()
    assert f"Bills for {account.display_number} are now mailed to the new address too" in html
    account.refresh_from_db()
    customer.refresh_from_db()
    assert "4242" in customer.mail_street
    assert account.mailing_address_lines == customer.mailing_address_lines
    # Mailed elsewhere on purpose, or closed: left where it was.
    landlords.refresh_from_db()
    closed.refresh_from_db()
    assert landlords.mail_street == "PO BOX 9"
    assert closed.mail_street == "120 OAK ST"
    assert AuditEvent.objects.filter(action="account.mailing_address").count() == 1
    # The account page says where its bills go, the customer page which accounts differ.
    assert "Bills mailed to" in clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert "PO BOX 9" in html


def test_a_name_change_reads_as_the_name_not_its_search_keys(clerk_client, account):
    customer = account.customer
    clerk_client.post(
        f"/accounts/customers/{customer.pk}/edit/", _customer_form(customer, last_name="Núñez")
    )
    page = clerk_client.get(f"/accounts/customers/{customer.pk}/").content.decode()
    history = page.split("<h2>History</h2>")[1]
    assert "<strong>Last name</strong>" in history and "Núñez" in history
    assert "Search" not in history and "nunez" not in history


def test_saving_a_customer_unchanged_writes_no_history(supervisor_client, account):
    customer = account.customer
    until = business_day.today() + timedelta(days=20)
    type(customer).objects.filter(pk=customer.pk).update(cash_only_until=until)
    response = supervisor_client.post(
        f"/accounts/customers/{customer.pk}/edit/",
        _customer_form(customer, cash_only_until=until.isoformat()),
        follow=True,
    )
    assert "Nothing was changed." in response.content.decode()
    assert not AuditEvent.objects.filter(action="customer.update").exists()


def test_mailing_address_change_is_audited(clerk_client, account):
    response = clerk_client.post(
        f"/accounts/{account.number}/mailing-address/",
        {
            "mail_street": "PO BOX 77",
            "mail_city": "Schertz",
            "mail_state": "TX",
            "mail_zip": "78154",
        },
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.mail_street == "PO BOX 77"
    event = AuditEvent.objects.get(action="account.mailing_address")
    assert event.before["mail_street"] == "120 OAK ST"
    history = clerk_client.get(f"/accounts/{account.number}/history/").content.decode()
    assert "PO BOX 77" in history
    assert "Account: mailing address" in history
    assert "mail_street" not in history


def test_statement_date_range_must_be_in_order(clerk_client, account):
    today = date.today()
    response = clerk_client.get(
        f"/reports/statement/{account.number}/?start={today}&end={today - timedelta(days=5)}"
    )
    assert response.status_code == 200
    assert b"on or after the start date" in response.content


def test_a_statement_cannot_run_into_days_still_to_come(clerk_client, account):
    tomorrow = business_day.today() + timedelta(days=1)
    response = clerk_client.get(
        f"/reports/statement/{account.number}/?start={tomorrow.replace(day=1)}&end={tomorrow}"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"runs to today" in response.content
    assert b'id="id_end_error"' in response.content


def test_only_a_supervisor_changes_protection_flags(clerk_client, supervisor_client, account):
    from datetime import date as day

    customer = account.customer
    type(customer).objects.filter(pk=customer.pk).update(cash_only_until=day(2027, 6, 1))
    form = {
        "kind": "person",
        "customer_class": "residential",
        "first_name": "Robert",
        "last_name": "Johnson",
        "phone": "210-555-0999",
        "email": "",
        "preferred_contact": "phone",
        "language": "English",
        "mail_street": customer.mail_street,
        "mail_city": customer.mail_city,
        "mail_state": "TX",
        "mail_zip": "78108",
        "cash_only_until": "",
    }
    assert (
        b"cash_only_until"
        not in clerk_client.get(f"/accounts/customers/{customer.pk}/edit/").content
    )
    clerk_client.post(f"/accounts/customers/{customer.pk}/edit/", form)
    customer.refresh_from_db()
    assert customer.cash_only_until == day(2027, 6, 1)  # the clerk's form cannot lift it
    supervisor_client.post(f"/accounts/customers/{customer.pk}/edit/", form)
    customer.refresh_from_db()
    assert customer.cash_only_until is None


@pytest.mark.parametrize(
    ("field", "days_ahead", "message"),
    [
        ("medical_certificate_until", -1, "That date has passed"),
        ("medical_certificate_until", 61, "check the year"),
        ("cash_only_until", 367, "check the year"),
    ],
)
def test_a_protection_cannot_start_expired_or_run_for_years(
    supervisor_client, account, field, days_ahead, message
):
    customer = account.customer
    until = business_day.today() + timedelta(days=days_ahead)
    response = supervisor_client.post(
        f"/accounts/customers/{customer.pk}/edit/",
        _customer_form(customer, **{field: until.isoformat()}),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert f'id="id_{field}_error"' in response.content.decode()
    customer.refresh_from_db()
    assert getattr(customer, field) is None

    # Within the policy's period it is taken.
    ok = business_day.today() + timedelta(days=30)
    supervisor_client.post(
        f"/accounts/customers/{customer.pk}/edit/", _customer_form(customer, **{field: ok})
    )
    customer.refresh_from_db()
    assert getattr(customer, field) == ok


def test_an_expired_protection_reads_as_expired_on_the_customer(clerk_client, account):
    customer = account.customer
    lapsed = business_day.today() - timedelta(days=3)
    type(customer).objects.filter(pk=customer.pk).update(medical_certificate_until=lapsed)
    html = clerk_client.get(f"/accounts/customers/{customer.pk}/").content.decode()
    assert f"Medical certificate expired {lapsed:%m/%d/%Y}" in html
    assert "Medical certificate to" not in html


def test_search_with_a_control_character_answers_not_fails(clerk_client, account):
    # A NUL pasted with the name: PostgreSQL refuses it in any query text.
    response = clerk_client.get("/search/", {"q": "john\x00son"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert account.display_number in response.content.decode()


def test_a_reversal_in_the_ledger_names_what_it_undoes(clerk_client, supervisor):
    from accounts import services
    from tests.factories import post_credit

    account = make_account()
    paid = post_credit(account, "40.00", on=date(2026, 6, 18), reference="R100123")
    services.reverse_entry(entry=paid, memo="Bounced", by=supervisor)
    html = clerk_client.get(f"/accounts/{account.number}/ledger/").content.decode()
    assert "(of payment R100123 of 06/18/2026)" in html
    assert f"#{paid.pk}" not in html  # no internal ids


def test_history_names_the_records_a_change_points_to(clerk_client, clerk):
    from accounts import services

    customer = make_customer(first_name="Hoa", last_name="Sandoval")
    account = services.open_account(customer=customer, premise=make_premise(), by=clerk)
    html = clerk_client.get(
        f"/accounts/{account.number}/history/",
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    ).content.decode()
    assert "<strong>Customer</strong>: — → Hoa Sandoval" in html
    assert f"→ {customer.pk}<" not in html
    assert f"<strong>Created by</strong>: — → {clerk.get_full_name() or clerk.username}" in html
