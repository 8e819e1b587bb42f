"""Billing's reads of the database for screens."""

from datetime import date

from django.db import connection

from accounts.models import Bill
from billing.models import MeterReading, PremiseBilling, ReadStatus


def readings_for_premise(premise_id: int, *, limit: int = 40) -> list[MeterReading]:
    return list(
        MeterReading.objects.filter(
            service_point__premise_id=premise_id, service_point__utility="water"
        )
        .exclude(status=ReadStatus.REPLACED)
        .order_by("-read_on", "-id")[:limit]
    )


_USAGE = """
(SELECT 'read', r.id, r.read_on, NULL::date, r.value, r.use, r.kind, r.status, r.problem
 FROM billing_meterreading r
 JOIN accounts_servicepoint sp ON sp.id = r.service_point_id
 WHERE sp.premise_id = %(premise)s AND sp.utility = 'water' AND r.status <> 'replaced'
 ORDER BY r.read_on DESC, r.id DESC LIMIT %(reads)s)
UNION ALL
(SELECT 'bill', b.id, b.period_start, b.period_end, b.total, NULL, b.number, '', ''
 FROM accounts_bill b WHERE b.account_id = %(account)s
 ORDER BY b.bill_date DESC, b.id DESC LIMIT %(bills)s)
"""


def usage_for(account, *, reads: int = 40, bills: int = 6):
    """The premise's water reads and the account's latest bills in one statement: the
    account page's budget is ten queries, and its header takes nine."""
    readings, recent = [], []
    with connection.cursor() as cursor:
        cursor.execute(
            _USAGE,
            {"premise": account.premise_id, "account": account.pk, "reads": reads, "bills": bills},
        )
        for kind, pk, first, second, number, use, text, status, problem in cursor.fetchall():
            if kind == "read":
                readings.append(
                    MeterReading(
                        id=pk,
                        read_on=first,
                        value=number,
                        use=use,
                        kind=text,
                        status=status,
                        problem=problem,
                    )
                )
            else:
                recent.append(
                    Bill(
                        id=pk,
                        account_id=account.pk,
                        number=text,
                        period_start=first,
                        period_end=second,
                        total=number,
                    )
                )
    return readings, recent


def recent_bills(account_id: int, limit: int = 6) -> list[Bill]:
    return list(Bill.objects.filter(account_id=account_id).order_by("-bill_date", "-id")[:limit])


def exceptions(limit: int = 200):
    return list(
        MeterReading.objects.filter(status=ReadStatus.EXCEPTION)
        .select_related("service_point__premise", "previous", "work_order")
        .order_by("read_on", "id")[:limit]
    )


_SHEET = """
SELECT pb.walk_order, p.id AS premise_id, p.house_number, p.street, p.unit, sp.id AS point_id,
       sp.meter_number, coalesce(m.dials, 7) AS dials,
       last.value AS last_value, last.read_on AS last_on, today.value AS today_value,
       today.status AS today_status, today.problem_text AS today_problem,
       avg12.daily
FROM billing_premisebilling pb
JOIN accounts_premise p ON p.id = pb.premise_id
JOIN accounts_servicepoint sp ON sp.premise_id = p.id AND sp.utility = 'water'
LEFT JOIN billing_meter m ON m.service_point_id = sp.id
LEFT JOIN LATERAL (
    SELECT r.value, r.read_on FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.status IN ('ok', 'accepted') AND r.read_on < %(on)s
    ORDER BY r.read_on DESC, r.id DESC LIMIT 1
) last ON TRUE
LEFT JOIN LATERAL (
    SELECT r.value, r.status, r.problem_text FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.read_on = %(on)s AND r.status <> 'replaced'
    LIMIT 1
) today ON TRUE
LEFT JOIN LATERAL (
    SELECT sum(r.use)::numeric / nullif(sum(r.days), 0) AS daily FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.status IN ('ok', 'accepted') AND r.use >= 0
      AND r.days > 0 AND r.read_on > %(on)s - 365 AND r.read_on < %(on)s
) avg12 ON TRUE
WHERE pb.route_id = %(route)s
  AND EXISTS (SELECT 1 FROM accounts_service s WHERE s.premise_id = p.id
              AND s.utility = 'water' AND s.status = 'active')
ORDER BY pb.walk_order, p.id
"""


def route_sheet(route_id: int, on: date) -> list[dict]:
    """The route's water meters in walking order, each with its last read and expected range
    for a read on `on` (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(_SHEET, {"route": route_id, "on": on})
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def premise_route(premise_id: int):
    return PremiseBilling.objects.filter(premise_id=premise_id).select_related("route").first()
