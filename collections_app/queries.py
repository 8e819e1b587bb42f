"""Read side of collections: the shut-off and door-hanger lists with every exclusion's reason,
the account header's collection status, and the clerks' worklist."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection

from accounts import extensions
from collections_app import calendar
from collections_app.collectible import Collectible, collectible_sql, cursor_without_jit
from collections_app.models import (
    Arrangement,
    ArrangementStatus,
    Disconnection,
    Notice,
    Promise,
    PromiseStatus,
    Reconnection,
    WeatherHold,
)
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO

# Shut-off list -------------------------------------------------------------------------

# Each account's latest notice (past-due or broken-arrangement) with its disconnect date in
# reach, with the accounts another app names for a reason of its own (a backflow test
# overdue: accounts.extensions.shutoff_ground), and every reason it may not be shut off.
# Protections are checked in SQL for the whole list at once; a row with a ground and no
# reason against is on the list. Every protection holds against every ground; the amount
# (paid, under the minimum) only against non-payment.
_LIST_SQL = """
WITH due AS (
    -- The account's latest notice (no later one), its disconnect date in reach. Written on
    -- the table itself, not on a DISTINCT ON of it: the planner then knows how many rows
    -- come, and joins the collectible by hash (guessing 29 rows for 11,000 it nested-looped
    -- them: 18 s).
    SELECT n.id AS notice_id, n.account_id, n.disconnect_on, n.business_date
    FROM collections_notice n
    WHERE n.business_date > %(day)s - 60
      AND n.disconnect_on <= %(upto)s AND n.disconnect_on > %(after)s
      AND NOT EXISTS (SELECT 1 FROM collections_notice later
                      WHERE later.account_id = n.account_id
                        AND later.business_date > %(day)s - 60
                        AND (later.business_date, later.id) > (n.business_date, n.id))
      AND NOT EXISTS (SELECT 1 FROM collections_disconnection d WHERE d.notice_id = n.id)
      {hanger_filter}
),
other AS (
    -- The other grounds not yet disconnected for, per account.
    SELECT g.account_id, array_agg(g.reason ORDER BY g.key) AS reasons,
           array_agg(g.key ORDER BY g.key) AS keys
    FROM unnest(%(ground_accounts)s::bigint[], %(ground_reasons)s::text[],
                %(ground_keys)s::text[]) AS g(account_id, reason, key)
    WHERE NOT EXISTS (SELECT 1 FROM collections_disconnectionground dg WHERE dg.key = g.key)
    GROUP BY g.account_id
),
listed AS (
    SELECT COALESCE(due.account_id, other.account_id) AS account_id, due.notice_id,
           due.disconnect_on, other.reasons AS other_grounds, other.keys AS ground_keys
    FROM due FULL JOIN other ON other.account_id = due.account_id
),
c AS ({collectible})
SELECT listed.notice_id, a.id, a.number,
       CASE WHEN cu.kind = 'organisation' THEN cu.organisation_name
            ELSE btrim(cu.first_name || ' ' || cu.last_name) END,
       p.id, p.street,
       p.house_number || ' ' || p.street || CASE WHEN p.unit <> '' THEN ' #' || p.unit ELSE '' END,
       COALESCE(listed.disconnect_on, %(day)s),
       COALESCE(GREATEST(0, c.past_due - c.held - c.covered), 0)::numeric(14, 2),
       COALESCE(GREATEST(0, c.due_now - c.held - c.covered), 0)::numeric(14, 2),
       array_remove(ARRAY[
           CASE WHEN a.status <> 'active' THEN 'Account not active' END,
           CASE WHEN NOT EXISTS (SELECT 1 FROM accounts_service s
                                 WHERE s.account_id = a.id AND s.status = 'active')
                THEN 'No active service' END,
           CASE WHEN cu.life_support THEN 'Life support' END,
           CASE WHEN cu.medical_certificate_until >= %(day)s THEN 'Medical certificate' END,
           CASE WHEN %(weather)s THEN 'Weather hold' END,
           CASE WHEN COALESCE(c.held, 0) > 0 THEN 'Open dispute' END,
           CASE WHEN EXISTS (SELECT 1 FROM collections_arrangement r
                             WHERE r.account_id = a.id AND r.status = 'active')
                THEN 'Kept arrangement' END,
           CASE WHEN EXISTS (SELECT 1 FROM collections_promise pr
                             WHERE pr.account_id = a.id AND pr.status = 'open'
                               AND pr.pay_by >= %(day)s)
                THEN 'Promise to pay' END,
           CASE WHEN listed.other_grounds IS NOT NULL THEN NULL
                WHEN COALESCE(c.past_due - c.held - c.covered, 0) <= 0 THEN 'Paid'
                WHEN c.past_due - c.held - c.covered < %(minimum)s THEN 'Under the minimum' END,
           CASE WHEN %(day_reason)s <> '' THEN %(day_reason)s END
       ], NULL),
       -- Listed for non-payment: a notice in reach and at least the minimum collectible.
       listed.notice_id IS NOT NULL AND COALESCE(c.past_due - c.held - c.covered, 0) > 0
           AND c.past_due - c.held - c.covered >= %(minimum)s,
       COALESCE(listed.other_grounds, '{{}}'), COALESCE(listed.ground_keys, '{{}}')
