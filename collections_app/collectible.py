"""The collectible amount: the one definition every collections step uses.

    collectible = past due (by the aging: credits pay the oldest charges first)
                  - amounts held by registered holds (an open dispute, …)
                  - what an active payment arrangement has not yet asked for

never below zero. `due_now` is the same with charges due today counted (a reconnect fee
posted this morning is due now), and is what a field crew collects at the door.

The late fee's base follows the policy's rule: by default a fee is never charged on a fee, so
the base is the collectible past due less the fees still unpaid in it (late fees, door-hanger
and reconnect fees, returned-payment fees); with `late_fee_on_fees` on, the whole collectible.

One set-based statement answers for one account or for every account.

Holds plug in here: an app that holds money out of collection (the disputes work) calls
`register_hold(name, sql)` from its AppConfig.ready(), where `sql` selects
`(account_id, amount)` rows of what is held on the date `%(as_of)s`. Held amounts are summed
per account and taken off the past due before anything else.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from utilityclerk import business_day
from utilityclerk.money import ZERO

# Fees: what a late fee is not charged on (unless the policy says so). A door-hanger fee is an
# adjustment debit with this reason code (the ledger has no kind of its own for it).
FEE_KINDS = ("late_fee", "reconnect_fee", "returned_payment_fee")
DOOR_HANGER_REASON = "door_hanger"

_holds: dict[str, str] = {}


def register_hold(name: str, sql: str) -> None:
    """`sql` selects (account_id, amount) held out of collection on %(as_of)s."""
    _holds[name] = sql


def unregister_hold(name: str) -> None:
    _holds.pop(name, None)


# Credits pay the oldest charges first (accounts' aging allocates them so), so what is still
# owed sits on the newest charges. Walking an account's charges from the newest back, those
# not yet past due at the cutoff come first: they take the balance first, and whatever the
# balance has left over is the past due. That needs no window over the whole history, only
# one pass over the ledger for balances and the charges falling due on or after the cutoff.
# Only to tell fees from bills and find the oldest charge unpaid (the late fee's base, the
# days past due) is the past due laid on the past-due charges newest first, walking the
# index ledger_charges_newest a few charges a step (a recursive step, stopping where the past
# due is used up: three charges for the usual delinquent account, not the 28 of its history);
# the notices and the shut-off list need neither and skip the walk (detail=False).
# An entry and its reversal cancel: a reversed charge is no charge. Reversals are few, and
# on the account of what they reverse (reconcile checks it): the one pass counts them, and
# only an account that has some looks them up.
# tests/collections/test_collectible.py proves this equals the window allocation, field by
# field, and the past due equals the aging's for every account.
_SQL = """
WITH RECURSIVE totals AS (
    SELECT account_id, SUM(amount) AS balance,
           -- The date test first: it fails at once for credits, which have no due date.
           COALESCE(SUM(amount) FILTER (WHERE due_date < %(cutoff)s AND amount > 0
                                          AND kind <> 'reversal'), 0) AS due_before_cutoff,
           COALESCE(SUM(amount) FILTER (WHERE due_date >= %(cutoff)s AND amount > 0
                                          AND kind <> 'reversal'), 0) AS due_from_cutoff,
           COALESCE(SUM(amount) FILTER (WHERE due_date > %(cutoff)s AND amount > 0
                                          AND kind <> 'reversal'), 0) AS due_after_cutoff,
           COUNT(reverses_id) AS reversals
    FROM accounts_ledgerentry
    WHERE business_date <= %(as_of)s {account_filter}
    GROUP BY account_id
    HAVING SUM(amount) > 0
),
owed AS (
    SELECT t.account_id, t.reversals,
           -- What the balance leaves for the past-due charges once those due on or after
           -- the cutoff have taken theirs.
           t.balance - (t.due_from_cutoff - COALESCE(r.due_from_cutoff, 0)) AS for_past_due,
           -- Never more than the past-due charges themselves (a charge partly reversed
           -- leaves balance no charge owns).
           GREATEST(0, LEAST(t.balance - (t.due_from_cutoff - COALESCE(r.due_from_cutoff, 0)),
                             t.due_before_cutoff - COALESCE(r.due_before_cutoff, 0)))
               AS past_due,
           GREATEST(0, LEAST(t.balance - (t.due_after_cutoff - COALESCE(r.due_after_cutoff, 0)),
                             (t.due_from_cutoff - COALESCE(r.due_from_cutoff, 0))
                             - (t.due_after_cutoff - COALESCE(r.due_after_cutoff, 0))))
               AS due_on_cutoff
    FROM totals t
    LEFT JOIN LATERAL (
        SELECT SUM(e.amount) FILTER (WHERE e.due_date < %(cutoff)s) AS due_before_cutoff,
               SUM(e.amount) FILTER (WHERE e.due_date >= %(cutoff)s) AS due_from_cutoff,
               SUM(e.amount) FILTER (WHERE e.due_date > %(cutoff)s) AS due_after_cutoff
        FROM accounts_ledgerentry v
        JOIN accounts_ledgerentry e ON e.id = v.reverses_id
        WHERE t.reversals > 0 AND v.account_id = t.account_id AND v.kind = 'reversal'
          AND v.business_date <= %(as_of)s
          AND e.amount > 0 AND e.kind <> 'reversal' AND e.business_date <= %(as_of)s
    ) r ON true
),
{walk}held AS (
    SELECT account_id, SUM(amount) AS held FROM ({holds}) h GROUP BY account_id
),
arranged AS (
    -- What an active arrangement has not asked for yet on the cutoff date.
    SELECT a.account_id,
           a.total - COALESCE(SUM(i.amount) FILTER (WHERE i.due_date <= %(cutoff)s), 0) AS covered
    FROM collections_arrangement a
    JOIN collections_instalment i ON i.arrangement_id = a.id
    WHERE a.status = 'active' {arrangement_filter}
    GROUP BY a.id
)
SELECT o.account_id, o.past_due, o.past_due + o.due_on_cutoff AS due_now,
       {fees} AS fees, COALESCE(h.held, 0) AS held, COALESCE(r.covered, 0) AS covered,
       {oldest_due} AS oldest_due
