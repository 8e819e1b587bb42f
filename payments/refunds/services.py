"""Every change to refunds: request, approve, reject, cancel, void, and the check cashed.

Each takes the acting user, runs in one transaction and writes the audit trail. The rules:
- a refund pays back money the utility holds: an account's credit balance (an overpayment, a
  deposit applied and left over) or what was paid on a permit; never more than that, checked
  when it is requested and again, under the account's lock, when it is approved;
- it is approved by a supervisor who did not request it (dual control, as for drawers);
- the check goes to the customer at the account's mailing address unless a reason is given;
- on approval the account's ledger gets a REFUND entry (a charge: it takes the credit away)
  and the refund a check-request number for accounts payable; a void reverses the entry.
"""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts import queries as account_queries
from accounts import services as account_services
from accounts.models import Account, EntryKind, LedgerEntry
from payments.models import Payment, PaymentLine, PaymentStatus
from payments.refunds.models import OPEN_STATUSES, Refund, RefundSource, RefundStatus
from utilityclerk import audit, business_day
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money

REQUEST_PERMISSION = "refunds.add_refund"
APPROVE_PERMISSION = "refunds.approve_refund"


class RefundError(DomainError):
    """A refund rule the user broke; the message is for them, `field` names the form field."""


# Listeners: a higher app that records refunds of its own (permits' refunds due) hears each
# decision inside the transaction that made it: listener(*, refund, event, by), event one of
# "requested", "approved", "rejected", "cancelled", "voided".
_listeners: list[Callable] = []


def refund_listener(listener: Callable) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def _notify(refund: Refund, event: str, by) -> None:
    for listener in _listeners:
        listener(refund=refund, event=event, by=by)


def _require(user, permission: str, message: str) -> None:
    if user is not None and not user.has_perm(permission):
        raise RefundError(message)


def _words(text: str) -> str:
    """A name or an address as compared: case, spacing and line breaks do not matter."""
    return " ".join((text or "").split()).casefold()


def _clean_address(text: str) -> str:
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    return "\n".join(line for line in lines if line)


def default_payee(account: Account) -> tuple[str, str]:
    """The customer and the account's mailing address: where a refund check goes unless the
    clerk gives a reason for another."""
    return account.customer.display_name, "\n".join(account.mailing_address_lines)


def _payee(
    *, default_name: str, default_address: str, payee_name: str, mailing_address: str, reason: str
) -> tuple[str, str, str]:
    name = " ".join((payee_name or "").split()) or default_name
    address = _clean_address(mailing_address) or default_address
    reason = " ".join((reason or "").split())
    differs = _words(name) != _words(default_name) or _words(address) != _words(default_address)
    if differs and not reason:
        raise RefundError(
            "The check goes to someone other than the customer or to another address: say why.",
            field="payee_reason",
        )
    if len(name) > 120:
        raise RefundError("The payee's name is at most 120 characters.", field="payee_name")
    if len(address) > 300:
        raise RefundError("The address is at most 300 characters.", field="mailing_address")
    return name, address, reason[:200] if differs else ""


def _amount(amount) -> Decimal:
    if amount is None:
        raise RefundError("Enter the amount to refund.", field="amount")
    amount = quantize_money(amount)
    if amount <= ZERO:
        raise RefundError("The refund must be more than $0.00.", field="amount")
    return amount


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise RefundError("Say why the money is refunded.", field="reason")
    return reason[:200]


def _lock_account(account_id: int) -> Account:
    return (
        Account.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=account_id)
    )


def credit_balance(account_id: int) -> Decimal:
    """The account's credit (a positive amount), or $0.00 when it owes or is square."""
    balance = account_queries.balance_of(account_id)
    return -balance if balance < ZERO else ZERO