FROM listed
JOIN accounts_account a ON a.id = listed.account_id
JOIN accounts_customer cu ON cu.id = a.customer_id
JOIN accounts_premise p ON p.id = a.premise_id
LEFT JOIN c ON c.account_id = a.id
ORDER BY p.street, p.house_number, p.unit, a.number
"""

REASONS = [
    "Account not active",
    "No active service",
    "Life support",
    "Medical certificate",
    "Weather hold",
    "Open dispute",
    "Kept arrangement",
    "Promise to pay",
    "Paid",
    "Under the minimum",
]

PAST_DUE = "Past due"


@dataclass
class ListRow:
    notice_id: int | None  # None: listed for another reason only
    account_id: int
    number: str
    name: str
    premise_id: int
    route: str
    address: str
    disconnect_on: date
    collectible: Decimal
    due_now: Decimal
    reasons: list[str] = field(default_factory=list)  # why it may not be shut off
    for_past_due: bool = False  # listed for non-payment
    other_grounds: list[str] = field(default_factory=list)  # other reasons, in words
    ground_keys: list[str] = field(default_factory=list)

    @property
    def grounds(self) -> list[str]:
        """Why the account is on the list: past due, and any other reason named."""
        return ([PAST_DUE] if self.for_past_due else []) + self.other_grounds

    @property
    def eligible(self) -> bool:
        return bool(self.grounds) and not self.reasons

    @property
    def display_number(self) -> str:
        from accounts.validation import format_account_number

        return format_account_number(self.number)


@dataclass
class ShutoffList:
    day: date
    rows: list[ListRow]
    day_reason: str = ""
    weather_hold: WeatherHold | None = None

    @property
    def eligible(self) -> list[ListRow]:
        return [r for r in self.rows if r.eligible]

    @property
    def excluded(self) -> list[ListRow]:
        return [r for r in self.rows if not r.eligible]

    def exclusions(self) -> dict[str, int]:
        """Excluded accounts counted by each reason (an account may have several)."""
        counts: dict[str, int] = {}
        for row in self.excluded:
            for reason in row.reasons:
                counts[reason] = counts.get(reason, 0) + 1
        return counts

    def grounds(self) -> dict[str, int]:
        """Accounts on the list counted by why they are (past due, a backflow test
        overdue, …); an account may be on it for more than one."""
        labels = {g.name: g.label for g in extensions.shutoff_grounds()}
        counts: dict[str, int] = {}
        for row in self.eligible:
            named = ([PAST_DUE] if row.for_past_due else []) + sorted(
                {labels.get(key.partition(":")[0], key) for key in row.ground_keys}
            )
            for label in named:
                counts[label] = counts.get(label, 0) + 1
        return counts

    def routes(self) -> dict[str, list[ListRow]]:
        by_route: dict[str, list[ListRow]] = {}
        for row in self.eligible:
            by_route.setdefault(row.route, []).append(row)
        return by_route

    @property
    def total(self) -> Decimal:
        return sum((r.collectible for r in self.eligible), ZERO)


def other_shutoff_grounds(day: date, account_ids=None) -> list[tuple[int, str, str]]:
    """(account_id, reason, key) of every reason other than non-payment that another app
    names for shutting service off on `day` (one statement per registered reason; none while
    its policy is off); the key is prefixed with the reason's name."""
    rows: list[tuple[int, str, str]] = []
    for ground in extensions.shutoff_grounds():
        spec = ground.provider(day)
        if spec is None:
            continue
        sql, params = spec
        wrapped = f"SELECT account_id, reason, %(shutoff_ground_name)s || ':' || key FROM ({sql}) g"  # noqa: S608 - registered code, no input
        params = {**params, "shutoff_ground_name": ground.name}
        if account_ids is not None:
            wrapped += " WHERE account_id = ANY(%(shutoff_ground_accounts)s)"
            params["shutoff_ground_accounts"] = list(account_ids)
        with connection.cursor() as cursor:
            cursor.execute(wrapped, params)
            rows.extend(cursor.fetchall())
    return rows


