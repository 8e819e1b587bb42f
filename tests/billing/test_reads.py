"""Meter reads: the checks, the exceptions queue, estimates and their true-up."""

from datetime import date
from decimal import Decimal

import pytest

from billing import reads
from billing.models import MeterReading, ReadKind, ReadProblem, ReadStatus
from billing.reads import Expected, ReadError, check_read

D = Decimal
NORMAL = Expected(low=D(1350), high=D(10800), use=D(5400))


def test_a_read_in_range_is_good():
    assert check_read(value=D(15400), previous_value=D(10000), expected=NORMAL).problem == ""


def test_rollover_counts_through_zero_on_the_dials():
    checked = check_read(value=D(3000), previous_value=D(9_998_000), dials=7, expected=NORMAL)
    assert checked.problem == ReadProblem.ROLLOVER
    assert checked.use == D(5000)


def test_lower_read_too_far_for_a_rollover_is_negative_use():
    checked = check_read(value=D(3000), previous_value=D(500_000), dials=7, expected=NORMAL)
    assert checked.problem == ReadProblem.NEGATIVE
    assert checked.use is None


def test_zero_use_on_an_active_service_is_flagged_but_not_on_a_stopped_one():
    assert check_read(value=D(100), previous_value=D(100)).problem == ReadProblem.ZERO
    assert check_read(value=D(100), previous_value=D(100), active=False).problem == ""


def test_high_and_low_against_the_average():
    assert check_read(value=D(30000), previous_value=D(10000), expected=NORMAL).problem == "high"
    assert check_read(value=D(10500), previous_value=D(10000), expected=NORMAL).problem == "low"


def test_thresholds_come_from_the_policy(make_metered_account, clerk):
    from utilityclerk.core.models import Policy

    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    policy = Policy.current()
    policy.read_high_percent = 110
    policy.save()
    reading, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 6500, by=clerk
    )
    assert reading.problem == ReadProblem.HIGH
    assert reading.status == ReadStatus.EXCEPTION


def test_the_same_read_twice_is_recorded_once(make_metered_account, clerk):
    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    first, created = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 5400, by=clerk
    )
    again, created_again = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 5400, by=clerk
    )
    assert created and not created_again and first.pk == again.pk
    assert first.use == D(5400) and first.status == ReadStatus.OK
    with pytest.raises(ReadError, match="already has a read"):
        reads.record_reading(
            service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 1, by=clerk
        )


def test_bad_reads_are_refused_with_a_message(make_metered_account, clerk):
    account = make_metered_account()
    with pytest.raises(ReadError, match="cannot be negative"):
        reads.record_reading(
            service_point=account.point, read_on=date(2026, 11, 21), value=D(-1), by=clerk
        )
    with pytest.raises(ReadError, match="later read"):
        reads.record_reading(
            service_point=account.point, read_on=date(2026, 1, 5), value=D(99999), by=clerk
        )
    assert not MeterReading.objects.filter(entered_by=clerk).exists()


def test_accepting_a_high_read_makes_it_billable(make_metered_account, clerk):
    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    reading, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 40000, by=clerk
    )
    assert reading.status == ReadStatus.EXCEPTION
    reads.accept_reading(reading=reading, by=clerk)
    reading.refresh_from_db()
    assert reading.status == ReadStatus.ACCEPTED and reading.use == D(40000)


def test_a_negative_read_cannot_be_accepted(make_metered_account, clerk):
    account = make_metered_account()
    reading, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=D(5), by=clerk
    )
    assert reading.problem == ReadProblem.NEGATIVE
    with pytest.raises(ReadError, match="cannot bill"):
        reads.accept_reading(reading=reading, by=clerk)


def test_estimate_replaces_the_waiting_read_with_average_use(make_metered_account, clerk):
    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    bad, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=D(5), by=clerk
    )
    estimate = reads.estimate_reading(
        service_point=account.point, read_on=date(2026, 11, 21), by=clerk
    )
    bad.refresh_from_db()
    assert bad.status == ReadStatus.REPLACED
    assert estimate.kind == ReadKind.ESTIMATED
    # The reads of the 12 months before: 11 of 5,400 gal over 334 days, x 31 days.
    assert estimate.use == (D(11 * 5400) / 334 * 31).quantize(D(1))
    assert estimate.value == last.value + estimate.use


def test_reread_work_order_read_replaces_the_waiting_read(make_metered_account, clerk, db):
    from workorders import services as work_orders
    from workorders.models import Crew

    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    bad, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=D(5), by=clerk
    )
    order = reads.send_reread(reading=bad, by=clerk)
    assert order.type_id == "re_read"
    crew = Crew.objects.create(name="North")
    work_orders.schedule_work_order(order=order, crew=crew, on=order.raised_on, by=clerk)
    work_orders.dispatch_work_order(order=order, by=clerk)
    work_orders.complete_work_order(
        order=order, by=clerk, read=last.value + 5300, done_on=order.raised_on
    )
    bad.refresh_from_db()
    assert bad.status == ReadStatus.REPLACED
    reread = MeterReading.objects.get(work_order=order, source="work_order")
    assert reread.use == D(5300) and reread.status == ReadStatus.OK
