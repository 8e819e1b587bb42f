"""Reads for the permit screens, the account tab, search and the reports."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.extensions import SearchHit
from payments.models import PaymentLine, PaymentStatus
from permits.models import (
    OPEN_STATUSES,
    BackflowDevice,
    BackflowNotice,
    ChargeKind,
    Contractor,
    HydrantCheckout,
    Inspection,
    InspectionStatus,
    Permit,
    PermitCharge,
    PermitReview,
    PermitStatus,
    RefundDue,
)
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO

# What the payments app's lines name: the purpose, and the permit in the reference.
PURPOSE = {ChargeKind.FEE: "permit_fee", ChargeKind.DEPOSIT: "permit_deposit"}
PAGE_SIZE = 50

_NUMBER = re.compile(r"^\s*PM[\s#-]*(\d{7,9})\s*$", re.IGNORECASE)


def parse_permit_number(text: str) -> str | None:
    match = _NUMBER.match(text or "")
    return f"PM-{match[1]}" if match else None


# Money of one permit -----------------------------------------------------------------------


def charged(permit: Permit) -> dict[str, Decimal]:
    """From the prefetched charges when the page loaded them, else one grouped query."""
    totals = {"fee": ZERO, "deposit": ZERO}
    if "charges" in getattr(permit, "_prefetched_objects_cache", {}):
        for charge in permit.charges.all():
            totals[charge.kind] += charge.amount
        return totals
    for row in PermitCharge.objects.filter(permit=permit).values("kind").annotate(t=Sum("amount")):
        totals[row["kind"]] = row["t"]
    return totals


def _paid_subquery(purpose: str):
    lines = (
        PaymentLine.objects.filter(
            reference=OuterRef("number"), purpose=purpose, payment__status=PaymentStatus.POSTED
        )
        .values("reference")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(lines), Value(ZERO), output_field=DecimalField())


def with_paid(permits):
    """Permits with what was paid on each, in the same query."""
    return permits.annotate(
        paid_fee=_paid_subquery(PURPOSE[ChargeKind.FEE]),
        paid_deposit=_paid_subquery(PURPOSE[ChargeKind.DEPOSIT]),
    )


def paid(permit: Permit) -> dict[str, Decimal]:
    """Fees and deposit paid through the drawer (posted payments; a void takes them back)."""
    if hasattr(permit, "paid_fee"):
        return {"fee": permit.paid_fee, "deposit": permit.paid_deposit}
    totals = {"fee": ZERO, "deposit": ZERO}
    rows = (
        PaymentLine.objects.filter(
            reference=permit.number,
            purpose__in=PURPOSE.values(),
            payment__status=PaymentStatus.POSTED,
        )
        .values("purpose")
        .annotate(t=Sum("amount"))
    )
    by_purpose = {row["purpose"]: row["t"] for row in rows}
    for kind, purpose in PURPOSE.items():
        totals[kind] = by_purpose.get(purpose) or ZERO
    return totals


_UNREAD = object()


def balance(permit: Permit, *, got=None, checkout=_UNREAD) -> dict[str, Decimal]:
    """What is still to pay: fees (including rental and water charged at a meter's return,
    less what the deposit covered) and the deposit. A page that read what was paid and the
    meter checkout already passes them in."""
    owed = charged(permit)
    got = got if got is not None else paid(permit)
    applied = ZERO
    if checkout is _UNREAD:
        checkout = (
            HydrantCheckout.objects.filter(permit=permit).first()
            if permit.permit_type_id == "hydrant_meter"
            else None
        )
    if checkout is not None and checkout.returned_on is not None:
        applied = checkout.deposit - checkout.deposit_back
    return {
        "fee": max(owed["fee"] - got["fee"] - applied, ZERO),
        "deposit": max(owed["deposit"] - got["deposit"], ZERO),
    }


# The desk ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskFilters:
    status: str = "open"
    permit_type: str = ""
    q: str = ""


def desk_page(filters: DeskFilters, page_number):
    permits = Permit.objects.select_related("permit_type", "premise", "customer", "contractor")
    if filters.status == "open":
        permits = permits.filter(status__in=OPEN_STATUSES)
    elif filters.status == "expiring":
        # The reminder before expiry: issued permits ending within the policy's days.
        from utilityclerk import business_day
        from utilityclerk.core.models import Policy

        today = business_day.today()
        soon = today + timedelta(days=Policy.current().permit_expiry_reminder_days)
        permits = permits.filter(status=PermitStatus.ISSUED, valid_until__range=(today, soon))
    elif filters.status:
        permits = permits.filter(status=filters.status)
    if filters.permit_type:
        permits = permits.filter(permit_type_id=filters.permit_type)
    if filters.q:
        number = parse_permit_number(filters.q)
        if number:
            permits = permits.filter(number=number)
        else:
            permits = permits.filter(
                Q(contractor__company__icontains=filters.q)
                | Q(premise__street__icontains=filters.q.upper())
                | Q(customer__last_name__iexact=filters.q)
            )
    return Paginator(permits.order_by("-submitted_at", "-id"), PAGE_SIZE).get_page(page_number)


def permit_detail(number: str) -> Permit | None:
    """A permit with what its page shows: one query for the permit and who, one each for its
    charges and its review steps (with who decided them)."""
    return (
        with_paid(
            Permit.objects.select_related(
                "permit_type", "premise", "customer", "contractor", "issued_by", "submitted_by"
            )
        )
        .prefetch_related(
            "charges",
            Prefetch("reviews", queryset=PermitReview.objects.select_related("decided_by")),
        )
        .filter(number=number)
        .first()
    )


def inspections_of(permit: Permit):
    return list(
        Inspection.objects.filter(permit=permit)
        .select_related("crew")
        .defer("photo")
        .order_by("scheduled_for", "id")
    )


def permits_for_premise(premise_id: int, limit: int = 50):
    return list(
        Permit.objects.filter(premise_id=premise_id)
        .select_related("permit_type", "contractor", "customer")
        .order_by("-submitted_at", "-id")[:limit]
    )


def search_permits(query: str) -> list[SearchHit]:
    """A permit number, a contractor's company, or a site address finds permits. Each branch
    is one indexed query; most queries take none of them."""
    query = query.strip()
    permits: list[Permit] = []
    number = parse_permit_number(query)
    base = Permit.objects.select_related("permit_type", "premise", "contractor", "customer")
    if number:
        permits = list(base.filter(number=number)[:1])
    elif len(query) >= 3:
        words = query.split()
        if words[0][:1].isdigit() and len(words) > 1:
            permits = list(
                base.filter(
                    premise__house_number=words[0].upper(),
                    premise__street__startswith=" ".join(words[1:]).upper(),
                ).order_by("-submitted_at")[:5]
            )
        elif not query[:1].isdigit():
            permits = list(
                base.filter(contractor__company__icontains=query).order_by("-submitted_at")[:5]
            )
    detail_url = reverse("permits:detail", args=["PM-0"])[: -len("PM-0/")]
    return [
        SearchHit(
            kind="Permit",
            title=f"{p.number} · {p.permit_type.name}",
            detail=f"{p.get_status_display()} · {p.premise.address_line} · {p.applicant_name}",
            url=f"{detail_url}{p.number}/",
        )
        for p in permits
    ]


# Field -------------------------------------------------------------------------------------


def crew_inspections(crew_id: int):
    return list(
        Inspection.objects.filter(crew_id=crew_id, status=InspectionStatus.SCHEDULED)
        .select_related("permit__permit_type", "permit__premise", "reinspection_of")
        .defer("photo")
        .order_by("scheduled_for", "id")
    )


# Hydrant meters and backflow -----------------------------------------------------------------


def meters_out():
    return list(
        HydrantCheckout.objects.filter(returned_on__isnull=True)
        .select_related("meter", "permit__contractor", "permit__customer", "permit__premise")
        .order_by("due_back", "id")
    )


def overdue_meters(today: date):
    return [c for c in meters_out() if c.due_back < today]


def backflow_due(today: date, *, within_days: int = 30):
    """Devices due within the days or overdue, each with the date its overdue notice was
    served for the date it is due (`noticed_on`, None before one is) and, when the policy
    lets an overdue test lead to shut-off, the first day it may (`shutoff_from`): two
    queries (the policy and the devices)."""
    policy = Policy.current()
    devices = list(
        BackflowDevice.objects.filter(
            active=True, next_test_due__lte=today + timedelta(days=within_days)
        )
        .annotate(
            noticed_on=Subquery(
                BackflowNotice.objects.filter(
                    device=OuterRef("pk"), due_date=OuterRef("next_test_due")
                ).values("noticed_on")[:1]
            )
        )
        .select_related("premise")
        .order_by("next_test_due", "id")
    )
    for device in devices:
        device.shutoff_from = (
            device.noticed_on + timedelta(days=policy.backflow_shutoff_after_days)
            if policy.backflow_shutoff and device.noticed_on
            else None
        )
    return devices


def backflow_overdue(today: date):
    return [d for d in backflow_due(today, within_days=0) if d.next_test_due < today]


# The shut-off list's reason "backflow test overdue" (registered in extensions.py for the
# collections work's list): the active accounts at a premise whose device is past its test
# date, its overdue notice served for that date at least the policy's days ago. One
# disconnection per device and due date (the key); a passing test moves the due date on and
# the reason is gone.
BACKFLOW_SHUTOFF_SQL = """
SELECT a.id AS account_id,
       'Backflow test overdue: ' || d.device_type || ' ' || d.size || ' #' || d.serial
           || ', due ' || to_char(d.next_test_due, 'MM/DD/YYYY')
           || ' (notice ' || to_char(n.noticed_on, 'MM/DD/YYYY') || ')' AS reason,
       d.id || ':' || d.next_test_due AS key
