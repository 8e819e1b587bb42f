"""Every change to work orders: raise, schedule, dispatch, send back, cancel, complete.

All status changes go through `_move`, which checks the transitions table, writes the history
row and the audit record. Completion locks the order so its effects apply exactly once.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Account, Premise, Service, ServicePoint
from utilityclerk import audit, business_day
from utilityclerk.errors import DomainError
from workorders.models import (
    METERED_UTILITIES,
    Crew,
    MeterRead,
    Vendor,
    WorkOrder,
    WorkOrderKind,
    WorkOrderStatus,
    WorkOrderStatusChange,
    WorkOrderType,
    can_transition,
)

S = WorkOrderStatus


class WorkOrderError(DomainError):
    """A rule a clerk or crew member broke; the message is for them. `field` names the field."""


STATUS_WORDS = {
    S.OPEN: "open",
    S.SCHEDULED: "scheduled",
    S.DISPATCHED: "dispatched",
    S.COMPLETED: "completed",
    S.CANCELLED: "cancelled",
}


# Due dates -----------------------------------------------------------------------------


def due_date_for(
    order_type: WorkOrderType,
    *,
    raised_at: datetime | None = None,
    requested_for: date | None = None,
) -> date:
    """The type's turnaround in business days from when it was raised, but never before the
    date the customer asked for (a start next month is due next month). Weekends and city
    holidays are skipped. A type with a same-day cut-off raised before it is due that day."""
    raised_at = timezone.localtime(raised_at or timezone.now())
    days = order_type.turnaround_days
    if order_type.same_day_before is not None and raised_at.time() < order_type.same_day_before:
        days = 0
    due = business_day.add_business_days(raised_at.date(), days)
    if requested_for is not None and requested_for > due:
        due = business_day.add_business_days(requested_for, 0)
    return due


# Raising -------------------------------------------------------------------------------


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('work_order_number_seq')")
        return f"WO-{cursor.fetchone()[0]}"


def metered_service(services) -> Service | None:
    """The service a crew reads: water first, then electric, then gas."""
    by_utility = {s.utility: s for s in services}
    return next((by_utility[u] for u in METERED_UTILITIES if u in by_utility), None)


def raise_work_order(
    *,
    kind: str,
    premise: Premise,
    by,
    account: Account | None = None,
    service: Service | None = None,
    requested_for: date | None = None,
    priority: str | None = None,
    instructions: str = "",
    transfer_to: Account | None = None,
    idempotency_key: uuid.UUID | None = None,
) -> WorkOrder:
    order_type = WorkOrderType.objects.get(code=kind)
    now = timezone.now()
    with transaction.atomic():
        order = WorkOrder.objects.create(
            number=_next_number(),
            type=order_type,
            premise=premise,
            account=account,
            service=service,
            priority=priority or order_type.default_priority,
            requested_for=requested_for,
            due_date=due_date_for(order_type, raised_at=now, requested_for=requested_for),
            instructions=instructions[:300],
            transfer_to=transfer_to,
            raised_on=timezone.localdate(now),
            raised_at=now,
            raised_by=by,
            idempotency_key=idempotency_key,
        )
        WorkOrderStatusChange.objects.create(order=order, to_status=S.OPEN, by=by, at=now)
        audit.record(actor=by, action="workorder.raise", target=order, after=audit.snapshot(order))
    return order


@dataclass(frozen=True)
class NewOrder:
    """One of many orders raised at once (raise_work_orders)."""

    premise_id: int
    account_id: int | None = None
    service_id: int | None = None
    requested_for: date | None = None
    instructions: str = ""


def raise_work_orders(
    *, kind: str, orders: list[NewOrder], by, crew: Crew | None = None, on: date | None = None
) -> list[WorkOrder]:
    """Many orders of one kind at once (a shut-off list's disconnects, its door hangers):
    what raise_work_order and schedule_work_order do for one, in a handful of statements
    whatever the number: numbers from the one sequence, each order's history and audit
    events. Scheduled to the crew for `on` when one is given (orders start open: the
    database says so)."""
    if not orders:
        return []
    _check_assignee(crew, None)
    order_type = WorkOrderType.objects.get(code=kind)
    now = timezone.now()
    due_dates: dict[date | None, date] = {}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval('work_order_number_seq') FROM generate_series(1, %s)",
                [len(orders)],
            )
            numbers = [f"WO-{n}" for (n,) in cursor.fetchall()]
        for new in orders:
            if new.requested_for not in due_dates:
                due_dates[new.requested_for] = due_date_for(
                    order_type, raised_at=now, requested_for=new.requested_for
                )
        made = WorkOrder.objects.bulk_create(
            WorkOrder(
                number=number,
                type=order_type,
                premise_id=new.premise_id,
                account_id=new.account_id,
                service_id=new.service_id,
                priority=order_type.default_priority,
                requested_for=new.requested_for,
                due_date=due_dates[new.requested_for],
                instructions=new.instructions[:300],
                raised_on=timezone.localdate(now),
                raised_at=now,
                raised_by=by,
            )
            for number, new in zip(numbers, orders, strict=True)
        )
        changes = [WorkOrderStatusChange(order=o, to_status=S.OPEN, by=by, at=now) for o in made]
        audit.record_many(actor=by, action="workorder.raise", targets=made, after=audit.snapshot)
        if crew is not None:
            on = on or business_day.today()
            WorkOrder.objects.filter(pk__in=[o.pk for o in made]).update(
                status=S.SCHEDULED, crew=crew, scheduled_for=on
            )
            for order in made:
                order.status, order.crew, order.scheduled_for = S.SCHEDULED, crew, on
            changes += [
                WorkOrderStatusChange(
                    order=o, from_status=S.OPEN, to_status=S.SCHEDULED, by=by, at=now
                )
                for o in made
            ]
            audit.record_many(
                actor=by,
                action=f"workorder.{S.SCHEDULED}",
                targets=made,
                after=lambda o: {"status": S.SCHEDULED, "crew": crew.pk, "scheduled_for": on},
            )
        WorkOrderStatusChange.objects.bulk_create(changes)
    return made


# Status changes ------------------------------------------------------------------------


def _lock(order: WorkOrder) -> WorkOrder:
    return WorkOrder.objects.select_for_update().get(pk=order.pk)


def _move(order: WorkOrder, to_status: str, *, by, note: str = "", **changes) -> WorkOrder:
    """The one transition function: order must be locked by the caller."""
    if not can_transition(order.status, to_status):
        raise WorkOrderError(
            f"Work order {order.number} is {STATUS_WORDS[order.status]}; "
            f"it cannot be {STATUS_WORDS[to_status]}."
        )
    before = audit.snapshot(order)
    from_status = order.status
    order.status = to_status
    for field, value in changes.items():
        setattr(order, field, value)
    order.save()
    WorkOrderStatusChange.objects.create(
        order=order, from_status=from_status, to_status=to_status, by=by, note=note[:200]
    )
    audit.record(
        actor=by,
        action=f"workorder.{to_status}",
        target=order,
        before=before,
        after=audit.snapshot(order),
        reason=note,
    )
    return order


def _check_assignee(crew: Crew | None, vendor: Vendor | None):
    if crew and vendor:
        raise WorkOrderError("Assign the order to a crew or a vendor, not both.", field="crew")
    if vendor is not None and not vendor.active:
        raise WorkOrderError(
            f"{vendor.name} is not an active vendor; choose another vendor or a crew.",
            field="vendor",
        )
    if crew is not None and not crew.active:
        raise WorkOrderError(f"{crew.name} is not an active crew.", field="crew")


def schedule_work_order(
    *,
    order: WorkOrder,
    by,
    crew: Crew | None = None,
    vendor: Vendor | None = None,
    on: date | None = None,
) -> WorkOrder:
    """Assign to a crew or vendor for a day. An order already scheduled is re-assigned."""
    _check_assignee(crew, vendor)
    with transaction.atomic():
        order = _lock(order)
        if crew is None and vendor is None:  # keep the order's own assignee
            crew, vendor = order.crew, order.vendor
        if crew is None and vendor is None:
            raise WorkOrderError(
                "Choose a crew or a vendor to schedule the order to.", field="crew"
            )
        _check_assignee(crew, vendor)
        on = on or business_day.today()
        if order.status == S.SCHEDULED:
            before = audit.snapshot(order)
            order.crew, order.vendor, order.scheduled_for = crew, vendor, on
            order.save(update_fields=["crew", "vendor", "scheduled_for"])
            audit.record(
                actor=by,
                action="workorder.assign",
                target=order,
                before=before,
                after=audit.snapshot(order),
            )
            return order
        return _move(order, S.SCHEDULED, by=by, crew=crew, vendor=vendor, scheduled_for=on)


def dispatch_work_order(*, order: WorkOrder, by) -> WorkOrder:
    with transaction.atomic():
        order = _lock(order)
        if order.status == S.DISPATCHED:
            return order
        return _move(order, S.DISPATCHED, by=by)


def unschedule_work_order(*, order: WorkOrder, by, note: str = "") -> WorkOrder:
    """Back to open: the assignment is taken away."""
    with transaction.atomic():
        order = _lock(order)
        return _move(order, S.OPEN, by=by, note=note, crew=None, vendor=None, scheduled_for=None)


def send_back_work_order(*, order: WorkOrder, by, note: str) -> WorkOrder:
    """A crew could not do a dispatched order (no access, dog): back to scheduled."""
    if not note.strip():
        raise WorkOrderError("Say why the order could not be done.", field="note")
    with transaction.atomic():
        order = _lock(order)
        if order.status != S.DISPATCHED:
            raise WorkOrderError(
                f"Work order {order.number} is not out with a crew; nothing to send back."
            )
        return _move(order, S.SCHEDULED, by=by, note=note.strip())


def cancel_work_order(*, order: WorkOrder, reason: str, by) -> WorkOrder:
    """A cancelled turn-on also ends the start it was raised for (on_work_order_cancelled)."""
    from workorders import service_changes

    if not reason.strip():
        raise WorkOrderError("Say why the order is cancelled.", field="reason")
    with transaction.atomic():
        order = _lock(order)
        if order.status == S.CANCELLED:
            return order
        order = _move(
            order, S.CANCELLED, by=by, note=reason.strip(), cancel_reason=reason.strip()[:200]
        )
        service_changes.on_work_order_cancelled(order=order, by=by)
        return order


@dataclass
class BulkOutcome:
    done: list[str]
    skipped: list[tuple[str, str]]  # (number, why)


def _bulk(order_ids, action) -> BulkOutcome:
    outcome = BulkOutcome([], [])
    # Locked in id order so two clerks' bulk runs never deadlock on each other.
    for order in WorkOrder.objects.filter(pk__in=list(order_ids)).order_by("pk"):
        try:
            with transaction.atomic():
                action(order)
        except WorkOrderError as error:
            outcome.skipped.append((order.number, str(error)))
        else:
            outcome.done.append(order.number)
    return outcome


def bulk_schedule(
    *, order_ids, by, crew: Crew | None = None, vendor: Vendor | None = None, on: date | None = None
) -> BulkOutcome:
    _check_assignee(crew, vendor)
    return _bulk(
        order_ids, lambda o: schedule_work_order(order=o, by=by, crew=crew, vendor=vendor, on=on)
    )


def bulk_dispatch(
    *, order_ids, by, crew: Crew | None = None, vendor: Vendor | None = None
) -> BulkOutcome:
    """Dispatch each order; an open one is scheduled for today first when an assignee is given
    (or it already has one), so both steps stay in its history."""
    _check_assignee(crew, vendor)

    def dispatch(order):
        if order.status == S.OPEN:
            schedule_work_order(order=order, by=by, crew=crew, vendor=vendor)
        dispatch_work_order(order=order, by=by)

    return _bulk(order_ids, dispatch)


# Completion ----------------------------------------------------------------------------


def service_point_for(order: WorkOrder) -> ServicePoint | None:
    if order.service_id is None:
        return None
    utility = order.service.utility
    if utility not in METERED_UTILITIES:
        return None
    return ServicePoint.objects.filter(premise_id=order.premise_id, utility=utility).first()


def last_read(service_point: ServicePoint) -> MeterRead | None:
    return service_point.reads.order_by("-read_on", "-id").first()


# A read whose use a day is more than this many times the use a day between the two reads
# before it is asked about (a misread dial, a digit too many) before the order completes.
HIGH_READ_FACTOR = 3


def check_read_against_history(service_point, value, read_on) -> str | None:
    """Why this (not rolled over) read looks too high, or None. Compares the use a day since
    the last read with the use a day between the two reads before it."""
    last_two = list(service_point.reads.order_by("-read_on", "-id")[:2])
    if len(last_two) < 2:
        return None
    last, before = last_two
    usual_days, days = (last.read_on - before.read_on).days, (read_on - last.read_on).days
    if usual_days <= 0 or days <= 0 or last.rollover or last.value < before.value:
        return None
    usual = (last.value - before.value) / usual_days
    used = (value - last.value) / days
    if usual > 0 and used > HIGH_READ_FACTOR * usual:
        return (
            f"The read {value:,} is high: {value - last.value:,} since the last read "
            f"({last.value:,} on {last.read_on:%m/%d/%Y}), {used / usual:.0f} times the usual "
            "use a day. Check the dials; if the read is right, tick “I checked the dials” and "
            "complete again."
        )
    return None


def _record_read(
    *, order, service_point, value, rollover, read_on, by, high_read_checked=False
) -> MeterRead:
    if value < 0:
        raise WorkOrderError("A meter read cannot be negative.", field="read")
    if (
        not rollover
        and not high_read_checked
        and (why := check_read_against_history(service_point, value, read_on))
    ):
        raise WorkOrderError(why, field="read")
    previous = last_read(service_point)
    if previous is not None and rollover and value >= previous.value:
        raise WorkOrderError(
            f"A meter that rolled over reads lower than its last read ({previous.value:,} on "
            f"{previous.read_on:%m/%d/%Y}). Untick “meter rolled over”, or check the dials.",
            field="read",
        )
    if previous is not None and value < previous.value and not rollover:
        raise WorkOrderError(
            f"The read {value:,} is lower than the last read {previous.value:,} on "
            f"{previous.read_on:%m/%d/%Y}. Check the dials, or tick “meter rolled over”.",
            field="read",
        )
    read = MeterRead.objects.create(
        service_point=service_point,
        value=value,
        read_on=read_on,
        rollover=rollover,
        work_order=order,
        taken_by=by,
    )
    audit.record(
        actor=by,
        action="meter.read",
        target=service_point,
        after={
            "read": str(value),
            "on": read_on.isoformat(),
            "rollover": rollover,
            "order": order.number,
        },
    )
    return read


# Orders whose completion starts or ends service on the date the customer asked for.
DATED_EFFECTS = {WorkOrderKind.TURN_ON, WorkOrderKind.FINAL_READ}


def complete_work_order(
    *,
    order: WorkOrder,
    by,
    read: Decimal | None = None,
    rollover: bool = False,
    notes: str = "",
    cost: Decimal | None = None,
    done_on: date | None = None,
    high_read_checked: bool = False,
) -> WorkOrder:
    """Record the read, notes, who and when, and apply the order's effects on the account's
    services, all in one transaction. Two crew tablets submitting at once: the row lock queues
    the second, which finds the order completed and returns it without applying anything."""
    from workorders import service_changes

    today = business_day.today()
    done_on = done_on or today
    if done_on > today:
        raise WorkOrderError("The work cannot be done in the future.", field="done_on")
    if cost is not None and cost < 0:
        raise WorkOrderError("The cost cannot be negative.", field="cost")
    try:
        with transaction.atomic():
            order = _lock(order)
            if order.status == S.COMPLETED:
                return order
            if order.status == S.CANCELLED:
                raise WorkOrderError(
                    f"Work order {order.number} was cancelled; a cancelled order cannot be completed."
                )
            if order.status == S.OPEN:
                raise WorkOrderError(
                    f"Work order {order.number} is not scheduled yet; assign it to a crew or vendor first."
                )
            if done_on < order.raised_on:
                raise WorkOrderError(
                    "The work cannot be done before the order was raised.", field="done_on"
                )
            if (
                order.type_id in DATED_EFFECTS
                and order.requested_for
                and done_on < order.requested_for
            ):
                # Service starts or ends on the date the customer asked for: done earlier,
                # the account would change before its services do.
                raise WorkOrderError(
                    f"The {str(order.type).lower()} is for {order.requested_for:%m/%d/%Y}, the date the "
                    "customer asked for: it cannot be completed before then.",
                    field="done_on",
                )
            order_type = order.type
            service_point = service_point_for(order)
            if service_point is not None and order_type.requires_read and read is None:
                raise WorkOrderError(
                    f"Enter the {order.service.get_utility_display().lower()} meter read.",
                    field="read",
                )
            if read is not None and service_point is not None:
                _record_read(
                    order=order,
                    service_point=service_point,
                    value=read,
                    rollover=rollover,
                    read_on=done_on,
                    by=by,
                    high_read_checked=high_read_checked,
                )
            _move(
                order,
                S.COMPLETED,
                by=by,
                completed_on=done_on,
                completed_at=timezone.now(),
                completed_by=by,
                completion_notes=notes.strip()[:2000],
                cost=cost,
            )
            service_changes.apply_work_order_effects(order=order, by=by)
    except IntegrityError as error:
        # The partial unique index: the utility went active on another account meanwhile.
        if "one_active_service_per_utility_per_premise" in str(error):
            raise WorkOrderError(
                "A service on this order is already active at the premise on another account; "
                "stop that service first."
            ) from error
        raise
    return order
