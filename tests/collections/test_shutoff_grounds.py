"""Reasons other than non-payment on the shut-off list (issue #17): by policy, an overdue
backflow test whose overdue notice has had its days puts the premise's account on the list,
named; every protection still holds; one disconnection per device and due date; service
comes back only once the test passes and nothing is due."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import extensions
from collections_app import collectible, queries, services
from collections_app.models import Disconnection, DisconnectionGround, Reconnection, WeatherHold
from permits import services as permits
from permits.models import BackflowNotice
from tests.collections.conftest import active_water, delinquent
from tests.collections.test_field_and_reconnect import _complete, _pay
from tests.collections.test_shutoff import arrange, noticed, shutoff_day
from tests.factories import make_account, make_customer
from utilityclerk import business_day
from utilityclerk.core.models import Holiday, Policy
from workorders.models import Crew, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def backflow_shutoff(db):
    """The policy switched on (it is off by default), 10 days after the notice."""
    Policy.objects.filter(pk=Policy.current().pk).update(
        backflow_shutoff=True, backflow_shutoff_after_days=10
    )


@pytest.fixture
def crew(db):
    return Crew.objects.create(name="North crew")


def overdue_device(account, by, *, noticed_days_ago=15, serial="RP-77"):
    """A device at the account's premise, a test 40 days overdue, its overdue notice served
    `noticed_days_ago` (None: never)."""
    today = business_day.today()
    device = permits.add_backflow_device(
        premise=account.premise,
        device_type="RPZ",
        size='1"',
        serial=serial,
        location="Front yard",
        next_test_due=today - timedelta(days=40),
        by=by,
    )
    if noticed_days_ago is not None:
        permits.serve_backflow_notices(on=today - timedelta(days=noticed_days_ago), by=by)
    return device


def paid_up(**customer):
    """An active account with water on and nothing owed."""
    account = make_account(customer=make_customer(**customer))
    active_water(account)
    return account


def row_for(account, day=None):
    rows = [
        r for r in queries.shutoff_list(day or shutoff_day()).rows if r.account_id == account.pk
    ]
    return rows[0] if rows else None


def test_an_overdue_backflow_test_is_no_ground_while_the_policy_is_off(clerk):
    account = paid_up()
    overdue_device(account, clerk)
    assert not Policy.current().backflow_shutoff
    assert row_for(account) is None


def test_by_policy_an_overdue_test_past_its_notice_days_puts_the_account_on_the_list(
    clerk, backflow_shutoff
):
    account = paid_up()
    overdue_device(account, clerk)
    row = row_for(account)
    assert row.eligible
    assert row.notice_id is None
    assert not row.for_past_due
    (reason,) = row.grounds
    assert reason.startswith('Backflow test overdue: RPZ 1" #RP-77, due ')
    # Nothing owed is no protection against a reason that is not about money.
    assert row.collectible == Decimal("0.00")
    assert "Paid" not in row.reasons
    listing = queries.shutoff_list(shutoff_day())
    assert listing.grounds() == {"Backflow test overdue": 1}


def test_not_before_the_policys_days_after_the_notice_nor_without_one(clerk, backflow_shutoff):
    early = paid_up()
    overdue_device(early, clerk, noticed_days_ago=None)
    assert row_for(early) is None  # overdue, but no notice served yet
    permits.serve_backflow_notices(on=shutoff_day() - timedelta(days=9), by=clerk)
    assert row_for(early) is None  # 9 days: one short
    assert row_for(early, shutoff_day() + timedelta(days=1)) is not None


def test_a_reprinted_notice_keeps_the_first_date(clerk):
    account = paid_up()
    device = overdue_device(account, clerk, noticed_days_ago=15)
    permits.serve_backflow_notices(on=business_day.today(), by=clerk)
    notice = BackflowNotice.objects.get(device=device)
    assert notice.noticed_on == business_day.today() - timedelta(days=15)


def _hold_dispute(account):
    collectible.register_hold(
        "test_dispute", f"SELECT {account.pk}::bigint AS account_id, 20::numeric AS amount"
    )


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda a, u, day: type(a.customer).objects.filter(pk=a.customer_id).update(life_support=True),
         "Life support"),
        (lambda a, u, day: type(a.customer).objects.filter(pk=a.customer_id).update(
            medical_certificate_until=day), "Medical certificate"),
        (lambda a, u, day: WeatherHold.objects.create(date=day, reason="18 °F", set_by=u),
         "Weather hold"),
        (lambda a, u, day: _hold_dispute(a), "Open dispute"),
        (lambda a, u, day: arrange(a), "Kept arrangement"),
        (lambda a, u, day: Holiday.objects.create(date=day, name="Test day"),
         "No shut-off on a holiday"),
        (lambda a, u, day: a.services.update(status="stopped"), "No active service"),
    ],
)  # fmt: skip
def test_every_protection_holds_against_a_backflow_ground(
    setup, reason, clerk, supervisor, backflow_shutoff
):
    account, _ = delinquent("200.00", days_past_due=15)
    overdue_device(account, clerk)
    day = shutoff_day()
    setup(account, supervisor, day)
    try:
        row = row_for(account, day)
        assert reason in row.reasons
        assert not row.eligible
    finally:
        collectible.unregister_hold("test_dispute")


def test_only_the_account_taking_service_at_the_premise_is_named(clerk, backflow_shutoff):
    account = paid_up()
    overdue_device(account, clerk)
    type(account).objects.filter(pk=account.pk).update(status="final")
    assert row_for(account) is None


def test_an_account_under_the_minimum_is_listed_for_the_test_not_for_the_money(
    clerk, backflow_shutoff
):
    account, _ = noticed("20.00")
    overdue_device(account, clerk)
    row = row_for(account)
    assert row.eligible
    assert not row.for_past_due
    assert row.grounds[0].startswith("Backflow test overdue")


def test_approval_raises_one_order_naming_the_test_however_often_it_runs(
    clerk, supervisor, backflow_shutoff
):
    account = paid_up()
    overdue_device(account, clerk)
    result = services.approve_shutoff(day=shutoff_day(), by=supervisor)
    assert result["counts"]["Disconnect orders"] == 1
    again = services.approve_shutoff(day=shutoff_day(), by=supervisor)
    assert again["counts"]["Disconnect orders"] == 0
    disconnection = Disconnection.objects.get(account=account)
    assert disconnection.notice is None
    assert disconnection.reason.startswith("Backflow test overdue: RPZ")
    (ground,) = disconnection.grounds.all()
    assert ground.key.startswith("backflow:")
    order = disconnection.work_order
    assert order.type_id == "disconnect"
    assert "Disconnect: Backflow test overdue" in order.instructions
    assert "Paying does not stop this" in order.instructions
    # The list has nothing more to do for the device and its due date.
    assert row_for(account) is None


def test_past_due_and_an_overdue_test_make_one_order_naming_both(
    clerk, supervisor, backflow_shutoff
):
    account, notice = noticed("200.00")
    overdue_device(account, clerk)
    assert row_for(account).grounds[0] == "Past due"
    services.approve_shutoff(day=shutoff_day(), by=supervisor)
    disconnection = Disconnection.objects.get(account=account)
    assert disconnection.notice == notice
    assert disconnection.reason.startswith("Past due; Backflow test overdue")
    assert "Collect or disconnect: $200.00 due now" in disconnection.work_order.instructions
    assert "Disconnect: Backflow test overdue" in disconnection.work_order.instructions
    assert WorkOrder.objects.filter(type_id="disconnect").count() == 1


def _disconnected_for_backflow(clerk, supervisor):
    account = paid_up()
    device = overdue_device(account, clerk)
    services.approve_shutoff(day=shutoff_day(), by=supervisor)
    disconnection = Disconnection.objects.get(account=account)
    order = disconnection.work_order
    WorkOrder.objects.filter(pk=order.pk).update(raised_on=business_day.today())
    _complete(order, supervisor)
    return account, device, disconnection


def _pass_test(device, clerk):
    return permits.file_backflow_test(
        device=device,
        tested_on=business_day.today(),
        tester_name="Al Vega",
        tester_certification="BPAT-5521",
        passed=True,
        readings="RV 2.5 psid",
        by=clerk,
    )


def test_paying_does_not_reconnect_while_the_test_is_overdue_and_a_passing_test_does(
    clerk, supervisor, crew, backflow_shutoff, django_capture_on_commit_callbacks
):
    account, device, disconnection = _disconnected_for_backflow(clerk, supervisor)
    fee = Policy.current().reconnect_fee
    assert services.grounds_still_holding(disconnection)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, str(fee), clerk)
    assert not Reconnection.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _pass_test(device, clerk)
    reconnection = Reconnection.objects.get(disconnection=disconnection)
    assert reconnection.work_order.type_id == "reconnect"
    assert "put right" in reconnection.work_order.instructions


def test_a_passing_test_with_money_still_due_waits_for_the_payment(
    clerk, supervisor, crew, backflow_shutoff, django_capture_on_commit_callbacks
):
    account, device, disconnection = _disconnected_for_backflow(clerk, supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        _pass_test(device, clerk)
    assert not Reconnection.objects.exists()  # the reconnect fee is still due
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, str(Policy.current().reconnect_fee), clerk)
    assert Reconnection.objects.filter(disconnection=disconnection).exists()


def test_a_passing_test_before_the_crew_goes_calls_the_disconnect_off(
    clerk, supervisor, backflow_shutoff, django_capture_on_commit_callbacks
):
    account = paid_up()
    device = overdue_device(account, clerk)
    services.approve_shutoff(day=shutoff_day(), by=supervisor)
    order = Disconnection.objects.get(account=account).work_order
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, "10.00", clerk)  # a payment alone calls nothing off
    order.refresh_from_db()
    assert order.status != "cancelled"
    with django_capture_on_commit_callbacks(execute=True):
        _pass_test(device, clerk)
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_the_field_screen_says_disconnect_whatever_is_paid(
    clerk, supervisor, crew, client, backflow_shutoff
):
    from tests.factories import make_user
    from workorders.models import CrewMember

    account = paid_up()
    overdue_device(account, clerk, serial="DC-88")
    services.approve_shutoff(day=shutoff_day(), by=supervisor, crew=crew)
    order = Disconnection.objects.get(account=account).work_order
    tech = make_user("tech", role="Field")
    CrewMember.objects.create(crew=crew, user=tech)
    client.force_login(tech)
    page = client.get(f"/collections/field/{order.number}/").content.decode()
    assert "Disconnect whatever is paid" in page
    assert "#DC-88" in page
    assert "Do not disconnect" not in page


def test_the_account_header_names_the_reason_it_was_disconnected(
    clerk, supervisor, crew, clerk_client, backflow_shutoff
):
    account, _device, _ = _disconnected_for_backflow(clerk, supervisor)
    status = queries.collection_status(account.pk)
    assert status.disconnected
    assert status.disconnect_reason.startswith("Backflow test overdue")
    page = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert 'id="collection-disconnect-reason">Backflow test overdue' in page
    assert "and the reason put right" in page


def test_a_ground_registered_by_another_app_is_named_and_keyed_by_its_name(clerk, supervisor):
    account = paid_up()
    extensions.shutoff_ground(
        "meter_tamper",
        "Meter tampering",
        lambda day: (
            "SELECT %(tamper_account)s::bigint AS account_id, 'Meter seal broken' AS reason, "
            "'7' AS key",
            {"tamper_account": account.pk},
        ),
    )
    try:
        row = row_for(account)
        assert row.grounds == ["Meter seal broken"]
        assert row.ground_keys == ["meter_tamper:7"]
        assert queries.shutoff_list(shutoff_day()).grounds() == {"Meter tampering": 1}
        services.approve_shutoff(day=shutoff_day(), by=supervisor)
        assert DisconnectionGround.objects.get().key == "meter_tamper:7"
    finally:
        extensions.unregister_shutoff_ground("meter_tamper")


# The list on screen, as PDF and as CSV ----------------------------------------------------


def _two_listed(clerk):
    """One account listed for the money, one for an overdue backflow test."""
    for_money, _ = noticed("200.00")
    for_test = paid_up(first_name="Rosa", last_name="Villarreal")
    overdue_device(for_test, clerk, serial="RP-5150")
    return for_money, for_test


def test_the_screen_says_why_each_account_is_on_the_list(
    clerk, supervisor_client, backflow_shutoff, django_assert_max_num_queries
):
    _two_listed(clerk)
    # Sign-in and permissions 4, policy, holidays and weather 6, each other reason (one)
    # and its policy 2, the notices in reach 1, the list itself 3 (with JIT off), the crews.
    with django_assert_max_num_queries(20):
        page = supervisor_client.get(f"/collections/shutoff/?day={shutoff_day().isoformat()}")
    html = page.content.decode()
    assert "<strong>2</strong> to disconnect" in html
    assert '<td class="why">Past due</td>' in html
    assert '<td class="why">Backflow test overdue: RPZ 1&quot; #RP-5150' in html
    assert "On the list for backflow test overdue: 1" in html


def test_the_pdf_says_why_each_account_is_on_the_list_and_why_not(
    clerk, supervisor_client, backflow_shutoff, django_assert_max_num_queries
):
    from pypdf import PdfReader

    _for_money, for_test = _two_listed(clerk)
    noticed("300.00", life_support=True)
    with django_assert_max_num_queries(19):
        response = supervisor_client.get(f"/collections/shutoff/list.pdf?day={shutoff_day()}")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(__import__("io").BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "2 to disconnect" in text
    assert 'Backflow test overdue: RPZ 1" #RP-5150' in text
    assert for_test.display_number in text
    assert "Past due" in text
    assert "Life support" in text  # the one left off, and why


def test_the_csv_has_every_account_looked_at_with_why(
    clerk, supervisor_client, backflow_shutoff, django_assert_max_num_queries
):
    import csv
    import io

    for_money, for_test = _two_listed(clerk)
    protected, _ = noticed("300.00", life_support=True)
    with django_assert_max_num_queries(19):
        response = supervisor_client.get(f"/collections/shutoff/list.csv?day={shutoff_day()}")
    rows = {r["account"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows[for_money.display_number]["listed_for"] == "Past due"
    assert rows[for_money.display_number]["on_list"] == "yes"
    assert rows[for_test.display_number]["listed_for"].startswith("Backflow test overdue")
    assert rows[for_test.display_number]["collectible"] == "0.00"
    assert rows[protected.display_number]["on_list"] == "no"
    assert rows[protected.display_number]["excluded_because"] == "Life support"


def test_the_list_exports_are_for_supervisors(clerk_client):
    day = shutoff_day().isoformat()
    assert clerk_client.get(f"/collections/shutoff/list.pdf?day={day}").status_code == 403
    assert clerk_client.get(f"/collections/shutoff/list.csv?day={day}").status_code == 403


def test_the_run_proof_counts_the_accounts_by_why(clerk, supervisor, backflow_shutoff):
    from collections_app import run_kinds
    from utilityclerk.runs.services import start_run

    _two_listed(clerk)
    run = start_run(
        kind="collections.shutoff",
        scope=shutoff_day().isoformat(),
        params={"day": shutoff_day().isoformat(), "crew": None},
        by=supervisor,
    )
    proof = run_kinds.shutoff_proof(run)
    assert proof["grounds"] == {"Past due": 1, "Backflow test overdue": 1}
    assert proof["counts"]["Accounts"] == 2


def test_approval_a_chunk_at_a_time_makes_one_order_each_and_none_again(
    clerk, supervisor, crew, backflow_shutoff, monkeypatch
):
    monkeypatch.setattr(services, "APPROVE_CHUNK", 2)
    accounts = [noticed(f"{100 + i}.00")[0] for i in range(3)]
    tested = paid_up()
    overdue_device(tested, clerk)
    result = services.approve_shutoff(day=shutoff_day(), by=supervisor, crew=crew)
    assert result["counts"]["Disconnect orders"] == 4
    orders = WorkOrder.objects.filter(type_id="disconnect")
    assert {o.account_id for o in orders} == {a.pk for a in accounts} | {tested.pk}
    assert {o.status for o in orders} == {"scheduled"}
    assert {o.crew for o in orders} == {crew}
    assert services.approve_shutoff(day=shutoff_day(), by=supervisor)["counts"] == {
        "Disconnect orders": 0,
        "Excluded": 0,
    }
    # Each disconnect reads the account's metered service, as one raised alone would.
    assert all(o.service_id for o in orders)
