"""Many orders raised at once (a shut-off list's disconnects): each as raise_work_order and
schedule_work_order would make it, numbered, with its history and audit trail."""

import pytest

from tests.factories import make_account
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent
from workorders import services
from workorders.models import WorkOrder, WorkOrderStatusChange

pytestmark = pytest.mark.django_db


def _orders(n):
    day = business_day.add_business_days(business_day.today(), 3)
    accounts = [make_account() for _ in range(n)]
    return (
        day,
        accounts,
        [
            services.NewOrder(
                premise_id=a.premise_id, account_id=a.pk, requested_for=day, instructions=f"#{i}"
            )
            for i, a in enumerate(accounts)
        ],
    )


def test_many_orders_are_raised_open_each_numbered_with_history_and_audit(clerk):
    day, accounts, new = _orders(3)
    made = services.raise_work_orders(kind="disconnect", orders=new, by=clerk)
    assert [o.account_id for o in made] == [a.pk for a in accounts]
    assert len({o.number for o in made}) == 3
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in made]):
        assert order.status == "open"
        assert order.due_date == day  # the day asked for, as raise_work_order gives it
        assert order.raised_by == clerk
        history = list(order.status_changes.values_list("from_status", "to_status"))
        assert history == [("", "open")]
        events = AuditEvent.objects.filter(target_id=str(order.pk), action="workorder.raise")
        assert events.get().after["number"] == order.number


def test_scheduled_to_a_crew_they_move_open_then_scheduled(clerk, crew):
    day, _accounts, new = _orders(2)
    made = services.raise_work_orders(kind="disconnect", orders=new, by=clerk, crew=crew, on=day)
    for order in WorkOrder.objects.filter(pk__in=[o.pk for o in made]):
        assert (order.status, order.crew, order.scheduled_for) == ("scheduled", crew, day)
        history = list(order.status_changes.values_list("from_status", "to_status"))
        assert history == [("", "open"), ("open", "scheduled")]
        assert AuditEvent.objects.filter(
            target_id=str(order.pk), action="workorder.scheduled"
        ).exists()


def test_nothing_to_raise_raises_nothing(clerk):
    assert services.raise_work_orders(kind="disconnect", orders=[], by=clerk) == []
    assert not WorkOrderStatusChange.objects.exists()


def test_an_inactive_crew_is_refused(clerk, crew):
    crew.active = False
    crew.save()
    _day, _accounts, new = _orders(1)
    with pytest.raises(services.WorkOrderError):
        services.raise_work_orders(
            kind="disconnect", orders=new, by=clerk, crew=crew, on=business_day.today()
        )
    assert not WorkOrder.objects.exists()
