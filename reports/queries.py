# ruff: noqa: S608 - the SQL text is built from our own constants (choices, table names); every value is a parameter
"""The catalogue's read side: one set-based SELECT per report, its column aliases the report's
column keys (reports.catalogue wraps it to sort, page, total and stream). Every filter is a
parameter; an empty filter is '' or NULL and lets every row through."""

from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db.models import TextChoices
from django.utils import timezone

from accounts import queries as account_queries
from accounts.contacts.queries import local_day_bounds
from accounts.models import (
    Account,
    AccountNote,
    AccountStatus,
    AdjustmentReason,
    AdjustmentRequest,
    Contact,
    CustomerClass,
    EntryKind,
    LedgerEntry,
    Service,
    Utility,
)
from accounts.models.contact import ContactCategory, PartyType
from payments.models import Channel, Payment, TenderKind
from reports.catalogue import ListRows, SqlQuery
from utilityclerk import business_day
from workorders import queries as workorder_queries
from workorders.models import WorkOrder, WorkOrderKind


def _quote(text: str) -> str:
    # Executed with parameters, so a literal percent sign is written twice.
    return "'" + str(text).replace("'", "''").replace("%", "%%") + "'"


def label_sql(column: str, choices: type[TextChoices]) -> str:
    """A CASE turning stored codes into their labels (from our own choices, not user input)."""
    whens = " ".join(f"WHEN {_quote(v)} THEN {_quote(label)}" for v, label in choices.choices)
    return f"(CASE {column} {whens} ELSE {column} END)"


def _person(alias: str) -> str:
    return (
        f"COALESCE(NULLIF(TRIM({alias}.first_name || ' ' || {alias}.last_name), ''), "
        f"{alias}.username)"
    )


def _pk(value):
    return getattr(value, "pk", value) if value not in ("", None) else None


# Cash ----------------------------------------------------------------------------------

# Tender rows carry what each way of paying brought in (split tenders counted by tender);
# a voided payment never happened; a payment returned later was still taken that day.
PAYMENTS_SQL = f"""
SELECT p.business_date AS day,
       {label_sql("p.channel", Channel)} AS channel,
       {label_sql("t.kind", TenderKind)} AS tender,
       {_person("u")} AS clerk,
       COUNT(DISTINCT p.id) AS payments,
       SUM(t.amount) AS amount
FROM payments_payment p
JOIN payments_tender t ON t.payment_id = p.id
JOIN auth_user u ON u.id = p.taken_by_id
LEFT JOIN payments_drawersession s ON s.id = p.session_id
WHERE p.status <> 'voided'
  AND p.business_date BETWEEN %(start)s AND %(end)s
  AND (%(channel)s = '' OR p.channel = %(channel)s)
  AND (%(tender)s = '' OR t.kind = %(tender)s)
  AND (%(clerk)s::bigint IS NULL OR p.taken_by_id = %(clerk)s::bigint)
  AND (%(drawer)s::bigint IS NULL OR s.drawer_id = %(drawer)s::bigint)
GROUP BY p.business_date, p.channel, t.kind, u.id
"""


def payments_by_day(filters: dict) -> SqlQuery:
    return SqlQuery(
        PAYMENTS_SQL,
        {
            "start": filters["start"],
            "end": filters["end"],
            "channel": filters.get("channel") or "",
            "tender": filters.get("tender") or "",
            "clerk": _pk(filters.get("clerk")),
            "drawer": _pk(filters.get("drawer")),
        },
    )


VOIDS_RETURNS_SQL = f"""
SELECT 'R' || p.receipt_number AS receipt,
       COALESCE(r.business_date, p.returned_on, p.business_date) AS undone_on,
       p.business_date AS taken_on,
       CASE p.status WHEN 'voided' THEN 'Void' ELSE 'Return' END AS what,
       COALESCE(a.number, '') AS account,
       {_person("taker")} AS taken_by,
       {_person("undoer")} AS undone_by,
       CASE p.status WHEN 'voided' THEN p.void_reason ELSE p.return_reason END AS reason,
       -- A void undoes the whole receipt; a return what came back (the check or card).
       CASE p.status WHEN 'returned' THEN COALESCE(p.returned_amount, r.amount) ELSE p.amount END
           AS amount
FROM payments_payment p
LEFT JOIN accounts_ledgerentry r ON r.id = p.reversal_entry_id
LEFT JOIN accounts_account a ON a.id = p.account_id
JOIN auth_user taker ON taker.id = p.taken_by_id
JOIN auth_user undoer ON undoer.id = COALESCE(p.voided_by_id, p.returned_by_id)
WHERE p.status IN ('voided', 'returned')
  AND COALESCE(r.business_date, p.returned_on, p.business_date) BETWEEN %(start)s AND %(end)s
  AND (%(status)s = '' OR p.status = %(status)s)
  AND (%(clerk)s::bigint IS NULL OR p.taken_by_id = %(clerk)s::bigint)
"""


