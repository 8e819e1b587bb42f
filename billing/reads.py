"""Meter readings: the checks every read goes through, and the services that record reads,
accept them, estimate instead, or send a re-read work order.

A read's `use` is the gallons since the previous billable read. A read lower than that one is
a rollover when counting through zero on the register's dials gives a use in the expected
range, and negative use otherwise; both wait in the exceptions queue, as do zero use on an
active service and use high or low against the service's own 12-month average (Policy).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum

from accounts.models import Account, Service, ServicePoint, ServiceStatus
from billing.models import (
    BILLABLE_READ_STATUSES,
    Meter,
    MeterReading,
    ReadKind,
    ReadProblem,
    ReadSource,
    ReadStatus,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError

ZERO = Decimal(0)
DEFAULT_DIALS = 7


class ReadError(DomainError):
    """A read that cannot be recorded; the message is for the clerk, beside `field`."""


@dataclass(frozen=True)
class Checked:
    use: Decimal | None
    problem: str = ""
    text: str = ""


@dataclass(frozen=True)
class Expected:
    low: Decimal
    high: Decimal
    use: Decimal


def expected_use(
    avg_daily: Decimal | None, days: int, *, high_percent: int, low_percent: int
) -> Expected | None:
    if avg_daily is None or days <= 0:
        return None
    use = (avg_daily * days).quantize(Decimal(1), ROUND_HALF_UP)
    return Expected(
        low=(use * low_percent / 100).quantize(Decimal(1), ROUND_HALF_UP),
        high=(use * high_percent / 100).quantize(Decimal(1), ROUND_HALF_UP),
        use=use,
    )


def check_read(
    *,
    value: Decimal,
    previous_value: Decimal | None,
    previous_estimated: bool = False,
    dials: int = DEFAULT_DIALS,
    expected: Expected | None = None,
    active: bool = True,
) -> Checked:
    """The checks on one read (pure): what it used, and what is wrong with it if anything."""
    if previous_value is None:
        return Checked(None)
    use = value - previous_value
    if use < 0:
        if previous_estimated:
            # The estimate ran ahead of the meter: the next bill trues it up (a credit).
            return Checked(use, "", f"true-up of the estimate: {use:,} gal")
        through_zero = Decimal(10**dials) - previous_value + value
        plausible = (
            through_zero <= expected.high if expected else through_zero < Decimal(10**dials) / 10
        )
        if plausible:
            return Checked(
                through_zero,
                ReadProblem.ROLLOVER,
                f"Lower than the last read {previous_value:,}: the {dials}-dial register rolled "
                f"over through zero for {through_zero:,} gal. Accept if the dials confirm it.",
            )
        return Checked(
            None,
            ReadProblem.NEGATIVE,
            f"Lower than the last read {previous_value:,} by {-use:,} gal, and too far for a "
            "rollover: re-read or estimate.",
        )
    if use == 0 and active:
        return Checked(use, ReadProblem.ZERO, "No use since the last read on an active service.")
    if expected is not None:
        if use > expected.high:
            return Checked(
                use,
                ReadProblem.HIGH,
                f"{use:,} gal is above the expected {expected.low:,} to {expected.high:,} gal.",
            )
        if use < expected.low:
            return Checked(
                use,
                ReadProblem.LOW,
                f"{use:,} gal is below the expected {expected.low:,} to {expected.high:,} gal.",
            )
    return Checked(use)


# Reads of the database ------------------------------------------------------------------


def previous_read(service_point_id: int, before: date) -> MeterReading | None:
    return (
        MeterReading.objects.filter(
            service_point_id=service_point_id,
            read_on__lt=before,
            status__in=BILLABLE_READ_STATUSES,
        )
        .order_by("-read_on", "-id")
        .first()
    )


def average_daily_use(service_point_id: int, as_of: date) -> Decimal | None:
    """The service's own average daily use over the 12 months before `as_of` (actual reads)."""
    totals = MeterReading.objects.filter(
        service_point_id=service_point_id,
        read_on__gt=as_of - timedelta(days=365),
        read_on__lt=as_of,
        status__in=BILLABLE_READ_STATUSES,
        use__isnull=False,
        days__gt=0,
    ).aggregate(use=Sum("use"), days=Sum("days"))
    if not totals["days"] or totals["use"] is None or totals["use"] < 0:
        return None
    return Decimal(totals["use"]) / totals["days"]


