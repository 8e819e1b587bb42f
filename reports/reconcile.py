"""Prove the money: every check the ledger, receipts, drawers, safe and bank must agree on.

Each check is a query that returns the rows that disagree (none: the check holds). They run
per business day (`day`) or over everything (`day=None`). `manage.py reconcile` prints each
and stops at the first that fails, with its rows. This module sits in `reports/` because it
may read every app; an app that lands later (deposits, permits, refunds) adds its checks with
`register(Check(...))` from its AppConfig.ready(), or here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import connections

# The SQL of a check has %(day)s: NULL for every day, or the one business day asked about.


@dataclass(frozen=True)
class Check:
    label: str
    sql: str = ""
    # Or a function (day, using) -> (columns, rows) for a check SQL alone does not say well.
    run: Callable | None = None


@dataclass
class Outcome:
    check: Check
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.rows


CHECKS: list[Check] = []


def register(check: Check) -> Check:
    if any(c.label == check.label for c in CHECKS):
        raise ValueError(f"A reconcile check is named {check.label!r} already.")
    CHECKS.append(check)
    return check


def run_check(check: Check, *, day: date | None, using: str = "default") -> Outcome:
    if check.run is not None:
        columns, rows = check.run(day, using)
        return Outcome(check, list(columns), list(rows))
    with connections[using].cursor() as cursor:
        cursor.execute(check.sql, {"day": day})
        columns = [c.name for c in cursor.description]
        return Outcome(check, columns, cursor.fetchall())


def run_all(*, day: date | None = None, using: str = "default", stop_at_first=True):
    """Each check's outcome, in order; by default up to and including the first that fails."""
    outcomes = []
    for check in CHECKS:
        outcome = run_check(check, day=day, using=using)
        outcomes.append(outcome)
        if stop_at_first and not outcome.holds:
            break
    return outcomes


# Ledger and receipts ---------------------------------------------------------------------

# What a receipt paid beside the account's balance (a security deposit): its payment lines.
_LINES = (
    "(SELECT COALESCE(SUM(pl.amount), 0) FROM payments_paymentline pl WHERE pl.payment_id = p.id)"
)

register(
    Check(
        "every receipt for an account has its ledger entry: a payment, minus its amount (less "
        "what it paid to a deposit; none when it all did), same account, same day",
        f"""
        SELECT p.receipt_number AS receipt, p.amount, {_LINES} AS to_deposit, p.account_id,
               p.business_date, e.id AS entry, e.kind, e.amount AS entry_amount,
               e.account_id AS entry_account, e.business_date AS entry_day
        FROM payments_payment p
        LEFT JOIN accounts_ledgerentry e ON e.id = p.ledger_entry_id
        WHERE p.account_id IS NOT NULL AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
          AND CASE WHEN p.amount = {_LINES} THEN e.id IS NOT NULL
                   ELSE (e.id IS NULL OR e.kind <> 'payment' OR e.amount <> -(p.amount - {_LINES})
                         OR e.account_id <> p.account_id OR e.business_date <> p.business_date)
              END
        ORDER BY p.receipt_number LIMIT 50
        """,  # noqa: S608 - constant SQL, no input
    )
)

register(
    Check(
        "every payment entry the counter posted belongs to a receipt",
        """
        SELECT e.id AS entry, e.reference, e.amount, e.account_id, e.business_date
        FROM accounts_ledgerentry e
        WHERE e.kind = 'payment' AND e.reference LIKE 'R%%' AND (%(day)s::date IS NULL OR e.business_date = %(day)s::date)
          AND NOT EXISTS (SELECT 1 FROM payments_payment p WHERE p.ledger_entry_id = e.id)
        ORDER BY e.id LIMIT 50
        """,
    )
)

register(
    Check(
        "each receipt's tenders add up to its amount",
        """
        SELECT p.receipt_number AS receipt, p.amount, COALESCE(SUM(t.amount), 0) AS tenders,
               COUNT(t.id) AS tender_rows
        FROM payments_payment p
        LEFT JOIN payments_tender t ON t.payment_id = p.id
        WHERE (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
        GROUP BY p.id
        HAVING COUNT(t.id) = 0 OR SUM(t.amount) <> p.amount
        ORDER BY p.receipt_number LIMIT 50
        """,
    )
)

