import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.models import Account, Customer
from tests.factories import make_premise, make_user
from tests.workorders.helpers import active_account, start
from utilityclerk import business_day
from workorders import services
from workorders.models import Crew, MeterRead, Vendor, WorkOrder

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)


@pytest.fixture
def orders(clerk, crew):
    """Sixty orders: some overdue, some scheduled to the crew."""
    account = start(clerk).account
    made = [
        services.raise_work_order(
            kind="turn_on", premise=account.premise, account=account, by=clerk
        )
        for _ in range(60)
    ]
    overdue = made[:5]
    WorkOrder.objects.filter(pk__in=[o.pk for o in overdue]).update(
        raised_on=business_day.today() - timedelta(days=20),
        due_date=business_day.today() - timedelta(days=10),
    )
    for order in made[5:10]:
        services.schedule_work_order(order=order, crew=crew, by=clerk)
    return made


# Board -----------------------------------------------------------------------------------


def test_board_within_query_budget(clerk_client, orders, django_assert_max_num_queries):
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        response = clerk_client.get("/workorders/?status=todo&type=turn_on&page=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert "page 2 of 2" in html
    assert html.count('name="orders"') == 11  # 61 orders: the start's turn-on and 60 more


def test_board_fragment_for_htmx_within_budget(
    clerk_client, orders, crew, django_assert_max_num_queries
):
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        response = clerk_client.get(
            f"/workorders/?crew={crew.pk}",
            headers={"HX-Request": "true", "HX-Target": "board-results"},
        )
    assert b"<html" not in response.content
    assert response.content.decode().count('name="orders"') == 5


def test_overdue_rows_stand_out_and_filter(clerk_client, orders):
    html = clerk_client.get("/workorders/?overdue=on").content.decode()
    assert html.count('class="overdue"') == 5
    assert "5 orders" in html
    for order in orders[:5]:
        assert order.number in html


def test_due_by_filter(clerk_client, orders):
    due_by = (business_day.today() - timedelta(days=1)).isoformat()
    html = clerk_client.get(f"/workorders/?due_by={due_by}").content.decode()
    assert "5 orders" in html


def test_bulk_schedule_then_dispatch(clerk_client, orders, crew):
    ids = [o.pk for o in orders[10:13]]
    response = clerk_client.post(
        "/workorders/bulk/", {"orders": ids, "action": "schedule", "crew": crew.pk}
    )
    assert response.status_code == 302
    assert set(WorkOrder.objects.filter(pk__in=ids).values_list("status", "crew")) == {
        ("scheduled", crew.pk)
    }
    clerk_client.post("/workorders/bulk/", {"orders": ids, "action": "dispatch"})
    assert set(WorkOrder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        "dispatched"
    }


def test_bulk_dispatch_of_open_orders_schedules_them_first(clerk_client, orders, crew):
    ids = [o.pk for o in orders[10:12]]
    clerk_client.post("/workorders/bulk/", {"orders": ids, "action": "dispatch", "crew": crew.pk})
    for order in WorkOrder.objects.filter(pk__in=ids):
        assert order.status == "dispatched"
        assert list(order.status_changes.values_list("to_status", flat=True)) == [
            "open",
            "scheduled",
            "dispatched",
        ]


def test_bulk_without_an_assignee_skips_with_a_message(clerk_client, orders):
    ids = [o.pk for o in orders[10:12]]
    response = clerk_client.post(
        "/workorders/bulk/", {"orders": ids, "action": "schedule"}, follow=True
    )
    assert "skipped: Choose a crew or a vendor" in response.content.decode()
    assert set(WorkOrder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"open"}


def test_bulk_to_an_inactive_vendor_is_refused(clerk_client, orders, vendor):
    vendor.active = False
    vendor.save()
    ids = [o.pk for o in orders[10:12]]
    response = clerk_client.post(
        "/workorders/bulk/", {"orders": ids, "action": "schedule", "vendor": vendor.pk}, follow=True
    )
    assert "not an active vendor" in response.content.decode()
    assert set(WorkOrder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"open"}


def test_bulk_with_nothing_ticked_says_so(clerk_client, orders, crew):
    response = clerk_client.post(
        "/workorders/bulk/", {"action": "schedule", "crew": crew.pk}, follow=True
    )
    assert "Tick the orders to act on first." in response.content.decode()


# One order -------------------------------------------------------------------------------


def test_order_page_and_complete_form_errors_beside_the_field(clerk_client, clerk, crew):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    assert clerk_client.get(f"/workorders/{order.number}/").status_code == 200
    response = clerk_client.post(
        f"/workorders/{order.number}/complete/",
        {"read": "", "done_on": business_day.today().isoformat()},
    )
    assert response.status_code == 200
    assert 'id="id_read_error">Enter the water meter read.' in response.content.decode()
    order.refresh_from_db()
    assert order.status == "scheduled"


def test_complete_a_cancelled_order_via_the_form(clerk_client, clerk, crew):
    order = start(clerk).order
    services.cancel_work_order(order=order, reason="Duplicate", by=clerk)
    response = clerk_client.post(
        f"/workorders/{order.number}/complete/",
        {"read": "5", "done_on": business_day.today().isoformat()},
    )
    assert "a cancelled order cannot be completed" in response.content.decode()
    assert not MeterRead.objects.exists()


def test_garbage_read_is_refused_beside_the_field(clerk_client, clerk, crew):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    response = clerk_client.post(
        f"/workorders/{order.number}/complete/",
        {"read": "12o4", "done_on": business_day.today().isoformat()},
    )
    assert "Enter the read as digits" in response.content.decode()


def test_assign_to_inactive_vendor_shows_the_error(clerk_client, clerk, vendor):
    vendor.active = False
    vendor.save()
    order = start(clerk).order
    response = clerk_client.post(f"/workorders/{order.number}/assign/", {"vendor": vendor.pk})
    assert (
        'id="id_vendor_error">Alamo Meter Co is not an active vendor' in response.content.decode()
    )
    order.refresh_from_db()
    assert order.status == "open"


def test_work_order_sheet_pdf(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    from workorders import service_changes

    order = service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)
    text = pdf_text(clerk_client.get(f"/workorders/{order.number}/sheet.pdf"))
    assert order.number in text
    assert "Final read" in text
    assert account.premise.address_line in text
    last = format(MeterRead.objects.get().value.normalize(), "f")  # 100.00 prints as 100
    assert f"Last read {last} on" in text
    assert order.due_date.strftime("%m/%d/%Y") in text
    assert "Page 1 of 1" in text


def test_search_finds_a_work_order_by_number(clerk_client, clerk):
    order = start(clerk).order
    response = clerk_client.get(
        f"/search/?q={order.number.lower()}", headers={"HX-Request": "true"}
    )
    assert f"/workorders/{order.number}/" in response.content.decode()


def test_account_page_lists_its_work_orders(clerk_client, clerk, django_assert_max_num_queries):
    started = start(clerk)
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        response = clerk_client.get(f"/accounts/{started.account.number}/workorders/")
    html = response.content.decode()
    assert started.order.number in html
    # Until the turn-on is done there is nothing to stop or transfer (cancel the order).
    assert "Start service" in html
    assert "Stop service" not in html and "Transfer service" not in html


# Start, stop, transfer -------------------------------------------------------------------


def start_post(**overrides):
    data = {
        "customer-kind": "person",
        "customer-customer_class": "residential",
        "customer-first_name": "Ana",
        "customer-last_name": "Reyes",
        "customer-phone": "(210) 555-0199",
        "customer-preferred_contact": "phone",
        "customer-language": "English",
        "customer-mail_street": "77 Pecan Dr",
        "customer-mail_city": "Cibolo",
        "customer-mail_state": "TX",
        "customer-mail_zip": "78108",
        "premise-house_number": "77",
        "premise-street": "Pecan Dr",
        "premise-city": "Cibolo",
        "premise-state": "TX",
        "premise-zip_code": "78108",
        "premise-premise_type": "single_family",
        "utilities": ["water", "sewer", "trash"],
        "start_date": business_day.today().isoformat(),
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_a_street_without_its_type_naming_two_on_file_is_asked_beside_it(clerk_client):
    make_premise(house_number="77", street="PECAN DR")
    make_premise(house_number="77", street="PECAN CV")
    response = clerk_client.post(
        "/workorders/service/start/", start_post(**{"premise-street": "pecan"})
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_premise-street_error">77 PECAN is on file as PECAN CV and as PECAN DR' in html
    assert not Account.objects.exists() and not WorkOrder.objects.exists()


def test_start_service_page_opens_the_account(clerk_client):
    data = start_post()
    response = clerk_client.post("/workorders/service/start/", data)
    account = Account.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/{account.number}/"
    # A double click posts once.
    clerk_client.post("/workorders/service/start/", data)
    assert Account.objects.count() == 1 and Customer.objects.count() == 1


def test_start_date_in_the_past_is_refused_beside_the_field(clerk_client):
    old = (business_day.today() - timedelta(days=30)).isoformat()
    response = clerk_client.post("/workorders/service/start/", start_post(start_date=old))
    assert (
        'id="id_start_date_error">The start date can be at most 3 days in the past'
        in response.content.decode()
    )
    assert not Account.objects.exists() and not Customer.objects.exists()


def test_start_of_an_active_utility_is_refused_beside_the_field(clerk_client, clerk, crew):
    account = active_account(
        clerk, crew, premise=make_premise(house_number="77", street="PECAN DR")
    )
    response = clerk_client.post("/workorders/service/start/", start_post())
    assert (
        'id="id_utilities_error">Water, Sewer and Trash are already active at 77 PECAN DR'
        in response.content.decode()
    )
    assert Account.objects.count() == 1
    assert account.customer.pk == Customer.objects.get().pk


def test_stop_dialog_is_a_fragment_and_raises_the_final_read(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    fragment = clerk_client.get(
        f"/workorders/service/{account.number}/stop/", headers={"HX-Request": "true"}
    )
    assert b"<html" not in fragment.content
    response = clerk_client.post(
        f"/workorders/service/{account.number}/stop/",
        stop_post(),
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == f"/accounts/{account.number}/"
    assert WorkOrder.objects.filter(account=account, type_id="final_read").exists()
    # The message names the stop date the clerk typed, and when the crew will read.
    page = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert f"service stops {business_day.today():%m/%d/%Y}" in page


def stop_post(**overrides):
    data = {
        "stop_date": business_day.today().isoformat(),
        "reason": "moving_away",
        "mail_street": "1200 Congress Ave",
        "mail_city": "Austin",
        "mail_state": "tx",
        "mail_zip": "78701",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_stop_asks_for_the_forwarding_address_and_the_reason(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    url = f"/workorders/service/{account.number}/stop/"
    empty = clerk_client.post(
        url, stop_post(reason="", mail_street="", mail_zip=""), headers={"HX-Request": "true"}
    ).content.decode()
    assert "Choose why the service stops." in empty
    assert 'id="id_mail_street_error"' in empty and 'id="id_mail_zip_error"' in empty
    assert not WorkOrder.objects.filter(account=account, type_id="final_read").exists()
    clerk_client.post(url, stop_post(), headers={"HX-Request": "true"})
    account.refresh_from_db()
    assert (account.mail_street, account.mail_city, account.mail_state, account.mail_zip) == (
        "1200 Congress Ave",
        "Austin",
        "TX",
        "78701",
    )
    from utilityclerk.core.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="service.stop_requested", reason="Moving out of the city"
    ).exists()


def test_stop_says_up_front_that_a_stop_is_pending(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    url = f"/workorders/service/{account.number}/stop/"
    clerk_client.post(url, stop_post(), headers={"HX-Request": "true"})
    order = WorkOrder.objects.get(account=account, type_id="final_read")
    html = clerk_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert (
        f'A stop is already on order: <a href="/workorders/{order.number}/">{order.number}</a>'
        in html
    )
    assert "Raise the final read" not in html  # no form to fill in for nothing


def test_start_service_offers_what_the_city_provides_with_the_class_defaults(clerk_client):
    from accounts.models import UtilityOffering

    # As migration 0012 sets it up (a browser test's flush may have emptied the table).
    for utility in ("water", "sewer", "electric", "gas", "trash", "stormwater"):
        offered = utility not in ("electric", "gas")
        UtilityOffering.objects.update_or_create(
            utility=utility,
            defaults={
                "offered": offered,
                "residential_default": offered,
                "commercial_default": offered,
                "government_default": offered,
            },
        )
    html = clerk_client.get("/workorders/service/start/").content.decode()
    assert 'value="stormwater"' in html and 'value="electric"' not in html
    assert re.search(r'value="stormwater"[^>]*checked', html)
    UtilityOffering.objects.filter(utility="trash").update(residential_default=False)
    html = clerk_client.get("/workorders/service/start/").content.decode()
    assert not re.search(r'value="trash"[^>]*checked', html)
    UtilityOffering.objects.filter(utility="gas").update(offered=True)
    assert 'value="gas"' in clerk_client.get("/workorders/service/start/").content.decode()


def test_transfer_page_raises_both_orders(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    response = clerk_client.post(
        f"/workorders/service/{account.number}/transfer/",
        {
            "premise-house_number": "9",
            "premise-street": "Elm St",
            "premise-city": "Cibolo",
            "premise-state": "TX",
            "premise-zip_code": "78108",
            "premise-premise_type": "single_family",
            "utilities": ["water", "trash"],
            "move_date": business_day.today().isoformat(),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    new = Account.objects.exclude(pk=account.pk).get()
    assert response["Location"] == f"/accounts/{new.number}/"
    assert WorkOrder.objects.filter(account=account, type_id="final_read", transfer_to=new).exists()
    assert WorkOrder.objects.filter(account=new, type_id="turn_on").exists()


# Vendors ---------------------------------------------------------------------------------


def test_scorecard_page_and_pdf_match_the_database(supervisor_client, clerk, vendor):
    order = services.raise_work_order(kind="meter_test", premise=make_premise(), by=clerk)
    services.schedule_work_order(order=order, vendor=vendor, by=clerk)
    services.complete_work_order(order=order, by=clerk, cost=Decimal("245.50"))
    month = business_day.today().strftime("%Y-%m")
    page = supervisor_client.get(f"/workorders/vendors/?month={month}").content.decode()
    assert "Alamo Meter Co" in page and "$245.50" in page
    text = pdf_text(supervisor_client.get(f"/workorders/vendors/scorecard.pdf?month={month}"))
    assert "Vendor scorecard" in text
    # Name and trade wrap inside their cells; the row reads in order once joined up.
    # The PDF carries every figure the screen shows, the average cost too.
    assert "Alamo Meter Co Meter testing 5 1 100.0% 0.0 0 $245.50 $245.50" in " ".join(text.split())


# Permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/workorders/",
        "/workorders/vendors/",
        "/workorders/service/start/",
        "/accounts/new/",
        "/search/?q=ab",
    ],
)
def test_field_user_sees_nothing_but_their_crew(field_client, url):
    assert field_client.get(url).status_code == 403


def test_clerk_cannot_see_the_scorecard_or_the_field_screen(clerk_client):
    assert clerk_client.get("/workorders/vendors/").status_code == 403
    assert clerk_client.get("/workorders/field/").status_code == 403


def test_user_without_a_role_is_refused(client, clerk):
    order = start(clerk).order
    client.force_login(make_user())
    for url in [
        "/workorders/",
        f"/workorders/{order.number}/",
        f"/workorders/{order.number}/sheet.pdf",
    ]:
        assert client.get(url).status_code == 403
    assert client.post(f"/workorders/{order.number}/complete/", {}).status_code == 403
    assert client.post("/workorders/bulk/", {}).status_code == 403


def test_field_user_completes_their_crews_order(field_client, clerk, crew):
    started = start(clerk)
    services.schedule_work_order(order=started.order, crew=crew, by=clerk)
    listing = field_client.get("/workorders/field/").content.decode()
    assert started.order.number in listing
    # No account search box on the crew's screen: it would only lead to "not allowed".
    assert 'id="global-search-input"' not in listing
    assert field_client.get(f"/workorders/field/{started.order.number}/").status_code == 200
    response = field_client.post(
        f"/workorders/{started.order.number}/complete/",
        {"read": "1042", "done_on": business_day.today().isoformat(), "notes": "Meter behind gate"},
    )
    assert response["Location"] == "/workorders/field/"
    started.account.refresh_from_db()
    assert started.account.status == "active"


def test_field_user_cannot_touch_another_crews_order(field_client, clerk):
    other = Crew.objects.create(name="South crew")
    started = start(clerk)
    services.schedule_work_order(order=started.order, crew=other, by=clerk)
    assert field_client.get(f"/workorders/field/{started.order.number}/").status_code == 403
    response = field_client.post(
        f"/workorders/{started.order.number}/complete/",
        {"read": "5", "done_on": business_day.today().isoformat()},
    )
    assert response.status_code == 403
    started.order.refresh_from_db()
    assert started.order.status == "scheduled"


def test_field_role_holds_exactly_its_permission(db):
    from django.contrib.auth.models import Group

    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="Field").permissions.all()
    }
    # Their crew's work orders, and the permit inspections scheduled to their crew.
    assert held == {"workorders.complete_own_crew_orders", "permits.inspect_permit"}


def test_vendor_admin_is_for_admins(admin_user, client):
    client.force_login(admin_user)
    assert client.get("/admin/workorders/vendor/add/").status_code == 200
    assert Vendor.objects.count() == 0


def test_start_from_an_account_keeps_the_customer(clerk_client, clerk, crew):
    account = active_account(clerk, crew)
    account_page = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert "Stop service" in account_page and "Transfer service" in account_page
    page = clerk_client.get(f"/workorders/service/{account.number}/start/").content.decode()
    assert f"Start service for {account.customer}" in page
    data = {k: v for k, v in start_post().items() if not k.startswith("customer-")}
    data["premise-house_number"] = "12"
    response = clerk_client.post(f"/workorders/service/{account.number}/start/", data)
    new = Account.objects.exclude(pk=account.pk).get()
    assert response["Location"] == f"/accounts/{new.number}/"
    assert new.customer_id == account.customer_id
    assert Customer.objects.count() == 1


def test_field_users_land_on_their_crews_orders(client, db):
    from tests.factories import make_user

    client.force_login(make_user(role="Field"))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/workorders/field/"


def test_crew_list_puts_emergencies_first_within_a_day(crew, supervisor):
    from datetime import date

    from tests.factories import make_premise
    from workorders import queries, services
    from workorders.models import Priority

    day = date(2026, 12, 2)
    for priority in (Priority.ROUTINE, Priority.EMERGENCY, Priority.HIGH):
        order = services.raise_work_order(
            kind="leak_check",
            premise=make_premise(),
            by=supervisor,
            requested_for=day,
            priority=priority,
        )
        services.schedule_work_order(order=order, crew=crew, on=day, by=supervisor)
    listed = [o.priority for o in queries.crew_orders(crew.pk)]
    assert listed == [Priority.EMERGENCY, Priority.HIGH, Priority.ROUTINE]


def test_an_account_opened_from_new_account_starts_its_service_on_itself(clerk_client, crew):
    from accounts.models import Premise

    clerk_client.post(
        "/workorders/service/start/", start_post(utilities=["water"])
    )  # another customer already served elsewhere: not touched
    premise = Premise.objects.create(
        house_number="12", street="ELM ST", city="Cibolo", state="TX", zip_code="78108"
    )
    from accounts import services as account_services

    customer = Customer.objects.get()
    waiting = account_services.open_account(customer=customer, premise=premise, by=None)
    page = clerk_client.get(f"/accounts/{waiting.number}/").content.decode()
    # Nothing to stop or transfer before service has started.
    assert "Stop service" not in page and "Transfer service" not in page
    form = clerk_client.get(f"/workorders/service/{waiting.number}/start/").content.decode()
    assert 'value="ELM ST"' in form  # its own address, ready to confirm
    data = {k: v for k, v in start_post().items() if not k.startswith("customer-")}
    data.update({"premise-house_number": "12", "premise-street": "ELM ST"})
    response = clerk_client.post(f"/workorders/service/{waiting.number}/start/", data)
    assert response["Location"] == f"/accounts/{waiting.number}/"
    assert Account.objects.filter(premise=premise).count() == 1
    assert waiting.services.count() == 3


@pytest.mark.parametrize("typed", ["12e3", "1.2.3", "0x10", "12 34"])
def test_a_read_is_digits_not_a_number_in_any_notation(clerk_client, clerk, crew, typed):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    response = clerk_client.post(
        f"/workorders/{order.number}/complete/",
        {"read": typed, "done_on": business_day.today().isoformat()},
    )
    assert "Enter the read as digits" in response.content.decode()
    assert not MeterRead.objects.exists()


def test_a_second_submit_of_a_completed_order_says_nothing_was_saved(clerk_client, clerk, crew):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    today = business_day.today().isoformat()
    url = f"/workorders/{order.number}/complete/"
    first = clerk_client.post(url, {"read": "4521", "done_on": today}, follow=True)
    assert f"{order.number} completed." in first.content.decode()
    second = clerk_client.post(url, {"read": "4530", "done_on": today}, follow=True)
    html = second.content.decode()
    assert "was already completed" in html and "nothing from this form was saved" in html
    assert list(MeterRead.objects.values_list("value", flat=True)) == [Decimal("4521")]


def test_start_for_a_new_customer_who_is_on_file_warns_first(clerk_client):
    clerk_client.post("/workorders/service/start/", start_post())
    again = start_post()  # the same person, typed in again: same name, phone and e-mail
    response = clerk_client.post("/workorders/service/start/", again)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Possible duplicates" in html and "start service for them instead" in html
    assert Account.objects.count() == 1 and Customer.objects.count() == 1
    # Sure it is someone else: ticked, it goes ahead.
    confirmed = clerk_client.post(
        "/workorders/service/start/",
        {**again, "confirm_duplicates": "on", "premise-house_number": "79"},
    )
    assert confirmed.status_code == 302
    assert Customer.objects.count() == 2


def test_a_clerk_starting_service_is_not_asked_for_the_supervisors_protection_flags(
    clerk_client,
):
    html = clerk_client.get("/workorders/service/start/").content.decode()
    assert "customer-first_name" in html
    assert "customer-life_support" not in html and "customer-cash_only_until" not in html


def test_field_tablet_list_within_budget_for_a_busy_crew(client, clerk, crew, field_user):
    from tests.budgets import assert_flat_budget

    def a_busy_day():
        # Thirty orders dispatched to the crew, each at a premise of its own.
        for _ in range(30):
            account = start(clerk).account
            order = account.work_orders.get()
            services.schedule_work_order(order=order, crew=crew, by=clerk)
            services.dispatch_work_order(order=order, by=clerk)

    first = start(clerk).account.work_orders.get()
    services.schedule_work_order(order=first, crew=crew, by=clerk)
    services.dispatch_work_order(order=first, by=clerk)
    client.force_login(field_user)
    html = assert_flat_budget(
        client, "/workorders/field/", add_rows=a_busy_day, budget=10
    ).content.decode()
    assert html.count('<li><a class="field-order') == 31
