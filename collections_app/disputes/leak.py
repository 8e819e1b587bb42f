"""Leak adjustment by policy: once per account in the policy's months, on proof of repair,
credit the policy's share of what each leak bill charged above the customer's average, for
at most the policy's number of bills. The system works it out; a clerk never does.

The average is taken per utility over the bills just before the first leak bill, and the
excess is priced at what the customer was billed for it (the line's charge less the average
line's charge), so tiered rates and fixed charges come out right without re-rating.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.models import Bill, BillLine, LedgerEntry
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO, quantize_money

# Utilities a leak runs through: what goes down the drain is billed as sewer.
LEAK_UTILITIES = ("water", "sewer")


@dataclass
class LeakLine:
    bill: Bill
    utility: str
    usage: Decimal | None
    average_usage: Decimal | None
    charged: Decimal
    average: Decimal
    excess: Decimal
    credit: Decimal


@dataclass
class LeakCredit:
    percent: int
    average_over: list[Bill]
    lines: list[LeakLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def credit(self) -> Decimal:
        return quantize_money(sum((line.credit for line in self.lines), ZERO))

    @property
    def allowed(self) -> bool:
        return not self.problems and self.credit > ZERO


def average_of(values: list[Decimal]) -> Decimal:
    return quantize_money(sum(values, ZERO) / len(values)) if values else ZERO


def compute_leak_credit(
    *,
    account_id: int,
    leak_bills: list[Bill],
    has_proof_of_repair: bool,
    policy: Policy | None = None,
    today: date | None = None,
    exclude_case_id: int | None = None,
) -> LeakCredit:
    """The credit the policy gives for these leak bills (problems say why none is due)."""
    from collections_app.disputes.models import Case, Outcome

    policy = policy or Policy.current()
    today = today or business_day.today()
    problems: list[str] = []
    leak_bills = sorted(leak_bills, key=lambda b: (b.bill_date, b.pk))
    if not leak_bills:
        problems.append("Choose the bill (or bills) the leak ran up.")
    if len(leak_bills) > policy.leak_credit_max_bills:
        problems.append(
            f"The policy adjusts at most {policy.leak_credit_max_bills} bills for one leak."
        )
    if not has_proof_of_repair:
        problems.append(
            "Upload the proof of repair (a plumber's invoice or a parts receipt) first."
        )
    since = business_day.add_months(today, -policy.leak_credit_months_between)
    earlier = Case.objects.filter(
        account_id=account_id,
        outcome=Outcome.ADJUSTED,
        adjustment_reason="leak_credit",
        resolved_on__gt=since,
    )
    if exclude_case_id:
        earlier = earlier.exclude(pk=exclude_case_id)
    earlier_ledger = LedgerEntry.objects.filter(
        account_id=account_id, reason_code="leak_credit", business_date__gt=since
    )
    if earlier.exists() or earlier_ledger.exists():
        problems.append(
            f"This account had a leak adjustment in the last "
            f"{policy.leak_credit_months_between} months; the policy allows one."
        )
    result = LeakCredit(percent=policy.leak_credit_percent, average_over=[], problems=problems)
    if not leak_bills:
        return result
    first = leak_bills[0]
    before = list(
        Bill.objects.filter(account_id=account_id, bill_date__lt=first.bill_date).order_by(
            "-bill_date", "-id"
        )[: policy.leak_average_bills]
    )
    if not before:
        result.problems.append(
            "There is no bill before the leak to take the customer's average from."
        )
        return result
    result.average_over = before
    lines = BillLine.objects.filter(
        bill__in=before + leak_bills, utility__in=LEAK_UTILITIES
    ).order_by("bill_id", "id")
    by_bill: dict[int, dict[str, list[BillLine]]] = {}
    for line in lines:
        by_bill.setdefault(line.bill_id, {}).setdefault(line.utility, []).append(line)
    share = Decimal(policy.leak_credit_percent) / Decimal(100)
    for utility in LEAK_UTILITIES:
        # The average over the bills before the leak; a bill without the utility counts as 0.
        charges = [
            sum((ln.amount for ln in by_bill.get(b.pk, {}).get(utility, [])), ZERO) for b in before
        ]
        usages = [
            sum((ln.usage or ZERO for ln in by_bill.get(b.pk, {}).get(utility, [])), ZERO)
            for b in before
        ]
        average, average_usage = average_of(charges), average_of(usages)
        for bill in leak_bills:
            bill_lines = by_bill.get(bill.pk, {}).get(utility, [])
            if not bill_lines:
                continue
            charged = quantize_money(sum((ln.amount for ln in bill_lines), ZERO))
            usage_values = [ln.usage for ln in bill_lines if ln.usage is not None]
            excess = max(charged - average, ZERO)
            result.lines.append(
                LeakLine(
                    bill=bill,
                    utility=utility,
                    usage=sum(usage_values, ZERO) if usage_values else None,
                    average_usage=average_usage if usage_values else None,
                    charged=charged,
                    average=average,
                    excess=excess,
                    credit=quantize_money(excess * share),
                )
            )
    if not result.problems and result.credit <= ZERO:
        result.problems.append("The leak bills are not above the customer's average.")
    return result
