"""Payments for something other than an account (a permit's fees and deposit): the same
drawer, tenders, receipt sequence and idempotency as an account payment, but no ledger entry;
instead the payment's lines say what it pays and for which record.

Apps above payments register their purposes from their AppConfig.ready():
  register_purpose("permit_fee", "Permit fees")
so the drawer and the day's reports label each purpose's line, without importing that app.

A purpose may also be paid on an account's own receipt beside its balance (a security
deposit): register_account_purpose(...) below. The payment dialog then offers it in a field
of its own, take_payment(lines=...) splits the one payment between the account and it, and a
void or a returned check undoes its part through the purpose's own handler.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction

from payments.models import Channel, Payment, PaymentLine, Tender, receipt_label
from payments.tenders import PaymentError, TenderInput, allocate
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import format_money, quantize_money

_purposes: dict[str, str] = {}


def register_purpose(code: str, label: str) -> None:
    _purposes[code] = label


def purposes() -> dict[str, str]:
    """Every registered purpose and its label, in the order registered."""
    return dict(_purposes)


@dataclass(frozen=True)
class PurposeOffer:
    """What the payment dialog offers for a purpose on one account: `due` is filled in,
    up to `most` may be taken, and `note` says why (shown beside the field)."""

    due: Decimal
    most: Decimal
    note: str = ""


@dataclass(frozen=True)
class AccountPurpose:
    code: str
    label: str  # the line on the drawer and the day's reports
    field_label: str  # the payment dialog's field
    # offer(account) -> PurposeOffer | None (nothing to take): one query.
    offer: Callable
    # posted(*, payment, amount, by): inside the payment's transaction, with the account
    # locked; raises PaymentError (field "purpose_<code>") to refuse the whole payment.
    posted: Callable
    # undone(*, payment, amount, by, reason, returned): a void (the whole line) or a
    # returned check (its part of what came back), inside that transaction.
    undone: Callable


_account_purposes: dict[str, AccountPurpose] = {}


def register_account_purpose(purpose: AccountPurpose) -> None:
    register_purpose(purpose.code, purpose.label)
    _account_purposes[purpose.code] = purpose


def account_purposes() -> list[AccountPurpose]:
    return list(_account_purposes.values())


def account_purpose(code: str) -> AccountPurpose | None:
    return _account_purposes.get(code)


def field_name(code: str) -> str:
    """The payment dialog's field for a purpose's amount."""
    return f"purpose_{code}"


def take_payment_for(
    *,
    reference: str,
    lines: dict[str, Decimal],
    tenders: list[TenderInput],
    clerk,
    idempotency_key: uuid.UUID,
    memo: str = "",
) -> Payment:
    """Post a counter payment for a record that is not an account: one receipt, its tenders
    paying the sum of the lines. The same key posted again returns the first payment."""
    from payments.services import _check_tender_details, _refuse_card_numbers, _require

    _require(clerk, "payments.add_payment", "Your role cannot take payments.")
    if idempotency_key is None:
        raise PaymentError("This form has expired; open it again.")
    lines = {p: quantize_money(a) for p, a in lines.items() if a and a > 0}
    unknown = [p for p in lines if p not in _purposes]
    if unknown or not lines:
        raise PaymentError("Nothing to pay.", "amount")
    amount = sum(lines.values())
    policy = Policy.current()
    if amount > policy.max_payment_amount:
        raise PaymentError(
            f"The largest payment taken is {format_money(policy.max_payment_amount)}.", "amount"
        )
    memo = (memo or "").strip()
    _refuse_card_numbers(memo, tenders)
    allocation = allocate(amount, tenders)
    _check_tender_details(tenders)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT id, business_date FROM payments_drawersession "
                    "WHERE opened_by_id = %s AND status = 'open' FOR UPDATE",
                    [clerk.pk],
                )
                row = cursor.fetchone()
                if row is None:
                    raise PaymentError("Open your drawer before taking a counter payment.")
                session_id, session_date = row
                cursor.execute(
                    "SELECT id FROM payments_payment WHERE idempotency_key = %s", [idempotency_key]
                )
                found = cursor.fetchone()
                if found is not None:
                    return Payment.objects.get(pk=found[0])
                today = business_day.posting_date()
                if session_date != today:
                    raise PaymentError(
                        f"Your drawer was opened for {session_date:%m/%d/%Y}: count and close "
                        "it, then open it again for today."
                    )
                cursor.execute("SELECT nextval('payment_receipt_seq')")
                number = cursor.fetchone()[0]
            payment = Payment.objects.create(
                receipt_number=number,
                account=None,
                channel=Channel.COUNTER,
                business_date=today,
                session_id=session_id,
                idempotency_key=idempotency_key,
                taken_by=clerk,
                amount=amount,
                change_given=allocation.change,
                memo=(memo or f"{reference}")[:200],
            )
            PaymentLine.objects.bulk_create(
                PaymentLine(payment=payment, purpose=p, reference=reference, amount=a)
                for p, a in lines.items()
            )
            Tender.objects.bulk_create(
                Tender(
                    payment=payment,
                    kind=line.kind,
                    amount=line.amount,
                    amount_tendered=line.amount_tendered,
                    number=line.number.strip(),
                    card_last4=line.card_last4,
                    card_auth_code=line.card_auth_code.upper(),
                )
                for line in allocation.lines
            )
            audit.record(
                actor=clerk,
                action="payment.take",
                target=payment,
                after={
                    "receipt": receipt_label(number),
                    "reference": reference,
                    "lines": {p: str(a) for p, a in lines.items()},
                    "tenders": {line.kind: str(line.amount) for line in allocation.lines},
                    "change": str(allocation.change),
                },
            )
    except IntegrityError:
        found = Payment.objects.filter(idempotency_key=idempotency_key).first()
        if found is None:
            raise
        return found
    return payment


def purpose_totals(
    *, session_id: int | None = None, business_date=None
) -> list[tuple[str, Decimal]]:
    """What a drawer session or a business day took, by what it was for: account payments
    (what they paid on balances), then each registered purpose (customer deposits, permit
    fees, permit deposits) on a line of its own, held money apart from revenue. Voided
    payments are left out, as in the drawer's expected totals. One query."""
    from django.db import connection

    if (session_id is None) == (business_date is None):
        raise ValueError("Give a session or a business day")
    where = "p.session_id = %s" if session_id is not None else "p.business_date = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT 'account', COALESCE(SUM(-e.amount), 0) FROM payments_payment p
              JOIN accounts_ledgerentry e ON e.id = p.ledger_entry_id
             WHERE {where} AND p.status <> 'voided' AND p.account_id IS NOT NULL
            UNION ALL
            SELECT l.purpose, SUM(l.amount) FROM payments_paymentline l
              JOIN payments_payment p ON p.id = l.payment_id
             WHERE {where} AND p.status <> 'voided'
             GROUP BY l.purpose
            """,  # noqa: S608 - the WHERE is one of two constants; values are parameters
            [session_id or business_date, session_id or business_date],
        )
        found = dict(cursor.fetchall())
    lines = [("Account payments", found.get("account") or Decimal("0.00"))]
    lines += [(label, found.get(code) or Decimal("0.00")) for code, label in _purposes.items()]
    lines += [
        (code, amount)
        for code, amount in found.items()
        if code != "account" and code not in _purposes
    ]
    return lines
