"""Every change to permits: intake, review, issue, the ends of a permit with their refunds,
inspections, hydrant-meter checkouts and returns, backflow tests and reminders, will-serve
letters. One function per business action, with the acting user, in one transaction,
audited."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts import extensions
from accounts.models import Account, Customer, Premise
from accounts.services import find_or_create_premise
from permits.models import (
    REVIEW_PERMISSION,
    BackflowDevice,
    BackflowReminder,
    BackflowTest,
    ChargeKind,
    Contractor,
    FeeBasis,
    HydrantCheckout,
    HydrantMeter,
    Inspection,
    InspectionStatus,
    LetterStatus,
    Permit,
    PermitCharge,
    PermitKind,
    PermitReview,
    PermitStatus,
    PermitStatusChange,
    PermitType,
    RefundDue,
    ReviewDecision,
    WillServeLetter,
    can_transition,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money

P = PermitStatus


class PermitError(DomainError):
    pass


STATUS_WORDS = {
    P.SUBMITTED: "submitted",
    P.UNDER_REVIEW: "under review",
    P.APPROVED: "approved",
    P.ISSUED: "issued",
    P.DENIED: "denied",
    P.WITHDRAWN: "withdrawn",
    P.EXPIRED: "expired",
    P.CLOSED: "closed",
}


def _require(user, perm: str, message: str):
    if not user.has_perm(perm):
        raise PermitError(message)


# Fees ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeeLine:
    kind: str  # ChargeKind
    label: str
    amount: Decimal
    # Per-day rental of equipment that comes back: shown as an estimate at intake, charged
    # on return from the days actually out (hydrant meters).
    at_return: bool = False


def sizes_for(permit_type: PermitType) -> list[str]:
    return [f.size for f in permit_type.fees.all() if f.basis == FeeBasis.BY_SIZE]


def asks_days(permit_type: PermitType) -> bool:
    return any(f.basis == FeeBasis.PER_DAY for f in permit_type.fees.all())


def per_day_amount(fee, days: int) -> Decimal:
    """The first day at its own price, each further day at the daily price."""
    if days <= 0:
        return ZERO
    first = fee.first_day_amount if fee.first_day_amount is not None else fee.amount
    return quantize_money(first + fee.amount * (days - 1))


def fee_lines(permit_type: PermitType, *, size: str = "", days: int | None = None) -> list[FeeLine]:
    """What a permit of this type costs, from its fee schedule. Raises PermitError naming the
    field when the size or the number of days the schedule needs is missing."""
    order = [FeeBasis.BY_SIZE, FeeBasis.FLAT, FeeBasis.PER_DAY, FeeBasis.DEPOSIT]
    fees = sorted(permit_type.fees.all(), key=lambda f: (order.index(f.basis), f.amount, f.pk))
    sized = [f for f in fees if f.basis == FeeBasis.BY_SIZE]
    lines: list[FeeLine] = []
    if sized:
        match = next((f for f in sized if f.size == size), None)
        if match is None:
            offered = ", ".join(f.size for f in sized)
            raise PermitError(f"Choose a size: {offered}.", field="size")
        lines.append(FeeLine(ChargeKind.FEE, match.label, quantize_money(match.amount)))
    for fee in fees:
        if fee.basis == FeeBasis.FLAT:
            lines.append(FeeLine(ChargeKind.FEE, fee.label, quantize_money(fee.amount)))
        elif fee.basis == FeeBasis.PER_DAY:
            if not days or days < 1:
                raise PermitError("Enter how many days (1 or more).", field="days")
            lines.append(
                FeeLine(
                    ChargeKind.FEE,
                    f"{fee.label}, {days} day{'s' if days != 1 else ''}",
                    per_day_amount(fee, days),
                    at_return=permit_type.per_day_settled_at_return,
                )
            )
        elif fee.basis == FeeBasis.DEPOSIT:
            lines.append(FeeLine(ChargeKind.DEPOSIT, fee.label, quantize_money(fee.amount)))
    return lines


def due_now(lines: list[FeeLine]) -> dict[str, Decimal]:
    """The fees and the deposit payable at the counter (not what is settled at return)."""
    totals = {ChargeKind.FEE: ZERO, ChargeKind.DEPOSIT: ZERO}
    for line in lines:
        if not line.at_return:
            totals[line.kind] += line.amount
    return totals


# Intake ----------------------------------------------------------------------------------


def _next_number(sequence: str, prefix: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence])
        return f"{prefix}-{cursor.fetchone()[0]}"


def check_contractor(contractor: Contractor, *, on: date) -> None:
    if not contractor.license_valid_on(on):
        raise PermitError(
            f"{contractor.company}'s license {contractor.license_number} expired on "
            f"{contractor.license_expires:%m/%d/%Y}: a permit needs a current license. "
            "Ask for the renewed license and update the contractor.",
            field="contractor",
        )


def new_construction_site(*, address: dict, by) -> Premise:
    """The site of new construction: the premise on file at that address (however it is
    typed), or a new one made by the same rules the counter uses. Never a duplicate."""
    premise, _ = find_or_create_premise(
        house_number=address["house_number"],
        street=address["street"],
        unit=address.get("unit", ""),
        city=address["city"],
        state=address["state"],
        zip_code=address["zip_code"],
        premise_type=address.get("premise_type") or "single_family",
        by=by,
    )
    return premise


def _status_change(permit: Permit, from_status: str, *, by, note: str = ""):
    PermitStatusChange.objects.create(
        permit=permit, from_status=from_status, to_status=permit.status, by=by, note=note[:200]
    )


def submit_permit(
    *,
    permit_type: PermitType,
    premise: Premise,
    by,
    idempotency_key: uuid.UUID,
    customer: Customer | None = None,
    contractor: Contractor | None = None,
    size: str = "",
    days: int | None = None,
    details: dict | None = None,
) -> Permit:
    """Take an application at the counter: its fees worked out from the type's schedule and
    kept on it, its review steps laid out. A double submit returns the first permit."""
    _require(by, "permits.add_permit", "Your role cannot take permit applications.")
    if (customer is None) == (contractor is None):
        raise PermitError("Choose the applicant: a customer or a contractor.", field="contractor")
    if not permit_type.active:
        raise PermitError(f"{permit_type.name} permits are not taken now.", field="permit_type")
    today = business_day.today()
    if contractor is not None:
        check_contractor(contractor, on=today)
    permit_type = PermitType.objects.prefetch_related("fees", "review_steps").get(pk=permit_type.pk)
    lines = fee_lines(permit_type, size=size, days=days)
    existing = Permit.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    asked = {label: (details or {}).get(label, "").strip() for label in permit_type.details_asked}
    try:
        with transaction.atomic():
            permit = Permit.objects.create(
                number=_next_number("permit_number_seq", "PM"),
                permit_type=permit_type,
                premise=premise,
                customer=customer,
                contractor=contractor,
                size=size if sizes_for(permit_type) else "",
                days=days if asks_days(permit_type) else None,
                details=asked,
                submitted_on=today,
                submitted_by=by,
                idempotency_key=idempotency_key,
            )
            PermitCharge.objects.bulk_create(
                PermitCharge(permit=permit, kind=line.kind, label=line.label, amount=line.amount)
                for line in lines
                if not line.at_return
            )
            PermitReview.objects.bulk_create(
                PermitReview(permit=permit, order=step.order, name=step.name, role=step.role)
                for step in permit_type.review_steps.all()
            )
            _status_change(permit, "", by=by, note="Taken at the counter")
            audit.record(
                actor=by,
                action="permit.submit",
                target=permit,
                after={
                    **audit.snapshot(permit, _AUDITED_FIELDS),
                    "charges": [f"{line.label}: {line.amount}" for line in lines],
                },
            )
    except IntegrityError:
        # Two identical requests raced: the other one made it.
        existing = Permit.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing
    return permit


# Status ------------------------------------------------------------------------------------


def _lock(permit: Permit) -> Permit:
    return Permit.objects.select_for_update().select_related("permit_type").get(pk=permit.pk)


def _check_move(permit: Permit, to_status: str) -> None:
    if not can_transition(permit.status, to_status):
        raise PermitError(
            f"Permit {permit.number} is {STATUS_WORDS[permit.status]}; "
            f"it cannot be {STATUS_WORDS[to_status]}."
        )


# The trail keeps what a person decided, not the machine-made keys (the form's idempotency
# key, the public verification token).
_AUDITED_FIELDS = [
    f.name
    for f in Permit._meta.concrete_fields
    if not f.primary_key and f.name not in ("idempotency_key", "verify_token", "submitted_at")
]


def _move(permit: Permit, to_status: str, *, by, note: str = "", **changes) -> Permit:
    """The one transition function: the permit must be locked by the caller."""
    _check_move(permit, to_status)
    before = audit.snapshot(permit, _AUDITED_FIELDS)
    from_status = permit.status
    permit.status = to_status
    for field, value in changes.items():
        setattr(permit, field, value)
    permit.save()
    _status_change(permit, from_status, by=by, note=note)
    audit.record(
        actor=by,
        action=f"permit.{to_status}",
        target=permit,
        before=before,
        after=audit.snapshot(permit, _AUDITED_FIELDS),
        reason=note,
    )
    return permit


def can_decide(user, review: PermitReview) -> bool:
    return user.has_perm(REVIEW_PERMISSION[review.role])


def decide_review(*, review: PermitReview, approve: bool, reason: str, by) -> PermitReview:
    """Approve or deny one review step. Steps are decided in order; a denial denies the
    permit (with its refunds recorded as due); the last approval approves it."""
    reason = reason.strip()
    if not approve and not reason:
        raise PermitError("Say why the step is denied.", field="reason")
    if not can_decide(by, review):
        raise PermitError(f"The {review.name} step is decided by a {review.role.lower()}.")
    with transaction.atomic():
        permit = _lock(review.permit)
        review = PermitReview.objects.select_for_update().get(pk=review.pk)
        if review.decision != ReviewDecision.PENDING:
            if review.decision == (ReviewDecision.APPROVED if approve else ReviewDecision.DENIED):
                return review  # the same decision submitted twice
            raise PermitError(f"The {review.name} step was already {review.decision}.")
        if permit.status not in (P.SUBMITTED, P.UNDER_REVIEW):
            raise PermitError(f"Permit {permit.number} is {STATUS_WORDS[permit.status]}.")
        earlier = permit.reviews.filter(order__lt=review.order).exclude(
            decision=ReviewDecision.APPROVED
        )
        if earlier.exists():
            raise PermitError("Decide the earlier review steps first.")
        before = audit.snapshot(review)
        review.decision = ReviewDecision.APPROVED if approve else ReviewDecision.DENIED
        review.reason = reason[:300]
        review.decided_by = by
        review.decided_at = timezone.now()
        review.save()
        audit.record(
            actor=by,
            action=f"permit.review.{review.decision}",
            target=permit,
            before=before,
            after=audit.snapshot(review),
            reason=reason,
        )
        if permit.status == P.SUBMITTED:
            _move(permit, P.UNDER_REVIEW, by=by, note=f"{review.name} decided")
        if not approve:
            _end(permit, P.DENIED, by=by, reason=f"{review.name}: {reason}")
        elif not permit.reviews.exclude(decision=ReviewDecision.APPROVED).exists():
            _move(permit, P.APPROVED, by=by, note="Every review step approved")
    return review


def approve_without_steps(*, permit: Permit, by) -> Permit:
    """A type with no review steps: the counter moves it through review at once."""
    with transaction.atomic():
        permit = _lock(permit)
        if permit.reviews.exists():
            raise PermitError("This permit has review steps to decide.")
        if permit.status == P.SUBMITTED:
            _move(permit, P.UNDER_REVIEW, by=by)
        if permit.status == P.UNDER_REVIEW:
            _move(permit, P.APPROVED, by=by, note="No review steps")
    return permit


def issue_permit(*, permit: Permit, conditions: str, by) -> Permit:
    """Issue an approved permit with its conditions, valid for the type's number of days.
    Its fees and deposit must be paid first."""
    _require(by, "permits.issue_permit", "Your role cannot issue permits.")
    from permits import queries

    with transaction.atomic():
        permit = _lock(permit)
        if permit.status == P.ISSUED:
            return permit
        owed = queries.balance(permit)
        if owed["fee"] > 0 or owed["deposit"] > 0:
            raise PermitError(
                f"Permit {permit.number} still owes {format_money(owed['fee'] + owed['deposit'])}: "
                "take the payment before issuing."
            )
        today = business_day.today()
        _move(
            permit,
            P.ISSUED,
            by=by,
            note="Issued",
            issued_on=today,
            issued_by=by,
            valid_until=today + timedelta(days=permit.permit_type.validity_days),
            conditions=conditions.strip()[:2000],
        )
    return permit


# The ends of a permit and what they refund ---------------------------------------------------
# Denied, or withdrawn before any review step was decided: fees and deposit come back.
# Withdrawn later, expired or closed: the deposit comes back (less what is owed); fees stay.


def _refunds_for(permit: Permit, to_status: str) -> dict[str, Decimal]:
    from permits import queries

    paid = queries.paid(permit)
    fees_back = to_status == P.DENIED or (
        to_status == P.WITHDRAWN
        and not permit.reviews.exclude(decision=ReviewDecision.PENDING).exists()
    )
    refunds = {ChargeKind.FEE: paid["fee"] if fees_back else ZERO}
    deposit = paid["deposit"]
    checkout = HydrantCheckout.objects.filter(permit=permit).first()
    if checkout is not None and checkout.deposit_back is not None:
        deposit = checkout.deposit_back  # the return already settled what the deposit pays
    refunds[ChargeKind.DEPOSIT] = deposit
    return refunds


def _end(permit: Permit, to_status: str, *, by, reason: str) -> Permit:
    """End a locked permit and record the refunds its end rule owes, once."""
    refunds = _refunds_for(permit, to_status)
    _move(
        permit,
        to_status,
        by=by,
        note=reason,
        ended_on=business_day.today(),
        end_reason=reason[:200],
    )
    for kind, amount in refunds.items():
        if amount > 0:
            refund, created = RefundDue.objects.get_or_create(
                permit=permit,
                kind=kind,
                defaults={"amount": amount, "reason": reason[:200], "recorded_by": by},
            )
            if created:
                audit.record(
                    actor=by,
                    action=f"permit.refund_due.{kind}",
                    target=permit,
                    after=audit.snapshot(refund),
                    reason=reason,
                )
    return permit


def refund_payee(permit: Permit) -> tuple[str, str]:
    """Who a permit's refund check goes to by default: the applicant. A customer is mailed
    at their mailing address; a contractor has none on file, so the clerk types it."""
    if permit.customer_id:
        customer = permit.customer
        return customer.display_name, "\n".join(customer.mailing_address_lines)
    if permit.contractor_id:
        return permit.contractor.company, ""
    return "", ""


def request_refund_check(
    *,
    due: RefundDue,
    payee_name: str,
    mailing_address: str,
    by,
    idempotency_key: uuid.UUID | None = None,
):
    """Ask for the check that pays a refund due on a permit: a refund of the permit's money
    (payments.refunds), approved by a supervisor like any other. Once requested and waiting
    or approved, asking again returns that refund."""
    from payments.refunds import services as refunds
    from payments.refunds.models import OPEN_STATUSES

    with transaction.atomic():
        due = (
            RefundDue.objects.select_for_update(of=("self",))
            .select_related("permit", "refund")
            .get(pk=due.pk)
        )
        if due.refund is not None and due.refund.status in OPEN_STATUSES:
            return due.refund
        try:
            refund = refunds.request_permit_refund(
                reference=due.permit.number,
                amount=due.amount,
                reason=f"{due.get_kind_display()} back on permit {due.permit.number}: {due.reason}",
                requested_by=by,
                payee_name=payee_name,
                mailing_address=mailing_address,
                idempotency_key=idempotency_key,
            )
        except refunds.RefundError as error:
            raise PermitError(str(error), field=error.field) from error
        due.refund = refund
        due.save(update_fields=["refund"])
        audit.record(
            actor=by,
            action="permit.refund_requested",
            target=due.permit,
            after={"refund_due": due.pk, "refund": refund.pk, "amount": str(refund.amount)},
        )
    return refund


def refund_decided(*, refund, event: str, by) -> None:
    """Heard from payments.refunds inside its transaction: an approved refund's check is
    requested, so the refund due is paid; a void makes it due again."""
    if refund.source != "permit" or event not in ("approved", "voided"):
        return
    paid_at = timezone.now() if event == "approved" else None
    RefundDue.objects.filter(refund=refund).update(paid_at=paid_at)


def withdraw_permit(*, permit: Permit, reason: str, by) -> Permit:
    if not reason.strip():
        raise PermitError("Say why the permit is withdrawn.", field="reason")
    with transaction.atomic():
        permit = _lock(permit)
        if permit.status == P.WITHDRAWN:
            return permit
        _check_move(permit, P.WITHDRAWN)
        if HydrantCheckout.objects.filter(permit=permit, returned_on__isnull=True).exists():
            raise PermitError("The hydrant meter is still out: take it back first.")
        return _end(permit, P.WITHDRAWN, by=by, reason=reason.strip())


def close_permit(*, permit: Permit, by, reason: str = "Work complete") -> Permit:
    with transaction.atomic():
        permit = _lock(permit)
        if permit.status == P.CLOSED:
            return permit
        _check_move(permit, P.CLOSED)
        if HydrantCheckout.objects.filter(permit=permit, returned_on__isnull=True).exists():
            raise PermitError("The hydrant meter is still out: take it back first.")
        if (
            permit.permit_type.needs_inspection
            and not permit.inspections.filter(status=InspectionStatus.PASSED).exists()
        ):
            raise PermitError("The work has not passed inspection yet.")
        return _end(permit, P.CLOSED, by=by, reason=reason)


def expire_permits(*, on: date, by) -> int:
    """Issued permits past their validity, and approved ones never issued within the type's
    validity of their approval, expire. Each through the one transition, with its refunds.
    The candidates come from one indexed query; few expire on any one day."""
    candidates = list(
        Permit.objects.filter(status=P.ISSUED, valid_until__lt=on).values_list("pk", flat=True)
    )
    expired = 0
    for pk in candidates:
        with transaction.atomic():
            permit = Permit.objects.select_for_update().select_related("permit_type").get(pk=pk)
            if permit.status != P.ISSUED or permit.valid_until >= on:
                continue
            if HydrantCheckout.objects.filter(permit=permit, returned_on__isnull=True).exists():
                continue  # the meter is still out: it shows on the overdue list instead
            _end(permit, P.EXPIRED, by=by, reason=f"Validity ended {permit.valid_until:%m/%d/%Y}")
            expired += 1
    return expired


# Inspections -----------------------------------------------------------------------------

PHOTO_TYPES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024


def schedule_inspection(*, permit: Permit, on: date, crew, by, reinspection_of=None) -> Inspection:
    _require(by, "permits.add_inspection", "Your role cannot schedule inspections.")
    with transaction.atomic():
        permit = _lock(permit)
        if permit.status != P.ISSUED:
            raise PermitError(
                f"Only an issued permit is inspected; {permit.number} is {STATUS_WORDS[permit.status]}."
            )
        if on < business_day.today():
            raise PermitError("An inspection is scheduled for today or later.", field="on")
        if (
            reinspection_of is None
            and permit.inspections.filter(status=InspectionStatus.SCHEDULED).exists()
        ):
            raise PermitError("An inspection is already scheduled for this permit.", field="on")
        inspection = Inspection.objects.create(
            permit=permit,
            scheduled_for=on,
            crew=crew,
            scheduled_by=by,
            reinspection_of=reinspection_of,
        )
        audit.record(
            actor=by,
            action="permit.inspection.schedule",
            target=permit,
            after=audit.snapshot(inspection, ["scheduled_for", "crew", "reinspection_of"]),
        )
    return inspection


def check_photo(content: bytes, content_type: str) -> None:
    if len(content) > PHOTO_MAX_BYTES:
        raise PermitError("The photo is larger than 5 MB: take it at a lower size.", field="photo")
    magic = PHOTO_TYPES.get(content_type)
    if magic is None or not content.startswith(magic):
        raise PermitError("The photo must be a JPEG or PNG image.", field="photo")


def record_inspection(
    *,
    inspection: Inspection,
    passed: bool,
    notes: str,
    by,
    photo: bytes | None = None,
    photo_type: str = "",
    reinspect_on: date | None = None,
) -> Inspection:
    """The field's result. A fail needs a re-inspection: it is scheduled in the same step."""
    _require(by, "permits.inspect_permit", "Your role cannot record inspections.")
    if photo:
        check_photo(photo, photo_type)
    if not passed and not notes.strip():
        raise PermitError("Say what failed.", field="notes")
    if not passed and reinspect_on is None:
        raise PermitError("A failed inspection needs a re-inspection date.", field="reinspect_on")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.status != InspectionStatus.SCHEDULED:
            raise PermitError(
                f"This inspection was already {inspection.get_status_display().lower()}."
            )
        before = audit.snapshot(inspection, ["status", "notes"])
        inspection.status = InspectionStatus.PASSED if passed else InspectionStatus.FAILED
        inspection.notes = notes.strip()[:2000]
        inspection.done_at = timezone.now()
        inspection.done_by = by
        if photo:
            inspection.photo = photo
            inspection.photo_type = photo_type
        inspection.save()
        permit = _lock(inspection.permit)
        audit.record(
            actor=by,
            action=f"permit.inspection.{inspection.status}",
            target=permit,
            before=before,
            after={**audit.snapshot(inspection, ["status", "notes"]), "photo": bool(photo)},
        )
        if not passed:
            if reinspect_on < business_day.today():
                raise PermitError("The re-inspection is for today or later.", field="reinspect_on")
            again = Inspection.objects.create(
                permit=permit,
                scheduled_for=reinspect_on,
                crew=inspection.crew,
                scheduled_by=by,
                reinspection_of=inspection,
            )
            audit.record(
                actor=by,
                action="permit.inspection.schedule",
                target=permit,
                after=audit.snapshot(again, ["scheduled_for", "crew", "reinspection_of"]),
            )
    return inspection