register(
    Check(
        "the change given is the cash handed over less the cash kept",
        """
        SELECT p.receipt_number AS receipt, p.change_given,
               COALESCE(SUM(t.amount_tendered - t.amount)
                        FILTER (WHERE t.kind = 'cash'), 0) AS change_from_tenders
        FROM payments_payment p
        LEFT JOIN payments_tender t ON t.payment_id = p.id
        WHERE (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
        GROUP BY p.id
        HAVING p.change_given
               <> COALESCE(SUM(t.amount_tendered - t.amount) FILTER (WHERE t.kind = 'cash'), 0)
        ORDER BY p.receipt_number LIMIT 50
        """,
    )
)

register(
    Check(
        "a voided receipt is reversed by its amount, a returned one by the check or card that "
        "came back, on its account (a deposit's part is undone first, on the deposit ledger)",
        """
        SELECT p.receipt_number AS receipt, p.status, p.amount, p.returned_amount,
               e.amount AS entry_amount, r.id AS reversal, r.amount AS reversal_amount,
               r.reverses_id, p.ledger_entry_id
        FROM payments_payment p
        LEFT JOIN accounts_ledgerentry e ON e.id = p.ledger_entry_id
        LEFT JOIN accounts_ledgerentry r ON r.id = p.reversal_entry_id
        WHERE p.account_id IS NOT NULL AND p.status IN ('voided', 'returned')
          AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
          AND ((p.status = 'voided' AND ((e.id IS NULL) <> (r.id IS NULL) OR r.amount <> -e.amount))
               OR (p.status = 'returned' AND (
                   NOT EXISTS (SELECT 1 FROM payments_tender t
                               WHERE t.payment_id = p.id AND t.kind <> 'cash'
                                 AND t.amount = p.returned_amount)
                   OR COALESCE(r.amount, 0) > p.returned_amount))
               OR (r.id IS NOT NULL AND (r.kind <> 'reversal'
                   OR r.reverses_id IS DISTINCT FROM p.ledger_entry_id
                   OR r.account_id <> p.account_id)))
        ORDER BY p.receipt_number LIMIT 50
        """,
    )
)

register(
    Check(
        "every reversal is opposite to the entry it reverses, no larger (a returned check of "
        "a split payment reverses its part), on the same account",
        """
        SELECT r.id AS reversal, r.amount, r.account_id, e.id AS reversed, e.amount AS original,
               e.account_id AS original_account
        FROM accounts_ledgerentry r
        JOIN accounts_ledgerentry e ON e.id = r.reverses_id
        WHERE r.kind = 'reversal' AND (%(day)s::date IS NULL OR r.business_date = %(day)s::date)
          AND (SIGN(r.amount) = SIGN(e.amount) OR ABS(r.amount) > ABS(e.amount)
               OR r.account_id <> e.account_id)
        ORDER BY r.id LIMIT 50
        """,
    )
)

# Drawers ---------------------------------------------------------------------------------

register(
    Check(
        "counter receipts are dated to their drawer session's business day",
        """
        SELECT p.receipt_number AS receipt, p.business_date, s.id AS session,
               s.business_date AS session_day
        FROM payments_payment p JOIN payments_drawersession s ON s.id = p.session_id
        WHERE (%(day)s::date IS NULL OR p.business_date = %(day)s::date) AND p.business_date <> s.business_date
        ORDER BY p.receipt_number LIMIT 50
        """,
    )
)

register(
    Check(
        "per day, the counter's payment entries equal its tenders, with the deposits its "
        "receipts took",
        """
        WITH ledger AS (
            SELECT p.business_date AS day, -SUM(e.amount) AS amount
            FROM payments_payment p JOIN accounts_ledgerentry e ON e.id = p.ledger_entry_id
            WHERE p.session_id IS NOT NULL AND p.status <> 'voided'
              AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
            GROUP BY p.business_date
        ), lines AS (
            SELECT p.business_date AS day, SUM(l.amount) AS amount
            FROM payments_payment p JOIN payments_paymentline l ON l.payment_id = p.id
            WHERE p.session_id IS NOT NULL AND p.status <> 'voided' AND p.account_id IS NOT NULL
              AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
            GROUP BY p.business_date
        ), tenders AS (
            SELECT p.business_date AS day, SUM(t.amount) AS amount
            FROM payments_payment p JOIN payments_tender t ON t.payment_id = p.id
            WHERE p.session_id IS NOT NULL AND p.status <> 'voided' AND p.account_id IS NOT NULL
              AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
            GROUP BY p.business_date
        ), days AS (SELECT day FROM ledger UNION SELECT day FROM lines UNION SELECT day FROM tenders)
        SELECT d.day, l.amount AS ledger, x.amount AS deposits, t.amount AS tenders
        FROM days d
        LEFT JOIN ledger l ON l.day = d.day
        LEFT JOIN lines x ON x.day = d.day
        LEFT JOIN tenders t ON t.day = d.day
        WHERE COALESCE(l.amount, 0) + COALESCE(x.amount, 0) <> COALESCE(t.amount, 0)
        ORDER BY 1 LIMIT 50
        """,
    )
)