FROM permits_backflowdevice d
JOIN permits_backflownotice n ON n.device_id = d.id AND n.due_date = d.next_test_due
JOIN accounts_account a ON a.premise_id = d.premise_id AND a.status = 'active'
WHERE d.active AND d.next_test_due < %(backflow_day)s
  AND n.noticed_on <= %(backflow_day)s::date - %(backflow_after_days)s::integer
"""


def backflow_shutoff_ground(day: date):
    """(sql, params) of the accounts an overdue backflow test makes shut-off eligible on
    `day`; None while the policy has it off (the default)."""
    policy = Policy.current()
    if not policy.backflow_shutoff:
        return None
    return BACKFLOW_SHUTOFF_SQL, {
        "backflow_day": day,
        "backflow_after_days": policy.backflow_shutoff_after_days,
    }


# Reports -----------------------------------------------------------------------------------


@dataclass
class IssuedRow:
    type_name: str
    issued: int
    fees: Decimal


def issued_by_type(start: date, end: date) -> list[IssuedRow]:
    """Permits issued in the period and the fees paid on them, by type: two grouped queries."""
    counts = dict(
        Permit.objects.filter(issued_on__range=(start, end))
        .values_list("permit_type__name")
        .annotate(n=Count("id"))
        .values_list("permit_type__name", "n")
    )
    fees = _fees_by_type(start, end)
    names = sorted(set(counts) | set(fees))
    return [IssuedRow(name, counts.get(name, 0), fees.get(name, ZERO)) for name in names]


def _fees_by_type(start: date, end: date) -> dict[str, Decimal]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.name, SUM(l.amount)
              FROM payments_paymentline l
              JOIN payments_payment p ON p.id = l.payment_id
              JOIN permits_permit pm ON pm.number = l.reference
              JOIN permits_permittype t ON t.code = pm.permit_type_id
             WHERE l.purpose = %s AND p.status = 'posted'
               AND p.business_date BETWEEN %s AND %s
             GROUP BY t.name
            """,
            [PURPOSE[ChargeKind.FEE], start, end],
        )
        return dict(cursor.fetchall())