def _dials(service_point_id: int) -> int:
    meter = Meter.objects.filter(service_point_id=service_point_id).first()
    return meter.dials if meter else DEFAULT_DIALS


def _active_service(service_point: ServicePoint) -> Service | None:
    return Service.objects.filter(
        premise_id=service_point.premise_id,
        utility=service_point.utility,
        status=ServiceStatus.ACTIVE,
    ).first()


# Services --------------------------------------------------------------------------------


def record_reading(
    *,
    service_point: ServicePoint,
    read_on: date,
    value: Decimal,
    by,
    kind: str = ReadKind.ACTUAL,
    source: str = ReadSource.ROUTE,
    work_order=None,
    import_batch=None,
) -> tuple[MeterReading, bool]:
    """Record a read after its checks. Returns (read, created): the same read keyed or
    imported twice is found, not posted again."""
    if value is None or value < 0:
        raise ReadError("A meter read cannot be negative.", field="value")
    if value != value.to_integral_value():
        raise ReadError("A meter read is whole gallons.", field="value")
    if read_on > business_day.today():
        raise ReadError("A read cannot be dated in the future.", field="read_on")
    policy = Policy.current()
    with transaction.atomic():
        # One read at a time per meter: the previous read and the checks stay true.
        ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
        same_day = (
            MeterReading.objects.filter(service_point=service_point, read_on=read_on)
            .exclude(status=ReadStatus.REPLACED)
            .first()
        )
        if same_day is not None:
            if same_day.value == value:
                return same_day, False
            raise ReadError(
                f"This meter already has a read of {same_day.value:,} on {read_on:%m/%d/%Y}; "
                "correct it from the exceptions queue.",
                field="value",
            )
        later = (
            MeterReading.objects.filter(service_point=service_point, read_on__gt=read_on)
            .filter(status__in=BILLABLE_READ_STATUSES)
            .order_by("read_on")
            .first()
        )
        if later is not None:
            raise ReadError(
                f"There is a later read ({later.value:,} on {later.read_on:%m/%d/%Y}): "
                "a read cannot go in before it.",
                field="read_on",
            )
        previous = previous_read(service_point.pk, read_on)
        days = (read_on - previous.read_on).days if previous else None
        expected = expected_use(
            average_daily_use(service_point.pk, read_on),
            days or 0,
            high_percent=policy.read_high_percent,
            low_percent=policy.read_low_percent,
        )
        checked = check_read(
            value=value,
            previous_value=previous.value if previous else None,
            previous_estimated=previous is not None and previous.kind == ReadKind.ESTIMATED,
            dials=_dials(service_point.pk),
            expected=expected,
            active=_active_service(service_point) is not None,
        )
        if kind in (ReadKind.INITIAL, ReadKind.FINAL) and checked.problem in (
            ReadProblem.ZERO,
            ReadProblem.LOW,
        ):
            # A move-in or move-out read often shows little use: it bills as read.
            checked = Checked(checked.use)
        reading = MeterReading.objects.create(
            service_point=service_point,
            read_on=read_on,
            value=value,
            kind=kind,
            source=source,
            status=ReadStatus.EXCEPTION if checked.problem else ReadStatus.OK,
            problem=checked.problem,
            problem_text=checked.text[:200],
            previous=previous,
            use=checked.use,
            days=days,
            work_order=work_order,
            import_batch=import_batch,
            entered_by=by,
        )
        audit.record(
            actor=by,
            action="reading.record",
            target=service_point,
            after={
                "read": str(value),
                "on": read_on.isoformat(),
                "kind": kind,
                "source": source,
                "problem": checked.problem,
            },
        )
    return reading, True


def _lock_exception(reading: MeterReading) -> MeterReading:
    reading = MeterReading.objects.select_for_update().get(pk=reading.pk)
    if reading.status != ReadStatus.EXCEPTION:
        raise ReadError(
            f"This read is no longer waiting in the queue ({reading.get_status_display().lower()})."
        )
    return reading