def voids_and_returns(filters: dict) -> SqlQuery:
    return SqlQuery(
        VOIDS_RETURNS_SQL,
        {
            "start": filters["start"],
            "end": filters["end"],
            "status": filters.get("status") or "",
            "clerk": _pk(filters.get("clerk")),
        },
    )


# Accounts -------------------------------------------------------------------------------

# An adjustment above the clerk limit was approved by a supervisor (its request names them);
# one within the limit was posted by the clerk alone.
ADJUSTMENTS_SQL = f"""
SELECT {label_sql("e.reason_code", AdjustmentReason)} AS reason,
       CASE WHEN ar.id IS NULL THEN 'Within the clerk limit' ELSE {_person("approver")} END
           AS approver,
       COUNT(*) AS entries,
       COALESCE(SUM(e.amount) FILTER (WHERE e.amount > 0), 0) AS debits,
       COALESCE(SUM(e.amount) FILTER (WHERE e.amount < 0), 0) AS credits,
       SUM(e.amount) AS net
FROM accounts_ledgerentry e
LEFT JOIN accounts_adjustmentrequest ar ON ar.ledger_entry_id = e.id
LEFT JOIN auth_user approver ON approver.id = ar.decided_by_id
WHERE e.kind IN ('adjustment_debit', 'adjustment_credit')
  AND e.business_date BETWEEN %(start)s AND %(end)s
  AND (%(reason)s = '' OR e.reason_code = %(reason)s)
  AND (%(approver)s::bigint IS NULL OR ar.decided_by_id = %(approver)s::bigint)
GROUP BY e.reason_code, ar.id IS NULL, approver.id
"""


def adjustments_by_reason(filters: dict) -> SqlQuery:
    return SqlQuery(
        ADJUSTMENTS_SQL,
        {
            "start": filters["start"],
            "end": filters["end"],
            "reason": filters.get("reason") or "",
            "approver": _pk(filters.get("approver")),
        },
    )


# The accounts app's aging of every account in one statement (credits pay the oldest charges
# first; read from its aging summary, held to the account page's aging by its tests), which
# the reports group and filter. Kept in one place so the account page, the statement and
# these reports age alike.
_AGED = "(__AGED__) AS aged(account_id, balance, b0, b1, b2, b3, b4)"
# An account that owes nothing and has no credit adds nothing; the others (about half of
# those with a ledger) are looked up by id. (Joined plainly, the planner, not knowing how few
# they are, reads all million accounts to hash them: OFFSET 0 keeps the lookup by id.)
_AGED_ACCOUNTS = f"""
FROM {_AGED}
CROSS JOIN LATERAL (SELECT a.id, a.number, a.status, a.customer_id FROM accounts_account a
                    WHERE a.id = aged.account_id OFFSET 0) AS ac
JOIN accounts_customer c ON c.id = ac.customer_id
WHERE aged.balance <> 0
"""
_AGING_FILTERS = """
  AND (%(customer_class)s = '' OR c.customer_class = %(customer_class)s)
  AND (%(utility)s = '' OR EXISTS (SELECT 1 FROM accounts_service s
                                   WHERE s.account_id = ac.id AND s.utility = %(utility)s
                                     AND s.status = 'active'))
"""

AGING_SUMMARY_SQL = f"""
SELECT {label_sql("c.customer_class", CustomerClass)} AS customer_class,
       COUNT(*) FILTER (WHERE aged.balance > 0) AS accounts_owing,
       SUM(aged.balance) AS balance,
       SUM(aged.b0) AS current,
       SUM(aged.b1) AS days_1_30,
       SUM(aged.b2) AS days_31_60,
       SUM(aged.b3) AS days_61_90,
       SUM(aged.b4) AS days_over_90,
       SUM(aged.b1 + aged.b2 + aged.b3 + aged.b4) AS past_due
{_AGED_ACCOUNTS} {_AGING_FILTERS}
GROUP BY c.customer_class
"""

