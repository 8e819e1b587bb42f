"""The collections runs: late fees, past-due notices, the nightly arrangement and promise check.

Each is a proof (counts, totals, exclusions by reason; writes nothing) and a post: what to
post is worked out once, set-based, then posted by INSERT ... SELECT FROM unnest(...) in
chunks, each chunk its own transaction (no temporary table: a connection pooler in
transaction mode may hand each chunk another server connection). Posting twice is a no-op:
the database refuses a second late fee for one bill (a unique index on the late fee's bill
number, migration 0001) and a second notice for one bill (Notice constraints), and the
statements skip what is there with ON CONFLICT DO NOTHING.

They are plain functions of a date and a user, registered as background runs in apps.py.
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.core.mail import send_mass_mail
from django.db import connection, transaction

from collections_app import calendar
from collections_app.collectible import collectible_sql, cursor_without_jit
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO, format_money

CHUNK = 25_000  # account ids per chunk (write-offs: every final account in the range)
POST_CHUNK = 5_000  # fees or notices per chunk: each chunk is its own transaction
# A fee or notice is for a bill that fell due lately; older bills were dealt with when they
# fell due (the first run on a database does not charge for the whole history).
RECENT_DAYS = 45

Progress = Callable[[int, int], None]


def _chunks() -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), MAX(id) FROM accounts_account")
        lo, hi = cursor.fetchone()
    if lo is None:
        return []
    return [(start, min(start + CHUNK - 1, hi)) for start in range(lo, hi + 1, CHUNK)]


def _pending(sql: str, params: dict) -> list[tuple]:
    """What a run will post, worked out once (rows ordered by account), set-based."""
    with cursor_without_jit() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in_chunks(rows: list[tuple]) -> list[list[tuple]]:
    """POST_CHUNK rows each: a run with 12,000 fees to post has three chunks."""
    return [rows[i : i + POST_CHUNK] for i in range(0, len(rows), POST_CHUNK)]


def _columns(rows: list[tuple]) -> list[list]:
    """The rows as one list per column, for unnest(...)."""
    return [list(column) for column in zip(*rows, strict=True)]


def _audit(by, action: str, target, after: dict):
    audit.record(actor=by, action=action, target=target or Policy.current(), after=after)


# Late fees -----------------------------------------------------------------------------

# The latest bill of each active or final account whose late-fee day has come, with what the
# collectible says about it. The fee is charged on the bill (its number is the fee's
# reference), so a bill never has two.
_LATE_FEE_CANDIDATES = """
WITH latest AS (
    SELECT DISTINCT ON (b.account_id) b.account_id, b.number, b.due_date
    FROM accounts_bill b JOIN accounts_account a ON a.id = b.account_id
    WHERE a.status IN ('active', 'final')
      AND b.due_date <= %(due_by)s AND b.due_date > %(due_by)s - {recent}
    ORDER BY b.account_id, b.due_date DESC, b.id DESC
),
c AS ({collectible}),
candidates AS (
    SELECT l.account_id, l.number,
           COALESCE(GREATEST(0, c.past_due - c.held - c.covered), 0) AS collectible,
           COALESCE(c.fees, 0) AS fees,
           COALESCE(c.held, 0) AS held, COALESCE(c.covered, 0) AS covered
    FROM latest l LEFT JOIN c ON c.account_id = l.account_id
    -- The bill's number is the fee's reference: one probe of the late-fee-per-bill index
    -- (its condition spelled out, or the planner scans the whole ledger for late fees).
    WHERE NOT EXISTS (SELECT 1 FROM accounts_ledgerentry f
                      WHERE f.kind = 'late_fee' AND f.reference = l.number
                        AND f.reference <> '')
),
based AS (
    SELECT *, GREATEST(0, collectible - CASE WHEN %(on_fees)s THEN 0 ELSE fees END) AS base
    FROM candidates
),
fees AS (SELECT *, ROUND(base * %(percent)s / 100, 2) AS fee FROM based)
"""

_LATE_FEE_PROOF = """
SELECT COUNT(*) FILTER (WHERE fee > 0), COALESCE(SUM(fee) FILTER (WHERE fee > 0), 0),
       COALESCE(SUM(base) FILTER (WHERE fee > 0), 0),
       COUNT(*) FILTER (WHERE fee = 0 AND collectible = 0 AND held + covered = 0),
       COUNT(*) FILTER (WHERE fee = 0 AND collectible = 0 AND held + covered > 0),
       COUNT(*) FILTER (WHERE fee = 0 AND collectible > 0)
