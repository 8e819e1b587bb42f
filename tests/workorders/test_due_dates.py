from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from utilityclerk.core.models import Holiday
from workorders.models import WorkOrderType
from workorders.services import due_date_for

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")


def at(day: date, hour=9, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=CHICAGO)


def kind(code):
    return WorkOrderType.objects.get(code=code)


def test_types_come_with_the_policy_turnaround():
    days = dict(WorkOrderType.objects.values_list("code", "turnaround_days"))
    assert days == {
        "turn_on": 1,
        "turn_off": 1,
        "disconnect": 0,
        "reconnect": 1,
        "final_read": 0,
        "re_read": 3,
        "meter_test": 10,
        "leak_check": 0,
        "other": 5,
    }
    assert kind("leak_check").default_priority == "high"


def test_turn_on_raised_friday_is_due_monday():
    assert due_date_for(kind("turn_on"), raised_at=at(date(2026, 11, 20))) == date(2026, 11, 23)


def test_holidays_are_skipped():
    # Thanksgiving Thursday and the Friday after are city holidays.
    Holiday.objects.create(date=date(2026, 11, 26), name="Thanksgiving")
    Holiday.objects.create(date=date(2026, 11, 27), name="Day after Thanksgiving")
    assert due_date_for(kind("turn_on"), raised_at=at(date(2026, 11, 25))) == date(2026, 11, 30)
    # Re-read: 3 business days from Wednesday 11/25 -> Mon 30, Tue 1, Wed 2.
    assert due_date_for(kind("re_read"), raised_at=at(date(2026, 11, 25))) == date(2026, 12, 2)


def test_meter_test_takes_ten_business_days():
    assert due_date_for(kind("meter_test"), raised_at=at(date(2026, 11, 2))) == date(2026, 11, 16)


def test_final_read_is_due_on_the_stop_date():
    stop = date(2026, 12, 15)
    assert (
        due_date_for(kind("final_read"), raised_at=at(date(2026, 11, 2)), requested_for=stop)
        == stop
    )


def test_stop_date_on_a_weekend_is_due_the_next_business_day():
    saturday = date(2026, 12, 12)
    assert due_date_for(
        kind("final_read"), raised_at=at(date(2026, 12, 1)), requested_for=saturday
    ) == date(2026, 12, 14)


def test_start_date_later_than_the_turnaround_sets_the_due_date():
    start = date(2026, 12, 1)
    assert (
        due_date_for(kind("turn_on"), raised_at=at(date(2026, 11, 2)), requested_for=start) == start
    )


def test_reconnect_paid_before_three_is_due_the_same_day():
    tuesday = date(2026, 11, 3)
    assert due_date_for(kind("reconnect"), raised_at=at(tuesday, 14, 59)) == tuesday
    assert due_date_for(kind("reconnect"), raised_at=at(tuesday, 15, 0)) == date(2026, 11, 4)


def test_leak_check_raised_on_a_holiday_is_due_next_business_day():
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas")
    assert due_date_for(kind("leak_check"), raised_at=at(date(2026, 12, 25))) == date(2026, 12, 28)