# Hydrant meters ----------------------------------------------------------------------------


def check_out_meter(
    *, permit: Permit, meter: HydrantMeter, out_read: Decimal, by
) -> HydrantCheckout:
    """Hand a hydrant meter over on an issued hydrant-meter permit whose deposit is paid."""
    _require(by, "permits.add_hydrantcheckout", "Your role cannot check out hydrant meters.")
    from permits import queries

    with transaction.atomic():
        permit = _lock(permit)
        existing = HydrantCheckout.objects.filter(permit=permit).first()
        if existing is not None:
            if existing.meter_id == meter.pk:
                return existing
            raise PermitError(f"Permit {permit.number} already has meter {existing.meter}.")
        if permit.permit_type_id != PermitKind.HYDRANT_METER:
            raise PermitError("Only a hydrant-meter permit takes a hydrant meter.")
        if permit.status != P.ISSUED:
            raise PermitError(f"Issue permit {permit.number} first.")
        meter = HydrantMeter.objects.select_for_update().get(pk=meter.pk)
        if not meter.active:
            raise PermitError(f"Meter {meter} is out of service.", field="meter")
        if HydrantCheckout.objects.filter(meter=meter, returned_on__isnull=True).exists():
            raise PermitError(f"Meter {meter} is already out.", field="meter")
        paid = queries.paid(permit)
        today = business_day.today()
        checkout = HydrantCheckout.objects.create(
            permit=permit,
            meter=meter,
            out_on=today,
            due_back=min(
                permit.valid_until, today + timedelta(days=max((permit.days or 1) - 1, 0))
            ),
            out_read=out_read,
            deposit=paid["deposit"],
            checked_out_by=by,
        )
        audit.record(
            actor=by,
            action="permit.hydrant.checkout",
            target=permit,
            after=audit.snapshot(checkout),
        )
    return checkout