FROM fees
"""

# Posting works from the candidates worked out once, in chunks.
_LATE_FEE_PENDING = """
SELECT account_id, number, base, fee FROM fees WHERE fee > 0 ORDER BY account_id
"""

_LATE_FEE_POST = """
INSERT INTO accounts_ledgerentry
    (account_id, kind, amount, business_date, due_date, posted_at, posted_by_id,
     reference, memo, reason_code)
SELECT account_id, 'late_fee', fee, %(day)s, %(day)s, now(), %(by)s, number,
       'Late fee: ' || %(percent_text)s || '%% of $' || to_char(base, 'FM999,999,990.00')
       || ' past due', ''
FROM unnest(%(accounts)s::bigint[], %(numbers)s::text[], %(bases)s::numeric[],
            %(fees)s::numeric[]) AS pending(account_id, number, base, fee)
WHERE NOT EXISTS (SELECT 1 FROM accounts_ledgerentry f
                  WHERE f.kind = 'late_fee' AND f.reference = pending.number
                    AND f.reference <> '')
ORDER BY account_id
ON CONFLICT (reference) WHERE kind = 'late_fee' AND reference <> '' DO NOTHING
RETURNING amount
"""


def _late_fee_params(as_of: date, policy: Policy) -> dict:
    return {
        "as_of": as_of,
        "cutoff": as_of,
        "due_by": as_of - timedelta(days=policy.late_fee_grace_days),
        "on_fees": policy.late_fee_on_fees,
        "percent": policy.late_fee_percent,
        "percent_text": f"{policy.late_fee_percent.normalize():f}",
    }


def _late_fee_sql(tail: str) -> str:
    return _LATE_FEE_CANDIDATES.format(recent=RECENT_DAYS, collectible=collectible_sql()) + tail


def late_fee_proof(as_of: date | None = None) -> dict:
    as_of = as_of or business_day.today()
    policy = Policy.current()
    with cursor_without_jit() as cursor:
        cursor.execute(_late_fee_sql(_LATE_FEE_PROOF), _late_fee_params(as_of, policy))
        count, total, base, paid, held, fees_only = cursor.fetchone()
    return {
        "as_of": as_of.isoformat(),
        "counts": {"Late fees": count},
        "totals": {"Late fees": str(total), "Past due they are charged on": str(base)},
        "exclusions": {
            "Paid or nothing past due": paid,
            "Held (dispute) or in an arrangement": held,
            "Only fees past due (no fee on a fee)": fees_only,
        },
        "rule": (
            f"{policy.late_fee_percent.normalize():f}% of the collectible past due"
            + ("" if policy.late_fee_on_fees else ", fees left out")
            + f", {policy.late_fee_grace_days} day(s) after the due date"
        ),
    }


def post_late_fees(
    as_of: date | None = None, *, by, progress: Progress | None = None, run=None
) -> dict:
    """Work out the fees once (set-based), then post them in chunks, each its own
    transaction; a fee already on a bill is never posted again."""
    as_of = as_of or business_day.today()
    policy = Policy.current()
    params = _late_fee_params(as_of, policy)
    chunks = _in_chunks(_pending(_late_fee_sql(_LATE_FEE_PENDING), params))
    count, total = 0, ZERO
    for done, chunk in enumerate(chunks, start=1):
        accounts, numbers, bases, fees = _columns(chunk)
        with transaction.atomic():
            day = business_day.posting_date()
            with connection.cursor() as cursor:
                cursor.execute(
                    _LATE_FEE_POST,
                    {**params, "accounts": accounts, "numbers": numbers, "bases": bases,
                     "fees": fees, "day": day, "by": by.pk},
                )  # fmt: skip
                amounts = [row[0] for row in cursor.fetchall()]
            count += len(amounts)
            total += sum(amounts, ZERO)
            if amounts:
                _audit(
                    by,
                    "collections.late_fees",
                    run,
                    {
                        "accounts": f"{accounts[0]}-{accounts[-1]}",
                        "fees": len(amounts),
                        "total": str(sum(amounts)),
                    },
                )
        if progress:
            progress(done, len(chunks))
    return {"counts": {"Late fees posted": count}, "totals": {"Late fees": str(total)}}


# Past-due notices ----------------------------------------------------------------------


def notice_due_by(as_of: date, policy: Policy) -> date:
    """The latest due date whose notice day has come: the late fee's day, then the policy's
    business days after it."""
    day = as_of
    for _ in range(40):
        fee_day = day + timedelta(days=policy.late_fee_grace_days)
        if business_day.add_business_days(fee_day, policy.notice_after_fee_business_days) <= as_of:
            return day
        day -= timedelta(days=1)
    return day


_NOTICE_CANDIDATES = """
WITH latest AS (
    SELECT DISTINCT ON (b.account_id) b.account_id, b.id AS bill_id
    FROM accounts_bill b JOIN accounts_account a ON a.id = b.account_id
    WHERE a.status = 'active'
      AND b.due_date <= %(due_by)s AND b.due_date > %(due_by)s - {recent}
    ORDER BY b.account_id, b.due_date DESC, b.id DESC
),
c AS ({collectible}),
candidates AS (
    SELECT l.account_id, l.bill_id,
           COALESCE(GREATEST(0, c.past_due - c.held - c.covered), 0) AS amount,
           COALESCE(c.held, 0) + COALESCE(c.covered, 0) AS held
    FROM latest l LEFT JOIN c ON c.account_id = l.account_id
    WHERE NOT EXISTS (SELECT 1 FROM collections_notice n
                      WHERE n.bill_id = l.bill_id AND n.kind = 'past_due')
)
"""

_NOTICE_PROOF = """
SELECT COUNT(*) FILTER (WHERE amount > 0), COALESCE(SUM(amount) FILTER (WHERE amount > 0), 0),
       COUNT(*) FILTER (WHERE amount = 0 AND held = 0), COUNT(*) FILTER (WHERE amount = 0 AND held > 0),
       COUNT(*) FILTER (WHERE amount > 0 AND m.by_email)
