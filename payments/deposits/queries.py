# ruff: noqa: S608, S611 - the SQL text is built from this module's constants; values are parameters
"""Reads for deposits: an account's figures (one statement, also as annotations of the
account page's own query), the deposit tab, the reminder and instalment lists, what each run
would post, and the reports' SQL.

The deposit requirement is read from workorders' table (the start of service records it)
and the disconnections from its work orders, in SQL: payments and workorders sit side by
side, and neither imports the other.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import DateField, DecimalField, Exists, IntegerField, OuterRef, Sum
from django.db.models.expressions import RawSQL

from accounts.validation import format_account_number
from payments.deposits.models import DepositEntry, DepositWaiver, InstalmentPlan, LetterOfCredit
from utilityclerk import business_day
from utilityclerk.business_day import add_months
from utilityclerk.money import ZERO

# An account's figures ----------------------------------------------------------------------
# Each a scalar subquery on the account row: `A` is the account's id in the outer query.
A = '"accounts_account"."id"'

_HELD = f"SELECT COALESCE(SUM(e.amount), 0) FROM deposits_depositentry e WHERE e.account_id = {A}"

# Money in that meets the requirement: collected and billed, less reversals of those. What
# left the deposit later (applied, refunded) does not make it owed again.
_SECURED = f"""
SELECT COALESCE(SUM(e.amount), 0) FROM deposits_depositentry e
LEFT JOIN deposits_depositentry o ON o.id = e.reverses_id
WHERE e.account_id = {A}
  AND (e.kind IN ('collected', 'instalment_billed')
       OR (e.kind = 'reversed' AND o.kind IN ('collected', 'instalment_billed')))
"""

# The latest waiver or reduction, else the requirement the start of service recorded.
_REQUIRED = f"""
SELECT COALESCE(
    (SELECT w.required_after FROM deposits_depositwaiver w WHERE w.account_id = {A}
     ORDER BY w.id DESC LIMIT 1),
    (SELECT r.amount FROM workorders_depositrequirement r WHERE r.account_id = {A}),
    0)
"""

_IN_FORCE = f"l.account_id = {A} AND l.released_on IS NULL AND l.expires_on >= %s"
_COVERED = f"SELECT COALESCE(SUM(l.amount), 0) FROM deposits_letterofcredit l WHERE {_IN_FORCE}"
_COVER_EXPIRES = f"SELECT MIN(l.expires_on) FROM deposits_letterofcredit l WHERE {_IN_FORCE}"

_UNBILLED = f"""
FROM deposits_depositinstalment i JOIN deposits_instalmentplan p ON p.id = i.plan_id
WHERE p.account_id = {A} AND p.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM deposits_depositentry e WHERE e.instalment_id = i.id)
"""
_PLAN_UNBILLED = f"SELECT COALESCE(SUM(i.amount), 0) {_UNBILLED}"
_PLAN_UNBILLED_COUNT = f"SELECT COUNT(*) {_UNBILLED}"
_PLAN_NEXT_ON = f"SELECT MIN(i.bill_on) {_UNBILLED}"
_PLAN_COUNT = f"""
SELECT COALESCE((SELECT p.instalment_count FROM deposits_instalmentplan p
                 WHERE p.account_id = {A} AND p.status = 'active'), 0)
