"""Bills from rates and reads: the proof of a cycle's run (drafts), its post (accounts' bills,
bill lines and ledger charges), and the final bill of a stop.

Proof reads every input of the cycle set-based (two statements), rates each account with the
one calculation (`billing.rating`), copying its lines with COPY as it goes, and keeps on the
run its totals, GROUP BYs over the drafts. Post copies drafts into accounts' tables with
INSERT ... SELECT, a chunk per transaction. Each bill claims its account's days in `BilledPeriod`, whose exclusion
constraint refuses a second bill for any of those days: a rerun, a double click, or a post
resumed after a crash bills nobody twice, and the resumed post finishes the rest.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Account, Bill, Service, ServiceStatus
from billing.models import (
    BilledPeriod,
    BillRun,
    DraftBill,
    DraftKind,
    DraftLine,
    Route,
    UsageBasis,
)
from billing.rates import all_versions
from billing.rating import (
    ONE,
    Charge,
    RatingError,
    gal,
    month_share,
    rate_service,
    segments,
    sewer_use,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money

DEFAULT_CLASS_AVERAGE = Decimal(5000)
POST_CHUNK = 5_000
UNITS = {"water": "gal", "sewer": "gal", "stormwater": "ERU"}
UTILITY_ORDER = {"water": 0, "sewer": 1, "trash": 2, "stormwater": 3}


class BillingError(DomainError):
    """A bill or run that cannot go ahead; the message is for the clerk."""


# Rating one account ----------------------------------------------------------------------


@dataclass
class AccountInput:
    account_id: int
    customer_class: str
    period_start: date
    period_end: date
    services: list[tuple[int, str, str]]  # (service id, utility, rate code)
    use: Decimal | None = None  # water gallons in the period; None: no water read
    estimated: bool = False
    trued_up_estimate: Decimal | None = None  # the estimate's use when this read trues it up
    winter_average: Decimal | None = None
    eru: Decimal = ONE
    meter_size: str = ""
    first_bill: bool = False
    final_bill: bool = False
    reading_id: int | None = None


# The usage bases as plain strings: compared for every service of every account.
METERED, WINTER_AVERAGE, NO_USAGE = (
    UsageBasis.METERED.value,
    UsageBasis.WINTER_AVERAGE.value,
    UsageBasis.NONE.value,
)


def _utility_order(service: tuple) -> int:
    return UTILITY_ORDER.get(service[1], 9)


class DraftLineData(NamedTuple):
    service_id: int
    utility: str
    rate_code: str
    component: str
    description: str
    usage: Decimal | None
    unit: str
    amount: Decimal
    explanation: str
    service_usage: Decimal | None = None


@dataclass
class Rated:
    lines: list[DraftLineData] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)


@dataclass(frozen=True, eq=False)
class ServiceCharge:
    """One service's lines for one set of inputs, made once and shared by every account of
    the run that has those inputs. `lines` are (component, description, usage, unit, amount,
    explanation); `billed_on` is what the service billed on (gallons or ERUs)."""

    utility: str
    rate_code: str
    billed_on: Decimal | None
    lines: tuple[tuple, ...]
    total: Decimal


class Rater:
    """Rates accounts with the schedules loaded once. A service's lines depend only on its
    rate, the versions in force over the period, the use, meter size, ERUs and the share of
    a month, so accounts that share those (most of a cycle) share one `ServiceCharge`:
    100,000 accounts rate in seconds."""

    def __init__(self, versions=None, class_averages: dict[str, Decimal] | None = None):
        self.versions = versions if versions is not None else all_versions()
        self.class_averages = class_averages or {}
        self._memo: dict[tuple, Charge] = {}
        self._charges: dict[tuple, ServiceCharge] = {}
        self._by_inputs: dict[tuple, ServiceCharge] = {}
        self._when: dict[tuple, object] = {}
        self._shares: dict[tuple, Decimal] = {}
        self._basis = {
            code: (versions_[-1].basis if versions_ else UsageBasis.NONE)
            for code, versions_ in self.versions.items()
        }

    def _versions(self, code):
        versions = self.versions.get(code)
        if not versions:
            raise RatingError(f"No rate schedule {code}: an Admin adds it.")
        return versions

    def charge(self, code, start, end, use, *, meter_size="", eru=ONE, share=ONE) -> Charge:
        versions = self._versions(code)
        when = self._when.get((code, start, end))
        if when is None:
            parts = segments(versions, start, end)
            # One version over the whole period: the dates change nothing in the lines.
            when = parts[0][0].effective_from if len(parts) == 1 else (start, end)
            self._when[(code, start, end)] = when
        key = (code, when, use, meter_size, eru, share)
        found = self._memo.get(key)
        if found is None:
            found = rate_service(
                versions=versions,
                period_start=start,
                period_end=end,
                use=use,
                meter_size=meter_size,
                eru=eru,
                month_share=share,
            )
            self._memo[key] = found
        return found

    def _add(self, key, utility, code, billed_on, lines) -> ServiceCharge:
        made = self._charges[key] = ServiceCharge(
            utility=utility,
            rate_code=code,
            billed_on=billed_on,
            lines=tuple(lines),
            total=sum((line[4] for line in lines), ZERO),
        )
        return made

    def _service_charge(
        self, code, utility, start, end, use, words, estimated, meter, eru, share, billed_on
    ) -> ServiceCharge:
        charge = self.charge(code, start, end, use, meter_size=meter, eru=eru, share=share)
        key = (id(charge), utility, words, estimated, eru, billed_on)
        found = self._charges.get(key)
        if found is not None:
            return found
        lines = []
        for n, line in enumerate(charge.lines):
            usage = eru if line.kind == "per_eru" else line.gallons
            explanation = line.explanation
            if words and (line.kind == "tier" or n == 0):
                explanation = f"{explanation}; billed on {words}"
            lines.append(
                (
                    line.kind,
                    line.label + (" (estimated)" if estimated and line.kind == "tier" else ""),
                    usage,
                    UNITS.get(utility, "") if usage is not None else "",
                    line.amount,
                    explanation[:300],
                )
            )
        return self._add(key, utility, code, billed_on, lines)

    def service_charges(self, item: AccountInput) -> list[tuple[int, ServiceCharge]]:
        """(service id, its charge) for each of the account's services, water first, and an
        estimate's true-up after the water it corrects."""
        period = (item.period_start, item.period_end)
        actual = max(ZERO, item.use) if item.use is not None else None
        out = []
        for service in sorted(item.services, key=_utility_order):
            service_id, utility, code = service
            basis = self._basis.get(code, NO_USAGE)
            # Everything the service's lines depend on, cheap to compare: most accounts find
            # their charge here without any arithmetic.
            key = (
                code,
                utility,
                period,
                actual if basis != NO_USAGE else None,
                item.winter_average if basis == WINTER_AVERAGE else None,
                item.customer_class if basis == WINTER_AVERAGE else None,
                item.estimated,
                item.meter_size,
                item.eru,
            )
            charge = self._by_inputs.get(key)
            if charge is None:
                charge = self._by_inputs[key] = self._charge_for(item, basis, actual, service)
            out.append((service_id, charge))
            if (
                basis == METERED
                and item.use is not None
                and item.use < 0
                and item.trued_up_estimate is not None
            ):
                out.append((service_id, self._true_up(item, utility, code)))
        return out

    def _charge_for(self, item: AccountInput, basis, actual, service) -> ServiceCharge:
        _, utility, code = service
        words = ""
        if basis == WINTER_AVERAGE:
            average = self.class_averages.get(item.customer_class, DEFAULT_CLASS_AVERAGE)
            use, words = sewer_use(
                actual=actual if actual is not None else average,
                winter_average=item.winter_average,
                class_average=average,
            )
            use = use.quantize(ONE)
        elif basis == METERED:
            use = actual or ZERO
            words = f"metered {gal(use)}" + (" (estimated)" if item.estimated else "")
        else:
            use = ZERO
        billed_on = (
            item.eru
            if basis == NO_USAGE and utility == "stormwater"
            else (use if basis != NO_USAGE else None)
        )
        return self._service_charge(
            code,
            utility,
            item.period_start,
            item.period_end,
            use,
            words,
            item.estimated,
            item.meter_size,
            item.eru,
            self._month_share(item.period_start, item.period_end),
            billed_on,
        )

    def _month_share(self, start: date, end: date) -> Decimal:
        share = self._shares.get((start, end))
        if share is None:
            share = self._shares[(start, end)] = month_share(start, end)
        return share

    def rate(self, item: AccountInput) -> Rated:
        return Rated(
            lines=[
                DraftLineData(service_id, c.utility, c.rate_code, *line, c.billed_on)
                for service_id, c in self.service_charges(item)
                for line in c.lines
            ]
        )

    def _true_up(self, item: AccountInput, utility, code) -> ServiceCharge:
        """The last bill was estimated above what the meter now shows: credit the difference
        at the tiers the estimate was billed at."""
        billed = item.trued_up_estimate
        corrected = max(ZERO, billed + item.use)
        start, end = item.period_start, item.period_end
        key = ("true_up", code, utility, start, end, billed, item.use, item.meter_size)
        found = self._charges.get(key)
        if found is not None:
            return found

        def tiers(use):
            charge = self.charge(code, start, end, use, meter_size=item.meter_size, share=ONE)
            return sum((line.amount for line in charge.lines if line.kind != "pass_through"), ZERO)

        credit = tiers(corrected) - tiers(billed)
        line = (
            "true_up",
            "Estimate true-up",
            item.use,
            "gal",
            credit,
            (
                f"the last bill estimated {gal(billed)}; the meter shows {gal(corrected)}: "
                f"{format_money(credit)} back"
            ),
        )
        return self._add(key, utility, code, None, [line])