@dataclass(frozen=True)
class ReturnSettlement:
    days: int
    gallons: Decimal
    rental: Decimal
    water: Decimal
    owed: Decimal
    deposit_back: Decimal
    still_owed: Decimal


def settle_return(
    checkout: HydrantCheckout, *, returned_on: date, return_read: Decimal
) -> ReturnSettlement:
    """Daily rental for the days out (the day out and the day back both count), water from
    the reads at the policy rate per 1,000 gallons, taken from the deposit."""
    fee = checkout.permit.permit_type.fees.filter(basis=FeeBasis.PER_DAY).first()
    days = (returned_on - checkout.out_on).days + 1
    rental = per_day_amount(fee, days) if fee else ZERO
    gallons = return_read - checkout.out_read
    rate = Policy.current().hydrant_water_rate_per_1000_gallons
    water = quantize_money(gallons * rate / Decimal(1000))
    owed = rental + water
    deposit_back = max(checkout.deposit - owed, ZERO)
    return ReturnSettlement(
        days=days,
        gallons=gallons,
        rental=rental,
        water=water,
        owed=owed,
        deposit_back=deposit_back,
        still_owed=max(owed - checkout.deposit, ZERO),
    )


def return_meter(*, checkout: HydrantCheckout, return_read: Decimal, by) -> HydrantCheckout:
    """Take a hydrant meter back: rental and water charged on the permit, paid from the
    deposit, the rest of the deposit recorded as a refund due, the permit closed."""
    _require(by, "permits.change_hydrantcheckout", "Your role cannot take hydrant meters back.")
    with transaction.atomic():
        checkout = (
            HydrantCheckout.objects.select_for_update().select_related("meter").get(pk=checkout.pk)
        )
        if checkout.returned_on is not None:
            if checkout.return_read == return_read:
                return checkout
            raise PermitError(f"Meter {checkout.meter} was already returned.")
        if return_read < checkout.out_read:
            raise PermitError(
                f"The return read is below the read out ({checkout.out_read:,.0f}).",
                field="return_read",
            )
        permit = _lock(checkout.permit)
        today = business_day.today()
        settlement = settle_return(checkout, returned_on=today, return_read=return_read)
        checkout.returned_on = today
        checkout.return_read = return_read
        checkout.gallons = settlement.gallons
        checkout.rental = settlement.rental
        checkout.water = settlement.water
        checkout.deposit_back = settlement.deposit_back
        checkout.returned_by = by
        checkout.save()
        PermitCharge.objects.bulk_create(
            [
                PermitCharge(
                    permit=permit,
                    kind=ChargeKind.FEE,
                    label=f"Hydrant meter rental, {settlement.days} day{'s' if settlement.days != 1 else ''}",
                    amount=settlement.rental,
                ),
                PermitCharge(
                    permit=permit,
                    kind=ChargeKind.FEE,
                    label=f"Water used, {settlement.gallons:,.0f} gallons",
                    amount=settlement.water,
                ),
            ]
        )
        audit.record(
            actor=by,
            action="permit.hydrant.return",
            target=permit,
            after={**audit.snapshot(checkout), "owed": str(settlement.owed)},
        )
        if settlement.still_owed == 0 and permit.status == P.ISSUED:
            _end(permit, P.CLOSED, by=by, reason=f"Meter {checkout.meter} returned")
    return checkout


