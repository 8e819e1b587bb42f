"""Reads for disputes: what is held out of collection, the account's cases, the board, the
report. Set-based: one statement for one account or for all of them."""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch, Q

from collections_app.disputes.models import (
    HOLDING,
    UNRESOLVED,
    Case,
    CaseKind,
    CaseStatus,
    CaseWorkOrder,
    Outcome,
    PartyType,
    Referral,
    ReferralStatus,
)
from utilityclerk import business_day
from utilityclerk.money import ZERO, quantize_money

# The one definition of what is held out of collection on a date. A case holds, while the
# last status it entered on or before that date is a holding one, what it disputes and has
# not credited; of a bill or a charge, never more than that charge's unpaid past-due part
# (credits pay the oldest charges first, as the aging allocates them): disputing this
# month's bill does not shelter last month's, and a disputed bill the customer has paid
# leaves nothing to hold. A dispute of an amount (no charge named) holds the amount.
# Read from the status history, so a late-fee run for yesterday sees yesterday's disputes.
# Rows of (account_id, amount) with the date as %(as_of)s: collections' collectible amount
# registers this very statement as a hold (hooks.register_hold).
HOLD_SQL = """
WITH holding AS MATERIALIZED (
    -- Per disputed charge (a bill's ledger entry, or the charge itself); NULL: an amount.
    SELECT c.account_id, COALESCE(c.charge_id, be.id) AS entry_id,
           SUM(c.amount - c.amount_adjusted) AS disputed
    FROM disputes_case c
    JOIN LATERAL (
        SELECT sc.to_status FROM disputes_casestatuschange sc
        WHERE sc.case_id = c.id AND sc.on <= %(as_of)s
        ORDER BY sc.on DESC, sc.id DESC LIMIT 1
    ) last ON last.to_status IN ({statuses})
    LEFT JOIN accounts_ledgerentry be ON be.bill_id = c.bill_id
    WHERE c.amount > c.amount_adjusted
    GROUP BY c.account_id, COALESCE(c.charge_id, be.id)
),
balances AS (
    SELECT e.account_id, SUM(e.amount) AS balance
    FROM accounts_ledgerentry e
    WHERE e.business_date <= %(as_of)s AND e.account_id IN (SELECT account_id FROM holding)
    GROUP BY e.account_id
),
unpaid AS MATERIALIZED (
    SELECT e.id, e.due_date,
           GREATEST(0, LEAST(e.amount, b.balance - (
               SUM(e.amount) OVER (PARTITION BY e.account_id ORDER BY e.due_date DESC, e.id DESC
                                   ROWS UNBOUNDED PRECEDING) - e.amount))) AS open_amount
    FROM accounts_ledgerentry e
    JOIN balances b ON b.account_id = e.account_id AND b.balance > 0
    WHERE e.amount > 0 AND e.business_date <= %(as_of)s AND e.kind <> 'reversal'
      AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                      WHERE r.kind = 'reversal' AND r.reverses_id = e.id
                        AND r.business_date <= %(as_of)s)
)
SELECT h.account_id,
       CASE WHEN h.entry_id IS NULL THEN h.disputed
            WHEN u.due_date < %(as_of)s THEN LEAST(h.disputed, u.open_amount)
            ELSE 0
       END AS amount
FROM holding h
LEFT JOIN unpaid u ON u.id = h.entry_id
""".format(statuses=", ".join(f"'{status}'" for status in HOLDING))  # noqa: S608 - our constants

_HELD = (
    "SELECT account_id, SUM(amount) FROM (" + HOLD_SQL + ") h "  # noqa: S608 - constants
    "WHERE true {accounts} GROUP BY account_id HAVING SUM(amount) > 0"
)


def held_amounts(*, on: date | None = None, account_ids=None) -> dict[int, Decimal]:
    """{account id: amount held out of collection} on a date (today when not given), for the
    given accounts or all of them; accounts with nothing held are left out. This is what the
    collectible amount subtracts: no late fee, notice or shut-off for it. One statement."""
    params: dict = {"as_of": on or business_day.today()}
    accounts = ""
    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return {}
        accounts = "AND account_id = ANY(%(ids)s)"
        params["ids"] = account_ids
    with connection.cursor() as cursor:
        cursor.execute(_HELD.format(accounts=accounts), params)
        return {account_id: quantize_money(total) for account_id, total in cursor.fetchall()}