FROM owed o
{allocated}LEFT JOIN held h ON h.account_id = o.account_id
LEFT JOIN arranged r ON r.account_id = o.account_id
WHERE o.past_due + o.due_on_cutoff > 0
"""

_WALK = """walk AS (
    -- A step reads the account's next few past-due charges, newest first, and lays what is
    -- still open on them; a step only follows when the last of them leaves some open.
    SELECT o.account_id, o.reversals, c.id, c.due_date, c.amount, c.is_fee,
           o.for_past_due - c.newer AS still_open, c.n = {batch} AS last
    FROM owed o
    CROSS JOIN LATERAL (
        SELECT b.*,
               SUM(b.amount) OVER newest_first - b.amount AS newer,
               row_number() OVER newest_first AS n
        FROM (
            SELECT e.id, e.due_date, e.amount,
                   e.kind IN ('late_fee', 'reconnect_fee', 'returned_payment_fee')
                       OR e.reason_code = 'door_hanger' AS is_fee
            FROM accounts_ledgerentry e
            WHERE e.account_id = o.account_id AND e.amount > 0 AND e.kind <> 'reversal'
              AND e.due_date < %(cutoff)s AND e.business_date <= %(as_of)s
              AND (o.reversals = 0
                   OR NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                                  WHERE r.reverses_id = e.id AND r.kind = 'reversal'
                                    AND r.business_date <= %(as_of)s))
            ORDER BY e.due_date DESC, e.id DESC
            LIMIT {batch}
        ) b
        WINDOW newest_first AS (ORDER BY b.due_date DESC, b.id DESC ROWS UNBOUNDED PRECEDING)
    ) c
    WHERE o.for_past_due > 0 AND o.for_past_due - c.newer > 0
    UNION ALL
    SELECT w.account_id, w.reversals, c.id, c.due_date, c.amount, c.is_fee,
           w.still_open - w.amount - c.newer, c.n = {batch}
    FROM walk w
    CROSS JOIN LATERAL (
        SELECT b.*,
               SUM(b.amount) OVER newest_first - b.amount AS newer,
               row_number() OVER newest_first AS n
        FROM (
            SELECT e.id, e.due_date, e.amount,
                   e.kind IN ('late_fee', 'reconnect_fee', 'returned_payment_fee')
                       OR e.reason_code = 'door_hanger' AS is_fee
            FROM accounts_ledgerentry e
            WHERE e.account_id = w.account_id AND e.amount > 0 AND e.kind <> 'reversal'
              AND (e.due_date, e.id) < (w.due_date, w.id) AND e.business_date <= %(as_of)s
              AND (w.reversals = 0
                   OR NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                                  WHERE r.reverses_id = e.id AND r.kind = 'reversal'
                                    AND r.business_date <= %(as_of)s))
            ORDER BY e.due_date DESC, e.id DESC
            LIMIT {batch}
        ) b
        WINDOW newest_first AS (ORDER BY b.due_date DESC, b.id DESC ROWS UNBOUNDED PRECEDING)
    ) c
    WHERE w.last AND w.still_open > w.amount AND w.still_open - w.amount - c.newer > 0
),
allocated AS (
    SELECT account_id,
           COALESCE(SUM(LEAST(amount, still_open)) FILTER (WHERE is_fee), 0) AS fees,
           MIN(due_date) AS oldest_due
    FROM walk GROUP BY account_id
),
"""


# Charges a step of the walk reads: most delinquent accounts owe on three or four.
WALK_BATCH = 4

_NO_HOLDS = "SELECT NULL::bigint AS account_id, 0::numeric AS amount WHERE false"


_SCOPES = {
    "all": ("", ""),
    "one": ("AND account_id = %(account_id)s", "AND a.account_id = %(account_id)s"),
    # Batch runs post in chunks of account ids.
    "ids": (
        "AND account_id = ANY(%(ids)s)",
        "AND a.account_id = ANY(%(ids)s)",
    ),
}


def collectible_sql(scope: str = "all", *, detail: bool = True) -> str:
    """The statement (with %(as_of)s, %(cutoff)s, and %(account_id)s for one account or
    %(ids)s for a list): rows of (account_id, past_due, due_now, fees, held, covered,
    oldest_due). Without `detail` the fees are 0 and the oldest due date NULL: the notices
    and the shut-off list need neither, and save the walk over the charges. Batch runs wrap
    it as a subquery."""
    holds = " UNION ALL ".join(
        f"SELECT account_id, amount FROM ({sql}) AS hold_{i}"  # noqa: S608 - registered code, no input
        for i, sql in enumerate(_holds.values())
    )
    account_filter, arrangement_filter = _SCOPES[scope]
    return _SQL.format(
        walk=_WALK.format(batch=WALK_BATCH) if detail else "",
        fees="COALESCE(p.fees, 0)" if detail else "0",
        oldest_due="p.oldest_due" if detail else "NULL::date",
        allocated="LEFT JOIN allocated p ON p.account_id = o.account_id\n" if detail else "",
        account_filter=account_filter,
        arrangement_filter=arrangement_filter,
        holds=holds or _NO_HOLDS,
    )


@dataclass(frozen=True)
class Collectible:
    account_id: int
    past_due: Decimal = ZERO  # by the aging
    due_now_gross: Decimal = ZERO  # past due and charges due today
    fees: Decimal = ZERO  # unpaid fees in the past due
    held: Decimal = ZERO  # by registered holds (disputes)
    covered: Decimal = ZERO  # by an active arrangement, not yet asked for
    oldest_due: date | None = None  # due date of the oldest unpaid past-due charge

    @property
    def amount(self) -> Decimal:
        """What may be collected on: fees, notices, shut-off."""
        return max(ZERO, self.past_due - self.held - self.covered)

    @property
    def due_now(self) -> Decimal:
        """What must be paid now (a field crew collects it; reconnection needs it)."""
        return max(ZERO, self.due_now_gross - self.held - self.covered)

    def days_past_due(self, as_of: date) -> int:
        return (as_of - self.oldest_due).days if self.oldest_due else 0

    def late_fee_base(self, *, on_fees: bool = False) -> Decimal:
        if on_fees:
            return self.amount
        return max(ZERO, self.amount - self.fees)


@contextmanager
def cursor_without_jit():
    """A cursor in a transaction that does not compile its statements (JIT). PostgreSQL
    compiles a statement as large as these with LLVM before running it, in each parallel
    worker: on the loaded 2-core benchmark machine that was 2.5 s of a 5 s collectible
    amount for every account, for plans (index walks, aggregates) that gain nothing by it."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        yield cursor