"""

# Instalments billed and still unpaid on the account's ledger. Credits pay the oldest
# charges first (accounts.queries, aging), so what is owed sits on the newest charges: a
# charge is unpaid by clamp(balance - newer charges, 0, amount). Accounts that never had an
# instalment billed skip the walk (a one-time filter).
_UNPAID_BILLED = f"""
SELECT COALESCE(SUM(GREATEST(0, LEAST(u.amount, u.balance - u.newer))), 0) FROM (
    SELECT e.kind, e.amount, b.balance,
           SUM(e.amount) OVER (ORDER BY e.due_date DESC, e.id DESC
                               ROWS UNBOUNDED PRECEDING) - e.amount AS newer
    FROM accounts_ledgerentry e
    CROSS JOIN (SELECT SUM(x.amount) AS balance FROM accounts_ledgerentry x
                WHERE x.account_id = {A}) b
    WHERE e.account_id = {A} AND e.amount > 0 AND e.kind <> 'reversal'
      AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                      WHERE r.kind = 'reversal' AND r.reverses_id = e.id)
      AND EXISTS (SELECT 1 FROM accounts_ledgerentry d
                  WHERE d.account_id = {A} AND d.kind = 'deposit_billed')
) u WHERE u.kind = 'deposit_billed'
"""

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def figure_annotations(today: date | None = None) -> dict:
    """The figures as annotations of an Account queryset (whose table is not aliased): the
    account page adds them to the one query that reads the account."""
    today = today or business_day.today()

    def money(sql, params=()):
        return RawSQL(f"({sql})", list(params), output_field=_MONEY)

    return {
        "deposit_held": money(_HELD),
        "deposit_required": money(_REQUIRED),
        "deposit_secured": money(_SECURED),
        "deposit_covered": money(_COVERED, [today]),
        "deposit_cover_expires": RawSQL(f"({_COVER_EXPIRES})", [today], DateField()),
        "deposit_plan_unbilled": money(_PLAN_UNBILLED),
        "deposit_plan_unbilled_count": RawSQL(f"({_PLAN_UNBILLED_COUNT})", [], IntegerField()),
        "deposit_plan_next_on": RawSQL(f"({_PLAN_NEXT_ON})", [], DateField()),
        "deposit_plan_count": RawSQL(f"({_PLAN_COUNT})", [], IntegerField()),
        "deposit_unpaid_billed": money(_UNPAID_BILLED),
    }


@dataclass(frozen=True)
class Figures:
    held: Decimal = ZERO
    required: Decimal = ZERO
    secured: Decimal = ZERO
    covered: Decimal = ZERO
    cover_expires: date | None = None
    plan_unbilled: Decimal = ZERO
    plan_unbilled_count: int = 0
    plan_next_on: date | None = None
    plan_count: int = 0
    unpaid_billed: Decimal = ZERO

    FIELDS = (
        "held",
        "required",
        "secured",
        "covered",
        "cover_expires",
        "plan_unbilled",
        "plan_unbilled_count",
        "plan_next_on",
        "plan_count",
        "unpaid_billed",
    )

    @classmethod
    def of(cls, account) -> "Figures":
        """From an account read with figure_annotations()."""
        return cls(**{name: getattr(account, f"deposit_{name}") for name in cls.FIELDS})

    @property
    def still_owed(self) -> Decimal:
        """What is still to collect: the requirement less money in and security in force."""
        return max(ZERO, self.required - self.secured - self.covered)

    @property
    def on_plan(self) -> bool:
        return self.plan_count > 0

    @property
    def to_bill(self) -> Decimal:
        """What the active plan will still bill (paying ahead at the counter shortens it)."""
        return min(self.still_owed, self.plan_unbilled) if self.on_plan else ZERO

    @property
    def due_now(self) -> Decimal:
        """What the counter should take now: what no plan will bill."""
        return self.still_owed - self.to_bill

    @property
    def shows(self) -> bool:
        return bool(self.held or self.required or self.covered or self.on_plan)


def figures(account_id: int, *, today: date | None = None) -> Figures:
    """One account's figures in one query (the services read them under the account's lock)."""
    from accounts.models import Account

    row = (
        Account.objects.filter(pk=account_id)
        .annotate(**figure_annotations(today))
        .values(*(f"deposit_{name}" for name in Figures.FIELDS))
        .first()
    )
    if row is None:
        return Figures()
    return Figures(**{name: row[f"deposit_{name}"] for name in Figures.FIELDS})


# The deposit tab ---------------------------------------------------------------------------


def deposit_tab(request, account) -> dict:
    """The deposit ledger with a running amount held, the plan, the letters of credit and
    the waivers: one query each for the four lists (the page budget is 10)."""
    entries = list(
        DepositEntry.objects.filter(account_id=account.pk)
        .select_related("payment", "posted_by")
        .order_by("business_date", "id")
    )
    running = ZERO
    rows = []
    for entry in entries:
        running += entry.amount
        rows.append((entry, running))
    plans = list(
        InstalmentPlan.objects.filter(account_id=account.pk)
        .prefetch_related("instalments__billed_entry")
        .order_by("-set_up_at")[:3]
    )
    return {
        "deposit_rows": rows[::-1],
        "deposit_held_total": running,
        "deposit_plans": plans,
        "letters": list(
            LetterOfCredit.objects.filter(account_id=account.pk).order_by("-expires_on")
        ),
        "waivers": list(
            DepositWaiver.objects.filter(account_id=account.pk).select_related("decided_by")
        ),
    }


# Lists -------------------------------------------------------------------------------------


def security_reminders(*, today: date | None = None, days: int | None = None):
    """Letters of credit and surety bonds to renew: in force and expiring within the policy's
    days, or expired without being released, on accounts still open; a security already
    replaced by a later one on the same account is left out."""
    from utilityclerk.core.models import Policy

    today = today or business_day.today()
    days = Policy.current().deposit_security_reminder_days if days is None else days
    renewed = LetterOfCredit.objects.filter(
        account_id=OuterRef("account_id"),
        released_on__isnull=True,
        expires_on__gt=OuterRef("expires_on"),
    )
    return (
        LetterOfCredit.objects.filter(
            released_on__isnull=True, expires_on__lte=today + timedelta(days=days)
        )
        .exclude(account__status__in=["final", "closed"])
        .exclude(Exists(renewed))
        .select_related("account__customer", "account__premise")
        .order_by("expires_on", "id")
    )


INSTALMENTS_DUE_SQL = """
SELECT a.number AS account,
       CASE c.kind WHEN 'organisation' THEN c.organisation_name
            ELSE c.last_name || ', ' || c.first_name END AS customer,
       i.number || ' of ' || p.instalment_count AS instalment,
       i.bill_on AS bill_on,
       i.amount AS amount,
       CASE WHEN e.id IS NULL THEN 'To bill' ELSE 'Billed ' || to_char(e.business_date, 'MM/DD/YYYY') END AS status,
       COALESCE(e.amount, 0) AS billed