FROM candidates
-- Who prefers e-mail, looked up only for the accounts that get a notice.
LEFT JOIN LATERAL (
    SELECT cu.preferred_contact = 'email' AND cu.email <> '' AS by_email
    FROM accounts_account a JOIN accounts_customer cu ON cu.id = a.customer_id
    WHERE candidates.amount > 0 AND a.id = candidates.account_id
) m ON true
"""

_NOTICE_PENDING = """
SELECT account_id, bill_id, amount FROM candidates WHERE amount > 0 ORDER BY account_id
"""

_NOTICE_POST = """
INSERT INTO collections_notice
    (account_id, kind, bill_id, business_date, amount, disconnect_on, name, address_lines,
     service_address, emailed_to, run_id, created_at)
SELECT a.id, 'past_due', candidates.bill_id, %(day)s, candidates.amount, %(disconnect_on)s,
       CASE WHEN cu.kind = 'organisation' THEN cu.organisation_name
            ELSE btrim(cu.first_name || ' ' || cu.last_name) END,
       jsonb_build_array(btrim(a.mail_street || ' ' || a.mail_unit),
                         a.mail_city || ', ' || a.mail_state || ' ' || a.mail_zip),
       p.house_number || ' ' || p.street || CASE WHEN p.unit <> '' THEN ' #' || p.unit ELSE '' END,
       CASE WHEN cu.preferred_contact = 'email' THEN cu.email ELSE '' END,
       %(run_id)s, now()
FROM unnest(%(accounts)s::bigint[], %(bills)s::bigint[], %(amounts)s::numeric[])
     AS candidates(account_id, bill_id, amount)
