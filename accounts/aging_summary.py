# ruff: noqa: S608 - the SQL text is our own constants; every value is a parameter
"""Keeping accounts.models.aging from the ledger: the trigger's SQL, the fold and the rebuild.

A charge is a positive entry that is not a reversal and has not been reversed; a reversal of
a charge takes it back off its due date. This is exactly what accounts.queries' aging SQL
counts from the ledger (tests/accounts/test_aging_summary.py holds the two together, and
`manage.py reconcile` checks them on the whole database).
"""

from django.db import connection, connections, transaction

TABLES = ["accounts_accountbalance", "accounts_chargesdue", "accounts_agingchange"]

# FIFO over charges grouped by due date. Credits pay the oldest charges first, so what is owed
# sits on the newest: a day's charges are unpaid by what the balance leaves after the charges
# due later, which are all of the account's less those due up to that day (summed in due-date
# order, the order of the (account, due date) index: no sort). Grouping by due date loses
# nothing: aging buckets by due date, and the clamp of a day's total is the sum of its
# charges' clamps.
DUE_UP_TO_SQL = (
    "SUM({c}.amount) OVER (PARTITION BY {c}.account_id ORDER BY {c}.due_date"
    " ROWS UNBOUNDED PRECEDING)"
)
UNPAID_SQL = (
    "GREATEST(0, LEAST({c}.amount, {balance} - ("
    "SUM({c}.amount) OVER (PARTITION BY {c}.account_id) - " + DUE_UP_TO_SQL + ")))"
)

# Statement level, from the transition table: a bill run's INSERT of 100,000 entries appends
# one row per account and due date, and a counter payment one row, without a lock on anything
# another posting needs.
TRIGGER_SQL = """
CREATE FUNCTION accounts_record_aging_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO accounts_agingchange (account_id, due_date, charge, balance)
    SELECT account_id, due_date, SUM(charge), SUM(balance)
    FROM (
        SELECT n.account_id,
               CASE WHEN n.amount > 0 AND n.kind <> 'reversal' THEN n.due_date END AS due_date,
               CASE WHEN n.amount > 0 AND n.kind <> 'reversal' THEN n.amount ELSE 0 END AS charge,
               n.amount AS balance
        FROM new_entries n
        UNION ALL
        SELECT o.account_id, o.due_date, -o.amount, 0
        FROM new_entries r JOIN accounts_ledgerentry o ON o.id = r.reverses_id
        WHERE r.kind = 'reversal' AND o.amount > 0 AND o.kind <> 'reversal'
    ) AS effect
    GROUP BY account_id, due_date;
    RETURN NULL;
END
$$;
CREATE TRIGGER accounts_ledgerentry_aging_changes
AFTER INSERT ON accounts_ledgerentry
REFERENCING NEW TABLE AS new_entries
FOR EACH STATEMENT EXECUTE FUNCTION accounts_record_aging_change();
"""
DROP_TRIGGER_SQL = """
DROP TRIGGER accounts_ledgerentry_aging_changes ON accounts_ledgerentry;
DROP FUNCTION accounts_record_aging_change();
"""

# pg advisory-lock key: one fold (or rebuild) at a time.
_FOLD_LOCK = (7_412, 1)

# The changes leave AgingChange and land in the two tables in one statement: rows a posting
# has not committed yet are not seen, so not deleted, and wait for the next fold.
_FOLD_SQL = """
WITH moved AS (
    DELETE FROM accounts_agingchange RETURNING account_id, due_date, charge, balance
),
balances AS (
    INSERT INTO accounts_accountbalance (account_id, balance, charged)
    SELECT account_id, SUM(balance), SUM(charge) FROM moved
    GROUP BY account_id ORDER BY account_id
    ON CONFLICT (account_id) DO UPDATE
    SET balance = accounts_accountbalance.balance + EXCLUDED.balance,
        charged = accounts_accountbalance.charged + EXCLUDED.charged
    RETURNING account_id
),
charges AS (
    INSERT INTO accounts_chargesdue (account_id, due_date, amount, due_up_to, unpaid)
    SELECT account_id, due_date, SUM(charge), 0, 0 FROM moved
    WHERE due_date IS NOT NULL
    GROUP BY account_id, due_date ORDER BY account_id, due_date
    ON CONFLICT (account_id, due_date)
    DO UPDATE SET amount = accounts_chargesdue.amount + EXCLUDED.amount
)
SELECT array_agg(account_id) FROM balances
"""

# The running totals and what is unpaid, worked out again for the accounts the fold touched;
# only the rows that change are written (a payment changes one or two).
_RECKON_ACCOUNTS_SQL = f"""
UPDATE accounts_chargesdue d SET due_up_to = w.due_up_to, unpaid = w.unpaid
FROM (
    SELECT c.id, {DUE_UP_TO_SQL.format(c="c")} AS due_up_to,
           {UNPAID_SQL.format(c="c", balance="b.balance")} AS unpaid
    FROM accounts_chargesdue c
    JOIN accounts_accountbalance b ON b.account_id = c.account_id
    WHERE c.account_id = ANY(%(accounts)s)
) AS w
WHERE d.id = w.id AND (d.due_up_to <> w.due_up_to OR d.unpaid <> w.unpaid)
"""

# A charge no reversal has undone.
_LIVE_CHARGE = """e.amount > 0 AND e.kind <> 'reversal'
    AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                    WHERE r.kind = 'reversal' AND r.reverses_id = e.id)"""