# Backflow ----------------------------------------------------------------------------------


def add_backflow_device(
    *,
    premise: Premise,
    device_type: str,
    size: str,
    serial: str,
    location: str,
    next_test_due: date,
    by,
) -> BackflowDevice:
    _require(by, "permits.add_backflowdevice", "Your role cannot add backflow devices.")
    serial = serial.strip().upper()
    if BackflowDevice.objects.filter(premise=premise, serial=serial).exists():
        raise PermitError(f"Device #{serial} is already on file at this premise.", field="serial")
    with transaction.atomic():
        device = BackflowDevice.objects.create(
            premise=premise,
            device_type=device_type.strip(),
            size=size.strip(),
            serial=serial,
            location=location.strip(),
            next_test_due=next_test_due,
        )
        audit.record(
            actor=by, action="backflow.device.add", target=device, after=audit.snapshot(device)
        )
    return device


def file_backflow_test(
    *,
    device: BackflowDevice,
    tested_on: date,
    tester_name: str,
    tester_certification: str,
    passed: bool,
    readings: str,
    by,
    permit: Permit | None = None,
) -> BackflowTest:
    """File a test report. A pass sets the next test a year on; a fail leaves the device due
    (the repair and a passing retest clear it)."""
    _require(by, "permits.add_backflowtest", "Your role cannot file backflow tests.")
    if tested_on > business_day.today():
        raise PermitError("A test date cannot be in the future.", field="tested_on")
    with transaction.atomic():
        device = BackflowDevice.objects.select_for_update().get(pk=device.pk)
        if device.tests.filter(
            tested_on=tested_on, tester_certification=tester_certification
        ).exists():
            raise PermitError("This test report is already filed.", field="tested_on")
        test = BackflowTest.objects.create(
            device=device,
            permit=permit,
            tested_on=tested_on,
            tester_name=tester_name.strip(),
            tester_certification=tester_certification.strip(),
            passed=passed,
            readings=readings.strip()[:200],
            filed_by=by,
        )
        before = audit.snapshot(device, ["next_test_due"])
        if passed:
            next_due = (
                tested_on.replace(year=tested_on.year + 1)
                if not (tested_on.month == 2 and tested_on.day == 29)
                else date(tested_on.year + 1, 2, 28)
            )
            if next_due > device.next_test_due:
                device.next_test_due = next_due
                device.save(update_fields=["next_test_due"])
                # The test is no longer overdue: an account disconnected for it, or on the
                # shut-off list for it, hears of it once this commits.
                account_ids = list(
                    Account.objects.filter(premise_id=device.premise_id).values_list(
                        "id", flat=True
                    )
                )
                transaction.on_commit(
                    lambda: extensions.shutoff_ground_cleared(account_ids=account_ids, by=by)
                )
        audit.record(
            actor=by,
            action=f"backflow.test.{'pass' if passed else 'fail'}",
            target=device,
            before=before,
            after={**audit.snapshot(device, ["next_test_due"]), "test": audit.snapshot(test)},
        )
    return test