# What a drawer should hold: float + its receipts' tenders (voids out) - drops, per tender.
_EXPECTED = """
    SELECT s.id AS session, s.business_date, k.kind,
           COALESCE((SELECT SUM(t.amount) FROM payments_tender t
                     JOIN payments_payment p ON p.id = t.payment_id
                     WHERE p.session_id = s.id AND p.status <> 'voided' AND t.kind = k.kind), 0)
           + CASE WHEN k.kind = 'cash' THEN s.opening_float
                  - COALESCE((SELECT SUM(d.amount) FROM closeout_cashdrop d
                              WHERE d.session_id = s.id), 0)
                  ELSE 0 END AS expected
    FROM payments_drawersession s
    CROSS JOIN (VALUES ('cash'), ('check'), ('money_order'), ('card')) AS k(kind)
"""

register(
    Check(
        "no drawer is expected to hold less than nothing (drops within its cash)",
        f"""
        SELECT session, business_date, kind, expected FROM ({_EXPECTED}) x
        WHERE (%(day)s::date IS NULL OR x.business_date = %(day)s::date) AND expected < 0
        ORDER BY session LIMIT 50
        """,  # noqa: S608 - constant SQL, no input
    )
)

register(
    Check(
        "a verified drawer's count of record expected what its receipts and drops still say",
        f"""
        SELECT x.session, x.business_date, x.kind, x.expected AS now_expected,
               CASE x.kind WHEN 'cash' THEN c.expected_cash WHEN 'check' THEN c.expected_check
                    WHEN 'money_order' THEN c.expected_money_order
                    ELSE c.expected_card END AS counted_against
        FROM ({_EXPECTED}) x
        JOIN closeout_verification v ON v.session_id = x.session
        JOIN closeout_drawercount c ON c.id = v.count_id
        WHERE (%(day)s::date IS NULL OR x.business_date = %(day)s::date)
          AND x.expected <> CASE x.kind WHEN 'cash' THEN c.expected_cash
                                        WHEN 'check' THEN c.expected_check
                                        WHEN 'money_order' THEN c.expected_money_order
                                        ELSE c.expected_card END
        ORDER BY x.session LIMIT 50
        """,  # noqa: S608 - constant SQL, no input
    )
)

register(
    Check(
        "a verified drawer was counted, and verified by someone other than its clerk",
        """
        SELECT s.id AS session, s.business_date, s.status, v.id AS verification,
               v.verified_by_id, s.opened_by_id
        FROM payments_drawersession s
        LEFT JOIN closeout_verification v ON v.session_id = s.id
        WHERE (%(day)s::date IS NULL OR s.business_date = %(day)s::date)
          AND ((s.status = 'verified') <> (v.id IS NOT NULL)
               OR v.verified_by_id = s.opened_by_id)
        ORDER BY s.id LIMIT 50
        """,
    )
)

register(
    Check(
        "the safe's change fund, once set up, covers the floats out in open drawers",
        """
        SELECT fund, floats_out FROM (
            SELECT (SELECT COALESCE(SUM(amount), 0) FROM closeout_changefundmovement) AS fund,
                   (SELECT COALESCE(SUM(opening_float), 0) FROM payments_drawersession
                    WHERE status = 'open') AS floats_out
        ) x WHERE fund > 0 AND floats_out > fund
        """,
    )
)

# Mail batches ----------------------------------------------------------------------------