# Proof -----------------------------------------------------------------------------------

# The proof's inputs in two steps. First the cycle's accounts, their services and the day
# each period starts, into a working table with its own statistics: a join of accounts, bills
# and services misjudges its row count by a hundredfold, and the second step then read every
# meter, service point and winter read of the city instead of looking up the cycle's.
_ACCOUNTS = """
CREATE TEMP TABLE billing_proof_account ON COMMIT DROP AS
WITH acct AS MATERIALIZED (
    SELECT a.id, a.premise_id, c.customer_class, pb.eru,
           -- the latest bill by the (account, bill date) index: one row, not every bill
           (SELECT b.period_end FROM accounts_bill b WHERE b.account_id = a.id
            ORDER BY b.bill_date DESC, b.id DESC LIMIT 1) AS last_end
    FROM billing_premisebilling pb
    JOIN accounts_account a ON a.premise_id = pb.premise_id
         AND a.status IN ('active', 'collections')
    JOIN accounts_customer c ON c.id = a.customer_id
    WHERE pb.route_id = ANY(%(routes)s)
), svc AS (
    SELECT s.account_id,
           array_agg(s.id ORDER BY s.utility, s.id) AS service_ids,
           array_agg(s.utility ORDER BY s.utility, s.id) AS utilities,
           array_agg(s.rate_code ORDER BY s.utility, s.id) AS rate_codes,
           min(s.start_date) AS first_start,
           bool_or(s.utility = 'water') AS water
    FROM accounts_service s
    JOIN acct ON acct.id = s.account_id
    WHERE s.status = 'active' AND s.start_date <= %(end)s
    GROUP BY s.account_id
)
SELECT acct.id, acct.premise_id, acct.customer_class, acct.eru, svc.service_ids,
       svc.utilities, svc.rate_codes, svc.water,
       acct.last_end IS NULL AS first_bill,
       coalesce(acct.last_end + 1, svc.first_start) AS period_start
FROM acct JOIN svc ON svc.account_id = acct.id
WHERE coalesce(acct.last_end + 1, svc.first_start) <= %(end)s
"""

