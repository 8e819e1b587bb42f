"""Door hangers, disconnect, and reconnection on payment: the fee posts once on delivery,
a completed disconnect posts the reconnect fee, paying what is due now raises the reconnect
order at once, due by the 15:00 and holiday rules."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import LedgerEntry
from collections_app import services
from collections_app.collectible import collectible_for_account
from collections_app.models import Disconnection, DoorHanger, Reconnection
from tests.collections.test_shutoff import noticed, shutoff_day
from utilityclerk import business_day
from utilityclerk.core.models import Holiday, Policy
from workorders import services as work_orders
from workorders.models import Crew, WorkOrder

pytestmark = pytest.mark.django_db


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.mark.parametrize(
    ("asked", "due"),
    [
        (local(date(2027, 3, 2), 14, 59), date(2027, 3, 2)),  # Tuesday before 15:00
        (local(date(2027, 3, 2), 15, 0), date(2027, 3, 3)),  # at 15:00: next business day
        (local(date(2027, 3, 5), 16, 0), date(2027, 3, 8)),  # Friday late: Monday
        (local(date(2027, 3, 6), 10, 0), date(2027, 3, 8)),  # Saturday: Monday
    ],
)
def test_reconnect_is_due_the_same_day_before_15_00_else_the_next_business_day(asked, due):
    assert services.reconnect_due_date(asked) == due


def test_a_holiday_is_skipped_by_the_reconnect_due_date():
    Holiday.objects.create(date=date(2027, 3, 3), name="Test holiday")
    assert services.reconnect_due_date(local(date(2027, 3, 2), 15, 30)) == date(2027, 3, 4)
    assert services.reconnect_due_date(local(date(2027, 3, 3), 9, 0)) == date(2027, 3, 4)


def test_after_hours_is_outside_business_hours_or_on_a_day_off():
    policy = Policy.current()
    assert not services.is_after_hours(local(date(2027, 3, 2), 9, 0), policy)
    assert services.is_after_hours(local(date(2027, 3, 2), 17, 0), policy)
    assert services.is_after_hours(local(date(2027, 3, 6), 10, 0), policy)


@pytest.fixture
def crew(db):
    return Crew.objects.create(name="North crew")


def _complete(order, by):
    order.refresh_from_db()
    if order.status == "open":
        work_orders.schedule_work_order(order=order, by=by, crew=Crew.objects.first())
    return work_orders.complete_work_order(order=order, by=by, read=Decimal("1000"))


def test_door_hanger_order_per_notice_and_fee_when_delivered(supervisor, crew):
    day = business_day.today()
    disconnect_on = business_day.add_business_days(day, 1)
    account, notice = noticed("200.00", day=disconnect_on)
    result = services.issue_door_hangers(day=day, by=supervisor, crew=crew)
    assert result["door_hangers"] == 1
    assert services.issue_door_hangers(day=day, by=supervisor, crew=crew)["door_hangers"] == 0
    hanger = DoorHanger.objects.get(notice=notice)
    assert hanger.work_order.type_id == "other"
    assert hanger.route == account.premise.street
    assert not LedgerEntry.objects.filter(account=account, reason_code="door_hanger").exists()
    _complete(hanger.work_order, supervisor)
    hanger.refresh_from_db()
    fee = hanger.fee_entry
    assert fee.amount == Policy.current().door_hanger_fee
    assert hanger.delivered_on is not None
    # Completing again changes nothing.
    _complete(hanger.work_order, supervisor)
    assert LedgerEntry.objects.filter(account=account, reason_code="door_hanger").count() == 1


def _disconnected(supervisor, amount="200.00"):
    account, notice = noticed(amount)
    services.approve_shutoff(day=shutoff_day(), by=supervisor)
    disconnection = Disconnection.objects.get(notice=notice)
    order = disconnection.work_order
    work_orders.schedule_work_order(order=order, by=supervisor, crew=Crew.objects.first())
    # Done today (the crew went early): the test cannot wait for the date.
    WorkOrder.objects.filter(pk=order.pk).update(raised_on=business_day.today())
    work_orders.complete_work_order(order=order, by=supervisor, read=Decimal("1000"))
    account.refresh_from_db()
    return account, disconnection


def test_a_completed_disconnect_stops_service_and_posts_the_reconnect_fee(supervisor, crew):
    account, _disconnection = _disconnected(supervisor)
    assert not account.services.filter(status="active").exists()
    fee = LedgerEntry.objects.get(account=account, kind="reconnect_fee")
    assert fee.amount == Policy.current().reconnect_fee
    assert collectible_for_account(account.pk).due_now == Decimal("250.00")


def _pay(account, amount, clerk):
    import uuid

    from payments import services as payments
    from payments.models import Drawer
    from payments.tenders import TenderInput

    drawer = Drawer.objects.first() or Drawer.objects.create(code="T1", name="Test drawer")
    if not drawer.sessions.filter(status="open", opened_by=clerk).exists():
        payments.open_drawer_session(drawer=drawer, opening_float=Decimal("0"), clerk=clerk)
    return payments.take_payment(
        account=account,
        amount=Decimal(amount),
        tenders=[TenderInput(kind="cash", amount=Decimal(amount))],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )


def test_paying_part_raises_no_reconnect(
    supervisor, crew, clerk, django_capture_on_commit_callbacks
):
    account, _ = _disconnected(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, "200.00", clerk)
    assert not Reconnection.objects.exists()


def test_paying_what_is_due_now_raises_the_reconnect_at_once_and_the_receipt_says_when(
    supervisor, crew, clerk, clerk_client, django_capture_on_commit_callbacks
):
    account, disconnection = _disconnected(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        payment = _pay(account, "250.00", clerk)
    reconnection = Reconnection.objects.get(disconnection=disconnection)
    order = reconnection.work_order
    assert order.type_id == "reconnect"
    assert order.due_date == services.reconnect_due_date(order.raised_at)
    assert reconnection.receipt == payment.receipt
    # A second payment raises nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, "5.00", clerk)
    assert Reconnection.objects.count() == 1
    page = clerk_client.get(f"/payments/receipts/{payment.receipt}/print/")
    assert f"work order {order.number}" in page.content.decode()
    # Completing the reconnect turns the water back on.
    _complete(order, supervisor)
    assert account.services.filter(status="active").exists()


def test_paying_before_the_crew_goes_calls_the_disconnect_off(
    supervisor, crew, clerk, django_capture_on_commit_callbacks
):
    account, notice = noticed("200.00")
    services.approve_shutoff(day=shutoff_day(), by=supervisor)
    order = Disconnection.objects.get(notice=notice).work_order
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, "200.00", clerk)
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_field_screen_says_collect_or_disconnect_with_the_amount_due_now(supervisor, crew, client):
    from tests.factories import make_user
    from workorders.models import CrewMember

    _account, notice = noticed("321.00")
    services.approve_shutoff(day=shutoff_day(), by=supervisor, crew=crew)
    order = Disconnection.objects.get(notice=notice).work_order
    tech = make_user("tech", role="Field")
    CrewMember.objects.create(crew=crew, user=tech)
    client.force_login(tech)
    page = client.get(f"/collections/field/{order.number}/").content.decode()
    assert "collect or disconnect" in page
    assert "$321.00 due now" in page
    other = make_user("other", role="Field")
    CrewMember.objects.create(crew=Crew.objects.create(name="South"), user=other)
    client.force_login(other)
    assert client.get(f"/collections/field/{order.number}/").status_code == 403


def test_after_hours_reconnect_charges_the_difference_once_and_only_after_hours(
    supervisor, crew, clerk, django_capture_on_commit_callbacks
):
    account, _ = _disconnected(supervisor)
    with django_capture_on_commit_callbacks(execute=True):
        _pay(account, "250.00", clerk)
    reconnection = Reconnection.objects.get(account=account)
    tuesday_noon = local(date(2027, 3, 2), 12, 0)
    with pytest.raises(services.CollectionsError, match="business hours"):
        services.reconnect_after_hours(reconnection=reconnection, by=clerk, now=tuesday_noon)
    evening = timezone.localtime().replace(hour=19, minute=30)
    services.reconnect_after_hours(reconnection=reconnection, by=clerk, now=evening)
    services.reconnect_after_hours(reconnection=reconnection, by=clerk, now=evening)
    fees = LedgerEntry.objects.filter(account=account, kind="reconnect_fee").order_by("id")
    assert [f.amount for f in fees] == [Decimal("50.00"), Decimal("50.00")]
    reconnection.work_order.refresh_from_db()
    assert reconnection.work_order.priority == "emergency"


def test_door_hangers_a_chunk_at_a_time_one_per_notice(supervisor, crew, monkeypatch):
    monkeypatch.setattr(services, "APPROVE_CHUNK", 1)
    day = business_day.today()
    disconnect_on = business_day.add_business_days(day, 1)
    notices = [noticed(f"{200 + i}.00", day=disconnect_on)[1] for i in range(3)]
    assert services.issue_door_hangers(day=day, by=supervisor, crew=crew)["door_hangers"] == 3
    assert services.issue_door_hangers(day=day, by=supervisor, crew=crew)["door_hangers"] == 0
    hangers = DoorHanger.objects.filter(notice__in=notices).select_related("work_order")
    assert len(hangers) == 3
    assert {h.work_order.status for h in hangers} == {"scheduled"}
    assert all("Door hanger: service is disconnected" in h.work_order.instructions for h in hangers)
