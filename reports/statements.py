"""The account statement: the ledger between two dates with opening and closing balances,
the aging on the closing date and what the customer owes."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Max

from accounts import queries
from accounts.models import Account, AdjustmentReason, EntryKind, LedgerEntry
from utilityclerk import business_day
from utilityclerk.money import ZERO

# A statement goes to the customer, so each line is described from what the customer may
# read: the entry kind, its reference and, for these kinds only, the memo the system itself
# writes (bill period, late-fee basis, payment channel, where a balance was transferred).
# Memos of every other kind are typed by staff (adjustments, reversal reasons such as
# "Void: keyed wrong amount") or have no known system source, and are internal notes.
SYSTEM_MEMO_KINDS = frozenset(
    {
        EntryKind.BILL,
        EntryKind.LATE_FEE,
        EntryKind.RETURNED_PAYMENT_FEE,
        EntryKind.PAYMENT,
        EntryKind.TRANSFER_IN,
        EntryKind.TRANSFER_OUT,
    }
)
ADJUSTMENT_KINDS = frozenset({EntryKind.ADJUSTMENT_DEBIT, EntryKind.ADJUSTMENT_CREDIT})


@dataclass(frozen=True)
class StatementLine:
    business_date: date
    kind: str
    reference: str
    description: str
    amount: Decimal
    balance: Decimal

    @property
    def charge(self) -> Decimal | None:
        return self.amount if self.amount > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return self.amount if self.amount < 0 else None


@dataclass
class Statement:
    account: Account
    start: date
    end: date
    opening_balance: Decimal
    lines: list[StatementLine]
    closing_balance: Decimal
    total_charges: Decimal
    total_credits: Decimal
    aging: queries.Aging
    pay_by: date | None  # due date of the newest bill still unpaid on the end date

    @property
    def amount_due(self) -> Decimal:
        return max(self.closing_balance, ZERO)

    @property
    def credit_balance(self) -> Decimal:
        return max(-self.closing_balance, ZERO)

    @property
    def past_due(self) -> Decimal:
        return self.aging.past_due


def customer_description(entry: LedgerEntry) -> str:
    if entry.kind in SYSTEM_MEMO_KINDS:
        return entry.memo
    if entry.kind in ADJUSTMENT_KINDS and entry.reason_code != AdjustmentReason.OTHER:
        # The reason is picked from a fixed list written for customers; "other" is not.
        return dict(AdjustmentReason.choices).get(entry.reason_code, "")
    if entry.kind == EntryKind.REVERSAL and entry.reverses is not None:
        undone = entry.reverses
        return f"Reverses {undone.get_kind_display().lower()} of {undone.business_date:%m/%d/%Y}"
    return ""


def _pay_by(account_id: int, as_of: date | None) -> date | None:
    # Credits pay the oldest charges first, so the newest bill is the last one paid off;
    # a bill is unpaid when its due date still carries an unpaid amount.
    unpaid_due_dates = [due for due, amount in queries.unpaid_charges(account_id, as_of) if amount]
    if not unpaid_due_dates:
        return None
    bills = LedgerEntry.objects.filter(
        account_id=account_id, kind=EntryKind.BILL, due_date__in=unpaid_due_dates
    )
    if as_of is None:
        bills = bills.exclude(reversed_by__isnull=False)
    else:
        bills = bills.filter(business_date__lte=as_of).exclude(
            reversed_by__business_date__lte=as_of
        )
    return bills.aggregate(newest=Max("due_date"))["newest"]


def build_statement(account: Account, start: date, end: date) -> Statement:
    # A statement to today is the account now: once today is closed, a payment taken since is
    # dated to the next open business day, and the customer has paid it all the same.
    through = None if end >= business_day.today() else end
    entries = list(
        queries.ledger_with_running_balance(account.pk, start=start, end=through).select_related(
            "reverses"
        )
    )
    if through is None and entries and entries[-1].business_date > end:
        end = entries[-1].business_date  # the statement runs to the newest posting it shows
    opening = queries.balance_of(account.pk, as_of=start - timedelta(days=1))
    charges = sum((e.amount for e in entries if e.amount > 0), ZERO)
    credits = sum((e.amount for e in entries if e.amount < 0), ZERO)
    lines = [
        StatementLine(
            business_date=e.business_date,
            kind=e.get_kind_display(),
            reference=e.reference,
            description=customer_description(e),
            amount=e.amount,
            balance=e.running_balance,
        )
        for e in entries
    ]
    return Statement(
        account=account,
        start=start,
        end=end,
        opening_balance=opening,
        lines=lines,
        closing_balance=opening + charges + credits,
        total_charges=charges,
        total_credits=credits,
        aging=queries.aging_for_account(account.pk, as_of=through),
        pay_by=_pay_by(account.pk, through),
    )