AGING_DETAIL_SQL = f"""
SELECT ac.number AS account,
       COALESCE(NULLIF(c.organisation_name, ''), TRIM(c.first_name || ' ' || c.last_name))
           AS customer,
       {label_sql("c.customer_class", CustomerClass)} AS customer_class,
       {label_sql("ac.status", AccountStatus)} AS status,
       aged.balance AS balance,
       aged.b0 AS current,
       aged.b1 AS days_1_30,
       aged.b2 AS days_31_60,
       aged.b3 AS days_61_90,
       aged.b4 AS days_over_90,
       aged.b1 + aged.b2 + aged.b3 + aged.b4 AS past_due
{_AGED_ACCOUNTS} {_AGING_FILTERS}
  AND (NOT %(past_due_only)s OR aged.b1 + aged.b2 + aged.b3 + aged.b4 > 0)
"""


def _aging_query(template: str, filters: dict) -> SqlQuery:
    # Without a date: now, as the account page ages (every posting, days past due from today);
    # with one: the accounts as they stood at the end of that business day.
    aged, params = account_queries.every_account_aging_sql(filters.get("as_of"))
    return SqlQuery(
        template.replace("__AGED__", aged),
        {
            **params,
            "customer_class": filters.get("customer_class") or "",
            "utility": filters.get("utility") or "",
            "past_due_only": bool(filters.get("past_due_only")),
        },
    )


def aging_summary(filters: dict) -> SqlQuery:
    return _aging_query(AGING_SUMMARY_SQL, filters)


def aging_detail(filters: dict) -> SqlQuery:
    return _aging_query(AGING_DETAIL_SQL, filters)


COUNTED_UTILITIES = [u for u, _ in Utility.choices]
_UTILITY_FLAGS = ", ".join(f"bool_or(utility = {_quote(u)}) AS has_{u}" for u in COUNTED_UTILITIES)
_UTILITY_COUNTS = ",\n       ".join(
    f"COUNT(*) FILTER (WHERE svc.has_{u}) AS {u}" for u in COUNTED_UTILITIES
)
_UTILITY_TOTALS = ",\n       ".join(f"COALESCE(u.{u}, 0) AS {u}" for u in COUNTED_UTILITIES)

# Accounts by customer class and account status, with how many of them have each utility
# active; customers with no account at all (prospects, old accounts purged) in a row of
# their own. A customer whose accounts are in two statuses counts under each.
# At a million customers and accounts the class of each account is the costly part: the
# accounts are walked in customer order (index (customer, status)) beside the customers in
# id order, no sort and no hash of a million rows; the utilities are counted apart, from the
# accounts with a service active (a tenth of them).
_ACCOUNT_FILTERS = """
      AND (%(status)s = '' OR ac.status = %(status)s)
      AND (%(utility)s = '' OR EXISTS (SELECT 1 FROM accounts_service s
                                       WHERE s.account_id = ac.id AND s.utility = %(utility)s
                                         AND s.status = 'active'))
"""
CUSTOMER_COUNTS_SQL = f"""
WITH per_customer AS (
    SELECT ac.customer_id, ac.status, COUNT(*) AS accounts
    FROM accounts_account ac
    WHERE TRUE {_ACCOUNT_FILTERS}
    GROUP BY ac.customer_id, ac.status
),
by_class AS (
    SELECT c.customer_class, pc.status, COUNT(*) AS customers,
           COALESCE(SUM(pc.accounts), 0) AS accounts
    FROM accounts_customer c
    LEFT JOIN per_customer pc ON pc.customer_id = c.id
    WHERE (%(customer_class)s = '' OR c.customer_class = %(customer_class)s)
      -- A customer with no account of the status or utility asked for is left out; one with
      -- no account at all has a row of its own when neither is asked for.
      AND (pc.status IS NOT NULL OR (%(status)s = '' AND %(utility)s = ''))
    GROUP BY c.customer_class, pc.status
),
svc AS (
    SELECT account_id, {_UTILITY_FLAGS}
    FROM accounts_service WHERE status = 'active' GROUP BY account_id
),
with_utilities AS (
    SELECT c.customer_class, ac.status,
           {_UTILITY_COUNTS}
    FROM svc
    JOIN accounts_account ac ON ac.id = svc.account_id
    JOIN accounts_customer c ON c.id = ac.customer_id
    WHERE (%(customer_class)s = '' OR c.customer_class = %(customer_class)s) {_ACCOUNT_FILTERS}
    GROUP BY c.customer_class, ac.status
)
SELECT {label_sql("b.customer_class", CustomerClass)} AS customer_class,
       COALESCE({label_sql("b.status", AccountStatus)}, 'No account') AS status,
       b.customers AS customers,
       b.accounts AS accounts,
       {_UTILITY_TOTALS}
FROM by_class b
LEFT JOIN with_utilities u ON u.customer_class = b.customer_class AND u.status = b.status
"""