def held_amount(account_id: int, *, on: date | None = None) -> Decimal:
    return held_amounts(on=on, account_ids=[account_id]).get(account_id, ZERO)


def disputed_amount(account_id: int) -> Decimal:
    """What the account's open cases dispute and have not credited (the header's figure),
    from the holding partial index: one query."""
    total = ZERO
    for amount, adjusted in Case.objects.filter(
        account_id=account_id, status__in=HOLDING
    ).values_list("amount", "amount_adjusted"):
        total += amount - adjusted
    return total


def held_on_charge(*, bill=None, charge=None, exclude_case=None) -> Decimal:
    """What open cases already dispute of one bill or one charge."""
    cases = Case.objects.filter(status__in=HOLDING)
    cases = cases.filter(bill=bill) if bill is not None else cases.filter(charge=charge)
    if exclude_case is not None:
        cases = cases.exclude(pk=exclude_case.pk)
    total = ZERO
    for amount, adjusted in cases.values_list("amount", "amount_adjusted"):
        total += amount - adjusted
    return total


# The account page --------------------------------------------------------------------


def cases_for_account(account_id: int):
    return (
        Case.objects.filter(account_id=account_id)
        .select_related("owner", "bill")
        .order_by("-opened_at", "-id")[:50]
    )


def case_detail_queryset():
    return Case.objects.select_related(
        "account__customer",
        "account__premise",
        "bill",
        "charge",
        "contact",
        "owner",
        "opened_by",
        "resolved_by",
        "adjustment_request",
        "adjustment_entry",
    ).prefetch_related(
        "notes__by",
        "status_changes__by",
        Prefetch(
            "work_order_links",
            queryset=CaseWorkOrder.objects.select_related("work_order", "work_order__meter_read"),
        ),
        Prefetch("referrals", queryset=Referral.objects.select_related("agency")),
    )


def documents_of(case: Case):
    # Without the content: a list never reads the bytes.
    return case.documents.defer("content").select_related("uploaded_by")


# The supervisors' board ----------------------------------------------------------------


@dataclass
class BoardRow:
    case: Case
    age_days: int
    overdue: str  # "", "acknowledge", "resolve"
    waiting_on: list[str]


def waiting_on(case: Case, *, open_orders: list[str], open_referrals: list[str]) -> list[str]:
    waits = [f"Work order {number}" for number in open_orders]
    if case.status == CaseStatus.AWAITING_APPROVAL:
        waits.append("A supervisor's approval of the adjustment")
    if case.status == CaseStatus.APPEALED:
        appeal = getattr(case, "appeal", None)
        waits.append(f"Appeal hearing {appeal.hearing_on:%m/%d/%Y}" if appeal else "Appeal hearing")
    waits.extend(f"Answer from {name}" for name in open_referrals)
    if case.status == CaseStatus.RECEIVED:
        waits.append("Acknowledgement")
    if not waits:
        waits.append("The owner's decision")
    return waits


def overdue_kind(case: Case, today: date) -> str:
    if case.status in UNRESOLVED and case.resolve_by < today:
        return "resolve"
    if case.acknowledged_on is None and case.status in UNRESOLVED and case.acknowledge_by < today:
        return "acknowledge"
    return ""


def board(*, today: date | None = None, owner_id: int | None = None) -> list[BoardRow]:
    """Every case not yet finished (appeals included), overdue first, then by deadline.
    Three queries whatever the number of cases."""
    today = today or business_day.today()
    cases = (
        Case.objects.filter(status__in=HOLDING)
        .select_related("account__customer", "owner", "appeal")
        .annotate(
            overdue_first=Q(resolve_by__lt=today, status__in=UNRESOLVED),
        )
        .order_by("-overdue_first", "resolve_by", "id")
    )
    if owner_id:
        cases = cases.filter(owner_id=owner_id)
    cases = list(cases)
    ids = [c.pk for c in cases]
    orders: dict[int, list[str]] = defaultdict(list)
    for case_id, number in CaseWorkOrder.objects.filter(
        case_id__in=ids, work_order__status__in=["open", "scheduled", "dispatched"]
    ).values_list("case_id", "work_order__number"):
        orders[case_id].append(number)
    referrals: dict[int, list[str]] = defaultdict(list)
    for case_id, name in Referral.objects.filter(
        case_id__in=ids, status=ReferralStatus.SENT
    ).values_list("case_id", "agency__name"):
        referrals[case_id].append(name)
    return [
        BoardRow(
            case=c,
            age_days=(today - c.opened_on).days,
            overdue=overdue_kind(c, today),
            waiting_on=waiting_on(c, open_orders=orders[c.pk], open_referrals=referrals[c.pk]),
        )
        for c in cases
    ]