register(
    Check(
        "a posted mail batch agrees with its control count and total, item by item",
        """
        SELECT b.id AS batch, b.business_date, b.control_count, b.control_total,
               COUNT(i.id) AS items, COALESCE(SUM(i.amount), 0) AS keyed,
               COUNT(p.id) FILTER (WHERE p.amount = i.amount AND p.mail_batch_id = b.id
                                   AND p.account_id = i.account_id) AS receipts
        FROM payments_mailbatch b
        LEFT JOIN payments_mailbatchitem i ON i.batch_id = b.id
        LEFT JOIN payments_payment p ON p.id = i.payment_id
        WHERE b.status = 'posted' AND (%(day)s::date IS NULL OR b.business_date = %(day)s::date)
        GROUP BY b.id
        HAVING COUNT(i.id) <> b.control_count OR COALESCE(SUM(i.amount), 0) <> b.control_total
            OR COUNT(p.id) FILTER (WHERE p.amount = i.amount AND p.mail_batch_id = b.id
                                   AND p.account_id = i.account_id) <> COUNT(i.id)
        ORDER BY b.id LIMIT 50
        """,
    )
)

# Customer deposits (payments.deposits) ------------------------------------------------------

register(
    Check(
        "every deposit a receipt took is collected on the deposit ledger (same account, "
        "amount and day), and nothing is collected without its receipt",
        """
        SELECT p.receipt_number AS receipt, l.amount AS receipt_line, d.id AS deposit_entry,
               d.amount AS collected
        FROM payments_paymentline l
        JOIN payments_payment p ON p.id = l.payment_id
        LEFT JOIN deposits_depositentry d ON d.payment_id = p.id AND d.kind = 'collected'
        WHERE l.purpose = 'deposit' AND (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
          AND (d.id IS NULL OR d.amount <> l.amount OR d.account_id <> p.account_id
               OR d.business_date <> p.business_date)
        UNION ALL
        SELECT p.receipt_number, l.amount, d.id, d.amount
        FROM deposits_depositentry d
        JOIN payments_payment p ON p.id = d.payment_id
        LEFT JOIN payments_paymentline l ON l.payment_id = p.id AND l.purpose = 'deposit'
        WHERE d.kind = 'collected' AND l.id IS NULL
          AND (%(day)s::date IS NULL OR d.business_date = %(day)s::date)
        LIMIT 50
        """,
    )
)

register(
    Check(
        "a voided receipt's deposit is reversed in full; a returned one's by what came back "
        "less what came off the account",
        """
        SELECT p.receipt_number AS receipt, p.status, l.amount AS deposit, p.returned_amount,
               r.amount AS account_reversal, -COALESCE(SUM(x.amount), 0) AS deposit_reversed
        FROM payments_payment p
        JOIN payments_paymentline l ON l.payment_id = p.id AND l.purpose = 'deposit'
        LEFT JOIN accounts_ledgerentry r ON r.id = p.reversal_entry_id
        LEFT JOIN deposits_depositentry x ON x.payment_id = p.id AND x.kind = 'reversed'
        WHERE (%(day)s::date IS NULL OR p.business_date = %(day)s::date)
        GROUP BY p.id, l.amount, r.amount
        HAVING -COALESCE(SUM(x.amount), 0) <> CASE p.status
            WHEN 'voided' THEN l.amount
            WHEN 'returned' THEN p.returned_amount - COALESCE(r.amount, 0)
            ELSE 0 END
        LIMIT 50
        """,
    )
)

register(
    Check(
        "each deposit instalment billed is a deposit-billed charge of its amount on its "
        "account that day, and each such charge is an instalment",
        """
        SELECT d.id AS deposit_entry, d.amount, d.account_id, e.id AS ledger_entry,
               e.kind, e.amount AS charge
        FROM deposits_depositentry d
        LEFT JOIN accounts_ledgerentry e ON e.id = d.ledger_entry_id
        WHERE d.kind = 'instalment_billed'
          AND (%(day)s::date IS NULL OR d.business_date = %(day)s::date)
          AND (e.id IS NULL OR e.kind <> 'deposit_billed' OR e.amount <> d.amount
               OR e.account_id <> d.account_id OR e.business_date <> d.business_date)
        UNION ALL
        SELECT NULL, NULL, e.account_id, e.id, e.kind, e.amount
        FROM accounts_ledgerentry e
        WHERE e.kind = 'deposit_billed'
          AND (%(day)s::date IS NULL OR e.business_date = %(day)s::date)
          AND NOT EXISTS (SELECT 1 FROM deposits_depositentry d
                          WHERE d.ledger_entry_id = e.id AND d.kind = 'instalment_billed')
        LIMIT 50
        """,
    )
)