FROM deposits_depositinstalment i
JOIN deposits_instalmentplan p ON p.id = i.plan_id
JOIN accounts_account a ON a.id = p.account_id
JOIN accounts_customer c ON c.id = a.customer_id
LEFT JOIN deposits_depositentry e ON e.instalment_id = i.id
WHERE (p.status = 'active' OR e.id IS NOT NULL)
  AND i.bill_on BETWEEN %(start)s AND %(end)s
  AND (%(unbilled)s = FALSE OR e.id IS NULL)
"""


def instalments_due(*, start: date, end: date, unbilled: bool = False) -> tuple[str, dict]:
    return INSTALMENTS_DUE_SQL, {"start": start, "end": end, "unbilled": unbilled}


def instalments_to_bill(day: date, limit: int = 200) -> list[dict]:
    sql, params = instalments_due(start=date(1900, 1, 1), end=day, unbilled=True)
    with connection.cursor() as cursor:
        cursor.execute(
            sql + " ORDER BY bill_on, account LIMIT %(limit)s", {**params, "limit": limit}
        )
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["display_number"] = format_account_number(row["account"])
    return rows


# The deposit register: held per account as of a date ------------------------------------

REGISTER_SQL = """
SELECT a.number AS account,
       CASE c.kind WHEN 'organisation' THEN c.organisation_name
            ELSE c.last_name || ', ' || c.first_name END AS customer,
       c.customer_class AS customer_class,
       a.status AS status,
       SUM(e.amount) FILTER (WHERE e.kind = 'collected'
                             OR (e.kind = 'reversed' AND o.kind = 'collected')) AS collected,
       SUM(e.amount) FILTER (WHERE e.kind = 'instalment_billed') AS billed,
       SUM(e.amount) FILTER (WHERE e.kind = 'interest') AS interest,
       SUM(e.amount) FILTER (WHERE e.kind IN ('applied', 'refunded')
                             OR (e.kind = 'reversed' AND o.kind IN ('applied', 'refunded')))
           AS returned,
       SUM(e.amount) AS held,
       MIN(e.business_date) AS first_in
FROM deposits_depositentry e
LEFT JOIN deposits_depositentry o ON o.id = e.reverses_id
JOIN accounts_account a ON a.id = e.account_id
JOIN accounts_customer c ON c.id = a.customer_id
WHERE e.business_date <= %(as_of)s
  AND (%(customer_class)s = '' OR c.customer_class = %(customer_class)s)
GROUP BY a.id, c.id
HAVING %(held_only)s = FALSE OR SUM(e.amount) <> 0
"""


def register_sql(*, as_of: date, customer_class: str = "", held_only: bool = True):
    return REGISTER_SQL, {
        "as_of": as_of,
        "customer_class": customer_class or "",
        "held_only": held_only,
    }


def held_total(as_of: date | None = None) -> Decimal:
    """Every deposit held: the deposit ledger's sum (through a business date)."""
    entries = DepositEntry.objects.all()
    if as_of is not None:
        entries = entries.filter(business_date__lte=as_of)
    return entries.aggregate(total=Sum("amount"))["total"] or ZERO