# Then, account by account through the indexes, its water meter, the reads of its period,
# a read waiting in the exceptions queue, and its meter's average month over the reads of
# the last whole winter (read dates November through February).
_INPUTS = """
SELECT p.id, p.customer_class, p.eru, p.first_bill, p.period_start,
       p.service_ids, p.utilities, p.rate_codes,
       sp.id AS water_point, m.size,
       rd.reads, rd.use, rd.estimated, rd.trued_up, rd.last_read,
       ex.problem, wa.winter
FROM billing_proof_account p
LEFT JOIN accounts_servicepoint sp ON sp.premise_id = p.premise_id AND sp.utility = 'water'
     AND p.water
LEFT JOIN billing_meter m ON m.service_point_id = sp.id
LEFT JOIN LATERAL (
    SELECT count(*) AS reads, sum(r.use) AS use, bool_or(r.kind = 'estimated') AS estimated,
           sum((SELECT e.use FROM billing_meterreading e
                WHERE e.id = r.previous_id AND e.kind = 'estimated')) FILTER (WHERE r.use < 0)
               AS trued_up,
           (array_agg(r.id ORDER BY r.read_on DESC))[1] AS last_read
    FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.status IN ('ok', 'accepted') AND r.use IS NOT NULL
      AND r.read_on BETWEEN p.period_start AND %(end)s
) rd ON sp.id IS NOT NULL
LEFT JOIN LATERAL (
    SELECT r.problem FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.status = 'exception'
      AND r.read_on BETWEEN p.period_start AND %(end)s
    ORDER BY r.read_on DESC LIMIT 1
) ex ON sp.id IS NOT NULL
LEFT JOIN LATERAL (
    SELECT round(sum(r.use)::numeric / nullif(sum(r.days), 0) * 30) AS winter
    FROM billing_meterreading r
    WHERE r.service_point_id = sp.id
      AND r.read_on >= %(winter_start)s AND r.read_on < %(winter_end)s
      AND r.status IN ('ok', 'accepted') AND r.use >= 0 AND r.days > 0
) wa ON sp.id IS NOT NULL
"""

