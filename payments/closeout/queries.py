"""Read-side queries for the end of day: what each drawer should hold, what the bank bag must
carry, what keeps a day from closing, and the day board. Set-based: one query per list."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Prefetch, Sum

from payments.closeout.models import BankDeposit, ChangeFundMovement, DrawerCount
from payments.models import (
    BatchStatus,
    Channel,
    DrawerSession,
    MailBatch,
    MailBatchItem,
    Payment,
    PaymentStatus,
    SessionStatus,
    TenderKind,
)
from utilityclerk.core.models import BusinessDay
from utilityclerk.money import ZERO

TENDERS = [TenderKind.CASH, TenderKind.CHECK, TenderKind.MONEY_ORDER, TenderKind.CARD]

# Per session and tender: tenders of its payments (a void takes the payment out; a payment
# returned on a later day was still in the drawer that day), plus the opening float in cash,
# minus the cash dropped to the safe.
_EXPECTED_SQL = """
SELECT s.id, k.kind,
       COALESCE((SELECT SUM(t.amount) FROM payments_tender t
                 JOIN payments_payment p ON p.id = t.payment_id
                 WHERE p.session_id = s.id AND p.status <> 'voided' AND t.kind = k.kind), 0)
       + CASE WHEN k.kind = 'cash' THEN s.opening_float
              - COALESCE((SELECT SUM(d.amount) FROM closeout_cashdrop d WHERE d.session_id = s.id), 0)
              ELSE 0 END
