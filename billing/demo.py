"""Billing's part of the demo and benchmark data, set-based over whatever `seed_accounts`
loaded: the published rates, four cycles of two routes, every premise on a route in
walking order (street, then house number) with its ERUs, every water meter's size and
dials, and the reads the seeded bills were billed on (a running total of each bill's water
use, ending on the bill's period end). Seeded bills claim no periods in BilledPeriod: runs
start each account's period the day after its last bill, whoever issued it. Safe to re-run:
each step fills only what is missing."""

from django.db import connection, transaction

from billing.models import Cycle, Route
from billing.rates import load_demo_rates

CYCLES = [("1", "Cycle 1", 7), ("2", "Cycle 2", 14), ("3", "Cycle 3", 21), ("4", "Cycle 4", 28)]
ROUTE_NAMES = {"A": "north of FM 78", "B": "south of FM 78"}

_PREMISES = """
INSERT INTO billing_premisebilling (premise_id, route_id, walk_order, eru)
SELECT p.id,
       r.id,
       row_number() OVER (PARTITION BY r.id ORDER BY p.street, length(p.house_number),
                          p.house_number, p.unit, p.id),
       CASE WHEN c.customer_class = 'residential'
            THEN (ARRAY[0.7, 1.0, 1.0, 1.0, 1.5, 2.0])[1 + p.id % 6]
            ELSE (ARRAY[2.0, 3.0, 5.0, 8.0, 12.0])[1 + p.id % 5] END
FROM accounts_premise p
JOIN LATERAL (
    SELECT a.customer_id,
           (SELECT max(b.bill_date) FROM accounts_bill b WHERE b.account_id = a.id) AS last_bill
    FROM accounts_account a WHERE a.premise_id = p.id ORDER BY a.opened_on DESC, a.id DESC LIMIT 1
) a ON TRUE
JOIN accounts_customer c ON c.id = a.customer_id
JOIN billing_cycle cy ON cy.read_day = least(
    28, 7 * (1 + (extract(day FROM coalesce(a.last_bill, p.created_at::date))::int - 1) / 7))
JOIN billing_route r ON r.cycle_id = cy.id
     AND r.code = cy.code || CASE WHEN p.id % 2 = 0 THEN 'A' ELSE 'B' END
WHERE NOT EXISTS (SELECT 1 FROM billing_premisebilling pb WHERE pb.premise_id = p.id)
"""

_METERS = """
INSERT INTO billing_meter (service_point_id, size, dials)
SELECT sp.id, CASE WHEN c.customer_class = 'residential' THEN '5/8' ELSE '2' END, 7
FROM accounts_servicepoint sp
JOIN LATERAL (SELECT a.customer_id FROM accounts_account a WHERE a.premise_id = sp.premise_id
              ORDER BY a.opened_on DESC, a.id DESC LIMIT 1) a ON TRUE
JOIN accounts_customer c ON c.id = a.customer_id
WHERE sp.utility = 'water'
  AND NOT EXISTS (SELECT 1 FROM billing_meter m WHERE m.service_point_id = sp.id)
"""

# A start value per meter, then one read per seeded bill on its period end.
_READS = """
WITH used AS (
    SELECT sp.id AS service_point_id, b.period_start, b.period_end,
           coalesce(l.usage, 0)::numeric(12, 0) AS use
    FROM accounts_billline l
    JOIN accounts_bill b ON b.id = l.bill_id
    JOIN accounts_service s ON s.id = l.service_id
    JOIN accounts_servicepoint sp ON sp.premise_id = s.premise_id AND sp.utility = 'water'
    WHERE l.utility = 'water'
      AND NOT EXISTS (SELECT 1 FROM billing_meterreading m WHERE m.service_point_id = sp.id)
), running AS (
    SELECT service_point_id, period_start, period_end, use,
           1000 + (service_point_id * 7919) % 900000 AS start_value,
           sum(use) OVER (PARTITION BY service_point_id ORDER BY period_end) AS through,
           row_number() OVER (PARTITION BY service_point_id ORDER BY period_end) AS n
    FROM used
)
INSERT INTO billing_meterreading
    (service_point_id, read_on, value, kind, source, status, problem, problem_text,
     use, days, entered_at)
SELECT service_point_id, period_start - 1, start_value, 'initial', 'history', 'ok', '', '',
       NULL, NULL, now()
FROM running WHERE n = 1
UNION ALL
SELECT service_point_id, period_end, (start_value + through) % 10000000, 'actual', 'history', 'ok',
       '', '', use, period_end - period_start + 1, now()
FROM running
"""


def seed_billing(*, by=None) -> dict:
    with transaction.atomic():
        rates = load_demo_rates(by=by)
        for code, name, day in CYCLES:
            cycle, _ = Cycle.objects.get_or_create(
                code=code, defaults={"name": name, "read_day": day}
            )
            for suffix, where in ROUTE_NAMES.items():
                Route.objects.get_or_create(
                    code=f"{code}{suffix}",
                    defaults={"cycle": cycle, "name": f"Cycle {code}, {where}"},
                )
        counts = {"rate schedules": rates}
        with connection.cursor() as cursor:
            for label, sql in (
                ("premises on routes", _PREMISES),
                ("meters", _METERS),
                ("reads from history", _READS),
            ):
                cursor.execute(sql)
                counts[label] = cursor.rowcount
    return counts