def accept_reading(*, reading: MeterReading, by) -> MeterReading:
    """A clerk confirms the read (the customer filled a pool; the dials did roll over)."""
    with transaction.atomic():
        reading = _lock_exception(reading)
        if reading.use is None:
            raise ReadError(
                "A read lower than the last one cannot bill: send a re-read or estimate."
            )
        reading.status = ReadStatus.ACCEPTED
        reading.save(update_fields=["status"])
        audit.record(
            actor=by,
            action="reading.accept",
            target=reading.service_point,
            after={
                "read": str(reading.value),
                "on": reading.read_on.isoformat(),
                "problem": reading.problem,
            },
        )
    return reading


def estimate_reading(*, service_point: ServicePoint, read_on: date, by) -> MeterReading:
    """An estimated read: the last billable read plus the average daily use times days. Marked
    estimated on the bill; the next actual read trues it up."""
    with transaction.atomic():
        ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
        waiting = list(
            MeterReading.objects.select_for_update().filter(
                service_point=service_point, read_on__lte=read_on, status=ReadStatus.EXCEPTION
            )
        )
        previous = previous_read(service_point.pk, read_on)
        if previous is None:
            raise ReadError("This meter has no read on file to estimate from.")
        average = average_daily_use(service_point.pk, read_on)
        if average is None:
            raise ReadError("This meter has no use on file in the last 12 months to estimate from.")
        days = (read_on - previous.read_on).days
        use = (average * days).quantize(Decimal(1), ROUND_HALF_UP)
        for reading in waiting:
            reading.status = ReadStatus.REPLACED
            reading.save(update_fields=["status"])
        estimate = MeterReading.objects.create(
            service_point=service_point,
            read_on=read_on,
            value=previous.value + use,
            kind=ReadKind.ESTIMATED,
            source=ReadSource.ESTIMATE,
            status=ReadStatus.OK,
            previous=previous,
            use=use,
            days=days,
            problem_text=f"{average:.1f} gal a day × {days} days"[:200],
            entered_by=by,
        )
        audit.record(
            actor=by,
            action="reading.estimate",
            target=service_point,
            after={
                "read": str(estimate.value),
                "on": read_on.isoformat(),
                "use": str(use),
                "replaces": [r.pk for r in waiting],
            },
        )
    return estimate


def send_reread(*, reading: MeterReading, by):
    """Raise a re-read work order for the meter; the read waits until the crew's read replaces it."""
    from workorders import services as work_orders
    from workorders.models import WorkOrderKind

    with transaction.atomic():
        reading = _lock_exception(reading)
        point = reading.service_point
        service = (
            Service.objects.filter(premise_id=point.premise_id, utility=point.utility)
            .filter(Q(status=ServiceStatus.ACTIVE) | Q(status=ServiceStatus.PENDING))
            .select_related("account")
            .first()
        )
        account = (
            service.account
            if service
            else Account.objects.filter(premise_id=point.premise_id).first()
        )
        order = work_orders.raise_work_order(
            kind=WorkOrderKind.RE_READ,
            premise=point.premise,
            account=account,
            service=service,
            instructions=f"Re-read: {reading.value:,} on {reading.read_on:%m/%d/%Y}. "
            f"{reading.problem_text}"[:300],
            by=by,
        )
        reading.work_order = order
        reading.save(update_fields=["work_order"])
    return order


def record_work_order_read(*, order, by) -> MeterReading | None:
    """A completed order's read joins billing's reads (a re-read replaces what waited)."""
    from workorders.models import MeterRead, WorkOrderKind

    taken = MeterRead.objects.filter(work_order=order).select_related("service_point").first()
    if taken is None:
        return None
    kind = {
        WorkOrderKind.FINAL_READ: ReadKind.FINAL,
        WorkOrderKind.TURN_ON: ReadKind.INITIAL,
    }.get(order.type_id, ReadKind.ACTUAL)
    if order.type_id == WorkOrderKind.RE_READ:
        MeterReading.objects.filter(
            service_point=taken.service_point,
            read_on__lte=taken.read_on,
            status=ReadStatus.EXCEPTION,
        ).update(status=ReadStatus.REPLACED)
    reading, _ = record_reading(
        service_point=taken.service_point,
        read_on=taken.read_on,
        value=Decimal(taken.value).quantize(Decimal(1)),
        by=by,
        kind=kind,
        source=ReadSource.WORK_ORDER,
        work_order=order,
    )
    return reading