def customer_counts(filters: dict) -> SqlQuery:
    return SqlQuery(
        CUSTOMER_COUNTS_SQL,
        {
            "customer_class": filters.get("customer_class") or "",
            "status": filters.get("status") or "",
            "utility": filters.get("utility") or "",
        },
    )


# Work orders -----------------------------------------------------------------------------

# Backlog: what is still to do now (and how much of it is past its due date); turnaround:
# what was completed in the period, on time (by its due date) and the median calendar days
# from raised to completed. One row per type and assignee.
WORK_ORDERS_SQL = f"""
SELECT {label_sql("o.type_id", WorkOrderKind)} AS type,
       CASE WHEN o.crew_id IS NOT NULL THEN 'Crew'
            WHEN o.vendor_id IS NOT NULL THEN 'Vendor' ELSE '' END AS assignee_kind,
       COALESCE(cr.name, v.name, 'Not assigned') AS assigned_to,
       COUNT(*) FILTER (WHERE o.status IN ('open', 'scheduled', 'dispatched')) AS open,
       COUNT(*) FILTER (WHERE o.status IN ('open', 'scheduled', 'dispatched')
                          AND o.due_date < %(today)s) AS overdue,
       COUNT(*) FILTER (WHERE o.status = 'completed') AS completed,
       COUNT(*) FILTER (WHERE o.status = 'completed' AND o.completed_on <= o.due_date)
           AS on_time,
       ROUND((percentile_cont(0.5) WITHIN GROUP (ORDER BY o.completed_on - o.raised_on)
              FILTER (WHERE o.status = 'completed'))::numeric, 1) AS median_days
FROM workorders_workorder o
LEFT JOIN workorders_crew cr ON cr.id = o.crew_id
LEFT JOIN workorders_vendor v ON v.id = o.vendor_id
WHERE (o.status IN ('open', 'scheduled', 'dispatched')
       OR (o.status = 'completed' AND o.completed_on BETWEEN %(start)s AND %(end)s))
  AND (%(type)s = '' OR o.type_id = %(type)s)
  AND (%(crew)s::bigint IS NULL OR o.crew_id = %(crew)s::bigint)
  AND (%(vendor)s::bigint IS NULL OR o.vendor_id = %(vendor)s::bigint)
GROUP BY o.type_id, o.crew_id, o.vendor_id, cr.name, v.name
"""


def work_orders(filters: dict) -> SqlQuery:
    return SqlQuery(
        WORK_ORDERS_SQL,
        {
            "start": filters["start"],
            "end": filters["end"],
            "today": business_day.today(),
            "type": filters.get("type") or "",
            "crew": _pk(filters.get("crew")),
            "vendor": _pk(filters.get("vendor")),
        },
    )


def vendor_scorecard(filters: dict) -> ListRows:
    """The work-order app's own scorecard (one query), as rows."""
    scores = workorder_queries.vendor_scorecard(
        filters["start"], filters["end"], vendor_id=_pk(filters.get("vendor"))
    )
    return ListRows(
        [
            {
                "vendor": s.name,
                "trade": s.trade,
                "agreed_days": s.turnaround_days,
                "completed": s.completed,
                "on_time": s.on_time,
                "on_time_share": s.on_time_share,
                "median_days": s.median_days,
                "call_backs": s.call_backs,
                "cost": s.cost,
                "average_cost": s.average_cost,
            }
            for s in scores
        ]
    )


# Contacts --------------------------------------------------------------------------------