register(
    Check(
        "each deposit applied on the account ledger (or its reversal) is what left (or came "
        "back to) the deposit ledger for it",
        """
        SELECT e.id AS ledger_entry, e.kind, e.amount, e.account_id,
               COALESCE(SUM(d.amount), 0) AS deposit_side
        FROM accounts_ledgerentry e
        LEFT JOIN accounts_ledgerentry o ON o.id = e.reverses_id
        LEFT JOIN deposits_depositentry d ON d.ledger_entry_id = e.id
        WHERE (e.kind = 'deposit_applied' OR (e.kind = 'reversal' AND o.kind = 'deposit_applied'))
          AND (%(day)s::date IS NULL OR e.business_date = %(day)s::date)
        GROUP BY e.id
        HAVING COALESCE(SUM(d.amount), 0) <> e.amount
            OR bool_or(d.account_id <> e.account_id)
        LIMIT 50
        """,
    )
)

register(
    Check(
        "no account's deposit held is less than nothing",
        """
        SELECT d.account_id, SUM(d.amount) AS held
        FROM deposits_depositentry d
        WHERE (%(day)s::date IS NULL OR d.business_date <= %(day)s::date)
        GROUP BY d.account_id HAVING SUM(d.amount) < 0
        LIMIT 50
        """,
    )
)

# The day's close and the bank ------------------------------------------------------------

register(
    Check(
        "a closed day has every drawer verified and every batch posted",
        """
        SELECT d.date AS day,
               (SELECT COUNT(*) FROM payments_drawersession s
                WHERE s.business_date = d.date AND s.status <> 'verified') AS unverified,
               (SELECT COUNT(*) FROM payments_mailbatch b
                WHERE b.business_date = d.date AND b.status <> 'posted') AS unposted
        FROM core_businessday d
        WHERE d.status = 'closed' AND (%(day)s::date IS NULL OR d.date = %(day)s::date)
          AND (EXISTS (SELECT 1 FROM payments_drawersession s
                       WHERE s.business_date = d.date AND s.status <> 'verified')
               OR EXISTS (SELECT 1 FROM payments_mailbatch b
                          WHERE b.business_date = d.date AND b.status <> 'posted'))
        ORDER BY d.date LIMIT 50
        """,
    )
)


def _deposits_of_closed_days(day, using):
    """The bag of every closed day holds what its verified drawers and posted batches owe
    the bank (the close-out's own arithmetic: payments.closeout.queries.deposit_due), and
    is verified by a second supervisor whenever anything was due."""
    from payments.closeout import queries
    from payments.closeout.models import BankDeposit
    from utilityclerk.core.models import BusinessDay
    from utilityclerk.money import ZERO

    closed = BusinessDay.objects.using(using).filter(status="closed")
    if day is not None:
        closed = closed.filter(date=day)
    deposits = {d.business_date: d for d in BankDeposit.objects.using(using).all()}
    rows = []
    for business_day in closed.order_by("date"):
        due = queries.deposit_due(business_day.date)
        deposit = deposits.get(business_day.date)
        if deposit is None:
            if due.total != ZERO:
                rows.append((business_day.date, None, None, None, due.cash, due.checks))
            continue
        if (
            (deposit.cash_total, deposit.check_total) != (due.cash, due.checks)
            or deposit.item_count != due.item_count
            or (due.total != ZERO and deposit.status != "verified")
        ):
            rows.append(
                (
                    business_day.date,
                    deposit.bag_number,
                    deposit.cash_total,
                    deposit.check_total,
                    due.cash,
                    due.checks,
                )
            )
    return ["day", "bag", "bag_cash", "bag_checks", "due_cash", "due_checks"], rows


register(
    Check(
        "each closed day's bank deposit carries what its drawers and batches owe, verified",
        run=_deposits_of_closed_days,
    )
)

register(
    Check(
        "no bank deposit is for a day still to come",
        """
        SELECT d.business_date, d.bag_number, d.status
        FROM closeout_bankdeposit d
        WHERE (%(day)s::date IS NULL OR d.business_date = %(day)s::date)
          AND d.business_date > CURRENT_DATE + 1  -- the database's date may be a day ahead
        ORDER BY d.business_date LIMIT 50
        """,
    )
)


# The aging summary ------------------------------------------------------------------------


def _aging_summary_agrees(day, using):
    """Aging every account reads balances and charges kept from the ledger (accounts.models
    .aging): they agree with the ledger, account by account and day by day. Over the whole
    ledger whatever the day asked about: a few seconds at 100,000 accounts."""
    from accounts import aging_summary

    return aging_summary.disagreements(using)


register(
    Check(
        "the aging summary (balances, charges due, what is unpaid) agrees with the ledger",
        run=_aging_summary_agrees,
    )
)
