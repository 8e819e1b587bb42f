"""Investigation steps raise work orders through the work-order services; their results come
back to the case, which waits on them."""

from decimal import Decimal

import pytest

from collections_app.disputes import services
from collections_app.disputes.models import CaseStatus
from collections_app.disputes.services import DisputeError
from tests.disputes.helpers import open_bill_case
from workorders import services as work_orders
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(high_bill_account, clerk):
    return open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)


def test_a_re_read_waits_and_its_read_comes_back(case, clerk, crew, field_user):
    link = services.raise_investigation(
        case=case, step="re_read", instructions="Check the dials", by=clerk
    )
    order = link.work_order
    assert order.type_id == "re_read" and order.account_id == case.account_id
    assert order.service.utility == "water"
    assert (
        f"Dispute {case.number}" in order.instructions and "Check the dials" in order.instructions
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING
    assert case.acknowledged_on is not None  # the first step answers the customer
    with pytest.raises(DisputeError, match="waits on field work"):
        services.resolve_case(case=case, outcome="upheld", reason="x", by=clerk)
    work_orders.schedule_work_order(order=order, crew=crew, by=clerk)
    work_orders.complete_work_order(
        order=WorkOrder.objects.get(pk=order.pk),
        read=Decimal("150"),
        notes="Dials clear",
        by=field_user,
    )
    case.refresh_from_db()
    link.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert link.finished == "completed"
    assert "Read 150" in link.result and "Dials clear" in link.result
    last = case.status_changes.last()
    assert last.to_status == CaseStatus.INVESTIGATING and order.number in last.note


def test_the_case_waits_until_every_order_is_back(case, clerk, crew):
    first = services.raise_investigation(case=case, step="leak_check", instructions="", by=clerk)
    second = services.raise_investigation(case=case, step="meter_test", instructions="", by=clerk)
    work_orders.schedule_work_order(order=first.work_order, crew=crew, by=clerk)
    work_orders.complete_work_order(
        order=WorkOrder.objects.get(pk=first.work_order.pk),
        notes="Toilet flapper leaking",
        by=clerk,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING
    work_orders.cancel_work_order(order=second.work_order, reason="Customer fixed it", by=clerk)
    case.refresh_from_db()
    second.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert second.finished == "cancelled" and "Customer fixed it" in second.result


def test_an_order_not_raised_for_a_case_changes_no_case(case, clerk, crew, high_bill_account):
    order = work_orders.raise_work_order(
        kind="other", premise=high_bill_account.premise, account=high_bill_account, by=clerk
    )
    work_orders.schedule_work_order(order=order, crew=crew, by=clerk)
    work_orders.complete_work_order(order=WorkOrder.objects.get(pk=order.pk), by=clerk)
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED


def test_no_field_work_for_a_resolved_case(case, clerk):
    services.resolve_case(case=case, outcome="upheld", reason="Right", by=clerk)
    with pytest.raises(DisputeError, match="no more field work"):
        services.raise_investigation(case=case, step="re_read", instructions="", by=clerk)
    assert not WorkOrder.objects.filter(type_id="re_read").exists()