COMPONENT_WORDS = {
    "fixed": "Fixed charge",
    "tier": "Use (tiers)",
    "minimum": "Minimum bill",
    "per_eru": "Per ERU",
    "flat": "Flat charge",
    "pass_through": "Pass-through fee",
    "true_up": "Estimate true-up",
}

PROBLEM_WORDS = {
    "negative": "Read lower than the last",
    "rollover": "Rollover to confirm",
    "zero": "Zero use",
    "high": "High read",
    "low": "Low read",
}


def last_winter(period_end: date) -> tuple[date, date]:
    """The last whole winter before the period ends: Nov 1 to the end of February."""
    year = period_end.year if period_end >= date(period_end.year, 3, 1) else period_end.year - 1
    return date(year - 1, 11, 1), date(year, 3, 1)


def _inputs(cycle_id: int, period_end: date) -> list[dict]:
    """Every account of the cycle to bill through period_end, with what rating needs, in
    account order."""
    winter_start, winter_end = last_winter(period_end)
    params = {
        "routes": list(Route.objects.filter(cycle_id=cycle_id).values_list("id", flat=True)),
        "end": period_end,
        "winter_start": winter_start,
        "winter_end": winter_end,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.billing_proof_account")
        cursor.execute(_ACCOUNTS, params)
        cursor.execute("ANALYZE billing_proof_account")
        cursor.execute(_INPUTS, params)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor]
        cursor.execute("DROP TABLE billing_proof_account")
    rows.sort(key=lambda row: row["id"])
    return rows


def _reserve_ids(cursor, table: str, count: int) -> int:
    cursor.execute(
        "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
        "nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1) - %s + 1",
        [table, table, count, count],
    )
    return cursor.fetchone()[0]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


_DRAFT_COLUMNS = [
    "id",
    "run_id",
    "kind",
    "account_id",
    "period_start",
    "period_end",
    "total",
    "use",
    "estimated",
    "reading_id",
]
_LINE_COLUMNS = [
    "draft_id",
    "service_id",
    "utility",
    "rate_code",
    "component",
    "description",
    "usage",
    "usage_unit",
    "amount",
    "explanation",
    "service_usage",
]


