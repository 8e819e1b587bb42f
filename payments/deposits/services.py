"""Every change to deposits. One function per business action; each takes the acting user,
runs in one transaction with the account's row locked (the lock every ledger write takes, so
a deposit and a payment on one account queue) and writes the audit trail in it.

Money in: collected at the counter on a receipt (payments calls `collected`), or billed in
instalments by the monthly run (runs.py). Money out: applied to the account (the final bill,
or the review), or refunded (the review, when the policy says so: applied to the account and
the credit it leaves requested as a refund check). Interest in: the yearly run, and at the
return for the part of the year not yet accrued.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.db.models import Sum

from accounts.models import Account, AccountStatus, CustomerClass, EntryKind, LedgerEntry
from accounts.queries import balance_of
from payments.deposits import queries
from payments.deposits.models import (
    PURPOSE,
    DepositEntry,
    DepositInstalment,
    DepositWaiver,
    InstalmentPlan,
    LetterOfCredit,
    PlanStatus,
    SecurityKind,
)
from payments.deposits.models import EntryKind as Kind
from payments.other_payments import PurposeOffer, field_name
from payments.tenders import CARD_NUMBER_MESSAGE, PaymentError, looks_like_card_number
from utilityclerk import audit, business_day
from utilityclerk.business_day import add_months
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import CENT, ZERO, format_money, quantize_money

CLOSED = (AccountStatus.FINAL, AccountStatus.CLOSED)


class DepositError(DomainError):
    """A deposit rule the user broke; the message is for them, `field` names the form field."""


def _require(user, permission: str, message: str) -> None:
    if not user.has_perm(permission):
        raise DepositError(message)


def _lock(account_id: int) -> Account:
    return (
        Account.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(pk=account_id)
    )


def _reason(text: str, *, field: str = "reason") -> str:
    text = " ".join((text or "").split())
    if not text:
        raise DepositError("Say why.", field)
    if looks_like_card_number(text):
        raise DepositError(CARD_NUMBER_MESSAGE, field)
    return text[:200]


def _end_plan(account_id: int, *, reason: str, by) -> None:
    plan = InstalmentPlan.objects.filter(account_id=account_id, status=PlanStatus.ACTIVE).first()
    if plan is None:
        return
    plan.status = PlanStatus.ENDED
    plan.ended_on = business_day.today()
    plan.end_reason = reason[:200]
    plan.save(update_fields=["status", "ended_on", "end_reason"])
    audit.record(actor=by, action="deposit.plan_ended", target=plan, reason=reason)


# At the counter (the payment dialog's deposit field) ---------------------------------------


def offer(account: Account) -> PurposeOffer | None:
    """What the payment dialog offers for the deposit: what no plan will bill is filled in,
    up to all that is still owed (paying instalments ahead). One query."""
    if account.status in CLOSED:
        return None
    figures = queries.figures(account.pk)
    if figures.still_owed <= ZERO:
        return None
    if figures.to_bill:
        note = (
            f"{format_money(figures.still_owed)} still owed, {format_money(figures.to_bill)} "
            "of it on instalments: paying it now bills less."
        )
    else:
        note = f"{format_money(figures.still_owed)} still owed as a security deposit."
    return PurposeOffer(due=figures.due_now, most=figures.still_owed, note=note)


def collected(*, payment, amount: Decimal, by) -> DepositEntry:
    """A receipt paid `amount` of the deposit (inside the payment's transaction, the account
    locked by it). Never more than is still owed: the payment is refused whole instead."""
    account = payment.account
    if account.status in CLOSED:
        raise PaymentError(
            f"Account {account.display_number} is {account.get_status_display().lower()}: "
            "it takes no deposit.",
            field_name(PURPOSE),
        )
    figures = queries.figures(account.pk)
    if amount > figures.still_owed:
        raise PaymentError(
            f"At most {format_money(figures.still_owed)} of the deposit is still owed."
            if figures.still_owed
            else "No deposit is owed on this account.",
            field_name(PURPOSE),
        )
    entry = DepositEntry.objects.create(
        account=account,
        kind=Kind.COLLECTED,
        amount=amount,
        business_date=payment.business_date,
        posted_by=by,
        payment=payment,
        reference=payment.receipt,
        memo=f"Collected on receipt {payment.receipt}",
    )
    if figures.on_plan and amount >= figures.still_owed:
        _end_plan(account.pk, reason=f"Paid in full on receipt {payment.receipt}", by=by)
    audit.record(
        actor=by,
        action="deposit.collected",
        target=account,
        after={"receipt": payment.receipt, "amount": str(amount)},
    )
    return entry


def undone(*, payment, amount: Decimal, by, reason: str, returned: bool) -> None:
    """A void (the whole deposit part) or a returned check (its part of what came back):
    reverse the collection. Should the deposit have left already (applied to a final bill),
    what it no longer holds is taken back off the account: the application is reversed."""
    account_id = payment.account_id
    collection = DepositEntry.objects.get(payment=payment, kind=Kind.COLLECTED)
    held = _held(account_id)
    today = business_day.posting_date()
    DepositEntry.objects.create(
        account_id=account_id,
        kind=Kind.REVERSED,
        amount=-amount,
        business_date=today,
        posted_by=by,
        payment=payment,
        reverses=collection,
        reference=payment.receipt,
        memo=reason[:200],
    )
    short = amount - max(held, ZERO)
    if short > ZERO:
        _take_back_application(account_id, short, by=by, memo=reason, today=today)
    audit.record(
        actor=by,
        action="deposit.returned" if returned else "deposit.voided",
        target=payment.account,
        before={"held": str(held)},
        after={"held": str(held - amount + max(short, ZERO)), "receipt": payment.receipt},
        reason=reason,
    )


def _take_back_application(account_id: int, short: Decimal, *, by, memo: str, today: date):
    """Reverse `short` of the latest deposit applications not yet reversed: on the account
    ledger (the customer owes it again) and on the deposit ledger (it was never held)."""
    outs = (
        DepositEntry.objects.filter(
            account_id=account_id, kind__in=[Kind.APPLIED, Kind.REFUNDED], reversed_by=None
        )
        .select_related("ledger_entry")
        .order_by("-id")
    )
    reversed_entries = {}
    for out in outs:
        if short <= ZERO:
            break
        part = min(short, -out.amount)
        ledger = out.ledger_entry
        reversal = reversed_entries.get(ledger.pk)
        if reversal is None:
            if LedgerEntry.objects.filter(reverses=ledger).exists():
                continue
            reversal = LedgerEntry.objects.create(
                account_id=account_id,
                kind=EntryKind.REVERSAL,
                amount=min(short, -ledger.amount),
                business_date=today,
                due_date=today,
                posted_by=by,
                reference=ledger.reference,
                memo=f"Deposit applied, not received: {memo}"[:200],
                reverses=ledger,
            )
            reversed_entries[ledger.pk] = reversal
        DepositEntry.objects.create(
            account_id=account_id,
            kind=Kind.REVERSED,
            amount=part,
            business_date=today,
            posted_by=by,
            ledger_entry=reversal,
            reverses=out,
            memo=f"Application reversed: {memo}"[:200],
        )
        short -= part
    if short > ZERO:
        raise PaymentError(
            "The deposit this check paid has left the account in a way that cannot be "
            "reversed here: record the return after putting the account right by hand."
        )


def _held(account_id: int) -> Decimal:
    return (
        DepositEntry.objects.filter(account_id=account_id).aggregate(total=Sum("amount"))["total"]
        or ZERO
    )


# Instalments -------------------------------------------------------------------------------


def split_in_instalments(total: Decimal, count: int) -> list[Decimal]:
    """`total` in `count` instalments to the cent: equal shares rounded down, the cents left
    over on the first, so they add up exactly."""
    total = quantize_money(total)
    share = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    amounts = [share] * count
    amounts[0] += total - share * count
    return amounts


def set_up_instalments(
    *, account: Account, instalments: int, by, idempotency_key: uuid.UUID | None = None
) -> InstalmentPlan:
    """Bill what is still owed of the deposit in `instalments` monthly instalments (up to the
    policy's number): the first with the next instalment run, then a month apart."""
    _require(by, "deposits.add_instalmentplan", "Your role cannot set up deposit instalments.")
    policy = Policy.current()
    if policy.deposit_instalments_max < 2:
        raise DepositError("The policy takes deposits in full only.", "instalments")
    if not 2 <= instalments <= policy.deposit_instalments_max:
        raise DepositError(
            f"Choose 2 to {policy.deposit_instalments_max} monthly instalments.", "instalments"
        )
    with transaction.atomic():
        account = _lock(account.pk)
        if idempotency_key and (
            found := InstalmentPlan.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return found
        if account.status not in (AccountStatus.PENDING, AccountStatus.ACTIVE):
            raise DepositError(
                f"Account {account.display_number} is {account.get_status_display().lower()}: "
                "no deposit instalments."
            )
        figures = queries.figures(account.pk)
        if figures.on_plan:
            raise DepositError("The deposit is already on instalments.")
        owed = figures.still_owed
        if owed <= ZERO:
            raise DepositError("No deposit is owed on this account.")
        if owed < CENT * instalments:
            raise DepositError("Too little is owed to split.", "instalments")
        today = business_day.today()
        plan = InstalmentPlan.objects.create(
            account=account,
            total=owed,
            instalment_count=instalments,
            set_up_by=by,
            idempotency_key=idempotency_key,
        )
        DepositInstalment.objects.bulk_create(
            DepositInstalment(plan=plan, number=n, bill_on=add_months(today, n - 1), amount=amount)
            for n, amount in enumerate(split_in_instalments(owed, instalments), start=1)
        )
        audit.record(
            actor=by,
            action="deposit.instalments",
            target=account,
            after={"total": str(owed), "instalments": instalments},
        )
    return plan


# Waive or reduce -----------------------------------------------------------------------------


def waive_deposit(
    *,
    account: Account,
    required: Decimal,
    reason: str,
    by,
    idempotency_key: uuid.UUID | None = None,
) -> DepositWaiver:
    """A supervisor waives the deposit (to $0.00) or reduces it, with the reason. Never below
    what is already collected or billed: that money is returned by the review or the final
    bill, not by a waiver."""
    _require(by, "deposits.waive_deposit", "Only a supervisor can waive or reduce a deposit.")
    reason = _reason(reason)
    if required is None:
        raise DepositError("Enter the deposit required from now on ($0.00 waives it).", "required")
    required = quantize_money(required)
    if required < ZERO:
        raise DepositError("The deposit cannot be negative.", "required")
    with transaction.atomic():
        account = _lock(account.pk)
        if idempotency_key and (
            found := DepositWaiver.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return found
        figures = queries.figures(account.pk)
        if figures.required <= ZERO:
            raise DepositError("No deposit is required on this account.")
        if required >= figures.required:
            raise DepositError(
                f"The deposit required now is {format_money(figures.required)}: enter less "
                "to reduce it, or $0.00 to waive it.",
                "required",
            )
        if required < figures.secured:
            raise DepositError(
                f"{format_money(figures.secured)} is already collected or billed: the deposit "
                "cannot be reduced below it.",
                "required",
            )
        waiver = DepositWaiver.objects.create(
            account=account,
            required_before=figures.required,
            required_after=required,
            reason=reason,
            decided_by=by,
            idempotency_key=idempotency_key,
        )
        if figures.on_plan and max(ZERO, required - figures.secured - figures.covered) == ZERO:
            _end_plan(account.pk, reason="Deposit waived or reduced", by=by)
        audit.record(
            actor=by,
            action="deposit.waived" if required == ZERO else "deposit.reduced",
            target=account,
            before={"required": str(figures.required)},
            after={"required": str(required)},
            reason=reason,
        )
    return waiver


# Letters of credit and surety bonds -----------------------------------------------------------


def record_security(
    *,
    account: Account,
    kind: str,
    issuer: str,
    amount: Decimal,
    expires_on: date,
    by,
    number: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> LetterOfCredit:
    """A commercial customer's letter of credit or surety bond instead of a cash deposit."""
    _require(by, "deposits.add_letterofcredit", "Your role cannot record letters of credit.")
    if kind not in SecurityKind.values:
        raise DepositError("Choose a letter of credit or a surety bond.", "kind")
    issuer = " ".join((issuer or "").split())
    if not issuer:
        raise DepositError("Enter the bank or surety company that issued it.", "issuer")
    number = " ".join((number or "").split())
    for field, text in (("issuer", issuer), ("number", number)):
        if looks_like_card_number(text):
            raise DepositError(CARD_NUMBER_MESSAGE, field)
    if amount is None or quantize_money(amount) <= ZERO:
        raise DepositError("The amount must be more than $0.00.", "amount")
    amount = quantize_money(amount)
    if expires_on is None or expires_on <= business_day.today():
        raise DepositError("It must expire after today: check the date.", "expires_on")
    with transaction.atomic():
        account = _lock(account.pk)
        if idempotency_key and (
            found := LetterOfCredit.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return found
        if account.customer.customer_class != CustomerClass.COMMERCIAL:
            raise DepositError(
                "Letters of credit and surety bonds are taken from commercial customers only."
            )
        if account.status in CLOSED:
            raise DepositError(
                f"Account {account.display_number} is {account.get_status_display().lower()}."
            )
        security = LetterOfCredit.objects.create(
            account=account,
            kind=kind,
            issuer=issuer[:120],
            number=number[:40],
            amount=amount,
            expires_on=expires_on,
            recorded_by=by,
            idempotency_key=idempotency_key,
        )
        audit.record(
            actor=by, action="deposit.security", target=account, after=audit.snapshot(security)
        )
    return security


def release_security(*, security: LetterOfCredit, reason: str, by) -> LetterOfCredit:
    """The utility gives a letter of credit or bond back: it covers nothing from today."""
    _require(
        by, "deposits.change_letterofcredit", "Only a supervisor can release a letter of credit."
    )
    reason = _reason(reason)
    with transaction.atomic():
        _lock(security.account_id)
        security = LetterOfCredit.objects.select_for_update().get(pk=security.pk)
        if security.released_on is not None:
            return security
        _release(security, reason=reason, by=by)
    return security


def _release(security: LetterOfCredit, *, reason: str, by) -> None:
    security.released_on = business_day.today()
    security.released_by = by
    security.release_reason = reason[:200]
    security.save(update_fields=["released_on", "released_by", "release_reason"])
    audit.record(
        actor=by,
        action="deposit.security_released",
        target=security.account,
        after={"security": str(security)},
        reason=reason,
    )


# Interest -------------------------------------------------------------------------------------


def interest_for(account_id: int, *, year: int, through: date | None = None) -> Decimal:
    """An account's interest for one year at the policy's rate (through a date in it)."""
    rate = Policy.current().deposit_interest_percent
    if rate <= ZERO:
        return ZERO
    sql, params = queries.interest_sql(year=year, through=through)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "rate": rate, "account_id": account_id})
        row = cursor.fetchone()
    return max(ZERO, row[1]) if row else ZERO


def accrue_interest(*, account_id: int, through: date, by) -> Decimal:
    """Interest for every year the deposit was held and no interest was yet accrued, the
    last through `through`: what the yearly run has not paid yet, before it is returned."""
    if Policy.current().deposit_interest_percent <= ZERO:
        return ZERO
    entries = DepositEntry.objects.filter(account_id=account_id)
    first = entries.exclude(kind=Kind.INTEREST).order_by("business_date").first()
    if first is None:
        return ZERO
    accrued = set(entries.filter(kind=Kind.INTEREST).values_list("interest_year", flat=True))
    total = ZERO
    for year in range(first.business_date.year, through.year + 1):
        if year in accrued:
            continue
        amount = interest_for(
            account_id, year=year, through=through if year == through.year else None
        )
        if amount > ZERO:
            DepositEntry.objects.create(
                account_id=account_id,
                kind=Kind.INTEREST,
                amount=amount,
                business_date=business_day.posting_date(),
                posted_by=by,
                interest_year=year,
                memo=f"Interest for {year}"
                + (f" through {through:%m/%d/%Y}" if year == through.year else ""),
            )
            total += amount
    return total


# The return: final bill, or the review -------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    held: Decimal  # what left the deposit (with interest)
    interest: Decimal
    applied: Decimal  # credited to the account
    refunded: Decimal  # credited and requested as a refund check
    refund_id: int | None = None


APPLY, REFUND = "credit", "refund"


def return_deposit(
    *, account: Account, how: str, by, memo: str, reference: str = "", final: bool = False
) -> Returned | None:
    """Give the deposit back, with interest accrued through today: credited to the account
    (a DEPOSIT_APPLIED entry pays what it owes; the rest is a credit), and, when `how` is
    refund, the credit it leaves (up to the deposit) requested as a refund check. None when
    nothing is held (a second run, a second final read: the lock makes it so).

    `final`: the account's service ended: an instalment plan stops and letters of credit
    are released as well."""
    if how not in (APPLY, REFUND):
        raise ValueError(how)
    with transaction.atomic():
        account = _lock(account.pk)
        today = business_day.posting_date()
        if final:
            _end_plan(account.pk, reason="Service ended: final bill", by=by)
            for security in LetterOfCredit.objects.filter(
                account=account, released_on__isnull=True
            ):
                _release(security, reason="Service ended: final bill", by=by)
        interest = accrue_interest(account_id=account.pk, through=today, by=by)
        held = _held(account.pk)
        if held <= ZERO:
            return None
        if interest:
            memo = f"{memo}, with {format_money(interest)} interest"
        entry = LedgerEntry.objects.create(
            account=account,
            kind=EntryKind.DEPOSIT_APPLIED,
            amount=-held,
            business_date=today,
            posted_by=by,
            reference=reference,
            memo=memo[:200],
        )
        refunded, refund_id = ZERO, None
        if how == REFUND:
            credit = max(ZERO, -balance_of(account.pk))
            refunded = min(held, credit)
        applied = held - refunded
        if applied:
            DepositEntry.objects.create(
                account=account,
                kind=Kind.APPLIED,
                amount=-applied,
                business_date=today,
                posted_by=by,
                ledger_entry=entry,
                reference=reference,
                memo=memo[:200],
            )
        if refunded:
            from payments.refunds.services import request_refund

            refund = request_refund(
                account=account,
                amount=refunded,
                reason=memo,
                requested_by=by,
                source="deposit",
            )
            refund_id = refund.pk
            DepositEntry.objects.create(
                account=account,
                kind=Kind.REFUNDED,
                amount=-refunded,
                business_date=today,
                posted_by=by,
                ledger_entry=entry,
                reference=f"Refund {refund.pk}",
                memo=memo[:200],
            )
        audit.record(
            actor=by,
            action="deposit.return",
            target=account,
            before={"held": str(held)},
            after={"applied": str(applied), "refunded": str(refunded), "interest": str(interest)},
            reason=memo,
        )
    return Returned(held, interest, applied, refunded, refund_id)


def apply_to_final_bill(*, account: Account, bill, by) -> Returned | None:
    """The final bill: the deposit and its interest are applied to it; what is left is a
    credit on the account, which a clerk then refunds (refunds)."""
    label = f"final bill {bill.number}" if bill is not None else "the final account"
    return return_deposit(
        account=account,
        how=APPLY,
        by=by,
        memo=f"Deposit applied to {label}",
        reference=bill.number if bill is not None else "",
        final=True,
    )