JOIN accounts_account a ON a.id = candidates.account_id
JOIN accounts_customer cu ON cu.id = a.customer_id
JOIN accounts_premise p ON p.id = a.premise_id
ORDER BY candidates.account_id
ON CONFLICT (bill_id, kind) WHERE bill_id IS NOT NULL DO NOTHING
RETURNING id, amount, emailed_to
"""


def _notice_sql(tail: str) -> str:
    # A notice needs the amount, not which charges are fees (no walk over the charges).
    return (
        _NOTICE_CANDIDATES.format(recent=RECENT_DAYS, collectible=collectible_sql(detail=False))
        + tail
    )


def disconnect_date_for(notice_day: date, policy: Policy) -> date:
    return calendar.next_shutoff_day(
        notice_day + timedelta(days=policy.disconnect_after_notice_days), policy
    )


def notice_proof(as_of: date | None = None) -> dict:
    as_of = as_of or business_day.today()
    policy = Policy.current()
    params = {"as_of": as_of, "cutoff": as_of, "due_by": notice_due_by(as_of, policy)}
    with cursor_without_jit() as cursor:
        cursor.execute(_notice_sql(_NOTICE_PROOF), params)
        count, total, paid, held, emails = cursor.fetchone()
    return {
        "as_of": as_of.isoformat(),
        "counts": {"Notices": count, "Also e-mailed": emails},
        "totals": {"Past due on the notices": str(total)},
        "exclusions": {"Paid since the bill fell due": paid, "Held or in an arrangement": held},
        "disconnect_on": f"{disconnect_date_for(as_of, policy):%A %m/%d/%Y}",
    }


def post_notices(
    as_of: date | None = None, *, by, progress: Progress | None = None, run=None
) -> dict:
    as_of = as_of or business_day.today()
    policy = Policy.current()
    disconnect_on = disconnect_date_for(as_of, policy)
    params = {
        "as_of": as_of,
        "cutoff": as_of,
        "due_by": notice_due_by(as_of, policy),
        "day": as_of,
        "disconnect_on": disconnect_on,
        "run_id": getattr(run, "pk", None),
    }
    chunks = _in_chunks(_pending(_notice_sql(_NOTICE_PENDING), params))
    count, total, emailed = 0, ZERO, 0
    for done, chunk in enumerate(chunks, start=1):
        accounts, bills, amounts = _columns(chunk)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    _NOTICE_POST,
                    {**params, "accounts": accounts, "bills": bills, "amounts": amounts},
                )
                rows = cursor.fetchall()
            count += len(rows)
            total += sum((r[1] for r in rows), ZERO)
            to_email = [r[0] for r in rows if r[2]]
            emailed += len(to_email)
            if rows:
                _audit(
                    by,
                    "collections.notices",
                    run,
                    {
                        "accounts": f"{accounts[0]}-{accounts[-1]}",
                        "notices": len(rows),
                        "disconnect_on": disconnect_on,
                    },
                )
            if to_email:
                transaction.on_commit(lambda ids=to_email: email_notices(ids))
        if progress:
            progress(done, len(chunks))
    if count:
        # Thousands of notices at once: the shut-off list and the worklist read them next,
        # and planned on the table's old statistics they take ten times as long.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE collections_notice")
    return {
        "counts": {"Notices": count, "E-mailed": emailed},
        "totals": {"Past due on the notices": str(total)},
        "disconnect_on": disconnect_on.isoformat(),
    }


def email_notices(notice_ids: list[int]) -> int:
    """Each notice to the customer who prefers e-mail, after the notices committed."""
    from django.conf import settings

    from collections_app.models import Notice

    messages = [
        (
            f"{settings.UTILITY_NAME}: past-due notice for account {notice.account.display_number}",
            notice_text(notice),
            None,
            [notice.emailed_to],
        )
        for notice in Notice.objects.filter(pk__in=notice_ids).select_related("account")
    ]
    return send_mass_mail(messages) if messages else 0


def notice_text(notice) -> str:
    from django.conf import settings

    return (
        f"Dear {notice.name},\n\n"
        f"Your account {notice.account.display_number} for {notice.service_address} is past "
        f"due: {format_money(notice.amount)}.\n\n"
        f"Service will be disconnected on or after {notice.disconnect_on:%A, %B %d, %Y} unless "
        f"it is paid in full before then, or you make a payment arrangement with us.\n"
        f"If someone at home depends on life-support equipment or has a medical condition, "
        f"call us: a medical certificate holds the disconnection.\n\n"
        f"{settings.UTILITY_NAME} · {settings.UTILITY_PHONE}\n"
    )


# The nightly check ---------------------------------------------------------------------

_BREAK_ARRANGEMENTS = """
WITH c AS ({collectible})
UPDATE collections_arrangement a
SET status = 'broken', ended_on = %(as_of)s,
    end_reason = 'An instalment or a bill went unpaid past the grace days'
