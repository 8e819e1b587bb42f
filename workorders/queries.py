"""Read-side queries for work orders: the board, the account tab, the crew's list, the
vendor scorecard and work-order search."""

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, Q, When
from django.urls import reverse
from django.utils.functional import cached_property

from accounts.extensions import SearchHit
from accounts.validation import format_account_number
from utilityclerk import business_day
from workorders.models import (
    STILL_TO_DO,
    Crew,
    MeterRead,
    Priority,
    Vendor,
    WorkOrder,
    WorkOrderKind,
    WorkOrderStatus,
)

BOARD_PAGE_SIZE = 50
# Counting stops here: past 10,000 orders the board says "more than 10,000" and a clerk
# narrows the filters, and the COUNT never has to walk the whole backlog.
BOARD_COUNT_CAP = 10_000


class BoardPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        return self.object_list[: BOARD_COUNT_CAP + 1].count()


@dataclass
class BoardFilters:
    status: str = "todo"  # "todo" (open, scheduled, dispatched), a status, or "all"
    type: str = ""
    crew_id: int | None = None
    vendor_id: int | None = None
    due_by: date | None = None
    overdue: bool = False


def _board_filter(filters: BoardFilters, today: date):
    orders = WorkOrder.objects.all()
    if filters.status == "todo" or filters.overdue:
        orders = orders.filter(status__in=STILL_TO_DO)
    if filters.status not in ("todo", "all", ""):
        orders = orders.filter(status=filters.status)
    if filters.type:
        orders = orders.filter(type_id=filters.type)
    if filters.crew_id:
        orders = orders.filter(crew_id=filters.crew_id)
    if filters.vendor_id:
        orders = orders.filter(vendor_id=filters.vendor_id)
    if filters.due_by:
        orders = orders.filter(due_date__lte=filters.due_by)
    if filters.overdue:
        orders = orders.filter(due_date__lt=today)
    return orders


def _overdue(today: date):
    return ExpressionWrapper(
        Q(status__in=STILL_TO_DO, due_date__lt=today), output_field=BooleanField()
    )


@dataclass(slots=True)
class BoardRow:
    """One line of the board, with its words ready: plain values, not model instances, so
    a page of 50 rows costs no model building and few template lookups."""

    pk: int
    number: str
    type_label: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    due: str
    overdue: bool
    address: str
    account_number: str | None
    account_display: str
    customer: str
    assignee: str
    by_vendor: bool
    scheduled_for: str


_STATUS_LABELS = dict(WorkOrderStatus.choices)
_PRIORITY_LABELS = dict(Priority.choices)
_TYPE_LABELS = dict(WorkOrderKind.choices)


def board_rows(ids: list[int], today: date) -> list[BoardRow]:
    """The board's rows for these ids, in the ids' order, in one query."""
    values = WorkOrder.objects.filter(pk__in=ids).values_list(
        "pk",
        "number",
        "type_id",
        "status",
        "priority",
        "due_date",
        "scheduled_for",
        "premise__house_number",
        "premise__street",
        "premise__unit",
        "account__number",
        "account__customer__kind",
        "account__customer__first_name",
        "account__customer__last_name",
        "account__customer__organisation_name",
        "crew__name",
        "vendor__name",
    )
    by_id = {}
    for (pk, number, type_id, status, priority, due, scheduled, house, street, unit,
         account, kind, first, last, organisation, crew, vendor) in values:  # fmt: skip
        by_id[pk] = BoardRow(
            pk=pk,
            number=number,
            type_label=_TYPE_LABELS[type_id],
            status=status,
            status_label=_STATUS_LABELS[status],
            priority=priority,
            priority_label=_PRIORITY_LABELS[priority],
            due=f"{due:%m/%d/%Y}",
            overdue=status in STILL_TO_DO and due < today,
            address=f"{house} {street}" + (f" #{unit}" if unit else ""),
            account_number=account,
            account_display=format_account_number(account) if account else "",
            customer=(organisation if kind == "organisation" else f"{first} {last}".strip())
            if account
            else "",
            assignee=crew or vendor or "",
            by_vendor=vendor is not None,
            scheduled_for=f"{scheduled:%m/%d}" if scheduled else "",
        )
    return [by_id[pk] for pk in ids if pk in by_id]


def board_page(filters: BoardFilters, page_number, *, today: date | None = None):
    """One page of the board in three queries: the COUNT and the page's ids read the work
    order table's indexes alone; only the 50 rows shown are joined to premise, account,
    customer, crew and vendor. (Joining first would make a deep page join every row it
    skips.)"""
    today = today or business_day.today()
    ids = _board_filter(filters, today).order_by("due_date", "id").values_list("id", flat=True)
    page = BoardPaginator(ids, BOARD_PAGE_SIZE).get_page(page_number)
    page.object_list = board_rows(list(page.object_list), today)
    return page


def assignees():
    """Crews and vendors for the filters and the bulk form, in two queries."""
    return list(Crew.objects.only("id", "name", "active")), list(
        Vendor.objects.only("id", "name", "active", "trade")
    )


def orders_for_account(account_id: int, limit: int = 100):
    return (
        WorkOrder.objects.filter(account_id=account_id)
        .annotate(overdue=_overdue(business_day.today()))
        .select_related("crew", "vendor")
        .order_by("-raised_at", "-id")[:limit]
    )