LETTERS_SQL = """
SELECT a.number AS account,
       CASE c.kind WHEN 'organisation' THEN c.organisation_name
            ELSE c.last_name || ', ' || c.first_name END AS customer,
       CASE l.kind WHEN 'surety_bond' THEN 'Surety bond' ELSE 'Letter of credit' END AS kind,
       l.issuer AS issuer, l.number AS number, l.amount AS amount, l.expires_on AS expires_on,
       l.expires_on - %(today)s::date AS days_left
FROM deposits_letterofcredit l
JOIN accounts_account a ON a.id = l.account_id
JOIN accounts_customer c ON c.id = a.customer_id
WHERE l.released_on IS NULL AND a.status NOT IN ('final', 'closed')
  AND l.expires_on <= %(today)s::date + %(days)s
  AND NOT EXISTS (SELECT 1 FROM deposits_letterofcredit n
                  WHERE n.account_id = l.account_id AND n.released_on IS NULL
                    AND n.expires_on > l.expires_on)
"""


def letters_expiring_sql(*, today: date, days: int):
    return LETTERS_SQL, {"today": today, "days": days}


# The runs ------------------------------------------------------------------------------------

# Instalments whose day has come, unbilled, on active plans, with what the account still owes
# of its deposit (the counter may have taken some of it ahead).
INSTALMENTS_PENDING_SQL = f"""
SELECT i.id AS instalment_id, p.id AS plan_id, p.account_id, i.number, i.amount AS scheduled,
       a.status AS account_status, i.bill_on,
       GREATEST(0, owed.required - owed.secured - owed.covered) AS still_owed
FROM deposits_depositinstalment i
JOIN deposits_instalmentplan p ON p.id = i.plan_id
JOIN accounts_account a ON a.id = p.account_id
CROSS JOIN LATERAL (
    SELECT ({_REQUIRED.replace(A, "a.id")}) AS required,
           ({_SECURED.replace(A, "a.id")}) AS secured,
           (SELECT COALESCE(SUM(l.amount), 0) FROM deposits_letterofcredit l
            WHERE l.account_id = a.id AND l.released_on IS NULL
              AND l.expires_on >= %(day)s) AS covered
) owed
WHERE p.status = 'active' AND i.bill_on <= %(day)s
  AND NOT EXISTS (SELECT 1 FROM deposits_depositentry e WHERE e.instalment_id = i.id)
  AND (%(ids)s::bigint[] IS NULL OR p.account_id = ANY(%(ids)s::bigint[]))
"""


# Active plans of these accounts with nothing left to bill: every instalment billed, or the
# deposit met already (paid ahead at the counter, waived, covered by a letter of credit).
END_FINISHED_PLANS_SQL = f"""
UPDATE deposits_instalmentplan p
SET status = 'ended', ended_on = %(today)s, end_reason = 'Nothing left to bill'
FROM accounts_account a
WHERE a.id = p.account_id AND p.status = 'active' AND p.account_id = ANY(%(ids)s::bigint[])
  AND (NOT EXISTS (SELECT 1 FROM deposits_depositinstalment i
                   WHERE i.plan_id = p.id
                     AND NOT EXISTS (SELECT 1 FROM deposits_depositentry e
                                     WHERE e.instalment_id = i.id))
       OR ({_REQUIRED.replace(A, "a.id")}) - ({_SECURED.replace(A, "a.id")})
          - (SELECT COALESCE(SUM(l.amount), 0) FROM deposits_letterofcredit l
             WHERE l.account_id = a.id AND l.released_on IS NULL
               AND l.expires_on >= %(today)s) <= 0)
RETURNING p.id
"""


def instalment_candidates(day: date, account_ids: list[int] | None = None) -> list[dict]:
    """Every instalment due by `day` with what it would bill: the scheduled amount, less what
    the counter took ahead, one instalment of an account after another in number order."""
    with connection.cursor() as cursor:
        cursor.execute(
            INSTALMENTS_PENDING_SQL + " ORDER BY p.account_id, i.number",
            {"day": day, "ids": account_ids},
        )
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    left: dict[int, Decimal] = {}
    for row in rows:
        owed = left.setdefault(row["account_id"], row["still_owed"])
        row["to_bill"] = min(row["scheduled"], owed)
        left[row["account_id"]] = owed - row["to_bill"]
    return rows