def _list(
    day: date,
    *,
    upto: date,
    after: date,
    day_reason: str,
    hangers: bool,
    as_of: date | None,
    others: bool,
    policy: Policy,
) -> ShutoffList:
    hold = WeatherHold.objects.filter(date=day).first()
    hanger_filter = (
        "AND NOT EXISTS (SELECT 1 FROM collections_doorhanger h WHERE h.notice_id = n.id)"
        if hangers
        else ""
    )
    sql = _LIST_SQL.format(
        hanger_filter=hanger_filter, collectible=collectible_sql("ids", detail=False)
    )
    today = as_of or business_day.today()
    grounds = other_shutoff_grounds(day) if others else []
    with connection.cursor() as cursor:
        # The collectible of only the accounts whose notices are in reach, or named.
        cursor.execute(
            "SELECT DISTINCT account_id FROM collections_notice WHERE business_date > %s - 60 "
            "AND disconnect_on <= %s AND disconnect_on > %s",
            [day, upto, after],
        )
        ids = [row[0] for row in cursor.fetchall()]
    ids = sorted(set(ids) | {g[0] for g in grounds})
    params = {
        "ids": ids,
        "day": day,
        "upto": upto,
        "after": after,
        "as_of": today,
        "cutoff": today,
        "weather": hold is not None,
        "minimum": policy.shutoff_minimum,
        "day_reason": day_reason,
        "ground_accounts": [g[0] for g in grounds],
        "ground_reasons": [g[1] for g in grounds],
        "ground_keys": [g[2] for g in grounds],
    }
    with cursor_without_jit() as cursor:
        cursor.execute(sql, params)
        rows = [ListRow(*row) for row in cursor.fetchall()]
    return ShutoffList(day=day, rows=rows, day_reason=day_reason, weather_hold=hold)


def shutoff_list(day: date, *, now=None, as_of: date | None = None) -> ShutoffList:
    """Accounts whose notice's disconnect date has come by `day`, each eligible or with the
    reasons it is not: a protection, under the minimum, or not a permitted day or hour."""
    policy = Policy.current()
    day_reason = calendar.why_not_a_shutoff_day(day, policy) or calendar.why_not_now(
        day, policy, now
    )
    return _list(
        day,
        upto=day,
        after=date(1900, 1, 1),
        day_reason=day_reason,
        hangers=False,
        as_of=as_of,
        others=True,
        policy=policy,
    )