FROM c
WHERE a.status = 'active' AND c.account_id = a.account_id
  AND c.past_due - c.held - c.covered > 0
RETURNING a.id, a.account_id, c.past_due - c.held
"""

_COMPLETE_ARRANGEMENTS = """
UPDATE collections_arrangement a SET status = 'completed', ended_on = %(as_of)s,
    end_reason = 'Every instalment paid'
WHERE a.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM collections_instalment i
                  WHERE i.arrangement_id = a.id AND i.due_date >= %(as_of)s)
  AND NOT EXISTS (SELECT 1 FROM ({collectible}) c
                  WHERE c.account_id = a.account_id AND c.past_due - c.held > 0)
RETURNING a.id
"""

# A promise is kept when the payments since it was made reach its amount by its date.
_SETTLE_PROMISES = """
UPDATE collections_promise p
SET status = CASE WHEN paid.total >= p.amount THEN 'kept' ELSE 'broken' END
FROM (
    SELECT p2.id, COALESCE(-SUM(e.amount) FILTER (WHERE e.kind = 'payment'), 0) AS total
    FROM collections_promise p2
    LEFT JOIN accounts_ledgerentry e
      ON e.account_id = p2.account_id AND e.business_date BETWEEN p2.made_on AND p2.pay_by
    WHERE p2.status = 'open'
    GROUP BY p2.id
) paid
WHERE p.id = paid.id AND (paid.total >= p.amount OR p.pay_by < %(as_of)s)
RETURNING p.id, p.status
"""


def nightly_proof(as_of: date | None = None) -> dict:
    as_of = as_of or business_day.today()
    return {"as_of": as_of.isoformat(), "counts": {}, "note": "Arrangements and promises"}


def post_nightly(
    as_of: date | None = None, *, by, progress: Progress | None = None, run=None
) -> dict:
    """Break arrangements whose instalment or bill went unpaid past the grace days (with a
    48-hour notice each), complete those fully paid, and settle promises whose day came."""
    from collections_app.models import Arrangement

    as_of = as_of or business_day.today()
    policy = Policy.current()
    grace_cutoff = as_of - timedelta(days=policy.arrangement_grace_days)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Only accounts with an active arrangement are looked at.
            cursor.execute(
                "SELECT account_id FROM collections_arrangement WHERE status = 'active' FOR UPDATE"
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                _BREAK_ARRANGEMENTS.format(collectible=collectible_sql("ids", detail=False)),
                {"as_of": as_of, "cutoff": grace_cutoff, "ids": ids},
            )
            broken = cursor.fetchall()
            cursor.execute(
                _COMPLETE_ARRANGEMENTS.format(collectible=collectible_sql("ids", detail=False)),
                {"as_of": as_of, "cutoff": as_of, "ids": ids},
            )
            completed = cursor.fetchall()
            cursor.execute(_SETTLE_PROMISES, {"as_of": as_of})
            promises = cursor.fetchall()
        notices = _broken_arrangement_notices(
            [row[0] for row in broken], as_of=as_of, by=by, run=run
        )
        for arrangement in Arrangement.objects.filter(pk__in=[row[0] for row in broken]):
            audit.record(
                actor=by,
                action="arrangement.broken",
                target=arrangement.account,
                after={"arrangement": arrangement.pk, "on": as_of},
            )
    if progress:
        progress(1, 1)
    return {
        "counts": {
            "Arrangements broken": len(broken),
            "48-hour notices": notices,
            "Arrangements completed": len(completed),
            "Promises kept": sum(1 for _, s in promises if s == "kept"),
            "Promises broken": sum(1 for _, s in promises if s == "broken"),
        }
    }


def _broken_arrangement_notices(arrangement_ids, *, as_of, by, run) -> int:
    """A 48-hour notice for each broken arrangement: disconnect on the first shut-off day
    two days on, for the collectible past due now that the arrangement no longer covers it."""
    if not arrangement_ids:
        return 0
    from collections_app.models import Arrangement

    policy = Policy.current()
    disconnect_on = calendar.next_shutoff_day(as_of + timedelta(days=2), policy)
    sql = f"""
    WITH c AS ({collectible_sql("ids", detail=False)})
    INSERT INTO collections_notice
        (account_id, kind, arrangement_id, business_date, amount, disconnect_on, name,
         address_lines, service_address, emailed_to, run_id, created_at)
    SELECT a.id, 'arrangement_broken', arr.id, %(as_of)s, c.past_due - c.held, %(disconnect_on)s,
           CASE WHEN cu.kind = 'organisation' THEN cu.organisation_name
                ELSE btrim(cu.first_name || ' ' || cu.last_name) END,
           jsonb_build_array(btrim(a.mail_street || ' ' || a.mail_unit),
                             a.mail_city || ', ' || a.mail_state || ' ' || a.mail_zip),
           p.house_number || ' ' || p.street
             || CASE WHEN p.unit <> '' THEN ' #' || p.unit ELSE '' END,
           CASE WHEN cu.preferred_contact = 'email' THEN cu.email ELSE '' END,
           %(run_id)s, now()
    FROM collections_arrangement arr
    JOIN accounts_account a ON a.id = arr.account_id
    JOIN accounts_customer cu ON cu.id = a.customer_id
    JOIN accounts_premise p ON p.id = a.premise_id
    JOIN c ON c.account_id = a.id
    WHERE arr.id = ANY(%(arrangements)s) AND c.past_due - c.held > 0
    ON CONFLICT (arrangement_id, kind) WHERE arrangement_id IS NOT NULL DO NOTHING
    RETURNING id, emailed_to
    """  # noqa: S608 - the SQL text holds no user input
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "as_of": as_of,
                "cutoff": as_of,
                "disconnect_on": disconnect_on,
                "arrangements": list(arrangement_ids),
                "ids": list(
                    Arrangement.objects.filter(pk__in=arrangement_ids).values_list(
                        "account_id", flat=True
                    )
                ),
                "run_id": getattr(run, "pk", None),
            },
        )
        rows = cursor.fetchall()
    to_email = [r[0] for r in rows if r[1]]
    if to_email:
        transaction.on_commit(lambda: email_notices(to_email))
    return len(rows)


# Write-off and agency referral ---------------------------------------------------------

# Final accounts whose last bill has been due longer than the policy's days and that still
# owe: the whole balance is written off and the account goes to collections (the agency).
# An amount held out of collection (a dispute) keeps the account off the list.
_WRITE_OFF_CANDIDATES = """
WITH last_bill AS (
    SELECT b.account_id, MAX(b.due_date) AS due_date
    FROM accounts_bill b JOIN accounts_account a ON a.id = b.account_id
    WHERE a.status = 'final' AND a.id BETWEEN %(lo)s AND %(hi)s
    GROUP BY b.account_id
),
owing AS (
    SELECT l.account_id, SUM(e.amount) AS balance
    FROM last_bill l JOIN accounts_ledgerentry e ON e.account_id = l.account_id
    WHERE l.due_date <= %(due_by)s
      AND NOT EXISTS (SELECT 1 FROM collections_writeoff w WHERE w.account_id = l.account_id)
    GROUP BY l.account_id
    HAVING SUM(e.amount) > 0
),
held AS ({holds}),
candidates AS (
    SELECT o.account_id, o.balance, COALESCE(h.held, 0) AS held
    FROM owing o LEFT JOIN (SELECT account_id, SUM(amount) AS held FROM held GROUP BY account_id) h
      ON h.account_id = o.account_id
)
"""

_WRITE_OFF_PROOF = """
SELECT COUNT(*) FILTER (WHERE held = 0), COALESCE(SUM(balance) FILTER (WHERE held = 0), 0),
       COUNT(*) FILTER (WHERE held > 0)