def proof_bill_run(bill_run: BillRun) -> dict:
    """Compute every draft bill of the run's cycle and period, replacing an earlier proof.

    Accounts are rated inside the transaction that writes them, their lines copied as each
    is rated: the database stores one account's lines while Python rates the next, so the
    proof takes about the time of the longer of the two, not of both."""
    end = bill_run.period_end
    rows = _inputs(bill_run.cycle_id, end)
    winters: dict[str, list[Decimal]] = {}
    for row in rows:
        if row["winter"] is not None:
            winters.setdefault(row["customer_class"], []).append(Decimal(row["winter"]))
    class_averages = {
        cls: (sum(values) / len(values)).quantize(ONE) for cls, values in winters.items()
    }
    rater = Rater(class_averages=class_averages)
    with transaction.atomic():
        run = BillRun.objects.select_for_update().get(pk=bill_run.pk)
        if run.posted_at or DraftBill.objects.filter(run=run, bill__isnull=False).exists():
            raise BillingError("This run has posted bills: its proof cannot be redone.")
        with connection.cursor() as cursor:
            # The draft tables have no foreign keys in the database (see DraftBill): a
            # replaced proof's lines go first, by hand.
            cursor.execute(
                "DELETE FROM billing_draftline WHERE draft_id IN "
                "(SELECT id FROM billing_draftbill WHERE run_id = %s)",
                [run.pk],
            )
            cursor.execute("DELETE FROM billing_draftbill WHERE run_id = %s", [run.pk])
            cursor.execute("DELETE FROM billing_exclusion WHERE run_id = %s", [run.pk])
            # An id for every account that may get a draft (those left out leave a gap).
            first = _reserve_ids(cursor, "billing_draftbill", len(rows)) if rows else 0
            drafts, exclusions = [], []
            with cursor.copy(
                f"COPY billing_draftline ({', '.join(_LINE_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in rows:
                    rated = _rate_row(rater, row, end, exclusions)
                    if rated is None:
                        continue
                    item, charges, total = rated
                    draft_id = first + len(drafts)
                    for service_id, charge in charges:
                        head = (draft_id, service_id, charge.utility, charge.rate_code)
                        for line in charge.lines:
                            copy.write_row((*head, *line, charge.billed_on))
                    drafts.append((draft_id, item, total))
            _copy(
                cursor,
                "billing_draftbill",
                _DRAFT_COLUMNS,
                (
                    (
                        draft_id,
                        run.pk,
                        DraftKind.CYCLE,
                        item.account_id,
                        item.period_start,
                        item.period_end,
                        total,
                        item.use,
                        item.estimated,
                        item.reading_id,
                    )
                    for draft_id, item, total in drafts
                ),
            )
            _copy(
                cursor,
                "billing_exclusion",
                ["run_id", "account_id", "reason"],
                ((run.pk, account, reason) for account, reason in exclusions),
            )
        run.summary = proof_summary(run)
        run.proofed_at = timezone.now()
        run.save(update_fields=["summary", "proofed_at"])
    return run.summary


def _rate_row(rater: Rater, row: dict, end: date, exclusions: list):
    """(item, its service charges, total) of one account of the proof's inputs, or None
    with the reason it is left out added to exclusions."""
    metered = row["water_point"] is not None
    if metered and not row["reads"]:
        exclusions.append((row["id"], PROBLEM_WORDS.get(row["problem"], "No read")))
        return None
    item = AccountInput(
        account_id=row["id"],
        customer_class=row["customer_class"],
        period_start=row["period_start"],
        period_end=end,
        services=list(zip(row["service_ids"], row["utilities"], row["rate_codes"], strict=True)),
        use=Decimal(row["use"]) if metered else None,
        estimated=bool(row["estimated"]),
        trued_up_estimate=Decimal(row["trued_up"]) if row["trued_up"] is not None else None,
        winter_average=Decimal(row["winter"]) if row["winter"] is not None else None,
        eru=row["eru"],
        meter_size=row["size"] or "",
        first_bill=row["first_bill"],
        reading_id=row["last_read"],
    )
    try:
        charges = rater.service_charges(item)
    except RatingError as error:
        exclusions.append((row["id"], str(error)[:40]))
        return None
    total = sum((charge.total for _, charge in charges), ZERO)
    if total <= 0:
        exclusions.append((row["id"], "Nothing to bill"))
        return None
    return item, charges, total


def proof_summary(run: BillRun) -> dict:
    """Counts and totals of the run's drafts, set-based (the proof page reads these)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(total), 0), count(*) FILTER (WHERE estimated) "
            "FROM billing_draftbill WHERE run_id = %s",
            [run.pk],
        )
        bills, total, estimated = cursor.fetchone()
        # One pass over the lines (a million for a cycle of 100,000) for both breakdowns.
        cursor.execute(
            "SELECT l.utility, l.rate_code, l.component, count(*), sum(l.amount) "
            "FROM billing_draftline l JOIN billing_draftbill d ON d.id = l.draft_id "
            "WHERE d.run_id = %s GROUP BY 1, 2, 3",
            [run.pk],
        )
        components: dict[tuple[str, str], list] = {}
        utilities: dict[str, Decimal] = {}
        for utility, code, comp, n, amount in cursor.fetchall():
            counted = components.setdefault((code, comp), [0, ZERO])
            counted[0] += n
            counted[1] += amount
            utilities[utility] = utilities.get(utility, ZERO) + amount
        by_component = [
            {
                "rate_code": code,
                "component": COMPONENT_WORDS.get(comp, comp),
                "lines": n,
                "amount": str(amount),
            }
            for (code, comp), (n, amount) in sorted(components.items())
        ]
        totals = {utility.title(): str(utilities[utility]) for utility in sorted(utilities)}
        cursor.execute(
            "SELECT reason, count(*) FROM billing_exclusion WHERE run_id = %s GROUP BY 1 ORDER BY 1",
            [run.pk],
        )
        exclusions = dict(cursor.fetchall())
    return {
        "counts": {"Bills": bills, "Estimated": estimated},
        # (jsonb keeps keys shortest first: the longest name lists the total last.)
        "totals": {**totals, "Total, all services": str(total)},
        "exclusions": exclusions,
        "by_component": by_component,
        "bill_run": run.pk,
    }


# Post ------------------------------------------------------------------------------------

_POST_CHUNK = """
WITH chunk AS (
    SELECT d.id, d.account_id, d.period_start, d.period_end, d.total
    FROM billing_draftbill d
    WHERE d.run_id = %(run)s AND d.id BETWEEN %(first)s AND %(last)s AND d.bill_id IS NULL
      AND NOT EXISTS (
          SELECT 1 FROM billing_billedperiod c
          WHERE c.account_id = d.account_id
            AND c.period && daterange(d.period_start, d.period_end, '[]'))
    ORDER BY d.id
), new_bills AS (
    INSERT INTO accounts_bill
        (account_id, number, period_start, period_end, bill_date, due_date, total, posted_at)
    SELECT account_id, nextval('bill_number_seq')::text, period_start, period_end,
           %(bill_date)s, %(due_date)s, total, now()
    FROM chunk ORDER BY id
    RETURNING id, account_id, number, period_start, period_end, total
), linked AS (
    UPDATE billing_draftbill d SET bill_id = b.id
    FROM new_bills b
    WHERE d.run_id = %(run)s AND d.account_id = b.account_id
    RETURNING d.id AS draft_id, b.id AS bill_id
), claims AS (
    INSERT INTO billing_billedperiod (account_id, period, bill_id)
    SELECT account_id, daterange(period_start, period_end, '[]'), id FROM new_bills
), lines AS (
    -- One line per service, as bills have always had; its components stay on the draft
    -- lines, where the bill PDF and "Explain this bill" read them. Each draft's lines by
    -- the draft's index (a join of the whole chunk read every draft line of the table).
    INSERT INTO accounts_billline (bill_id, service_id, utility, description, usage, usage_unit, amount)
    SELECT k.bill_id, s.service_id, s.utility,
           initcap(s.utility) || ', rate ' || s.rate_code
               || CASE WHEN s.estimated THEN ' (estimated)' ELSE '' END,
           s.usage,
           CASE WHEN s.usage IS NULL THEN ''
                WHEN s.utility = 'stormwater' THEN 'ERU' ELSE 'gal' END,
           s.amount
    FROM linked k
    CROSS JOIN LATERAL (
        SELECT l.service_id, l.utility, l.rate_code, max(l.service_usage) AS usage,
               bool_or(l.description LIKE '%%(estimated)') AS estimated,
               sum(l.amount) AS amount, min(l.id) AS first_line
        FROM billing_draftline l WHERE l.draft_id = k.draft_id
        GROUP BY l.service_id, l.utility, l.rate_code
    ) s
    ORDER BY k.bill_id, s.first_line
)
INSERT INTO accounts_ledgerentry
    (account_id, kind, amount, business_date, due_date, posted_at, posted_by_id, reference,
     memo, reason_code, bill_id)
SELECT account_id, 'bill', total, %(bill_date)s, %(due_date)s, now(), %(by)s, number,
       'Bill for ' || to_char(period_start, 'Mon DD') || ' – ' || to_char(period_end, 'Mon DD, YYYY'),
       '', id
FROM new_bills
RETURNING amount
"""


def post_bill_run(bill_run: BillRun, progress=None, *, by=None, chunk: int = POST_CHUNK) -> dict:
    """Post the run's drafts in chunks, each its own transaction. A chunk posts only drafts
    with no bill whose period no other bill claims: run again, it posts what is left."""
    run = BillRun.objects.get(pk=bill_run.pk)
    ids = list(
        DraftBill.objects.filter(run=run, bill__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)
    )
    done_before = DraftBill.objects.filter(run=run, bill__isnull=False).count()
    total = done_before + len(ids)
    posted, amount = 0, ZERO
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    _POST_CHUNK,
                    {
                        "run": run.pk,
                        "first": part[0],
                        "last": part[-1],
                        "bill_date": run.bill_date,
                        "due_date": run.due_date,
                        "by": getattr(by, "pk", None),
                    },
                )
                amounts = [row[0] for row in cursor.fetchall()]
            posted += len(amounts)
            amount += sum(amounts, ZERO)
            audit.record(
                actor=by,
                action="bill_run.post_chunk",
                target=run,
                after={
                    "bills": len(amounts),
                    "total": str(sum(amounts, ZERO)),
                    "drafts": [part[0], part[-1]],
                },
            )
        if progress is not None:
            progress(done_before + start + len(part), total)
    with transaction.atomic():
        BillRun.objects.filter(pk=run.pk, posted_at__isnull=True).update(posted_at=timezone.now())
    skipped = DraftBill.objects.filter(run=run, bill__isnull=True).count()
    return {
        "Bills posted": posted,
        "Posted before": done_before,
        "Not posted (period already billed)": skipped,
        "Amount posted": str(amount),
    }


# Runs ------------------------------------------------------------------------------------


def prepare_bill_run(*, cycle, period_end: date, by) -> BillRun:
    """The run's dates, fixed when it starts: the bill date is the open business day."""
    bill_date = business_day.posting_date()
    if period_end > bill_date:
        raise BillingError("A period cannot end after the bill date.", field="period_end")
    # A double click finds the run not yet posted for the same cycle and period.
    existing = BillRun.objects.filter(
        cycle=cycle, period_end=period_end, posted_at__isnull=True
    ).first()
    if existing is not None:
        return existing
    return BillRun.objects.create(
        cycle=cycle,
        period_end=period_end,
        bill_date=bill_date,
        due_date=bill_date + timedelta(days=Policy.current().bill_due_days),
        created_by=by,
    )


# Final bills -----------------------------------------------------------------------------


def service_lines(lines):
    """A bill's one line per service (the components stay on the draft's lines)."""
    from accounts.services import BillLineInput

    by_service: dict[int, list] = {}
    for line in lines:
        by_service.setdefault(line.service_id, []).append(line)
    out = []
    for service_lines_ in by_service.values():
        head = service_lines_[0]
        usage = head.service_usage
        out.append(
            BillLineInput(
                utility=head.utility,
                description=f"{head.utility.title()}, rate {head.rate_code}"
                + (
                    " (estimated)"
                    if any("(estimated)" in ln.description for ln in service_lines_)
                    else ""
                ),
                amount=sum((ln.amount for ln in service_lines_), ZERO),
                usage=usage,
                usage_unit=("ERU" if head.utility == "stormwater" else "gal")
                if usage is not None
                else "",
                service_id=head.service_id,
            )
        )
    return out


def apply_held_deposit(*, account: Account, bill: Bill | None, by) -> None:
    """THE place a held security deposit is applied to the final bill: the deposit and its
    interest credit the account (a DEPOSIT_APPLIED entry); what is left over is a credit,
    which a clerk refunds (payments.refunds). With no final bill to make (billed through the
    stop date already), the deposit is applied to the final account all the same."""
    from payments.deposits.services import apply_to_final_bill

    apply_to_final_bill(account=account, bill=bill, by=by)


def final_bill(*, account: Account, stop_date: date, reading=None, by) -> Bill | None:
    """The final bill at a stop: use to the final read, fixed charges prorated to the stop
    date, due on the policy's days. Called inside the completion's transaction; None when
    the account has nothing left to bill (already billed through the stop date)."""
    from accounts.services import post_bill

    last_end = (
        Bill.objects.filter(account=account)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    services = list(
        Service.objects.filter(
            account=account, status=ServiceStatus.STOPPED, end_date=stop_date
        ).order_by("utility")
    )
    if not services:
        return None
    start = last_end + timedelta(days=1) if last_end else min(s.start_date for s in services)
    if start > stop_date:
        return None
    from billing.models import Meter, MeterReading, PremiseBilling

    use = None
    estimated = False
    water = next((s for s in services if s.utility == "water"), None)
    winter = None
    meter_size = ""
    if water is not None:
        reads = MeterReading.objects.filter(
            service_point__premise_id=account.premise_id,
            service_point__utility="water",
            status__in=["ok", "accepted"],
            read_on__gte=start,
            read_on__lte=max(stop_date, reading.read_on if reading else stop_date),
            use__isnull=False,
        )
        if reads.exists():
            use = sum((r.use for r in reads), Decimal(0))
            estimated = any(r.kind == "estimated" for r in reads)
        else:
            use = Decimal(0)
        meter = Meter.objects.filter(
            service_point__premise_id=account.premise_id, service_point__utility="water"
        ).first()
        meter_size = meter.size if meter else ""
    billing = PremiseBilling.objects.filter(premise_id=account.premise_id).first()
    item = AccountInput(
        account_id=account.pk,
        customer_class=account.customer.customer_class,
        period_start=start,
        period_end=stop_date,
        services=[(s.pk, s.utility, s.rate_code) for s in services],
        use=use,
        estimated=estimated,
        winter_average=winter,
        eru=billing.eru if billing else ONE,
        meter_size=meter_size,
        final_bill=True,
    )
    try:
        rated = Rater().rate(item)
    except RatingError as error:
        # The stop completes whatever billing finds: the missing rate is on the record for
        # a clerk to bill by hand once an Admin adds it.
        audit.record(actor=by, action="bill.final_not_made", target=account, reason=str(error))
        return None
    if rated.total <= 0:
        return None
    bill = post_bill(
        account=account,
        period_start=start,
        period_end=stop_date,
        bill_date=business_day.posting_date(),
        lines=service_lines(rated.lines),
        by=by,
    )
    # The claim on the account's days: a second final bill for them is refused here.
    BilledPeriod.objects.create(
        account=account, period=(start, stop_date + timedelta(days=1)), bill=bill
    )
    draft = DraftBill.objects.create(
        kind=DraftKind.FINAL,
        account=account,
        period_start=start,
        period_end=stop_date,
        total=bill.total,
        use=use,
        estimated=estimated,
        reading=reading,
        bill=bill,
    )
    DraftLine.objects.bulk_create(
        DraftLine(
            draft=draft,
            service_id=ln.service_id,
            utility=ln.utility,
            rate_code=ln.rate_code,
            component=ln.component,
            description=ln.description,
            usage=ln.usage,
            usage_unit=ln.unit,
            amount=ln.amount,
            explanation=ln.explanation,
            service_usage=ln.service_usage,
        )
        for ln in rated.lines
    )
    audit.record(
        actor=by,
        action="bill.final",
        target=account,
        after={"bill": bill.number, "total": str(bill.total), "through": stop_date.isoformat()},
    )
    apply_held_deposit(account=account, bill=bill, by=by)
    return bill


def explain(bill: Bill) -> list[dict]:
    """Every line of a bill with its rate and arithmetic, for "Explain this bill"."""
    draft = DraftBill.objects.filter(bill=bill).first()
    if draft is None:
        return [
            {
                "utility": line.utility,
                "description": line.description,
                "amount": line.amount,
                "explanation": "Billed before this system: the bill shows the charge as issued.",
            }
            for line in bill.lines.all()
        ]
    return [
        {
            "utility": line.utility,
            "description": line.description,
            "amount": line.amount,
            "explanation": line.explanation,
            "rate_code": line.rate_code,
        }
        for line in draft.lines.all()
    ]