def overdue_count(today: date | None = None) -> int:
    today = today or business_day.today()
    return Case.objects.filter(
        Q(status__in=UNRESOLVED)
        & (Q(resolve_by__lt=today) | Q(acknowledged_on__isnull=True, acknowledge_by__lt=today))
    ).count()


def referrals_waiting(today: date | None = None):
    return (
        Referral.objects.filter(status=ReferralStatus.SENT)
        .select_related("agency", "case", "contact")
        .order_by("follow_up_on", "id")
    )


# The report ----------------------------------------------------------------------------


# Who raised it, as the council reads it.
PARTY_LABELS = {
    PartyType.CITIZEN: "Citizen",
    PartyType.OFFICIAL: "Elected official",
    PartyType.AGENCY: "Agency",
}


@dataclass
class ReportLine:
    label: str
    opened: int = 0
    resolved: int = 0
    upheld: int = 0
    adjusted: int = 0
    withdrawn: int = 0
    still_open: int = 0
    amount_disputed: Decimal = ZERO
    amount_adjusted: Decimal = ZERO
    days: list[int] = field(default_factory=list)

    @property
    def median_days(self):
        return statistics.median(self.days) if self.days else None

    @property
    def average_days(self):
        return quantize_money(Decimal(sum(self.days)) / len(self.days)) if self.days else None


@dataclass
class Report:
    start: date
    end: date
    by_kind: list[ReportLine]
    by_party: list[ReportLine]
    by_outcome: list[tuple[str, int, Decimal]]
    total: ReportLine


def report(*, start: date, end: date) -> Report:
    """Cases opened between two dates (inclusive), by kind and by who raised them: how they
    ended, the business days to resolve, what was adjusted. One query."""
    rows = list(
        Case.objects.filter(opened_on__range=(start, end)).values_list(
            "kind",
            "party_type",
            "status",
            "outcome",
            "amount",
            "amount_adjusted",
            "opened_on",
            "resolved_on",
        )
    )
    holidays = business_day.holidays_between(start, max([end] + [r[7] for r in rows if r[7]]))
    kinds = {k: ReportLine(label) for k, label in CaseKind.choices}
    parties = {p: ReportLine(PARTY_LABELS[p]) for p in PartyType.values}
    total = ReportLine("All cases")
    for kind, party, status, outcome, amount, adjusted, opened, resolved in rows:
        days = business_days_between(opened, resolved, holidays) if resolved else None
        for line in (kinds[kind], parties[party], total):
            line.opened += 1
            line.amount_disputed += amount
            line.amount_adjusted += adjusted
            if status in UNRESOLVED:
                line.still_open += 1
            else:
                line.resolved += 1
                if outcome == Outcome.UPHELD:
                    line.upheld += 1
                elif outcome == Outcome.ADJUSTED:
                    line.adjusted += 1
                elif outcome == Outcome.WITHDRAWN:
                    line.withdrawn += 1
                if days is not None:
                    line.days.append(days)
    by_outcome = [
        (
            label,
            sum(1 for r in rows if r[3] == code),
            sum((r[5] for r in rows if r[3] == code), ZERO),
        )
        for code, label in Outcome.choices
    ]
    return Report(
        start=start,
        end=end,
        by_kind=[line for line in kinds.values() if line.opened],
        by_party=list(parties.values()),
        by_outcome=by_outcome,
        total=total,
    )


def business_days_between(start: date, end: date, holidays: set[date]) -> int:
    """Business days after `start` up to and including `end` (0 when resolved the same day)."""
    from datetime import timedelta

    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if business_day.is_business_day(day, holidays):
            days += 1
    return days


def account_has_open_cases(account_id: int) -> bool:
    return Case.objects.filter(account_id=account_id, status__in=HOLDING).exists()