def _requested_against_account(account_id: int, *, leaving_out: int | None = None) -> Decimal:
    """What refund requests on the account still waiting for approval spoke for: posted ones
    have already taken their credit off the balance."""
    pending = Refund.objects.filter(account_id=account_id, status=RefundStatus.REQUESTED)
    if leaving_out is not None:
        pending = pending.exclude(pk=leaving_out)
    return pending.aggregate(total=Sum("amount"))["total"] or ZERO


def _existing_for_key(key, *, matches: Callable[[Refund], bool]) -> Refund | None:
    if key is None:
        return None
    found = Refund.objects.filter(idempotency_key=key).first()
    if found is not None and not matches(found):
        raise RefundError(
            f"This form already requested a refund of {format_money(found.amount)}. Nothing "
            "more was requested: open the form again for another refund."
        )
    return found


def request_refund(
    *,
    account: Account,
    amount: Decimal,
    reason: str,
    requested_by,
    source: str = "credit_balance",
    payee_name: str = "",
    mailing_address: str = "",
    payee_reason: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Refund:
    """Ask for a refund of an account's credit balance, to wait for a supervisor.

    source says where the credit came from: "credit_balance" (an overpayment) or "deposit"
    (a deposit applied to the account, at the final bill or by the deposit review, and left
    over as a credit: apply the deposit first, then request its refund). "permit" refunds
    have no account: see request_permit_refund. The amount may not be more than the credit
    less what other requests on the account are waiting for. The same idempotency key again
    returns the first request.
    """
    if source == RefundSource.PERMIT:
        raise RefundError("A permit's refund is requested on the permit, not on an account.")
    if source not in RefundSource.values:
        raise RefundError("Choose where the credit came from.", field="source")
    _require(requested_by, REQUEST_PERMISSION, "Your role cannot request refunds.")
    amount = _amount(amount)
    reason = _reason(reason)

    def same(found: Refund) -> bool:
        return found.account_id == account.pk and found.amount == amount

    try:
        with transaction.atomic():
            # The account's lock queues every ledger write and every refund on it, so two
            # requests at once cannot both take the same credit.
            account = _lock_account(account.pk)
            if found := _existing_for_key(idempotency_key, matches=same):
                return found
            default_name, default_address = default_payee(account)
            name, address, why = _payee(
                default_name=default_name,
                default_address=default_address,
                payee_name=payee_name,
                mailing_address=mailing_address,
                reason=payee_reason,
            )
            credit = credit_balance(account.pk)
            waiting = _requested_against_account(account.pk)
            if amount > credit - waiting:
                raise RefundError(_over_credit_message(amount, credit, waiting), field="amount")
            refund = Refund.objects.create(
                account=account,
                source=source,
                amount=amount,
                reason=reason,
                payee_name=name,
                mailing_address=address,
                payee_reason=why,
                requested_by=requested_by,
                idempotency_key=idempotency_key,
            )
            audit.record(
                actor=requested_by,
                action="refund.request",
                target=refund,
                after=audit.snapshot(refund),
                reason=reason,
            )
            _notify(refund, "requested", requested_by)
    except IntegrityError:
        # The same key twice at once: the account lock queues the second and the unique key
        # catches whatever slips past it. Answer with what the first made.
        found = _existing_for_key(idempotency_key, matches=same)
        if found is None:
            raise
        return found
    return refund


def _over_credit_message(amount: Decimal, credit: Decimal, waiting: Decimal) -> str:
    if credit <= ZERO:
        return "The account has no credit balance to refund."
    if waiting > ZERO:
        return (
            f"The account's credit is {format_money(credit)} and "
            f"{format_money(waiting)} of it is already waiting in other refund requests: "
            f"at most {format_money(max(credit - waiting, ZERO))} can be refunded."
        )
    return (
        f"The refund of {format_money(amount)} is more than the account's credit balance "
        f"of {format_money(credit)}."
    )


# Permits ----------------------------------------------------------------------------------


def _lock_reference(reference: str) -> None:
    # A permit has no row here to lock: an advisory lock on its number queues the refunds of
    # one permit the way the account row queues an account's.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"refund:{reference}"])


def paid_on_reference(reference: str) -> Decimal:
    """What posted payments paid for a record that is not an account (a permit's number)."""
    return (
        PaymentLine.objects.filter(
            reference=reference, payment__status=PaymentStatus.POSTED
        ).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


def refunded_on_reference(reference: str, *, leaving_out: int | None = None) -> Decimal:
    taken = Refund.objects.filter(
        source=RefundSource.PERMIT, reference=reference, status__in=OPEN_STATUSES
    )
    if leaving_out is not None:
        taken = taken.exclude(pk=leaving_out)
    return taken.aggregate(total=Sum("amount"))["total"] or ZERO


def request_permit_refund(
    *,
    reference: str,
    amount: Decimal,
    reason: str,
    requested_by,
    payee_name: str,
    mailing_address: str,
    idempotency_key: uuid.UUID | None = None,
) -> Refund:
    """Ask for a refund of money paid on a permit (its fees or deposit), to wait for a
    supervisor like any refund. A permit's money is not on an account's ledger: the refund
    is against the payments made for the permit (reference: the permit's number, as its
    payment lines name it), and never more than they paid less what other refunds of it took.
    The payee is the permit's applicant, as permits says. requested_by None: the nightly job
    that expires permits."""
    _require(requested_by, REQUEST_PERMISSION, "Your role cannot request refunds.")
    reference = (reference or "").strip()
    if not reference:
        raise RefundError("Name the permit the refund is for.")
    amount = _amount(amount)
    reason = _reason(reason)
    name = " ".join((payee_name or "").split())
    address = _clean_address(mailing_address)
    if not name:
        raise RefundError("Name who the check is for.", field="payee_name")
    if not address:
        raise RefundError("Give the address the check is mailed to.", field="mailing_address")

    def same(found: Refund) -> bool:
        return found.reference == reference and found.amount == amount

    with transaction.atomic():
        _lock_reference(reference)
        if found := _existing_for_key(idempotency_key, matches=same):
            return found
        paid = paid_on_reference(reference)
        taken = refunded_on_reference(reference)
        if amount > paid - taken:
            raise RefundError(
                f"{format_money(paid)} was paid on {reference} and {format_money(taken)} of it "
                f"is refunded or waiting: {format_money(amount)} is more than is left.",
                field="amount",
            )
        payment = (
            Payment.objects.filter(lines__reference=reference, status=PaymentStatus.POSTED)
            .order_by("-taken_at", "-id")
            .first()
        )
        refund = Refund.objects.create(
            account=None,
            source=RefundSource.PERMIT,
            reference=reference,
            payment=payment,
            amount=amount,
            reason=reason,
            payee_name=name[:120],
            mailing_address=address[:300],
            requested_by=requested_by,
            idempotency_key=idempotency_key,
        )
        audit.record(
            actor=requested_by,
            action="refund.request",
            target=refund,
            after=audit.snapshot(refund),
            reason=reason,
        )
        _notify(refund, "requested", requested_by)
    return refund


# Decisions --------------------------------------------------------------------------------


def _next_check_request_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('refund_check_request_seq')")
        return f"CR-{cursor.fetchone()[0]}"


def _lock(refund: Refund) -> Refund:
    """The account first (the order every ledger write takes), then the refund; a permit's
    refund takes its permit's advisory lock instead."""
    if refund.account_id is not None:
        _lock_account(refund.account_id)
    else:
        _lock_reference(refund.reference)
    return Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)


def _decided_message(refund: Refund) -> str:
    return f"This refund is already {refund.get_status_display().lower()}."


def approve_refund(*, refund: Refund, by, note: str = "") -> Refund:
    """Approve and post: the REFUND entry on the account's ledger and the check-request
    number; the supervisor's note, if any, goes with it into the trail. A second approval (a
    double click, or two supervisors at once) finds it approved and posts nothing more."""
    note = " ".join((note or "").split())[:200]
    _require(by, APPROVE_PERMISSION, "Only a supervisor can approve a refund.")
    with transaction.atomic():
        refund = _lock(refund)
        if refund.status == RefundStatus.APPROVED:
            return refund
        if refund.status != RefundStatus.REQUESTED:
            raise RefundError(_decided_message(refund))
        if refund.requested_by_id == by.pk:
            raise RefundError("Someone other than the requester must approve a refund.")
        # The credit may have gone since the request (a bill posted, a payment returned):
        # checked again now, under the lock, against the balance as it is.
        if refund.account_id is not None:
            credit = credit_balance(refund.account_id)
            if refund.amount > credit:
                raise RefundError(
                    f"The account's credit balance is now {format_money(credit)}, less than "
                    f"this refund of {format_money(refund.amount)}: reject it, and ask for a "
                    "new one if some is still owed."
                )
        else:
            left = paid_on_reference(refund.reference) - refunded_on_reference(
                refund.reference, leaving_out=refund.pk
            )
            if refund.amount > left:
                raise RefundError(
                    f"Only {format_money(max(left, ZERO))} paid on {refund.reference} is left "
                    "to refund: reject this refund."
                )
        today = business_day.posting_date()
        refund.check_request_number = _next_check_request_number()
        if refund.account_id is not None:
            refund.ledger_entry = LedgerEntry.objects.create(
                account_id=refund.account_id,
                kind=EntryKind.REFUND,
                amount=refund.amount,
                business_date=today,
                due_date=today,
                posted_by=by,
                reference=refund.check_request_number,
                memo=f"Refund check to {refund.payee_name}"[:200],
            )
        before = audit.snapshot(refund, ["status"])
        refund.status = RefundStatus.APPROVED
        refund.approved_on = today
        refund.decided_by = by
        refund.decided_at = timezone.now()
        refund.decision_note = note
        refund.save()
        audit.record(
            actor=by,
            action="refund.approve",
            target=refund,
            before=before,
            after={
                "status": refund.status,
                "check_request_number": refund.check_request_number,
                "ledger_entry": refund.ledger_entry_id,
                "approved_on": today.isoformat(),
            },
            reason=note,
        )
        _notify(refund, "approved", by)
    return refund


def _close_request(refund: Refund, status: str, *, reason: str, by) -> None:
    """A request ended without a posting (rejected or cancelled): who, when, why, audited."""
    refund.status = status
    refund.decided_by = by
    refund.decided_at = timezone.now()
    refund.decision_note = reason[:200]
    refund.save()
    action, event = {
        RefundStatus.REJECTED: ("refund.reject", "rejected"),
        RefundStatus.CANCELLED: ("refund.cancel", "cancelled"),
    }[status]
    audit.record(
        actor=by,
        action=action,
        target=refund,
        before={"status": RefundStatus.REQUESTED},
        after={"status": refund.status},
        reason=reason,
    )
    _notify(refund, event, by)


def reject_refund(*, refund: Refund, reason: str, by) -> Refund:
    _require(by, APPROVE_PERMISSION, "Only a supervisor can reject a refund.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise RefundError("Say why the refund is rejected.", field="reason")
    with transaction.atomic():
        refund = _lock(refund)
        if refund.status == RefundStatus.REJECTED:
            return refund
        if refund.status != RefundStatus.REQUESTED:
            raise RefundError(_decided_message(refund))
        if refund.requested_by_id == by.pk:
            raise RefundError("Someone other than the requester must decide a refund: cancel it.")
        _close_request(refund, RefundStatus.REJECTED, reason=reason, by=by)
    return refund


def can_cancel(refund: Refund, user) -> bool:
    """The requester may take back their own request; a supervisor anyone's."""
    return refund.status == RefundStatus.REQUESTED and (
        user.has_perm(APPROVE_PERMISSION)
        or (user.has_perm(REQUEST_PERMISSION) and refund.requested_by_id == user.pk)
    )


def cancel_refund(*, refund: Refund, reason: str, by) -> Refund:
    """Take a request back before it is decided (asked in error, the customer paid it to the
    account instead). Nothing was posted, so nothing is reversed."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise RefundError("Say why the request is cancelled.", field="reason")
    with transaction.atomic():
        refund = _lock(refund)
        if refund.status == RefundStatus.CANCELLED:
            return refund
        if refund.status != RefundStatus.REQUESTED:
            raise RefundError(
                _decided_message(refund)
                + (" Void it instead." if refund.status == RefundStatus.APPROVED else "")
            )
        if not can_cancel(refund, by):
            raise RefundError("Only the clerk who asked for it or a supervisor can cancel it.")
        _close_request(refund, RefundStatus.CANCELLED, reason=reason, by=by)
    return refund


def void_refund(*, refund: Refund, reason: str, by) -> Refund:
    """Void an approved refund whose check was not cashed (never printed, lost and stopped,
    returned by the post office): a reversal of its ledger entry puts the credit back on the
    account. Accounts payable is told by the register (the status column)."""
    _require(by, APPROVE_PERMISSION, "Only a supervisor can void a refund.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise RefundError("Say why the refund is voided.", field="reason")
    with transaction.atomic():
        refund = _lock(refund)
        if refund.status == RefundStatus.VOIDED:
            return refund
        if refund.status != RefundStatus.APPROVED:
            raise RefundError(
                "Only an approved refund is voided; a request waiting is cancelled or rejected."
            )
        if refund.cashed_on is not None:
            raise RefundError(
                f"The check was cashed on {refund.cashed_on:%m/%d/%Y}: a cashed refund is not "
                "voided. Post an adjustment if the customer paid it back."
            )
        if refund.ledger_entry_id is not None:
            refund.reversal_entry = account_services.reverse_entry(
                entry=refund.ledger_entry,
                memo=f"Refund {refund.check_request_number} voided: {reason}"[:200],
                by=by,
            )
        refund.status = RefundStatus.VOIDED
        refund.voided_by = by
        refund.voided_at = timezone.now()
        refund.void_reason = reason[:200]
        refund.save()
        audit.record(
            actor=by,
            action="refund.void",
            target=refund,
            before={"status": RefundStatus.APPROVED},
            after={"status": refund.status, "reversal_entry": refund.reversal_entry_id},
            reason=reason,
        )
        _notify(refund, "voided", by)
    return refund


def record_check_cashed(*, refund: Refund, cashed_on: date | None, by) -> Refund:
    """The bank says the check was cashed on a date (or, None: it was not, a mistake put
    right). An uncashed check past the policy's days lists as unclaimed property."""
    _require(by, APPROVE_PERMISSION, "Only a supervisor can record a refund check cashed.")
    with transaction.atomic():
        refund = _lock(refund)
        if refund.status != RefundStatus.APPROVED:
            raise RefundError("Only an approved refund's check can be cashed.")
        if cashed_on is not None:
            if cashed_on > business_day.today():
                raise RefundError("The day cashed cannot be in the future.", field="cashed_on")
            if cashed_on < refund.approved_on:
                raise RefundError(
                    f"The check was requested on {refund.approved_on:%m/%d/%Y}: it cannot be "
                    "cashed before.",
                    field="cashed_on",
                )
        if refund.cashed_on == cashed_on:
            return refund
        before = audit.snapshot(refund, ["cashed_on"])
        refund.cashed_on = cashed_on
        refund.cashed_recorded_by = by
        refund.save(update_fields=["cashed_on", "cashed_recorded_by"])
        audit.record(
            actor=by,
            action="refund.cashed" if cashed_on else "refund.not_cashed",
            target=refund,
            before=before,
            after=audit.snapshot(refund, ["cashed_on"]),
        )
    return refund