def door_hanger_list(day: date, *, as_of: date | None = None) -> ShutoffList:
    """The door hangers to leave on `day`: accounts to be shut off within the policy's hours
    (counted in business days) that would be eligible on their disconnect date."""
    policy = Policy.current()
    reach = business_day.add_business_days(day, max(1, -(-policy.door_hanger_hours // 24)))
    # Hangers are for past-due notices: another reason has its own notice (a backflow
    # test's overdue notice names the day).
    return _list(
        day,
        upto=reach,
        after=day,
        day_reason="",
        hangers=True,
        as_of=as_of,
        others=False,
        policy=policy,
    )


# Account header ------------------------------------------------------------------------


@dataclass
class CollectionStatus:
    collectible: Collectible
    as_of: date
    notices_sent: int = 0
    last_notice: date | None = None
    disconnect_on: date | None = None
    disconnected: bool = False
    disconnect_order: str = ""
    disconnect_reason: str = ""  # as the shut-off list named it: past due, backflow, …
    reconnect_order: str = ""
    reconnect_due: date | None = None
    protections: list[str] = field(default_factory=list)
    arrangement_id: int | None = None
    next_instalment_on: date | None = None
    next_instalment_amount: Decimal | None = None
    promise_amount: Decimal | None = None
    promise_by: date | None = None

    @property
    def days_past_due(self) -> int:
        return self.collectible.days_past_due(self.as_of)

    @property
    def not_only_past_due(self) -> bool:
        """Disconnected for another reason too (a backflow test): paying alone does not
        bring service back."""
        return self.disconnect_reason not in ("", PAST_DUE)

    @property
    def shows(self) -> bool:
        return bool(
            self.collectible.past_due
            or self.notices_sent
            or self.disconnected
            or self.arrangement_id
            or self.reconnect_order
        )


# One query for everything the header shows besides the amounts.
_STATUS_SQL = """
SELECT
  (SELECT COUNT(*) FROM collections_notice n WHERE n.account_id = %(id)s),
  (SELECT MAX(business_date) FROM collections_notice n WHERE n.account_id = %(id)s),
  (SELECT n.disconnect_on FROM collections_notice n WHERE n.account_id = %(id)s
     AND NOT EXISTS (SELECT 1 FROM collections_disconnection d WHERE d.notice_id = n.id)
     AND n.business_date > %(today)s - 60
     ORDER BY n.business_date DESC, n.id DESC LIMIT 1),
  d.wo_status, d.wo_number, r.wo_number, r.due_date,
  arr.id, inst.due_date, inst.amount, pr.amount, pr.pay_by,
  (SELECT ARRAY[cu.life_support, cu.medical_certificate_until >= %(today)s]
     FROM accounts_account a JOIN accounts_customer cu ON cu.id = a.customer_id
     WHERE a.id = %(id)s),
  EXISTS (SELECT 1 FROM collections_weatherhold w WHERE w.date = %(today)s),
  c.account_id, c.past_due, c.due_now, c.fees, c.held, c.covered, c.oldest_due, d.reason
FROM (SELECT 1) one
LEFT JOIN ({collectible}) c ON true
LEFT JOIN LATERAL (
    SELECT d.id, d.reason, w.status AS wo_status, w.number AS wo_number
    FROM collections_disconnection d JOIN workorders_workorder w ON w.id = d.work_order_id
    WHERE d.account_id = %(id)s ORDER BY d.list_date DESC, d.id DESC LIMIT 1
) d ON true
LEFT JOIN LATERAL (
    SELECT w.number AS wo_number, w.due_date, w.status
    FROM collections_reconnection rc JOIN workorders_workorder w ON w.id = rc.work_order_id
    WHERE rc.disconnection_id = d.id
) r ON true
LEFT JOIN LATERAL (
    SELECT a.id FROM collections_arrangement a
    WHERE a.account_id = %(id)s AND a.status = 'active'
) arr ON true
LEFT JOIN LATERAL (
    SELECT i.due_date, i.amount FROM collections_instalment i
    WHERE i.arrangement_id = arr.id AND i.due_date >= %(today)s
    ORDER BY i.due_date LIMIT 1
) inst ON true
LEFT JOIN LATERAL (
    SELECT p.amount, p.pay_by FROM collections_promise p
    WHERE p.account_id = %(id)s AND p.status = 'open' AND p.pay_by >= %(today)s
    ORDER BY p.made_on DESC LIMIT 1
) pr ON true
"""


def collection_status(account_id: int, as_of: date | None = None) -> CollectionStatus:
    """The account header's collection status, in one query (the collectible with it)."""
    as_of = as_of or business_day.today()
    sql = _STATUS_SQL.format(collectible=collectible_sql("one"))
    params = {
        "id": account_id,
        "today": as_of,
        "account_id": account_id,
        "as_of": as_of,
        "cutoff": as_of,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    collectible = Collectible(*row[14:21]) if row[14] is not None else Collectible(account_id)
    disconnect_reason = row[21] or ""
    (
        notices,
        last_notice,
        disconnect_on,
        wo_status,
        wo_number,
        reconnect_order,
        reconnect_due,
        arrangement_id,
        next_on,
        next_amount,
        promise_amount,
        promise_by,
        flags,
        weather,
    ) = row[:14]
    protections = []
    life_support, medical = flags or (False, False)
    if life_support:
        protections.append("Life support")
    if medical:
        protections.append("Medical certificate")
    if collectible.held:
        protections.append("Open dispute")
    if weather:
        protections.append("Weather hold today")
    status = CollectionStatus(
        collectible=collectible,
        as_of=as_of,
        notices_sent=notices,
        last_notice=last_notice,
        disconnect_on=disconnect_on,
        protections=protections,
        arrangement_id=arrangement_id,
        next_instalment_on=next_on,
        next_instalment_amount=next_amount,
        promise_amount=promise_amount,
        promise_by=promise_by,
    )
    if wo_number and wo_status == "completed" and not reconnect_order:
        status.disconnected = True
        status.disconnect_order = wo_number
        status.disconnect_reason = disconnect_reason
    elif wo_number and wo_status in ("open", "scheduled", "dispatched"):
        status.disconnect_order = wo_number
        status.disconnect_reason = disconnect_reason
    if reconnect_order:
        status.reconnect_order, status.reconnect_due = reconnect_order, reconnect_due
    return status


# Worklist ------------------------------------------------------------------------------

_WORKLIST_SQL = """
WITH listed AS (
    SELECT DISTINCT account_id FROM collections_notice WHERE business_date > %(as_of)s - 60
    UNION
    SELECT account_id FROM collections_promise WHERE status = 'broken' AND pay_by > %(as_of)s - 30
),
c AS ({collectible})
SELECT a.id, a.number,
       CASE WHEN cu.kind = 'organisation' THEN cu.organisation_name
            ELSE btrim(cu.first_name || ' ' || cu.last_name) END,
       cu.phone,
       GREATEST(0, c.past_due - c.held - c.covered) AS amount, c.oldest_due,
       (SELECT MAX(k.contacted_at) FROM accounts_contact k WHERE k.account_id = a.id),
       EXISTS (SELECT 1 FROM collections_promise p WHERE p.account_id = a.id
               AND p.status = 'broken' AND p.pay_by > %(as_of)s - 30),
       (SELECT MIN(n.disconnect_on) FROM collections_notice n WHERE n.account_id = a.id
          AND n.disconnect_on >= %(as_of)s
          AND NOT EXISTS (SELECT 1 FROM collections_disconnection d WHERE d.notice_id = n.id))
FROM c JOIN accounts_account a ON a.id = c.account_id
JOIN accounts_customer cu ON cu.id = a.customer_id
WHERE c.account_id IN (SELECT account_id FROM listed)
  AND c.past_due - c.held - c.covered > 0 AND a.status = 'active'
  AND NOT EXISTS (SELECT 1 FROM collections_promise p WHERE p.account_id = a.id
                  AND p.status = 'open' AND p.pay_by >= %(as_of)s)
ORDER BY amount DESC, c.oldest_due, a.number
LIMIT %(limit)s
"""


@dataclass
class WorkItem:
    account_id: int
    number: str
    name: str
    phone: str
    amount: Decimal
    oldest_due: date | None
    last_contact: object
    broken_promise: bool
    disconnect_on: date | None
    as_of: date | None = None

    @property
    def days_past_due(self) -> int:
        return (self.as_of - self.oldest_due).days if self.oldest_due and self.as_of else 0

    @property
    def phone_display(self) -> str:
        from accounts.validation import format_phone

        return format_phone(self.phone)

    @property
    def display_number(self) -> str:
        from accounts.validation import format_account_number

        return format_account_number(self.number)


def worklist(as_of: date | None = None, *, limit: int = 100) -> list[WorkItem]:
    """Accounts to call today: noticed lately (or a promise broken), still owing, no promise
    holding them; the largest amounts first, then the oldest. One query."""
    as_of = as_of or business_day.today()
    sql = _WORKLIST_SQL.format(collectible=collectible_sql("ids"))
    with cursor_without_jit() as cursor:
        cursor.execute(
            "SELECT account_id FROM collections_notice WHERE business_date > %(as_of)s - 60 "
            "UNION SELECT account_id FROM collections_promise "
            "WHERE status = 'broken' AND pay_by > %(as_of)s - 30",
            {"as_of": as_of},
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(sql, {"as_of": as_of, "cutoff": as_of, "limit": limit, "ids": ids})
        return [WorkItem(*row, as_of=as_of) for row in cursor.fetchall()]


# Tab -----------------------------------------------------------------------------------


def collections_tab(request, account) -> dict:
    """Notices (the letters in the account's documents), arrangements, promises: 3 queries."""
    return {
        "notices": list(Notice.objects.filter(account=account)[:50]),
        "arrangements": list(
            Arrangement.objects.filter(account=account).prefetch_related("instalments")[:10]
        ),
        "promises": list(Promise.objects.filter(account=account)[:20]),
        "reconnections": list(
            Reconnection.objects.filter(account=account).select_related("work_order")[:5]
        ),
        "today": business_day.today(),
        "ArrangementStatus": ArrangementStatus,
        "PromiseStatus": PromiseStatus,
    }


def last_arrangement_start(account_id: int) -> date | None:
    return (
        Arrangement.objects.filter(account_id=account_id)
        .exclude(status=ArrangementStatus.CANCELLED)
        .order_by("-start_date")
        .values_list("start_date", flat=True)
        .first()
    )


def open_disconnection(account_id: int) -> Disconnection | None:
    """The account's last disconnection not yet followed by a reconnection."""
    return (
        Disconnection.objects.filter(account_id=account_id, reconnection__isnull=True)
        .select_related("work_order")
        .order_by("-list_date", "-id")
        .first()
    )


# After final: write-offs, referrals and recoveries -------------------------------------


@dataclass
class WriteOffReport:
    start: date
    end: date
    written_off: int
    written_off_total: Decimal
    recovered_gross: Decimal
    commission: Decimal
    counter_recoveries: Decimal
    rows: list

    @property
    def recovered_net(self) -> Decimal:
        return self.recovered_gross - self.commission


def write_off_report(start: date, end: date) -> WriteOffReport:
    """Write-offs in the period, agency recoveries (gross, commission, net) and payments the
    customers made themselves on written-off accounts (taken at the counter as usual)."""
    from django.db.models import Count, Sum

    from collections_app.models import Recovery, WriteOff

    write_offs = WriteOff.objects.filter(written_off_on__range=(start, end))
    totals = write_offs.aggregate(n=Count("id"), total=Sum("amount"))
    recoveries = Recovery.objects.filter(received_on__range=(start, end)).aggregate(
        gross=Sum("gross"), commission=Sum("commission")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(-SUM(e.amount), 0) FROM accounts_ledgerentry e "
            "JOIN collections_writeoff w ON w.account_id = e.account_id "
            "WHERE e.kind = 'payment' AND e.business_date BETWEEN %s AND %s "
            "AND e.business_date >= w.written_off_on",
            [start, end],
        )
        counter = cursor.fetchone()[0]
    rows = list(
        write_offs.select_related("account__customer", "agency").order_by("written_off_on", "id")[
            :500
        ]
    )
    return WriteOffReport(
        start=start,
        end=end,
        written_off=totals["n"] or 0,
        written_off_total=totals["total"] or ZERO,
        recovered_gross=recoveries["gross"] or ZERO,
        commission=recoveries["commission"] or ZERO,
        counter_recoveries=counter,
        rows=rows,
    )


def referral_rows(day: date):
    """The agency's referral file for the write-offs of one day."""
    from collections_app.models import WriteOff

    return (
        WriteOff.objects.filter(written_off_on=day)
        .select_related("account__customer", "account__premise", "agency")
        .order_by("account__number")
    )