FROM candidates
"""

_WRITE_OFF_POST = """,
entries AS (
    INSERT INTO accounts_ledgerentry
        (account_id, kind, amount, business_date, posted_at, posted_by_id, reference, memo,
         reason_code)
    SELECT account_id, 'write_off', -balance, %(day)s, now(), %(by)s, 'WRITE-OFF',
           'Final bill unpaid ' || %(days)s || ' days: written off and referred to the agency',
           'write_off'
    FROM candidates WHERE held = 0
    RETURNING id, account_id, -amount AS amount
),
write_offs AS (
    INSERT INTO collections_writeoff
        (account_id, amount, entry_id, written_off_on, agency_id, approved_by_id, run_id)
    SELECT account_id, amount, id, %(day)s, %(agency)s, %(by)s, %(run_id)s FROM entries
    RETURNING account_id, amount
)
UPDATE accounts_account a SET status = 'collections'
FROM write_offs w WHERE a.id = w.account_id
RETURNING w.amount
"""


def _write_off_sql(tail: str) -> str:
    from collections_app.collectible import _holds

    holds = (
        " UNION ALL ".join(
            f"SELECT account_id, amount FROM ({sql}) AS hold_{i}"  # noqa: S608 - registered code
            for i, sql in enumerate(_holds.values())
        )
        or "SELECT NULL::bigint AS account_id, 0::numeric AS amount WHERE false"
    )
    return _WRITE_OFF_CANDIDATES.format(holds=holds) + tail


def _write_off_params(as_of: date, policy: Policy) -> dict:
    return {"as_of": as_of, "due_by": as_of - timedelta(days=policy.write_off_after_days)}


def write_off_proof(as_of: date | None = None) -> dict:
    as_of = as_of or business_day.today()
    policy = Policy.current()
    count, total, held = 0, ZERO, 0
    with connection.cursor() as cursor:
        for lo, hi in _chunks():
            cursor.execute(
                _write_off_sql(_WRITE_OFF_PROOF),
                {**_write_off_params(as_of, policy), "lo": lo, "hi": hi},
            )
            row = cursor.fetchone()
            count += row[0]
            total += row[1]
            held += row[2]
    return {
        "as_of": as_of.isoformat(),
        "counts": {"Accounts to write off": count},
        "totals": {"Written off": str(total)},
        "exclusions": {"Amount under dispute": held},
    }


def post_write_offs(
    as_of: date | None = None,
    *,
    by,
    agency_id: int | None = None,
    progress: Progress | None = None,
    run=None,
) -> dict:
    as_of = as_of or business_day.today()
    policy = Policy.current()
    chunks = _chunks()
    count, total = 0, ZERO
    for done, (lo, hi) in enumerate(chunks, start=1):
        with transaction.atomic():
            day = business_day.posting_date()
            with connection.cursor() as cursor:
                # Lock the chunk's final accounts first: a second run waits, then finds
                # them written off (collections_writeoff is unique per account).
                cursor.execute(
                    "SELECT id FROM accounts_account WHERE status = 'final' "
                    "AND id BETWEEN %s AND %s ORDER BY id FOR UPDATE",
                    [lo, hi],
                )
                cursor.execute(
                    _write_off_sql(_WRITE_OFF_POST),
                    {
                        **_write_off_params(as_of, policy),
                        "lo": lo,
                        "hi": hi,
                        "day": day,
                        "by": by.pk,
                        "days": policy.write_off_after_days,
                        "agency": agency_id,
                        "run_id": getattr(run, "pk", None),
                    },
                )
                amounts = [row[0] for row in cursor.fetchall()]
            if amounts:
                count += len(amounts)
                total += sum(amounts, ZERO)
                _audit(
                    by,
                    "collections.write_offs",
                    run,
                    {
                        "accounts": f"{lo}-{hi}",
                        "written_off": len(amounts),
                        "total": str(sum(amounts)),
                    },
                )
        if progress:
            progress(done, len(chunks))
    return {"counts": {"Written off": count}, "totals": {"Written off": str(total)}}