def serve_backflow_notices(*, on: date, by) -> list[BackflowDevice]:
    """The overdue notices to print: every device past its test date. The first printing
    for a due date is the notice served (one per device and due date, in one INSERT ...
    SELECT): its date starts the count to shut-off when the policy has that on, and a
    reprint keeps it. Each printing is in its device's audit trail."""
    from permits import queries

    _require(by, "permits.add_backflowtest", "Your role cannot send backflow notices.")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO permits_backflownotice (device_id, due_date, noticed_on)
                SELECT d.id, d.next_test_due, %s
                  FROM permits_backflowdevice d
                 WHERE d.active AND d.next_test_due < %s
                ON CONFLICT (device_id, due_date) DO NOTHING
                """,
                [on, on],
            )
        devices = queries.backflow_overdue(on)
        for device in devices:
            audit.record(
                actor=by,
                action="backflow.overdue_notice",
                target=device,
                after={
                    "due_date": device.next_test_due,
                    "noticed_on": device.noticed_on,
                    "printed_on": on,
                    "shutoff_from": device.shutoff_from,
                },
            )
    return devices


def record_backflow_reminders(*, on: date, by) -> list[BackflowReminder]:
    """Mark the reminder letters due today (tests due within the policy's days, none sent
    for that due date yet) as sent, in one INSERT ... SELECT; returns them for the letters."""
    days = Policy.current().backflow_reminder_days
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO permits_backflowreminder (device_id, due_date, sent_on)
            SELECT d.id, d.next_test_due, %s
              FROM permits_backflowdevice d
             WHERE d.active AND d.next_test_due BETWEEN %s AND %s
            ON CONFLICT (device_id, due_date) DO NOTHING
            RETURNING id
            """,
            [on, on, on + timedelta(days=days)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        reminders = list(
            BackflowReminder.objects.filter(pk__in=ids).select_related("device__premise")
        )
        for reminder in reminders:
            audit.record(
                actor=by,
                action="backflow.reminder",
                target=reminder.device,
                after={"due_date": reminder.due_date, "sent_on": on},
            )
    return reminders


# Will-serve letters ------------------------------------------------------------------------


def request_will_serve(
    *, premise: Premise | None, parcel: str, requested_by: str, utilities: str, project: str, by
) -> WillServeLetter:
    _require(by, "permits.add_willserveletter", "Your role cannot take will-serve requests.")
    if premise is None and not parcel.strip():
        raise PermitError("Name the site: a premise address or a parcel number.", field="parcel")
    with transaction.atomic():
        letter = WillServeLetter.objects.create(
            number=_next_number("will_serve_number_seq", "WS"),
            premise=premise,
            parcel=parcel.strip(),
            requested_by=requested_by.strip(),
            utilities=utilities.strip(),
            project=project.strip(),
        )
        audit.record(
            actor=by, action="willserve.request", target=letter, after=audit.snapshot(letter)
        )
    return letter


def decide_will_serve(*, letter: WillServeLetter, issue: bool, note: str, by) -> WillServeLetter:
    _require(by, "permits.review_permit_as_supervisor", "A supervisor decides will-serve letters.")
    if not issue and not note.strip():
        raise PermitError("Say why service is not available.", field="note")
    with transaction.atomic():
        letter = WillServeLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.status != LetterStatus.REQUESTED:
            raise PermitError(
                f"Letter {letter.number} was already {letter.get_status_display().lower()}."
            )
        before = audit.snapshot(letter)
        letter.status = LetterStatus.ISSUED if issue else LetterStatus.DENIED
        letter.review_note = note.strip()[:300]
        letter.reviewed_by = by
        letter.decided_on = business_day.today()
        letter.save()
        audit.record(
            actor=by,
            action=f"willserve.{letter.status}",
            target=letter,
            before=before,
            after=audit.snapshot(letter),
        )
    return letter


def take_permit_payment(*, permit: Permit, tenders, clerk, idempotency_key, memo: str = ""):
    """Take what a permit owes (its fees and deposit) at the counter: one receipt through the
    clerk's drawer, the same tenders and double-submit protection as an account payment."""
    from payments.other_payments import take_payment_for
    from permits import queries

    if permit.is_ended:
        raise PermitError(f"Permit {permit.number} has ended: it takes no payments.")
    owed = queries.balance(permit)
    return take_payment_for(
        reference=permit.number,
        lines={
            queries.PURPOSE["fee"]: owed["fee"],
            queries.PURPOSE["deposit"]: owed["deposit"],
        },
        tenders=tenders,
        clerk=clerk,
        idempotency_key=idempotency_key,
        memo=memo or f"Permit {permit.number}",
    )
