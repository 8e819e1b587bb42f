# ruff: noqa: S608 - the SQL text is built from our own constants (choices, table names); every value is a parameter
"""The general-ledger journal: a business day's money summarised to the city's chart of
accounts, for its finance system.

Every movement is a pair of legs that cancel (debit positive, credit negative):
- each ledger entry: the customer receivable on one side; on the other, where the entry
  came from (a bill's lines by utility, fees, adjustments, deposits held, payments received
  into undeposited funds, refunds, write-offs, balance transfers). A reversal takes the
  side of the entry it reverses, with the opposite sign;
- permit fees paid at the counter (a payment with no account): undeposited funds / permit fees;
- customer deposits a receipt took (and their voids and returns): undeposited funds / deposits
  held; interest added to deposits: interest expense / deposits held;
- each verified drawer's over/short (counted less expected): undeposited funds / over-short;
- card tenders, which go to the card processor and not the bag: card settlement / undeposited;
- the bank deposit: bank / undeposited funds.
The legs are mapped to GL accounts through GLMapping (kept by an Admin) and netted per account,
so the journal balances by construction; `Journal.balanced` checks it all the same, and the
CSV is refused when it does not. The same ledger gives the same CSV, byte for byte.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection

from reports.catalogue import SqlQuery
from reports.models import GLSource
from utilityclerk.money import ZERO

_KIND_SOURCE = {
    "bill": "bill",
    "adjustment_debit": "adjustment",
    "adjustment_credit": "adjustment",
    "late_fee": "late_fee",
    "reconnect_fee": "reconnect_fee",
    "returned_payment_fee": "returned_payment_fee",
    "deposit_billed": "deposit_held",
    "deposit_applied": "deposit_held",
    "payment": "payment",
    "refund": "refund",
    "write_off": "write_off",
    "transfer_in": "transfer",
    "transfer_out": "transfer",
}
_SOURCE_CASE = (
    "CASE e.kind "
    + " ".join(f"WHEN '{kind}' THEN '{source}'" for kind, source in _KIND_SOURCE.items())
    + " END"
)

LEGS_SQL = f"""
WITH e AS (
    SELECT e.id, e.business_date AS day, e.amount,
           COALESCE(o.kind, e.kind) AS kind,
           COALESCE(o.bill_id, e.bill_id) AS bill_id,
           CASE WHEN e.kind = 'reversal' THEN -1 ELSE 1 END AS sign
    FROM accounts_ledgerentry e
    LEFT JOIN accounts_ledgerentry o ON o.id = e.reverses_id
    WHERE e.business_date BETWEEN %(start)s AND %(end)s
),
bill_lines AS (
    SELECT l.bill_id, l.utility, SUM(l.amount) AS amount
    FROM accounts_billline l
    WHERE l.bill_id IN (SELECT bill_id FROM e WHERE kind = 'bill')
    GROUP BY l.bill_id, l.utility
),
bill_totals AS (
    SELECT bill_id, SUM(amount) AS amount FROM bill_lines GROUP BY bill_id
),
legs AS (
    SELECT day, 'receivable' AS source, '' AS utility, amount FROM e
    UNION ALL
    SELECT e.day, 'bill', bl.utility, -e.sign * bl.amount
    FROM e JOIN bill_lines bl ON bl.bill_id = e.bill_id WHERE e.kind = 'bill'
    UNION ALL
    -- Whatever part of a bill its lines do not explain goes to billed service in general.
    -- (Joined to each bill's total: a lookup in bill_lines per bill entry read it all each
    -- time, 3 s for a bill run's day.)
    SELECT e.day, 'bill', '', -(e.amount - e.sign * COALESCE(bt.amount, 0))
    FROM e LEFT JOIN bill_totals bt ON bt.bill_id = e.bill_id WHERE e.kind = 'bill'
    UNION ALL
    SELECT e.day, {_SOURCE_CASE}, '', -e.amount
    FROM e WHERE e.kind <> 'bill'
    UNION ALL
    SELECT p.business_date, 'payment', '', p.amount
    FROM payments_payment p
    WHERE p.account_id IS NULL AND p.status <> 'voided'
      AND p.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT p.business_date, 'permit_fee', '', -p.amount
    FROM payments_payment p
    WHERE p.account_id IS NULL AND p.status <> 'voided'
      AND p.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    -- Deposits a receipt took (and their voids and returns): received into undeposited
    -- funds, held for the customer (a liability, never revenue).
    SELECT d.business_date, x.source, '', x.sign * d.amount
    FROM deposits_depositentry d
    LEFT JOIN deposits_depositentry o ON o.id = d.reverses_id
    CROSS JOIN (VALUES ('payment', 1), ('deposit_held', -1)) AS x(source, sign)
    WHERE (d.kind = 'collected' OR (d.kind = 'reversed' AND o.kind = 'collected'))
      AND d.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    -- Interest added to deposits held: the utility's expense.
    SELECT d.business_date, x.source, '', x.sign * d.amount
    FROM deposits_depositentry d
    CROSS JOIN (VALUES ('deposit_interest', 1), ('deposit_held', -1)) AS x(source, sign)
    WHERE d.kind = 'interest' AND d.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT s.business_date, x.source, '', x.sign * (
             (c.cash_total + c.check_total + c.money_order_total + c.card_total)
           - (c.expected_cash + c.expected_check + c.expected_money_order + c.expected_card))
    FROM closeout_verification v
    JOIN payments_drawersession s ON s.id = v.session_id
    JOIN closeout_drawercount c ON c.id = v.count_id
    CROSS JOIN (VALUES ('payment', 1), ('over_short', -1)) AS x(source, sign)
    WHERE s.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT p.business_date, x.source, '', x.sign * t.amount
    FROM payments_tender t
    JOIN payments_payment p ON p.id = t.payment_id
    CROSS JOIN (VALUES ('card_settlement', 1), ('payment', -1)) AS x(source, sign)
    WHERE t.kind = 'card' AND p.status <> 'voided'
      AND p.business_date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT d.business_date, x.source, '', x.sign * (d.cash_total + d.check_total)
    FROM closeout_bankdeposit d
    CROSS JOIN (VALUES ('bank_deposit', 1), ('payment', -1)) AS x(source, sign)
    WHERE d.business_date BETWEEN %(start)s AND %(end)s
),
mapped AS (
    SELECT legs.day, legs.source, legs.utility, legs.amount,
           COALESCE(exact.gl_account_id, general.gl_account_id) AS gl_account_id
    FROM legs
    LEFT JOIN reports_glmapping exact
           ON exact.source = legs.source AND exact.utility = legs.utility AND legs.utility <> ''
    LEFT JOIN reports_glmapping general ON general.source = legs.source AND general.utility = ''
)
"""

JOURNAL_SQL = (
    LEGS_SQL
    + """
SELECT m.day, g.number, g.name, SUM(m.amount) AS net,
       string_agg(DISTINCT CASE WHEN m.gl_account_id IS NULL THEN m.source END, ',') AS unmapped
FROM mapped m
LEFT JOIN reports_glaccount g ON g.id = m.gl_account_id
GROUP BY m.day, g.number, g.name
HAVING SUM(m.amount) <> 0 OR bool_or(m.gl_account_id IS NULL)
ORDER BY m.day, g.number
"""
)


class GLMappingMissing(Exception):
    pass


@dataclass(frozen=True)
class JournalLine:
    number: str
    name: str
    debit: Decimal
    credit: Decimal


@dataclass(frozen=True)
class Journal:
    day: date
    lines: list[JournalLine]

    @property
    def debits(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits

    @property
    def journal_id(self) -> str:
        return f"UC-{self.day:%Y%m%d}"


def journals(start: date, end: date) -> list[Journal]:
    """Every day's journal between two dates, from one statement. Days with no money have
    no journal."""
    by_day: dict[date, list[JournalLine]] = {}
    unmapped: set[str] = set()
    with connection.cursor() as cursor:
        cursor.execute(JOURNAL_SQL, {"start": start, "end": end})
        for day, number, name, net, missing in cursor.fetchall():
            if missing:
                unmapped.update(missing.split(","))
                continue
            by_day.setdefault(day, []).append(
                JournalLine(number, name, max(net, ZERO), max(-net, ZERO))
            )
    if unmapped:
        labels = dict(GLSource.choices)
        names = ", ".join(sorted(labels.get(s, s) for s in unmapped))
        raise GLMappingMissing(
            f"No GL account is mapped for: {names}. An Admin adds it under Reports › GL mappings."
        )
    return [Journal(day, lines) for day, lines in sorted(by_day.items())]


def journal(day: date) -> Journal:
    found = journals(day, day)
    return found[0] if found else Journal(day, [])


CSV_HEADER = ["journal_id", "date", "line", "gl_account", "gl_account_name", "debit", "credit"]


def journal_csv(journal: Journal) -> str:
    """The finance system's import: one line per GL account, amounts with two places, no
    time stamp, so the same ledger always gives the same file."""
    if not journal.balanced:
        raise ValueError(f"The journal for {journal.day} does not balance; it was not written.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for i, line in enumerate(journal.lines, start=1):
        writer.writerow(
            [
                journal.journal_id,
                journal.day.isoformat(),
                i,
                line.number,
                line.name,
                f"{line.debit:.2f}",
                f"{line.credit:.2f}",
            ]
        )
    writer.writerow(
        [
            journal.journal_id,
            journal.day.isoformat(),
            "total",
            "",
            "",
            f"{journal.debits:.2f}",
            f"{journal.credits:.2f}",
        ]
    )
    return out.getvalue()


def gl_journal_query(filters: dict) -> SqlQuery:
    """The catalogue's view of one day's journal (the same SQL, one row per GL account)."""
    sql = (
        LEGS_SQL
        + """
SELECT g.number AS gl_account, g.name AS gl_account_name,
       GREATEST(SUM(m.amount), 0) AS debit, GREATEST(-SUM(m.amount), 0) AS credit
FROM mapped m
JOIN reports_glaccount g ON g.id = m.gl_account_id
GROUP BY g.number, g.name
HAVING SUM(m.amount) <> 0
"""
    )
    return SqlQuery(sql, {"start": filters["day"], "end": filters["day"]})