CONTACTS_SQL = f"""
SELECT {label_sql("party_type", PartyType)} AS party_type,
       {label_sql("category", ContactCategory)} AS topic,
       COUNT(*) AS contacts,
       COUNT(*) FILTER (WHERE status = 'open') AS open,
       COUNT(*) FILTER (WHERE status = 'closed') AS closed,
       COUNT(*) FILTER (WHERE referred_to <> '') AS referred
FROM accounts_contact
WHERE contacted_at >= %(start_at)s AND contacted_at < %(end_at)s
  AND (%(party_type)s = '' OR party_type = %(party_type)s)
  AND (%(category)s = '' OR category = %(category)s)
GROUP BY party_type, category
"""


def contacts_by_party(filters: dict) -> SqlQuery:
    start_at, end_at = local_day_bounds(filters["start"], filters["end"])
    return SqlQuery(
        CONTACTS_SQL,
        {
            "start_at": start_at,
            "end_at": end_at,
            "party_type": filters.get("party_type") or "",
            "category": filters.get("category") or "",
        },
    )


# Audit ------------------------------------------------------------------------------------

# Records that belong to an account: their audit events are the account's history.
_ACCOUNT_RECORDS = [
    Payment,
    AdjustmentRequest,
    Contact,
    WorkOrder,
    LedgerEntry,
    AccountNote,
    Service,
]


def _account_targets(account: Account) -> tuple[str, dict]:
    clauses = [
        "(e.target_type_id = %(ct_account)s AND e.target_id = %(account_id)s::text)",
        "(e.target_type_id = %(ct_customer)s AND e.target_id = %(customer_id)s::text)",
    ]
    params = {
        "ct_account": ContentType.objects.get_for_model(Account).pk,
        "ct_customer": ContentType.objects.get_for_model(account.customer).pk,
        "account_id": account.pk,
        "customer_id": account.customer_id,
    }
    for model in _ACCOUNT_RECORDS:
        key = f"ct_{model._meta.model_name}"
        params[key] = ContentType.objects.get_for_model(model).pk
        clauses.append(
            f"(e.target_type_id = %({key})s AND e.target_id IN "
            f"(SELECT id::text FROM {model._meta.db_table} WHERE account_id = %(account_id)s))"
        )
    return "(" + " OR ".join(clauses) + ")", params


def audit_trail(filters: dict) -> SqlQuery:
    start_at, end_at = local_day_bounds(filters["start"], filters["end"])
    params = {
        "start_at": start_at,
        "end_at": end_at,
        "user": _pk(filters.get("user")),
        "tz": timezone.get_current_timezone_name(),
    }
    where_account = "TRUE"
    if filters.get("account"):
        where_account, account_params = _account_targets(filters["account"])
        params.update(account_params)
    sql = f"""
SELECT to_char(e.at AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI:SS') AS at,
       e.actor_name AS actor,
       e.action AS action,
       ct.model AS record_type,
       e.target_repr AS record,
       COALESCE(e.before::text, '') AS before,
       COALESCE(e.after::text, '') AS after,
       e.reason AS reason
FROM core_auditevent e
JOIN django_content_type ct ON ct.id = e.target_type_id
WHERE e.at >= %(start_at)s AND e.at < %(end_at)s
  AND (%(user)s::bigint IS NULL OR e.actor_id = %(user)s::bigint)
  AND {where_account}
"""
    return SqlQuery(sql, params)


# The ledger --------------------------------------------------------------------------------

LEDGER_SQL = f"""
SELECT e.id AS entry,
       e.business_date AS day,
       a.number AS account,
       {label_sql("e.kind", EntryKind)} AS kind,
       e.reference AS reference,
       e.memo AS memo,
       COALESCE(u.username, '') AS posted_by,
       e.amount AS amount
FROM accounts_ledgerentry e
JOIN accounts_account a ON a.id = e.account_id
LEFT JOIN auth_user u ON u.id = e.posted_by_id
WHERE e.business_date BETWEEN %(start)s AND %(end)s
  AND (%(kind)s = '' OR e.kind = %(kind)s)
"""


def ledger_entries(filters: dict) -> SqlQuery:
    return SqlQuery(
        LEDGER_SQL,
        {"start": filters["start"], "end": filters["end"], "kind": filters.get("kind") or ""},
    )


def as_of_today() -> date:
    return business_day.today()