def crew_orders(crew_id: int):
    """A crew's orders still to do, the way a crew works them: by due date and priority."""
    return (
        WorkOrder.objects.filter(crew_id=crew_id, status__in=STILL_TO_DO)
        .select_related("premise", "account__customer", "service")
        # Emergencies first within a day: the priority words do not sort that way by themselves.
        .order_by(
            "due_date",
            Case(
                When(priority=Priority.EMERGENCY, then=0),
                When(priority=Priority.HIGH, then=1),
                default=2,
            ),
            "id",
        )
    )


def order_detail(pk: int) -> WorkOrder:
    return WorkOrder.objects.select_related(
        "premise",
        "account__customer",
        "service",
        "crew",
        "vendor",
        "raised_by",
        "completed_by",
        "transfer_to",
        "type",
    ).get(pk=pk)


def previous_read(order: WorkOrder) -> MeterRead | None:
    """The last read of the meter this order reads, for the crew to check against."""
    if order.service_id is None:
        return None
    return (
        MeterRead.objects.filter(
            service_point__premise_id=order.premise_id, service_point__utility=order.service.utility
        )
        .exclude(work_order_id=order.pk)
        .order_by("-read_on", "-id")
        .first()
    )


# Search --------------------------------------------------------------------------------

_NUMBER = re.compile(r"^WO[-\s]?(\d{7,9})$", re.I)


def search_work_orders(query: str) -> list[SearchHit]:
    """WO-1000123 (or wo1000123) finds the work order; anything else costs no query."""
    match = _NUMBER.match((query or "").strip())
    if not match:
        return []
    order = WorkOrder.objects.filter(number=f"WO-{match[1]}").select_related("premise").first()
    if order is None:
        return []
    return [
        SearchHit(
            kind="Work order",
            title=f"{order.number} {order.type_label}",
            detail=f"{order.premise.address_line} · {order.get_status_display()} · due {order.due_date:%m/%d/%Y}",
            url=reverse("workorders:detail", args=[order.number]),
        )
    ]


# Vendor performance --------------------------------------------------------------------

CALL_BACK_DAYS = 30

# For each vendor, its orders completed in the period: how many, how many by their due date,
# the median calendar days from raised to completed, call-backs (another order of the same
# type at the same premise raised later, within 30 days of completion, not cancelled) and cost.
_SCORECARD_SQL = """
SELECT v.id, v.name, v.trade, v.turnaround_days, v.active,
       COUNT(o.id) AS completed,
       COUNT(o.id) FILTER (WHERE o.completed_on <= o.due_date) AS on_time,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY o.completed_on - o.raised_on)
           FILTER (WHERE o.id IS NOT NULL) AS median_days,
       COUNT(o.id) FILTER (WHERE EXISTS (
           SELECT 1 FROM workorders_workorder c
           WHERE c.premise_id = o.premise_id AND c.type_id = o.type_id AND c.id <> o.id
             AND c.status <> 'cancelled'
             AND c.id > o.id
             AND c.raised_on BETWEEN o.completed_on AND o.completed_on + %(call_back_days)s
       )) AS call_backs,
       COALESCE(SUM(o.cost), 0) AS cost,
       COUNT(o.cost) AS costed
FROM workorders_vendor v
LEFT JOIN workorders_workorder o
       ON o.vendor_id = v.id AND o.status = 'completed'
      AND o.completed_on BETWEEN %(start)s AND %(end)s
{where}
GROUP BY v.id, v.name, v.trade, v.turnaround_days, v.active
ORDER BY v.name
"""


@dataclass
class VendorScore:
    vendor_id: int
    name: str
    trade: str
    turnaround_days: int
    active: bool
    completed: int
    on_time: int
    median_days: Decimal | None
    call_backs: int
    cost: Decimal
    costed: int

    @property
    def on_time_share(self) -> Decimal | None:
        if not self.completed:
            return None
        return (Decimal(self.on_time) * 100 / self.completed).quantize(Decimal("0.1"))

    @property
    def average_cost(self) -> Decimal | None:
        if not self.costed:
            return None
        return (self.cost / self.costed).quantize(Decimal("0.01"))


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def vendor_scorecard(start: date, end: date, *, vendor_id: int | None = None) -> list[VendorScore]:
    """Every vendor's performance on the orders it completed between start and end, one query."""
    where = "WHERE v.id = %(vendor_id)s" if vendor_id else ""
    with connection.cursor() as cursor:
        cursor.execute(
            _SCORECARD_SQL.format(where=where),
            {"start": start, "end": end, "call_back_days": CALL_BACK_DAYS, "vendor_id": vendor_id},
        )
        rows = cursor.fetchall()
    scores = []
    for row in rows:
        median = row[7]
        scores.append(
            VendorScore(
                *row[:7],
                median_days=Decimal(str(median)).quantize(Decimal("0.1"))
                if median is not None
                else None,
                call_backs=row[8],
                cost=row[9],
                costed=row[10],
            )
        )
    return scores


def vendor_orders(vendor_id: int, start: date, end: date):
    return (
        WorkOrder.objects.filter(
            vendor_id=vendor_id, status="completed", completed_on__range=(start, end)
        )
        .select_related("premise")
        .order_by("completed_on", "id")
    )