_REBUILD_SQL = [
    # Postings wait while the tables are made again, so none is counted twice or missed.
    "LOCK TABLE accounts_agingchange IN EXCLUSIVE MODE",
    "DELETE FROM accounts_agingchange",
    "DELETE FROM accounts_chargesdue",
    "DELETE FROM accounts_accountbalance",
    f"""
    INSERT INTO accounts_accountbalance (account_id, balance, charged)
    SELECT e.account_id, SUM(e.amount), COALESCE(SUM(e.amount) FILTER (WHERE {_LIVE_CHARGE}), 0)
    FROM accounts_ledgerentry e GROUP BY e.account_id
    """,
    f"""
    INSERT INTO accounts_chargesdue (account_id, due_date, amount, due_up_to, unpaid)
    SELECT g.account_id, g.due_date, g.amount, {DUE_UP_TO_SQL.format(c="g")},
           {UNPAID_SQL.format(c="g", balance="b.balance")}
    FROM (
        SELECT e.account_id, e.due_date, SUM(e.amount) AS amount
        FROM accounts_ledgerentry e WHERE {_LIVE_CHARGE}
        GROUP BY e.account_id, e.due_date
    ) AS g
    JOIN accounts_accountbalance b ON b.account_id = g.account_id
    """,
]


def fold() -> int:
    """Move the postings' changes into the balances and charges and work out again what is
    unpaid on the accounts they touched. Returns how many accounts. Safe at any time and
    from several places at once (one waits for the other)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _FOLD_LOCK)
        cursor.execute(_FOLD_SQL)
        (accounts,) = cursor.fetchone()
        if not accounts:
            return 0
        cursor.execute(_RECKON_ACCOUNTS_SQL, {"accounts": accounts})
        return len(accounts)


def rebuild() -> None:
    """Make the tables again from the whole ledger (after a load that skipped the trigger,
    or to repair them). Postings wait until it commits."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", _FOLD_LOCK)
        for sql in _REBUILD_SQL:
            cursor.execute(sql)


# Where the tables disagree with the ledger: each account's balance and charges (the changes
# not folded yet added in), and the fold's running totals and unpaid amounts worked out again
# from the tables' own charges. No rows: they agree. (`manage.py reconcile` runs it.)
DISAGREEMENTS_SQL = f"""
WITH ledger_balances AS (
    SELECT e.account_id, SUM(e.amount) AS balance,
           COALESCE(SUM(e.amount) FILTER (WHERE {_LIVE_CHARGE}), 0) AS charged
    FROM accounts_ledgerentry e GROUP BY e.account_id
),
kept_balances AS (
    SELECT account_id, SUM(balance) AS balance, SUM(charged) AS charged
    FROM (SELECT account_id, balance, charged FROM accounts_accountbalance
          UNION ALL
          SELECT account_id, balance, charge FROM accounts_agingchange) AS k
    GROUP BY account_id
),
ledger_charges AS (
    SELECT e.account_id, e.due_date, SUM(e.amount) AS amount
    FROM accounts_ledgerentry e WHERE {_LIVE_CHARGE}
    GROUP BY e.account_id, e.due_date
),
kept_charges AS (
    SELECT account_id, due_date, SUM(amount) AS amount
    FROM (SELECT account_id, due_date, amount FROM accounts_chargesdue
          UNION ALL
          SELECT account_id, due_date, charge FROM accounts_agingchange
          WHERE due_date IS NOT NULL) AS k
    GROUP BY account_id, due_date
    HAVING SUM(amount) <> 0  -- a day whose charges were all reversed
),
reckoned AS (
    SELECT c.account_id, c.due_date, c.due_up_to, c.unpaid,
           {DUE_UP_TO_SQL.format(c="c")} AS due_up_to_reckoned,
           {UNPAID_SQL.format(c="c", balance="b.balance")} AS unpaid_reckoned
    FROM accounts_chargesdue c
    JOIN accounts_accountbalance b ON b.account_id = c.account_id
)
(SELECT 'balance' AS what, COALESCE(l.account_id, k.account_id) AS account_id,
        NULL::date AS due_date, l.balance AS ledger, k.balance AS kept
 FROM ledger_balances l FULL JOIN kept_balances k ON k.account_id = l.account_id
 WHERE l.balance IS DISTINCT FROM k.balance
 UNION ALL
 SELECT 'charged', COALESCE(l.account_id, k.account_id), NULL, l.charged, k.charged
 FROM ledger_balances l FULL JOIN kept_balances k ON k.account_id = l.account_id
 WHERE COALESCE(l.charged, 0) <> COALESCE(k.charged, 0)
 UNION ALL
 SELECT 'charges due', COALESCE(l.account_id, k.account_id), COALESCE(l.due_date, k.due_date),
        l.amount, k.amount
 FROM ledger_charges l
 FULL JOIN kept_charges k ON k.account_id = l.account_id AND k.due_date = l.due_date
 WHERE l.amount IS DISTINCT FROM k.amount
 UNION ALL
 SELECT 'due up to', account_id, due_date, due_up_to_reckoned, due_up_to
 FROM reckoned WHERE due_up_to <> due_up_to_reckoned
 UNION ALL
 SELECT 'unpaid', account_id, due_date, unpaid_reckoned, unpaid
 FROM reckoned WHERE unpaid <> unpaid_reckoned)
ORDER BY account_id, due_date NULLS FIRST, what LIMIT 50
"""


def disagreements(using: str = "default") -> tuple[list[str], list[tuple]]:
    """(columns, rows) where the tables and the ledger disagree; no rows when they agree."""
    with connections[using].cursor() as cursor:
        cursor.execute(DISAGREEMENTS_SQL)
        return [c.name for c in cursor.description], cursor.fetchall()