def interest_sql(*, year: int, through: date | None = None) -> tuple[str, dict]:
    """Each account's simple interest for a year at the policy's rate on the days each amount
    was held (through the year's end, or `through` when the deposit leaves in that year): a
    deposit in before the year counts from 1 January, one in during it from its date, one
    out stops counting from its date. Interest is not paid on interest."""
    start = date(year, 1, 1)
    end = date(year, 12, 31)
    days_in_year = (end - start).days + 1
    return (
        """
        SELECT e.account_id,
               ROUND(%(rate)s / 100 * SUM(e.amount * ((%(end)s::date - GREATEST(e.business_date, %(start)s::date)) + 1))
                     / %(days)s, 2) AS interest
        FROM deposits_depositentry e
        WHERE e.kind <> 'interest' AND e.business_date <= %(end)s
          AND (%(account_id)s::bigint IS NULL OR e.account_id = %(account_id)s::bigint)
        GROUP BY e.account_id
        """,
        {"start": start, "end": min(end, through) if through else end, "days": days_in_year},
    )


REVIEW_SQL = """
WITH held AS (
    SELECT account_id, SUM(amount) AS held FROM deposits_depositentry
    WHERE (%(ids)s::bigint[] IS NULL OR account_id = ANY(%(ids)s::bigint[]))
    GROUP BY account_id HAVING SUM(amount) > 0
), entries AS (
    -- Each held account's rows read once: what they are, and whether they were reversed.
    SELECT e.account_id, e.kind, e.business_date, r.id IS NOT NULL AS reversed
    FROM deposits_depositentry e
    JOIN held h ON h.account_id = e.account_id
    LEFT JOIN deposits_depositentry r ON r.reverses_id = e.id
), last_out AS (
    SELECT account_id, MAX(business_date) FILTER (WHERE kind IN ('applied', 'refunded')) AS day
    FROM entries GROUP BY account_id
), since AS (
    -- The present holding began with the first money in after the deposit last left.
    SELECT x.account_id, MIN(x.business_date) AS held_since
    FROM entries x JOIN last_out o ON o.account_id = x.account_id
    WHERE x.kind IN ('collected', 'instalment_billed') AND NOT x.reversed
      AND x.business_date >= COALESCE(o.day, '-infinity'::date)
    GROUP BY x.account_id
)
SELECT h.account_id, h.held, s.held_since, a.status,
       (SELECT COUNT(*) FROM accounts_ledgerentry l
        WHERE l.account_id = h.account_id AND l.kind = 'late_fee'
          AND l.business_date > %(window_start)s
          AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r WHERE r.reverses_id = l.id))
           AS late_payments,
       EXISTS (SELECT 1 FROM payments_payment p
               WHERE p.account_id = h.account_id AND p.status = 'returned'
                 AND p.returned_on > %(window_start)s) AS returned_payment,
       EXISTS (SELECT 1 FROM workorders_workorder w
               WHERE w.account_id = h.account_id AND w.type_id = 'disconnect'
                 AND w.status = 'completed' AND w.completed_on > %(window_start)s)
           AS disconnected
FROM held h
JOIN accounts_account a ON a.id = h.account_id
LEFT JOIN since s ON s.account_id = h.account_id
"""

# Why a deposit held is not returned by the review, in the order the proof lists them.
REVIEW_REASONS = {
    "not_active": "Account not active (final bills apply the deposit)",
    "too_soon": "Held less than the review's months",
    "late": "More late payments than the policy allows",
    "returned": "A returned payment in the window",
    "disconnected": "Disconnected for non-payment in the window",
}


@dataclass(frozen=True)
class ReviewRow:
    account_id: int
    held: Decimal
    held_since: date | None
    reason: str  # "" when the deposit is returned


def review(day: date, account_ids: list[int] | None = None) -> list[ReviewRow]:
    """Every deposit held on `day`, each with why the review leaves it (or "" to return it):
    held the policy's months or more, at most its late payments in those months, no returned
    payment and no disconnection in them, on an active account. One statement."""
    from utilityclerk.core.models import Policy

    policy = Policy.current()
    window_start = add_months(day, -policy.deposit_review_months)
    with connection.cursor() as cursor:
        cursor.execute(
            REVIEW_SQL + " ORDER BY h.account_id",
            {"window_start": window_start, "ids": account_ids},
        )
        rows = cursor.fetchall()
    out = []
    for account_id, held, since, status, late, returned, disconnected in rows:
        if status != "active":
            reason = "not_active"
        elif since is None or since > window_start:
            reason = "too_soon"
        elif late > policy.deposit_review_late_payments_max:
            reason = "late"
        elif returned:
            reason = "returned"
        elif disconnected:
            reason = "disconnected"
        else:
            reason = ""
        out.append(ReviewRow(account_id, held, since, reason))
    return out