FROM payments_drawersession s
CROSS JOIN (VALUES ('cash'), ('check'), ('money_order'), ('card')) AS k(kind)
WHERE s.id = ANY(%s)
"""


def expected_by_session(session_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    result: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if not session_ids:
        return result
    with connection.cursor() as cursor:
        cursor.execute(_EXPECTED_SQL, [list(session_ids)])
        for session_id, kind, amount in cursor.fetchall():
            result[session_id][kind] = amount
    return result


def expected_for(session: DrawerSession) -> dict[str, Decimal]:
    return expected_by_session([session.pk])[session.pk]


def unverified_sessions(business_date: date):
    return list(
        DrawerSession.objects.filter(business_date=business_date)
        .exclude(status=SessionStatus.VERIFIED)
        .select_related("drawer", "opened_by")
    )


@dataclass
class DepositDue:
    cash: Decimal = ZERO
    checks: Decimal = ZERO
    item_count: int = 0
    session_ids: list[int] = field(default_factory=list)
    batch_checks: Decimal = ZERO
    batch_items: int = 0

    @property
    def total(self) -> Decimal:
        return self.cash + self.checks


def deposit_due(business_date: date) -> DepositDue:
    """What the bank bag must hold: the verified counts' cash less the floats that go back to
    the change fund, plus the drops already in the safe; their checks and money orders; and
    the checks of posted mail and drop-box batches."""
    due = DepositDue()
    sessions = (
        DrawerSession.objects.filter(business_date=business_date, status=SessionStatus.VERIFIED)
        .select_related("verification__count")
        .annotate(dropped=Sum("cash_drops__amount"))
    )
    for s in sessions:
        count = s.verification.count
        due.cash += count.cash_total - s.opening_float + (s.dropped or ZERO)
        due.checks += count.check_total + count.money_order_total
        due.item_count += count.check_count + count.money_order_count
        due.session_ids.append(s.pk)
    # A mail payment voided after posting is handed back, not deposited.
    batch = (
        MailBatchItem.objects.filter(
            batch__business_date=business_date, batch__status=BatchStatus.POSTED
        )
        .exclude(payment__status=PaymentStatus.VOIDED)
        .aggregate(total=Sum("amount"), items=Count("id"))
    )
    due.batch_checks = batch["total"] or ZERO
    due.batch_items = batch["items"]
    due.checks += due.batch_checks
    due.item_count += due.batch_items
    return due


def reasons_day_cannot_close(business_date: date) -> list[str]:
    reasons = []
    open_sessions = DrawerSession.objects.filter(business_date=business_date)
    still_open = open_sessions.filter(status=SessionStatus.OPEN).count()
    unverified = open_sessions.filter(status=SessionStatus.CLOSED).count()
    if still_open:
        reasons.append(f"{still_open} drawer(s) are still open.")
    if unverified:
        reasons.append(f"{unverified} counted drawer(s) are not verified.")
    unposted = MailBatch.objects.filter(
        business_date=business_date, status=BatchStatus.OPEN
    ).count()
    if unposted:
        reasons.append(f"{unposted} mail or drop-box batch(es) are not posted.")
    if not reasons:
        deposit = BankDeposit.objects.filter(business_date=business_date).first()
        due = deposit_due(business_date)
        if due.total > ZERO and deposit is None:
            reasons.append("The bank deposit has not been prepared.")
        elif due.total > ZERO and deposit.status != "verified":
            reasons.append(
                f"Bag {deposit.bag_number} is prepared: another supervisor counts it again "
                "to verify it."
            )
        elif deposit is not None and (deposit.cash_total, deposit.check_total) != (
            due.cash,
            due.checks,
        ):
            # Money counted after the bag was made (a late drawer, a batch) is in no deposit.
            reasons.append(
                "The bank deposit no longer matches the verified counts: a drawer or batch was "
                "added after it was prepared. Ask an Admin to correct the deposit."
            )
    return reasons


@dataclass
class SessionLine:
    session: DrawerSession
    expected: dict[str, Decimal]
    counts: list[DrawerCount]
    dropped: Decimal

    @property
    def count_of_record(self) -> DrawerCount | None:
        verification = getattr(self.session, "verification", None)
        if verification is not None:
            return verification.count
        return self.counts[-1] if self.counts else None

    @property
    def expected_total(self) -> Decimal:
        return sum(self.expected.values(), ZERO)


@dataclass
class ChangeFund:
    """The safe's change fund: what the Admin set up (movements), less the floats out in
    drawers that are still open. Floats of counted drawers are back in the safe."""

    established: Decimal
    floats_out: Decimal

    @property
    def in_safe(self) -> Decimal:
        return self.established - self.floats_out


def change_fund(closed_day: BusinessDay | None = None) -> ChangeFund:
    """The change fund now; or, for a closed day, as it stood at the close: every drawer of
    that day counted and its float back in the safe. (A drawer opened later for the next
    day must not change a closed day's report.)"""
    movements = ChangeFundMovement.objects.all()
    if closed_day is not None and closed_day.is_closed:
        established = (
            movements.filter(recorded_at__lte=closed_day.closed_at).aggregate(total=Sum("amount"))[
                "total"
            ]
            or ZERO
        )
        return ChangeFund(established=established, floats_out=ZERO)
    established = movements.aggregate(total=Sum("amount"))["total"] or ZERO
    floats_out = (
        DrawerSession.objects.filter(status=SessionStatus.OPEN).aggregate(
            total=Sum("opening_float")
        )["total"]
        or ZERO
    )
    return ChangeFund(established=established, floats_out=floats_out)


@dataclass
class DayBoard:
    business_date: date
    day: BusinessDay | None
    sessions: list[SessionLine]
    payments_by_channel: dict[str, Decimal]
    tenders: dict[str, Decimal]
    phone_payments: list[Payment]
    batches: list[MailBatch]
    voids: list[Payment]
    returns: list[Payment]
    deposit: BankDeposit | None
    deposit_due: DepositDue
    blocking: list[str]
    receipt_count: int
    change_fund: ChangeFund

    @property
    def is_closed(self) -> bool:
        return bool(self.day and self.day.is_closed)

    @property
    def floats_returned(self) -> Decimal:
        return sum(
            (
                line.session.opening_float
                for line in self.sessions
                if line.session.status != SessionStatus.OPEN
            ),
            ZERO,
        )

    @property
    def checklist(self) -> list[tuple[str, bool]]:
        """What closing the day rests on, each with whether it is done (from the board's
        own rows: no further query)."""
        verified = sum(1 for line in self.sessions if line.session.status == SessionStatus.VERIFIED)
        drawers = len(self.sessions)
        unposted = sum(1 for b in self.batches if b.status == BatchStatus.OPEN)
        deposit_done = self.deposit_due.total == ZERO or (
            self.deposit is not None and self.deposit.status == "verified"
        )
        return [
            (
                f"Drawers counted and verified: {verified} of {drawers}"
                if drawers
                else "No drawer was opened",
                verified == drawers,
            ),
            (
                "Bank deposit prepared and counted again by a second supervisor"
                if self.deposit_due.total
                else "No bank deposit due",
                deposit_done,
            ),
            (
                f"Mail and drop-box batches posted: {len(self.batches) - unposted} of "
                f"{len(self.batches)}"
                if self.batches
                else "No mail or drop-box batch",
                unposted == 0,
            ),
        ]

    @property
    def over_short_total(self) -> Decimal:
        total = ZERO
        for line in self.sessions:
            if line.count_of_record:
                total += line.count_of_record.total_over_short
        return total


def sessions_of_day(business_date: date) -> list[SessionLine]:
    sessions = list(
        DrawerSession.objects.filter(business_date=business_date)
        .select_related("drawer", "opened_by", "verification__verified_by", "verification__count")
        .prefetch_related(
            Prefetch(
                "counts",
                queryset=DrawerCount.objects.select_related(
                    "counted_by", "explanation"
                ).prefetch_related("denominations"),
            )
        )
        .annotate(dropped=Sum("cash_drops__amount"))
        .order_by("drawer__code", "opened_at")
    )
    expected = expected_by_session([s.pk for s in sessions])
    return [
        SessionLine(
            session=s,
            expected=expected[s.pk],
            counts=list(s.counts.all()),
            dropped=s.dropped or ZERO,
        )
        for s in sessions
    ]


def day_board(business_date: date) -> DayBoard:
    day = BusinessDay.objects.filter(date=business_date).select_related("closed_by").first()
    day_payments = Payment.objects.filter(business_date=business_date)
    by_channel = {
        Channel(row["channel"]).label: row["total"]
        for row in day_payments.exclude(status=PaymentStatus.VOIDED)
        .values("channel")
        .annotate(total=Sum("amount"))
    }
    tenders = dict.fromkeys(TENDERS, ZERO)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.kind, SUM(t.amount) FROM payments_tender t
            JOIN payments_payment p ON p.id = t.payment_id
            WHERE p.business_date = %s AND p.status <> 'voided' GROUP BY t.kind
            """,
            [business_date],
        )
        for kind, total in cursor.fetchall():
            tenders[kind] = total
    sessions = sessions_of_day(business_date)
    return DayBoard(
        business_date=business_date,
        day=day,
        sessions=sessions,
        payments_by_channel=by_channel,
        tenders=tenders,
        phone_payments=list(
            day_payments.filter(channel="phone")
            .select_related("account__customer", "taken_by")
            .order_by("receipt_number")
        ),
        batches=list(
            MailBatch.objects.filter(business_date=business_date)
            .select_related("keyed_by", "posted_by")
            .annotate(keyed_count=Count("items"), keyed_total=Sum("items__amount"))
        ),
        voids=list(
            day_payments.filter(status=PaymentStatus.VOIDED).select_related(
                "account__customer", "voided_by"
            )
        ),
        returns=list(
            Payment.objects.filter(returned_on=business_date).select_related(
                "account__customer", "returned_by", "reversal_entry"
            )
        ),
        deposit=BankDeposit.objects.filter(business_date=business_date)
        .select_related("prepared_by", "verified_by")
        .first(),
        deposit_due=deposit_due(business_date),
        blocking=reasons_day_cannot_close(business_date),
        receipt_count=day_payments.count(),
        change_fund=change_fund(day),
    )


def receipts_of_session(session: DrawerSession):
    return (
        Payment.objects.filter(session=session)
        .select_related("account__customer")
        .prefetch_related("tenders")
        .order_by("receipt_number")
    )


@dataclass
class SupervisorSummary:
    waiting: list[DrawerSession]  # counted, waiting for a supervisor to verify them
    today: date
    today_closed: bool
    blocking: list[str]


def supervisor_summary(today: date) -> SupervisorSummary:
    """The supervisor's home: counted drawers waiting for verification (any day), and what
    is left before today can close. Three queries (and the deposit's when all else is done)."""
    waiting = list(
        DrawerSession.objects.filter(status=SessionStatus.CLOSED)
        .select_related("drawer", "opened_by")
        .order_by("business_date", "drawer__code")
    )
    day = BusinessDay.objects.filter(date=today).first()
    closed = bool(day and day.is_closed)
    return SupervisorSummary(
        waiting=waiting,
        today=today,
        today_closed=closed,
        blocking=[] if closed else reasons_day_cannot_close(today),
    )
