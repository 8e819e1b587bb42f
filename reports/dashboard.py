"""The supervisor dashboard's figures: today's collections by hour and by tender (drawn as SVG
on the server), the drawers, what waits for a supervisor and today's exceptions. Two queries,
whatever the volume: one row of counts and one grouped pass over today's tenders."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from payments.models import TenderKind
from utilityclerk import business_day
from utilityclerk.money import ZERO

COUNTS_SQL = """
SELECT
  (SELECT COUNT(*) FROM payments_drawersession WHERE business_date = %(today)s AND status = 'open'),
  (SELECT COUNT(*) FROM payments_drawersession WHERE business_date = %(today)s AND status = 'closed'),
  (SELECT COUNT(*) FROM payments_drawersession WHERE business_date = %(today)s AND status = 'verified'),
  (SELECT COUNT(*) FROM accounts_adjustmentrequest WHERE status = 'pending'),
  (SELECT COUNT(*) FROM workorders_workorder
    WHERE status IN ('open', 'scheduled', 'dispatched') AND due_date < %(today)s),
  (SELECT COUNT(*) FROM accounts_contact
    WHERE status = 'open' AND follow_up_on IS NOT NULL AND follow_up_on <= %(today)s),
  (SELECT COUNT(*) FROM payments_payment p LEFT JOIN accounts_ledgerentry r ON r.id = p.reversal_entry_id
    WHERE p.status = 'voided' AND COALESCE(r.business_date, p.business_date) = %(today)s),
  (SELECT COUNT(*) FROM payments_payment WHERE status = 'returned' AND returned_on = %(today)s),
  (SELECT COUNT(*) FROM closeout_drawercount c JOIN payments_drawersession s ON s.id = c.session_id
    WHERE s.business_date = %(today)s AND c.kind IN ('close', 'recount')
      AND c.cash_total + c.check_total + c.money_order_total + c.card_total
       <> c.expected_cash + c.expected_check + c.expected_money_order + c.expected_card),
  (SELECT COUNT(*) FROM reports_reportdelivery WHERE status = 'failed')
"""

# Today's tenders by local hour and by kind in one pass (GROUPING SETS).
COLLECTIONS_SQL = """
SELECT EXTRACT(HOUR FROM p.taken_at AT TIME ZONE %(tz)s)::int AS hour, t.kind,
       SUM(t.amount), COUNT(DISTINCT p.id), GROUPING(EXTRACT(HOUR FROM p.taken_at AT TIME ZONE %(tz)s)::int)
FROM payments_payment p JOIN payments_tender t ON t.payment_id = p.id
WHERE p.business_date = %(today)s AND p.status <> 'voided'
GROUP BY GROUPING SETS ((EXTRACT(HOUR FROM p.taken_at AT TIME ZONE %(tz)s)::int), (t.kind), ())
"""

CHART_WIDTH = 640
CHART_HEIGHT = 180
FIRST_HOUR, LAST_HOUR = 7, 18  # the counter's day; payments outside it widen the chart


@dataclass
class Bar:
    label: str
    amount: Decimal
    x: float
    y: float
    width: float
    height: float
    link: str = ""


@dataclass
class Dashboard:
    today: date
    drawers_open: int
    drawers_counted: int
    drawers_verified: int
    approvals_waiting: int
    overdue_work_orders: int
    follow_ups_due: int
    voids_today: int
    returns_today: int
    over_short_counts: int
    failed_report_emails: int
    total: Decimal = ZERO
    payments: int = 0
    by_hour: list[Bar] = field(default_factory=list)
    by_tender: list[Bar] = field(default_factory=list)
    scale_max: Decimal = ZERO
    refreshed_at: object = None

    @property
    def exceptions(self) -> int:
        return self.voids_today + self.returns_today + self.over_short_counts


def _bars(items: list[tuple[str, Decimal, str]], top: Decimal) -> list[Bar]:
    if not items:
        return []
    slot = CHART_WIDTH / len(items)
    bars = []
    for i, (label, amount, link) in enumerate(items):
        height = float(amount / top) * (CHART_HEIGHT - 30) if top else 0.0
        bars.append(
            Bar(
                label=label,
                amount=amount,
                x=round(i * slot + slot * 0.15, 1),
                y=round(CHART_HEIGHT - 20 - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                link=link,
            )
        )
    return bars


def _hour_label(hour: int) -> str:
    return f"{hour % 12 or 12}{'a' if hour < 12 else 'p'}"


def dashboard(today: date | None = None) -> Dashboard:
    today = today or business_day.today()
    params = {"today": today, "tz": timezone.get_current_timezone_name()}
    with connection.cursor() as cursor:
        cursor.execute(COUNTS_SQL, params)
        counts = cursor.fetchone()
        cursor.execute(COLLECTIONS_SQL, params)
        grouped = cursor.fetchall()
    board = Dashboard(today, *counts, refreshed_at=timezone.localtime())
    hours: dict[int, Decimal] = {}
    tenders: dict[str, Decimal] = {}
    for hour, kind, amount, payments, hour_grouped in grouped:
        if hour is not None and not hour_grouped:
            hours[hour] = amount
        elif kind is not None:
            tenders[kind] = amount
        else:
            board.total, board.payments = amount or ZERO, payments or 0
    first = min([FIRST_HOUR, *hours])
    last = max([LAST_HOUR, *hours])
    hour_items = [(_hour_label(h), hours.get(h, ZERO), "") for h in range(first, last + 1)]
    tender_items = [(label, tenders.get(kind, ZERO), kind) for kind, label in TenderKind.choices]
    top = max([ZERO, *hours.values(), *tenders.values()])
    board.scale_max = top
    board.by_hour = _bars(hour_items, max([ZERO, *hours.values()]))
    board.by_tender = _bars(tender_items, max([ZERO, *tenders.values()]))
    return board
