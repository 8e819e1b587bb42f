"""The status machine: one transitions table, the same rules in the database, and effects
that apply exactly once whatever sequence of actions clerks and crews try."""

from itertools import product

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import EntryKind, LedgerEntry, ServiceStatus
from tests.factories import make_user
from tests.workorders.helpers import start
from utilityclerk.core.models import AuditEvent
from workorders import services
from workorders.models import TRANSITIONS, WorkOrder, WorkOrderStatus, WorkOrderStatusChange
from workorders.services import WorkOrderError

pytestmark = pytest.mark.django_db
S = WorkOrderStatus


def _order_in(status, clerk, crew):
    """An order brought to a status through the services (valid steps only)."""
    order = start(clerk).order
    if status in (S.SCHEDULED, S.DISPATCHED, S.COMPLETED):
        services.schedule_work_order(order=order, crew=crew, by=clerk)
    if status == S.DISPATCHED:
        services.dispatch_work_order(order=order, by=clerk)
    if status == S.COMPLETED:
        services.complete_work_order(order=order, read=100, by=clerk)
    if status == S.CANCELLED:
        services.cancel_work_order(order=order, reason="Not needed", by=clerk)
    return WorkOrder.objects.get(pk=order.pk)


@pytest.mark.parametrize(
    ("from_status", "to_status"), [(a, b) for a, b in product(S.values, S.values) if a != b]
)
def test_database_refuses_exactly_the_transitions_the_table_refuses(
    clerk, crew, from_status, to_status
):
    order = _order_in(from_status, clerk, crew)
    assert order.status == from_status
    # A raw UPDATE that satisfies every check constraint, so only the trigger can refuse it.
    completion = (
        {"completed_at": order.raised_at, "completed_on": order.raised_on}
        if to_status == S.COMPLETED
        else {"completed_at": None, "completed_on": None}
    )
    allowed = to_status in TRANSITIONS[from_status]
    try:
        with transaction.atomic():
            WorkOrder.objects.filter(pk=order.pk).update(status=to_status, crew=crew, **completion)
    except IntegrityError as error:
        assert not allowed, f"{from_status} -> {to_status} refused: {error}"
        assert "cannot go from" in str(error)
    else:
        assert allowed, f"{from_status} -> {to_status} was let through"


def test_an_order_cannot_be_inserted_other_than_open(clerk):
    order = start(clerk).order
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="WO-9999999",
            type_id="re_read",
            premise=order.premise,
            status=S.SCHEDULED,
            due_date=order.due_date,
            raised_on=order.raised_on,
            crew_id=None,
        )


def test_status_history_is_append_only(clerk):
    order = start(clerk).order
    change = WorkOrderStatusChange.objects.get(order=order)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        WorkOrderStatusChange.objects.filter(pk=change.pk).update(note="edited")


ACTIONS = ["schedule", "dispatch", "unschedule", "send_back", "cancel", "complete", "complete"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=8))
def test_random_sequences_never_reach_an_invalid_state(steps, crew):
    clerk = make_user()
    with transaction.atomic():
        started = start(clerk)
        order = started.order
        seen = [S.OPEN]
        completions = 0
        for step in steps:
            before = WorkOrder.objects.get(pk=order.pk).status
            try:
                with transaction.atomic():
                    if step == "schedule":
                        services.schedule_work_order(order=order, crew=crew, by=clerk)
                    elif step == "dispatch":
                        services.dispatch_work_order(order=order, by=clerk)
                    elif step == "unschedule":
                        services.unschedule_work_order(order=order, by=clerk)
                    elif step == "send_back":
                        services.send_back_work_order(order=order, note="No access", by=clerk)
                    elif step == "cancel":
                        services.cancel_work_order(
                            order=order, reason="Customer changed mind", by=clerk
                        )
                    else:
                        services.complete_work_order(order=order, read=100, by=clerk)
            except WorkOrderError:
                # Refused: nothing changed.
                assert WorkOrder.objects.get(pk=order.pk).status == before
            after = WorkOrder.objects.get(pk=order.pk).status
            if after != before:
                assert after in TRANSITIONS[before]
                seen.append(after)
                completions += after == S.COMPLETED
        order.refresh_from_db()
        history = list(
            WorkOrderStatusChange.objects.filter(order=order).values_list("to_status", flat=True)
        )
        assert history == seen
        assert completions <= 1
        services_ = set(started.account.services.values_list("status", flat=True))
        activations = AuditEvent.objects.filter(
            action="service.activate", target_id=str(started.account.pk)
        ).count()
        if order.status == S.COMPLETED:
            assert services_ == {ServiceStatus.ACTIVE}
            assert activations == 3  # water, sewer, trash: once each
            assert order.meter_read.value == 100
        elif order.status == S.CANCELLED:
            # The start did not happen: its services end, none was ever active.
            assert services_ == {ServiceStatus.STOPPED}
            assert activations == 0
        else:
            assert services_ == {ServiceStatus.PENDING}
            assert activations == 0
        transaction.set_rollback(True)


def test_completing_twice_applies_the_effects_once(clerk, crew):
    from tests.workorders.helpers import active_account

    account = active_account(clerk, crew)
    LedgerEntry.objects.create(
        account=account,
        kind=EntryKind.LATE_FEE,
        amount=40,
        business_date=account.opened_on,
        due_date=account.opened_on,
    )
    from workorders import service_changes

    moved = service_changes.transfer_service(
        account=account,
        move_date=account.opened_on,
        address=dict(
            house_number="9", street="Elm St", unit="", city="Cibolo", state="TX", zip_code="78108"
        ),
        by=clerk,
    )
    stop = moved.stop_order
    services.schedule_work_order(order=stop, crew=crew, by=clerk)
    for _ in range(2):
        services.complete_work_order(order=WorkOrder.objects.get(pk=stop.pk), read=150, by=clerk)
    assert LedgerEntry.objects.filter(kind=EntryKind.TRANSFER_IN).count() == 1
    assert WorkOrderStatusChange.objects.filter(order=stop, to_status=S.COMPLETED).count() == 1
