from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import make_premise
from workorders import queries, services
from workorders.models import Vendor, WorkOrder

pytestmark = pytest.mark.django_db


def vendor_order(clerk, vendor, *, premise, kind="meter_test", raised, done, due=None, cost=None):
    """A vendor order raised and completed on known dates (vendors report completions late)."""
    order = services.raise_work_order(kind=kind, premise=premise, by=clerk)
    WorkOrder.objects.filter(pk=order.pk).update(
        raised_on=raised,
        raised_at=timezone.make_aware(
            timezone.datetime.combine(raised, timezone.datetime.min.time())
        ),
        due_date=due or raised + timedelta(days=5),
    )
    order.refresh_from_db()
    services.schedule_work_order(order=order, vendor=vendor, on=raised, by=clerk)
    if done is not None:
        services.complete_work_order(order=order, by=clerk, done_on=done, cost=cost)
    return order


def test_vendor_scorecard_on_known_data(clerk, vendor):
    other = Vendor.objects.create(
        name="Bexar Leak Detection", trade="Leak detection", turnaround_days=2
    )
    a, b, c = make_premise(), make_premise(), make_premise()
    oct1 = date(2026, 10, 1)
    # Three orders completed in October: 2, 4 and 9 days; the 9-day one after its due date.
    vendor_order(
        clerk, vendor, premise=a, raised=oct1, done=oct1 + timedelta(days=2), cost=Decimal("120.00")
    )
    vendor_order(
        clerk, vendor, premise=b, raised=oct1, done=oct1 + timedelta(days=4), cost=Decimal("80.00")
    )
    vendor_order(clerk, vendor, premise=c, raised=oct1, done=oct1 + timedelta(days=9))
    # A call-back: another meter test at premise a, 10 days after the first was completed.
    vendor_order(clerk, other, premise=a, raised=oct1 + timedelta(days=12), done=None)
    # Not a call-back: a different type at b, and a meter test at c 40 days later.
    vendor_order(
        clerk, other, premise=b, kind="leak_check", raised=oct1 + timedelta(days=5), done=None
    )
    vendor_order(clerk, other, premise=c, raised=oct1 + timedelta(days=50), done=None)
    # Completed in November: not in October's card.
    vendor_order(
        clerk, vendor, premise=make_premise(), raised=date(2026, 10, 28), done=date(2026, 11, 2)
    )

    start, end = queries.month_bounds(2026, 10)
    scores = {s.name: s for s in queries.vendor_scorecard(start, end)}
    card = scores["Alamo Meter Co"]
    assert card.completed == 3
    assert card.on_time == 2
    assert card.on_time_share == Decimal("66.7")
    assert card.median_days == Decimal("4.0")
    assert card.call_backs == 1
    assert card.cost == Decimal("200.00")
    assert card.average_cost == Decimal("100.00")
    assert scores["Bexar Leak Detection"].completed == 0
    assert scores["Bexar Leak Detection"].on_time_share is None


def test_a_cancelled_follow_up_is_not_a_call_back(clerk, vendor):
    premise = make_premise()
    oct1 = date(2026, 10, 1)
    vendor_order(clerk, vendor, premise=premise, raised=oct1, done=oct1 + timedelta(days=1))
    follow_up = vendor_order(
        clerk, vendor, premise=premise, raised=oct1 + timedelta(days=3), done=None
    )
    services.cancel_work_order(order=follow_up, reason="Raised twice by mistake", by=clerk)
    (card,) = queries.vendor_scorecard(*queries.month_bounds(2026, 10))
    assert card.call_backs == 0