def _params(as_of, cutoff, account_id=None):
    as_of = as_of or business_day.today()
    return {"as_of": as_of, "cutoff": cutoff or as_of, "account_id": account_id}


def collectible_for_account(
    account_id: int, as_of: date | None = None, *, cutoff: date | None = None
) -> Collectible:
    """One account, in one query. `cutoff` counts charges and instalments due before it
    (default: the as-of date); the ledger is read as of `as_of`."""
    with connection.cursor() as cursor:
        cursor.execute(collectible_sql("one"), _params(as_of, cutoff, account_id))
        row = cursor.fetchone()
    return Collectible(*row) if row else Collectible(account_id)


def collectible_for_all(
    as_of: date | None = None, *, cutoff: date | None = None
) -> dict[int, Collectible]:
    """Every account that owes something due, in one query."""
    with cursor_without_jit() as cursor:
        cursor.execute(collectible_sql(), _params(as_of, cutoff))
        return {row[0]: Collectible(*row) for row in cursor.fetchall()}


def collectible_for_accounts(
    account_ids, as_of: date | None = None, *, cutoff: date | None = None
) -> dict[int, Collectible]:
    """The given accounts (a worklist, a shut-off list), in one query."""
    params = {**_params(as_of, cutoff), "ids": list(account_ids)}
    with cursor_without_jit() as cursor:
        cursor.execute(collectible_sql("ids"), params)
        return {row[0]: Collectible(*row) for row in cursor.fetchall()}