def deposits_held() -> list[dict]:
    """Each permit holding a deposit: paid less what was refunded or applied, in one query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT pm.number, t.name, COALESCE(c.company, cu.last_name) AS applicant,
                   pm.status, SUM(l.amount) AS paid
              FROM payments_paymentline l
              JOIN payments_payment p ON p.id = l.payment_id AND p.status = 'posted'
              JOIN permits_permit pm ON pm.number = l.reference
              JOIN permits_permittype t ON t.code = pm.permit_type_id
              LEFT JOIN permits_contractor c ON c.id = pm.contractor_id
              LEFT JOIN accounts_customer cu ON cu.id = pm.customer_id
             WHERE l.purpose = %s
               AND pm.status NOT IN ('denied', 'withdrawn', 'expired', 'closed')
             GROUP BY pm.number, t.name, c.company, cu.last_name, pm.status
             ORDER BY pm.number
            """,
            [PURPOSE[ChargeKind.DEPOSIT]],
        )
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def refunds_due():
    return list(
        RefundDue.objects.filter(paid_at__isnull=True)
        .select_related("permit__contractor", "permit__customer", "permit__permit_type")
        .order_by("recorded_at")
    )


def backflow_compliance(today: date) -> dict:
    devices = BackflowDevice.objects.filter(active=True)
    return {
        "devices": devices.count(),
        "current": devices.filter(next_test_due__gte=today).count(),
        "overdue": devices.filter(next_test_due__lt=today).count(),
        "due_30": devices.filter(next_test_due__range=(today, today + timedelta(days=30))).count(),
    }


def contractors():
    return list(Contractor.objects.order_by("company"))


def status_counts() -> dict[str, int]:
    return dict(
        Permit.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )


__all__ = ["PermitStatus"]
