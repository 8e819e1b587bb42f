"""Read-side queries for accounts: balances, aging, ledger, search, duplicates."""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import (
    BooleanField,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate

from accounts.aging_summary import UNPAID_SQL
from accounts.models import (
    Account,
    AccountStatus,
    AdjustmentRequest,
    AdjustmentRequestStatus,
    Bill,
    Customer,
    LedgerEntry,
    Premise,
)
from accounts.validation import (
    account_number_problem,
    as_typed,
    format_account_number,
    luhn_check_digit,
    name_key,
    normalize_street,
    phone_digits,
)
from utilityclerk import business_day
from utilityclerk.forms import ascii_digits
from utilityclerk.money import ZERO

# Aging ---------------------------------------------------------------------------------

AGING_BUCKETS = ["current", "days_1_30", "days_31_60", "days_61_90", "days_over_90"]
AGING_LABELS = {
    "current": "Current",
    "days_1_30": "1–30 days",
    "days_31_60": "31–60 days",
    "days_61_90": "61–90 days",
    "days_over_90": "Over 90 days",
}

# Credits pay the oldest charges first (FIFO by due date). Whatever is still owed therefore
# sits on the NEWEST charges: walking an account's charges from the newest back, each is unpaid
# by what the balance still leaves after the charges newer than it:
#   unpaid = clamp(balance - newer_charges, 0, amount)
# which equals FIFO allocation and needs the window only over accounts that owe something
# (most accounts are paid up). The unpaid part is bucketed by days past due on the as-of date.
# One set-based statement ages one account (the account page, a statement) or a page of
# search results from the ledger itself; every account at once reads the aging summary below.
_UNPAID_CTES = """
WITH balances AS (
    SELECT account_id, SUM(amount) AS balance
    FROM accounts_ledgerentry
    WHERE TRUE {through_filter} {account_filter}
    GROUP BY account_id
),
unpaid AS (
    SELECT e.account_id, e.due_date,
           GREATEST(0, LEAST(e.amount, b.balance - (
               SUM(e.amount) OVER (PARTITION BY e.account_id ORDER BY e.due_date DESC, e.id DESC
                                   ROWS UNBOUNDED PRECEDING) - e.amount))) AS open_amount
    FROM accounts_ledgerentry e
    JOIN balances b ON b.account_id = e.account_id AND b.balance > 0
    WHERE e.amount > 0 {through_filter_e}
      -- An entry and its reversal cancel: neither is a charge. (A bounced payment's reversal
      -- is not new debt due today; the bill it paid is unpaid again, with its own due date.)
      AND e.kind <> 'reversal'
      AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                      WHERE r.kind = 'reversal' AND r.reverses_id = e.id {through_filter_r})
)
"""

_BUCKETS_SQL = """,
buckets AS (
    SELECT account_id,
           SUM(open_amount) FILTER (WHERE due_date >= %(as_of)s) AS b0,
           SUM(open_amount) FILTER (WHERE %(as_of)s - due_date BETWEEN 1 AND 30) AS b1,
           SUM(open_amount) FILTER (WHERE %(as_of)s - due_date BETWEEN 31 AND 60) AS b2,
           SUM(open_amount) FILTER (WHERE %(as_of)s - due_date BETWEEN 61 AND 90) AS b3,
           SUM(open_amount) FILTER (WHERE %(as_of)s - due_date > 90) AS b4
    FROM unpaid GROUP BY account_id
)
SELECT b.account_id, b.balance,
       COALESCE(x.b0, 0), COALESCE(x.b1, 0), COALESCE(x.b2, 0), COALESCE(x.b3, 0), COALESCE(x.b4, 0)
FROM balances b LEFT JOIN buckets x ON x.account_id = b.account_id
"""
_AGING_SQL = _UNPAID_CTES + _BUCKETS_SQL

# What is still owed per due date, for moving a debt without resetting its age.
_BY_DUE_DATE_SQL = """
SELECT due_date, SUM(open_amount) FROM unpaid WHERE open_amount > 0
GROUP BY due_date ORDER BY due_date
"""
_UNPAID_BY_DUE_DATE_SQL = _UNPAID_CTES + _BY_DUE_DATE_SQL


@dataclass(frozen=True)
class Aging:
    balance: Decimal = ZERO
    current: Decimal = ZERO
    days_1_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_over_90: Decimal = ZERO

    @property
    def past_due(self) -> Decimal:
        return self.days_1_30 + self.days_31_60 + self.days_61_90 + self.days_over_90

    @property
    def credit(self) -> Decimal:
        """A credit balance (as a positive amount), when credits exceed charges."""
        return -self.balance if self.balance < 0 else ZERO

    def buckets(self) -> list[tuple[str, Decimal]]:
        return [(AGING_LABELS[name], getattr(self, name)) for name in AGING_BUCKETS]


def _aging_sql(
    template: str, *, as_of: date | None, account_id: int | list[int] | None
) -> tuple[str, dict]:
    """The aging SQL and its parameters.

    Without as_of the aging is of now: every posting counts, whatever business day it is
    dated to (once the day is closed a payment is dated to the next open business day, and
    the customer has still paid), and days past due count from today. With as_of it is the
    account as it stood at the end of that business day (a statement's closing date)."""
    filters = {"through_filter": "", "through_filter_e": "", "through_filter_r": ""}
    if as_of is not None:
        filters = {
            "through_filter": "AND business_date <= %(through)s",
            "through_filter_e": "AND e.business_date <= %(through)s",
            "through_filter_r": "AND r.business_date <= %(through)s",
        }
    if isinstance(account_id, list):
        account_filter = "AND account_id = ANY(%(account_id)s)"
    else:
        account_filter = "AND account_id = %(account_id)s" if account_id is not None else ""
    params = {"as_of": as_of or business_day.today(), "through": as_of, "account_id": account_id}
    return template.format(account_filter=account_filter, **filters), params


def _aging_rows(as_of: date | None, account_id: int | list[int] | None):
    sql, params = _aging_sql(_AGING_SQL, as_of=as_of, account_id=account_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        yield from cursor.fetchall()


def unpaid_charges(account_id: int, as_of: date | None = None) -> list[tuple[date, Decimal]]:
    """(due date, amount still owed) per due date, oldest first: what aging allocates, for
    moving a debt to another account without resetting its age. Without as_of: now."""
    sql, params = _aging_sql(_UNPAID_BY_DUE_DATE_SQL, as_of=as_of, account_id=account_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def aging_for_account(account_id: int, as_of: date | None = None) -> Aging:
    """What the account owes now (as_of None: every posting, whatever day it is dated to),
    or at the end of the business day as_of."""
    for row in _aging_rows(as_of, account_id):
        return Aging(*row[1:])
    return Aging()


def aging_for_accounts(account_ids: list[int]) -> dict[int, Aging]:
    """What each of these accounts owes now, in one query (a page of search results)."""
    if not account_ids:
        return {}
    return {row[0]: Aging(*row[1:]) for row in _aging_rows(None, list(account_ids))}


# Every account at once (reports, totals) reads accounts.models.aging instead of the ledger:
# each account's balance and its charges by due date as the last fold left them, with what
# of them is unpaid, plus the postings not folded yet (AgingChange). An account with such
# changes is aged again here from its newest charges only: changes lower what is due after
# any day by at most their cuts to charges (charges_cut), so a day whose later charges, less
# that, still cover the balance is paid whatever the changes, and so is every day before it.
# Those days are left out; a change's charge due among them comes out paid, as it is (the
# days kept cover the balance). Exact whenever it runs; quick however much waits to be
# folded. Charges grouped by due date age exactly as one by one (aging_summary.UNPAID_SQL).
_EVERY_ACCOUNT_CTES = """
WITH changes AS (
    SELECT account_id, due_date, charge, balance FROM accounts_agingchange
    {taken_back}
),
pending AS (
    SELECT account_id, SUM(balance) AS balance, SUM(LEAST(charge, 0)) AS charges_cut
    FROM changes GROUP BY account_id
),
balances AS (
    SELECT COALESCE(a.account_id, p.account_id) AS account_id,
           COALESCE(a.balance, 0) + COALESCE(p.balance, 0) AS balance
    FROM accounts_accountbalance a FULL JOIN pending p ON p.account_id = a.account_id
),
-- The accounts with changes that owe something; charges due up to paid_up_to are paid.
owing_changed AS (
    SELECT o.account_id, o.balance, o.charged + o.charges_cut - o.balance AS paid_up_to
    FROM (
        SELECT p.account_id, COALESCE(a.balance, 0) + p.balance AS balance,
               COALESCE(a.charged, 0) AS charged, p.charges_cut
        FROM pending p LEFT JOIN accounts_accountbalance a ON a.account_id = p.account_id
    ) AS o
    WHERE o.balance > 0
),
changed_charges AS (
    SELECT c.account_id, c.due_date, SUM(c.amount) AS amount, MIN(c.balance) AS balance
    FROM (
        SELECT o.account_id, d.due_date, d.amount, o.balance
        FROM owing_changed o
        JOIN accounts_chargesdue d
          ON d.account_id = o.account_id AND d.due_up_to > o.paid_up_to
        UNION ALL
        SELECT o.account_id, ch.due_date, ch.charge, o.balance
        FROM changes ch JOIN owing_changed o ON o.account_id = ch.account_id
        WHERE ch.due_date IS NOT NULL
    ) AS c
    GROUP BY c.account_id, c.due_date
),
unpaid AS (
    SELECT d.account_id, d.due_date, d.unpaid AS open_amount
    FROM accounts_chargesdue d
    WHERE d.unpaid > 0 AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.account_id = d.account_id)
    UNION ALL
    SELECT c.account_id, c.due_date, {unpaid} AS open_amount
    FROM changed_charges c
)
"""
# Aging as of a past day: what was posted dated after it is taken back off. A charge posted
# after it (and not reversed) was not yet charged; a charge reversed after it was still owed.
_TAKEN_BACK_AFTER = """
    UNION ALL
    SELECT l.account_id,
           CASE WHEN l.live_charge THEN l.due_date END,
           CASE WHEN l.live_charge THEN -l.amount ELSE 0 END,
           -l.amount
    FROM (
        SELECT e.account_id, e.due_date, e.amount,
               e.amount > 0 AND e.kind <> 'reversal'
               AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r
                               WHERE r.kind = 'reversal' AND r.reverses_id = e.id) AS live_charge
        FROM accounts_ledgerentry e WHERE e.business_date > %(through)s
    ) AS l
    UNION ALL
    SELECT o.account_id, o.due_date, o.amount, 0
    FROM accounts_ledgerentry r JOIN accounts_ledgerentry o ON o.id = r.reverses_id
    WHERE r.business_date > %(through)s AND r.kind = 'reversal'
      AND o.amount > 0 AND o.kind <> 'reversal' AND o.business_date <= %(through)s
"""


def every_account_aging_sql(as_of: date | None = None) -> tuple[str, dict]:
    """The set-based aging of every account as SQL and its parameters, to use as a subquery:
    rows of (account_id, balance, b0 .. b4), the buckets in AGING_BUCKETS order, for every
    account with a ledger. Reports group and filter it without writing the aging again.

    Without as_of: now (every posting, days past due from today), as aging_for_account; with
    it: the end of that business day (an account whose entries all came later shows owing
    nothing). Read from the aging summary; tests/accounts/test_aging_summary.py holds it to
    aging_for_account account by account."""
    ctes = _EVERY_ACCOUNT_CTES.format(
        taken_back=_TAKEN_BACK_AFTER if as_of is not None else "",
        unpaid=UNPAID_SQL.format(c="c", balance="c.balance"),
    )
    params = {"as_of": as_of or business_day.today(), "through": as_of}
    return ctes + _BUCKETS_SQL, params


def aging_for_all_accounts(as_of: date | None = None) -> dict[int, Aging]:
    sql, params = every_account_aging_sql(as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: Aging(*row[1:]) for row in cursor.fetchall()}


def aging_totals(as_of: date | None = None) -> Aging:
    """Every account's aging summed by bucket, in one query."""
    aging_sql, params = every_account_aging_sql(as_of)
    sql = f"SELECT COALESCE(SUM(balance),0), {', '.join(f'COALESCE(SUM(b{i}),0)' for i in range(5))} FROM ({aging_sql}) AS a(account_id, balance, b0, b1, b2, b3, b4)"  # noqa: S608 - no user input in the SQL text
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return Aging(*cursor.fetchone())


def balance_of(account_id: int, as_of: date | None = None) -> Decimal:
    entries = LedgerEntry.objects.filter(account_id=account_id)
    if as_of is not None:
        entries = entries.filter(business_date__lte=as_of)
    return entries.aggregate(total=Sum("amount"))["total"] or ZERO


def balance_of_account_number(number: str) -> Decimal | None:
    """What the account with this number owes now (every posting), in one query; None when
    no account has the number."""
    row = (
        Account.objects.filter(number=number)
        .annotate(owed=Sum("ledger_entries__amount"))
        .values_list("pk", "owed")
        .first()
    )
    return None if row is None else (row[1] or ZERO)


# Ledger --------------------------------------------------------------------------------


def ledger_with_running_balance(
    account_id: int, *, start: date | None = None, end: date | None = None
):
    """Entries oldest first with the balance after each, computed by the database.

    With a start date the window starts from the balance brought forward (one more query),
    since rows before the start are filtered out before the window function runs.
    """
    from django.db.models import F, Value, Window

    entries = LedgerEntry.objects.filter(account_id=account_id)
    opening = ZERO
    if start:
        opening = balance_of(account_id, as_of=start - timedelta(days=1))
        entries = entries.filter(business_date__gte=start)
    if end:
        entries = entries.filter(business_date__lte=end)
    return (
        entries.annotate(
            running_balance=Window(
                Sum("amount"), order_by=[F("business_date").asc(), F("id").asc()]
            )
            + Value(opening)
        )
        .select_related("posted_by", "reverses")
        .order_by("business_date", "id")
    )


# A bill as the customer reads it ------------------------------------------------------


@dataclass(frozen=True)
class BillSummary:
    """The bill as it was issued: what was owed after the previous bill, the payments and
    credits and the other charges (fees, adjustments, reversals) posted since, and this
    bill's charges. Their sum is what was owed once this bill was posted.

    "Since" is in posting order: the ledger is append-only and its ids grow with every
    entry, so entries with a smaller id are exactly those on file when the bill was posted.
    A payment dated back to before the bill but posted after it does not change the bill."""

    previous_bill: Bill | None
    previous_balance: Decimal
    credits_since: Decimal
    other_charges_since: Decimal
    this_bill: Decimal
    amount_due: Decimal


_BILL_SUMMARY_SQL = """
SELECT COALESCE(SUM(amount) FILTER (WHERE id <= %(previous)s), 0),
       COALESCE(SUM(amount) FILTER (WHERE id > %(previous)s AND id < %(this)s AND amount < 0), 0),
       COALESCE(SUM(amount) FILTER (WHERE id > %(previous)s AND id < %(this)s AND amount > 0), 0),
       COALESCE(SUM(amount), 0)
FROM accounts_ledgerentry
WHERE account_id = %(account_id)s AND id <= %(this)s
"""


def bill_summary(bill: Bill) -> BillSummary:
    entry = bill.ledger_entry
    previous = (
        Bill.objects.filter(account_id=bill.account_id, ledger_entry__id__lt=entry.id)
        .select_related("ledger_entry")
        .order_by("-ledger_entry__id")
        .first()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _BILL_SUMMARY_SQL,
            {
                "account_id": bill.account_id,
                "this": entry.id,
                "previous": previous.ledger_entry.id if previous else 0,  # none: nothing before
            },
        )
        previous_balance, credits, charges, due = cursor.fetchone()
    return BillSummary(previous, previous_balance, credits, charges, entry.amount, due)


# Account page --------------------------------------------------------------------------


@dataclass
class AccountSummary:
    account: Account
    aging: Aging
    alerts: list[str] = field(default_factory=list)
    pending_adjustments: int = 0
    deposit_held: Decimal = ZERO


def account_summary(account: Account) -> AccountSummary:
    """What the account page header shows, in two queries beyond the account itself
    (fetch it with select_related("customer", "premise"))."""
    aging = aging_for_account(account.pk)
    pending = AdjustmentRequest.objects.filter(
        account_id=account.pk, status=AdjustmentRequestStatus.PENDING
    ).count()
    return AccountSummary(
        account=account,
        aging=aging,
        alerts=alerts_for(account),
        pending_adjustments=pending,
        # Read off the account's row when the deposits app annotated it (no query here).
        deposit_held=getattr(account, "deposit_held", None) or ZERO,
    )


def alerts_for(account: Account) -> list[str]:
    today = business_day.today()
    customer, alerts = account.customer, []
    if customer.life_support:
        alerts.append("Life support equipment at home: no shut-off without a supervisor.")
    if customer.medical_certificate_until and customer.medical_certificate_until >= today:
        alerts.append(
            f"Medical certificate on file until {customer.medical_certificate_until:%b %d, %Y}."
        )
    if customer.cash_only_until and customer.cash_only_until >= today:
        alerts.append(f"Cash only until {customer.cash_only_until:%b %d, %Y}: no checks accepted.")
    if account.premise.hazard_note:
        alerts.append(f"Hazard at premise: {account.premise.hazard_note}")
    if account.status == AccountStatus.COLLECTIONS:
        alerts.append("Account is in collections.")
    return alerts


# Adjustments waiting -------------------------------------------------------------------


def adjustments_waiting():
    """Requests waiting for a supervisor, oldest first, each with its account's balance now
    (one query), so the supervisor sees where an approval leaves the account."""
    balance = (
        LedgerEntry.objects.filter(account_id=OuterRef("account_id"))
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        AdjustmentRequest.objects.filter(status=AdjustmentRequestStatus.PENDING)
        .select_related("account__customer", "requested_by")
        .annotate(balance=Coalesce(Subquery(balance), Value(ZERO, output_field=DecimalField())))
        .order_by("requested_at")
    )


def adjustments_waiting_count() -> int:
    return AdjustmentRequest.objects.filter(status=AdjustmentRequestStatus.PENDING).count()


# Search --------------------------------------------------------------------------------

SEARCH_LIMIT = 12
GUESSED_ACCOUNT = "Did you mean"
BILL_NUMBER_LENGTH = 9  # bills are numbered from a sequence: 100002234


@dataclass
class SearchResult:
    account_id: int
    number: str
    name: str
    address: str
    status: str
    matched: str  # what matched: "Account number", "Phone", ...
    takes_payments: bool = True  # a closed account takes none
    status_code: str = ""
    cash_only: bool = False
    aging: Aging = field(default_factory=Aging)

    @property
    def badges(self) -> list[str]:
        """What a clerk must see before picking the account: not an ordinary active one."""
        badges = []
        if self.status_code in (
            AccountStatus.CLOSED,
            AccountStatus.FINAL,
            AccountStatus.COLLECTIONS,
        ):
            badges.append(self.status)
        if self.cash_only:
            badges.append("Cash only")
        return badges

    @property
    def display_number(self) -> str:
        return format_account_number(self.number)

    @property
    def is_guess(self) -> bool:
        """The account a mistyped number probably meant: shown, never picked for the clerk
        (a slip in the first seven digits names some other customer's account)."""
        return self.matched == GUESSED_ACCOUNT


@dataclass
class SearchOutcome:
    results: list[SearchResult]
    message: str = ""


# Eight digits as people write them: 1000002-4, 10000024, 1000-0024, 1000002.4, #10000024, and
# a dash pasted from a document (en dash). Not a date (12-25-2024) or a phone half typed.
_ACCOUNT_NUMBER = re.compile(r"^#?\s*(?:\d{7}[\s.\u2013-]?\d|\d{4}[\s.\u2013-]\d{4})$")
# Seven digits: an account number without its check digit. No "#": #1234567 is a receipt.
_ACCOUNT_BASE = re.compile(r"^\d{7}$")
_ADDRESS = re.compile(
    r"^(?P<number>\d+[A-Z]?)\s+(?P<street>.+?)"
    r"(?:\s+(?:#|(?:APT|UNIT|STE)\.?\s*#?)\s*(?P<unit>\S+))?$",
    re.I,
)


def _accounts_queryset():
    return Account.objects.select_related("customer", "premise").only(
        "id",
        "number",
        "status",
        "customer__kind",
        "customer__first_name",
        "customer__last_name",
        "customer__organisation_name",
        "customer__cash_only_until",
        "premise__house_number",
        "premise__street",
        "premise__unit",
    )


def _result(account: Account, matched: str) -> SearchResult:
    return SearchResult(
        account_id=account.pk,
        number=account.number,
        name=account.customer.display_name,
        address=account.premise.address_line,
        status=account.get_status_display(),
        matched=matched,
        takes_payments=account.status != AccountStatus.CLOSED,
        status_code=account.status,
        cash_only=bool(
            account.customer.cash_only_until
            and account.customer.cash_only_until >= business_day.today()
        ),
    )


def search(query: str, limit: int = SEARCH_LIMIT) -> SearchOutcome:
    """One box for everything. Exact account-number and phone matches come first, then
    e-mail, address and (typo-tolerant) name matches, best first."""
    query = as_typed(ascii_digits(query))
    if len(query) < 2:
        return SearchOutcome([])
    results: list[SearchResult] = []
    seen: set[int] = set()
    message = ""

    def add(accounts, matched):
        for account in accounts:
            if account.pk not in seen and len(results) < limit:
                seen.add(account.pk)
                results.append(_result(account, matched))

    digits = re.sub(r"\D", "", query)
    if _ACCOUNT_NUMBER.match(query):
        problem = account_number_problem(digits)
        if problem:
            # The account it most likely meant, one Enter away, labelled as a guess; named
            # in the message only when there is such an account.
            meant = digits[:-1] + luhn_check_digit(digits[:-1])
            add(_accounts_queryset().filter(number=meant), GUESSED_ACCOUNT)
            message = (
                f"{problem} Did you mean {format_account_number(meant)}?" if results else problem
            )
        else:
            add(_accounts_queryset().filter(number=digits), "Account number")
    elif _ACCOUNT_BASE.match(query):
        whole = digits + luhn_check_digit(digits)
        add(_accounts_queryset().filter(number=whole), GUESSED_ACCOUNT)
        if results:
            message = (
                "An account number has 8 digits, the last a check digit: "
                f"did you mean {format_account_number(whole)}?"
            )
    bill = query.lstrip("#").strip()  # "#100002234", as printed on the bill
    if bill.isdigit() and len(bill) == BILL_NUMBER_LENGTH:
        add(_accounts_queryset().filter(bills__number=bill), "Bill number")
    ending = _PHONE_ENDING.match(query)
    if ending and len(results) < limit:
        add(_phone_ending_matches(ending["digits"], limit), "Phone ending")
    phone = phone_digits(query)
    if len(phone) == 10 and re.fullmatch(r"[\d\s().+-]+", query):
        add(
            _accounts_queryset()
            .filter(Q(customer__phone=phone) | Q(customer__alt_phone=phone))
            .order_by("-status", "number")[:limit],
            "Phone",
        )
    if "@" in query:
        add(
            _accounts_queryset().filter(customer__email=query.lower()).order_by("number")[:limit],
            "E-mail",
        )
    address = _ADDRESS.match(query)
    if address:
        number, street, unit = address["number"], address["street"], address["unit"]
        matches = []
        # "501 Dietz Rd 401": a number after the street is most likely the unit; if no such
        # unit exists it is part of the street ("501 Hwy 78").
        trailing = None if unit else _TRAILING_UNIT.match(street)
        if trailing:
            matches = _address_matches(number, trailing["street"], trailing["unit"], limit)
        if not matches:
            matches = _address_matches(number, street, unit, limit)
        add(matches, "Service address")
    # A query that starts with a house number is an address, not a name.
    looks_like_name = re.search(r"[A-Za-z]{2}", query) and "@" not in query and not address
    if looks_like_name and len(results) < limit:
        add(_name_matches(query, limit), "Name")
    # What each owes now, in one more query: a clerk picks the right account by it.
    agings = aging_for_accounts([r.account_id for r in results])
    for result in results:
        result.aging = agings.get(result.account_id, Aging())
    return SearchOutcome(results, message)


# The last 4 or 7 digits of a phone, as customers give them: "3470", "ending 3470",
# "555-3470", "...3470".
_PHONE_ENDING = re.compile(
    r"^(?:(?:ending|ends? in|last 4|x|\.\.\.|…)\s*)?(?P<digits>\d{4}|\d{3}[\s.-]?\d{4})$", re.I
)
_BY_PHONE_ENDING = """
    (SELECT id FROM accounts_customer
     WHERE phone <> '' AND reverse(phone) COLLATE "C" LIKE %(reversed)s LIMIT %(limit)s)
    UNION
    (SELECT id FROM accounts_customer
     WHERE alt_phone <> '' AND reverse(alt_phone) COLLATE "C" LIKE %(reversed)s LIMIT %(limit)s)
"""


def _phone_ending_matches(digits: str, limit: int):
    """Accounts of customers whose phone ends with these digits (an index walk on the
    reversed number), open accounts first."""
    digits = re.sub(r"\D", "", digits)
    with connection.cursor() as cursor:
        cursor.execute(_BY_PHONE_ENDING, {"reversed": digits[::-1] + "%", "limit": limit})
        customer_ids = [row[0] for row in cursor.fetchall()]
    if not customer_ids:
        return []
    accounts = list(_accounts_queryset().filter(customer_id__in=customer_ids))
    accounts.sort(key=lambda a: (a.status != AccountStatus.ACTIVE, a.customer.display_name))
    return accounts[:limit]


_TRAILING_UNIT = re.compile(r"^(?P<street>.*[A-Z].*?)\s+(?P<unit>\d+[A-Z]?)$", re.I)
_DIRECTIONS = {"N", "S", "E", "W", "NE", "NW", "SE", "SW"}
# The fewest slips between the street name as typed and any word of a premise's street of
# about the same length ("balnco" -> BLANCO, "sgae" -> SAGE, "wlf" -> WOLF).
_STREET_SLIPS = """
    (SELECT min(levenshtein_less_equal(w, %s, 2))
     FROM unnest(string_to_array(accounts_premise.street, ' ')) AS w
     WHERE abs(length(w) - %s) <= 1)
"""


def _address_matches(number: str, street_typed: str, unit: str | None, limit: int):
    """Accounts at the house number typed whose street is the one typed, best match first:
    the street as typed from its start, then the fewest slips in its name, then trigrams."""
    street = normalize_street(street_typed)
    name = next((w for w in street.split() if w not in _DIRECTIONS), street)
    allowed_slips = 1 if len(name) <= 3 else 2
    # The house number narrows to a few hundred premises first; the street is then scored on
    # those only (a trigram index scan of every street would be far slower).
    premises = (
        Premise.objects.filter(house_number=number.upper())
        .annotate(
            street_similarity=TrigramWordSimilarity(street, "street"),
            slips=RawSQL(_STREET_SLIPS, (name, len(name))),  # noqa: S611 - parameters bound
            as_typed=ExpressionWrapper(Q(street__startswith=street), BooleanField()),
        )
        .filter(Q(as_typed=True) | Q(street_similarity__gte=0.4) | Q(slips__lte=allowed_slips))
    )
    if unit:
        premises = premises.filter(unit=unit.upper())
    ranked = list(
        premises.order_by(
            "-as_typed", F("slips").asc(nulls_last=True), "-street_similarity", "street", "unit"
        ).values_list("id", flat=True)[:limit]
    )
    rank = {premise_id: i for i, premise_id in enumerate(ranked)}
    accounts = list(_accounts_queryset().filter(premise_id__in=ranked))
    # Open accounts before closed ones at the same address, the newest first.
    accounts.sort(key=lambda a: (rank[a.premise_id], a.status != AccountStatus.ACTIVE, -a.pk))
    return accounts


# Name search runs in tiers, each a short index walk that stops at `limit` rows, moving on
# only while fewer were found: (1) the name as typed, from its start ("maria gar", "city of
# cib"); (2) last name [and first name] from their start ("garcia", "garcia m", "maria garcia");
# (3) each word corrected against the dictionary of name words by trigram similarity, then
# looked up exactly ("jonson" -> johnson, johnston). Scoring names by trigrams directly would
# fetch tens of thousands of candidates at a million customers; this stays in milliseconds.
_BY_NAME_PREFIX = """
    SELECT id FROM accounts_customer
    WHERE search_name COLLATE "C" LIKE %(prefix)s
    ORDER BY search_name COLLATE "C" LIMIT %(limit)s
"""
_BY_LAST_FIRST = """
    SELECT id FROM accounts_customer
    WHERE search_last COLLATE "C" LIKE %(last)s AND search_first COLLATE "C" LIKE %(first)s
    ORDER BY search_last COLLATE "C", search_first COLLATE "C" LIMIT %(limit)s
"""
# Candidate corrections for every word typed, in one statement: words sharing enough
# trigrams (GiST, nearest first), and words of about the same length and the same first
# letter within two edits (a swapped pair in a short name, "smtih", shares too few trigrams
# with "smith"). Ranked in Python, where a swap counts as one slip.
_CORRECTION_CANDIDATES = """
    SELECT typed.i, c.word, similarity(c.word, typed.word)
    FROM unnest(%(words)s::text[]) WITH ORDINALITY AS typed(word, i)
    CROSS JOIN LATERAL (
        (SELECT word FROM accounts_nameword WHERE word %% typed.word
         ORDER BY word <-> typed.word LIMIT 12)
        UNION
        SELECT word FROM accounts_nameword
        WHERE word >= left(typed.word, 1) AND word < chr(ascii(typed.word) + 1)
          AND length(word) BETWEEN length(typed.word) - 2 AND length(typed.word) + 2
          AND levenshtein_less_equal(word, typed.word, 2) <= 2
    ) AS c
"""
CORRECTIONS_PER_WORD = 4
# Each corrected last name, best correction first, walked in (last, first) index order.
_BY_CORRECTED_LAST = """
    SELECT c.id
    FROM unnest(%(lasts)s::text[]) WITH ORDINALITY AS l(word, rank)
    CROSS JOIN LATERAL (
        SELECT id, search_first COLLATE "C" AS first FROM accounts_customer
        WHERE search_last COLLATE "C" = l.word
        ORDER BY search_first COLLATE "C" LIMIT %(limit)s
    ) AS c
    ORDER BY l.rank, c.first LIMIT %(limit)s
"""
# Each (corrected last, corrected first) pair, best last name first and, within it, the best
# first name: "carmen mller" lists Carmen Miller before Carl Miller.
_BY_CORRECTED_LAST_FIRST = """
    SELECT c.id
    FROM unnest(%(lasts)s::text[]) WITH ORDINALITY AS l(word, rank)
    CROSS JOIN unnest(%(firsts)s::text[]) WITH ORDINALITY AS f(word, rank)
    CROSS JOIN LATERAL (
        SELECT id FROM accounts_customer
        WHERE search_last COLLATE "C" = l.word AND search_first COLLATE "C" = f.word
        LIMIT %(limit)s
    ) AS c
    ORDER BY l.rank, f.rank LIMIT %(limit)s
"""


# Every word typed, wherever it stands in the name ("de la cruz", "methodist church"): a
# bounded handful of matches, the shortest names (the closest) first.
_BY_NAME_WORDS = r"""
    SELECT id FROM (
        SELECT id, search_name FROM accounts_customer
        WHERE to_tsvector('simple'::regconfig, COALESCE(search_name, ''))
              @@ to_tsquery('simple', %(words)s)
          -- A word of a letter or two still being typed is matched on the rows found, not
          -- looked up: "c:*" would merge every name word that starts with c.
          AND (%(tail)s = '' OR search_name ~ ('\m' || %(tail)s))
        LIMIT 200
    ) AS matched
    ORDER BY length(search_name), search_name LIMIT %(limit)s
"""
MOST_WORDS_CORRECTED = 4


def _word_parts(word: str) -> list[str]:
    """The letters-and-digits runs of a word, as the text search parser splits them."""
    return re.findall(r"[^\W_]+", word)


def _words_query(words: list[str]) -> tuple[str, str]:
    """Each word typed as a word of the name, the last (perhaps still being typed) as the
    start of one: ("de & la & cru:*", ""). A short finished word as a prefix ("de:*") would
    match thousands of words; so would a last word of a letter or two, which is returned
    apart, to be matched on the rows found: ("smith & john", "j")."""
    parts = [part for word in words for part in _word_parts(word)]
    if len(parts) > 1 and len(parts[-1]) <= 2:
        return " & ".join(parts[:-1]), parts[-1]
    return (" & ".join([*parts[:-1], f"{parts[-1]}:*"]) if parts else ""), ""


def _corrected_words_query(corrections: list[list[str]]) -> str:
    """Each word as one of its corrections: "(priya) & (de) & (la) & (cruz | crus)"."""
    groups = []
    for candidates in corrections:
        options = [" & ".join(_word_parts(c)) for c in candidates if _word_parts(c)]
        if not options:
            return ""
        groups.append("(" + " | ".join(f"({o})" for o in options) + ")")
    return " & ".join(groups)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def slips_between(a: str, b: str) -> int:
    """Keyboard slips that turn one word into the other: a letter dropped, added, changed, or
    two neighbours swapped, each counting one (optimal string alignment distance)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def _best_corrections(word: str, candidates) -> list[str]:
    """The likeliest names meant: fewest slips first (one slip in a short word, two in a longer
    one), then the rest by shared trigrams."""
    allowed = 1 if len(word) <= 4 else 2

    def rank(candidate):
        text, likeness = candidate
        slips = slips_between(word, text)
        return (slips if slips <= allowed else allowed + 1, -likeness, text)

    return [text for text, _ in sorted(candidates, key=rank)[:CORRECTIONS_PER_WORD]]


def _renamed(sql: str, prefix: str) -> str:
    return re.sub(r"%\((\w+)\)s", rf"%({prefix}\1)s", sql)


def _tiers_sql(tiers: list[tuple[str, dict]], limit: int, params: dict) -> tuple[list[str], str]:
    """Name tiers as one statement: the CTEs and the SELECT of (tier, pos, id) in order.

    Each tier runs only while the tiers before it found fewer than `limit` customers, as if
    run one after the other: an uncorrelated condition is a one-time filter in PostgreSQL,
    which skips the tier's index walk when it is false."""
    # Only our statements and numbers are formatted in; what was typed travels as parameters.
    ctes = []
    params["limit"] = limit
    for k, (sql, tier_params) in enumerate(tiers):
        params.update({f"t{k}_{name}": v for name, v in {**tier_params, "limit": limit}.items()})
        earlier = " UNION ALL ".join(f"SELECT id FROM t{j}" for j in range(k))  # noqa: S608
        gate = f"WHERE (SELECT count(DISTINCT id) FROM ({earlier}) AS e) < %(limit)s"  # noqa: S608
        tier = _renamed(sql, f"t{k}_")
        body = f"SELECT {k} AS tier, row_number() OVER () AS pos, id FROM ({tier}) AS q"  # noqa: S608
        ctes.append(f"t{k} AS MATERIALIZED ({body} {gate if k else ''})")
    select = " UNION ALL ".join(f"SELECT tier, pos, id FROM t{k}" for k in range(len(tiers)))  # noqa: S608
    return ctes, select


def _in_order(rows) -> list[int]:
    found: list[int] = []
    for customer_id in rows:
        if customer_id not in found:
            found.append(customer_id)
    return found


def _run_tiers(tiers: list[tuple[str, dict]], limit: int) -> list[int]:
    if not tiers:
        return []
    params: dict = {}
    ctes, select = _tiers_sql(tiers, limit, params)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {select} ORDER BY tier, pos", params)
        return _in_order(customer_id for _, _, customer_id in cursor.fetchall())


def _run_tiers_else_corrections(
    tiers: list[tuple[str, dict]], limit: int, words: list[str] | None
) -> tuple[list[int], list[list[str]]]:
    """The name tiers and, only when they find nobody, the candidate corrections of `words`,
    in one statement: (customers found, the likeliest corrections of each word)."""
    if words is None:
        return _run_tiers(tiers, limit), []
    params: dict = {"words": words}
    ctes, select = _tiers_sql(tiers, limit, params)
    sql = f"""
        WITH {", ".join(ctes)}, tiers AS ({select})
        SELECT tier, pos, id, NULL::bigint, NULL::text, NULL::real FROM tiers
        UNION ALL
        SELECT NULL, NULL, NULL, c.i, c.word, c.similarity
        FROM ({_CORRECTION_CANDIDATES}) AS c (i, word, similarity)
        WHERE NOT EXISTS (SELECT 1 FROM tiers)
        ORDER BY 1, 2
    """  # noqa: S608 - our statements; what was typed travels as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = _in_order(row[2] for row in rows if row[0] is not None)
    if found:
        return found, []
    candidates: list[list[tuple[str, float]]] = [[] for _ in words]
    for _, _, _, position, word, likeness in rows:
        candidates[position - 1].append((word, likeness))
    return [], [_best_corrections(w, c) for w, c in zip(words, candidates, strict=True)]


def _words_to_correct(words: list[str]) -> tuple[list[str], str] | None:
    """The words typed that typo tolerance corrects, and the last word when it is a letter or
    two still being typed ("jonh smtih j"): it stays a prefix, not a word to correct into
    some other short word. None when there are too many words to guess at."""
    if not words or len(words) > MOST_WORDS_CORRECTED + 1:
        return None
    still_typing = words[-1] if len(words) > 1 and len(words[-1]) <= 2 else ""
    typed = words[:-1] if still_typing else words
    if len(typed) > MOST_WORDS_CORRECTED:
        return None
    return typed, still_typing


def _corrected_tiers(words, typed, still_typing, corrections) -> list[tuple[str, dict]]:
    """Names as the words typed were probably meant ("smtih", "priya de la curz"): the tiers
    to walk, best first."""
    tiers: list[tuple[str, dict]] = []
    tail = "".join(_word_parts(still_typing))
    # Every word corrected, wherever it stands: organisations and names of three words or
    # more ("priya de la curz"), where it is the closest match, so it goes first; the best
    # correction of each word before the others ("juan de la crus": Juan, not Jean).
    if len(words) > 2:
        for candidates in ([c[:1] for c in corrections], corrections):
            if query := _corrected_words_query(candidates):
                tiers.append((_BY_NAME_WORDS, {"words": query, "tail": tail}))
    # Last name [and first name] corrected, when there are no more than two of them.
    if len(typed) <= 2 and corrections[-1]:
        lasts, firsts = corrections[-1], corrections[0] if len(typed) > 1 else []
        if firsts:
            tiers.append((_BY_CORRECTED_LAST_FIRST, {"lasts": lasts, "firsts": firsts}))
        tiers.append((_BY_CORRECTED_LAST, {"lasts": lasts}))
        # A single word may be a first name ("Mcihael" for Michael Williams), two words in
        # either order: each corrected word anywhere in the name.
        if query := _corrected_words_query(corrections):
            tiers.append((_BY_NAME_WORDS, {"words": query, "tail": tail}))
    return tiers


def _name_matches(query: str, limit: int):
    """Customers' accounts whose name is like the query, allowing typos; best first.

    At most two statements: the name as typed, tier by tier, with the candidate corrections
    of each word when that finds nobody; then, only for a name typed wrong, the names the
    corrections make."""
    term = " ".join(name_key(query).replace(",", " ").split())
    words = term.split()
    tiers: list[tuple[str, dict]] = [(_BY_NAME_PREFIX, {"prefix": _like_prefix(term)})]
    # A third word makes first-and-last guesses wrong ("john smith j" is not John Jackson):
    # names of more words are matched word by word below.
    if len(words) == 1:
        tiers.append((_BY_LAST_FIRST, {"last": _like_prefix(words[0]), "first": "%"}))
    elif len(words) == 2:
        # "maria garcia" and "garcia, maria" both name the last name somewhere.
        for last, first in ((words[-1], words[0]), (words[0], words[-1])):
            tiers.append(
                (_BY_LAST_FIRST, {"last": _like_prefix(last), "first": _like_prefix(first)})
            )
    words_query, tail = _words_query(words)
    if words_query:
        tiers.append((_BY_NAME_WORDS, {"words": words_query, "tail": tail}))
    # Typo tolerance only when the name as typed matched nobody: a name that exists needs no
    # guessing, and skipping the guesses keeps common names fast.
    to_correct = _words_to_correct(words)
    found, corrections = _run_tiers_else_corrections(
        tiers, limit, to_correct[0] if to_correct else None
    )
    if not found and corrections:
        typed, still_typing = to_correct
        found = _run_tiers(_corrected_tiers(words, typed, still_typing, corrections), limit)
    if not found:
        return []
    order = {customer_id: i for i, customer_id in enumerate(found)}
    accounts = list(_accounts_queryset().filter(customer_id__in=found))
    accounts.sort(key=lambda a: (order[a.customer_id], a.status != AccountStatus.ACTIVE, a.number))
    return accounts


# Create and maintain -------------------------------------------------------------------


def likely_duplicate_customers(
    *,
    last_name: str,
    organisation_name: str,
    phone: str,
    email: str,
    mail_street: str = "",
    mail_zip: str = "",
) -> list[Customer]:
    """Customers who are probably the one being entered: same name and phone, same e-mail,
    or same name at the same mailing address (a new phone number is common; a new name at
    the same address is not)."""
    name = name_key((organisation_name or last_name or "").strip())
    conditions = Q()
    if phone and name:
        conditions |= Q(search_name__contains=name) & (Q(phone=phone) | Q(alt_phone=phone))
    if email:
        conditions |= Q(email=email.strip().lower())
    found = list(Customer.objects.filter(conditions)[:5]) if conditions else []
    if name and mail_street.strip() and mail_zip:
        # Walk the name indexes (last name, or the organisation's whole name), then compare
        # the few customers of that name by their mailing address.
        same_name = (
            Customer.objects.alias(name=Collate("search_name", "C")).filter(name=name)
            if organisation_name
            else Customer.objects.alias(last=Collate("search_last", "C")).filter(last=name)
        )
        found += [
            customer
            for customer in same_name.filter(
                mail_street__iexact=mail_street.strip(), mail_zip=mail_zip
            )[:5]
            if customer not in found
        ]
    return found[:5]


def likely_duplicates_of(entered: dict) -> list[Customer]:
    """likely_duplicate_customers for a customer form's cleaned data."""
    keys = ["last_name", "organisation_name", "phone", "email", "mail_street", "mail_zip"]
    return likely_duplicate_customers(**{key: entered.get(key, "") for key in keys})


def active_accounts_at_address(premise_key: dict):
    """Open (active or pending) accounts at the address a clerk typed, if it is known."""
    return Account.objects.filter(
        **{f"premise__{k}": v for k, v in premise_key.items()},
        status__in=[AccountStatus.ACTIVE, AccountStatus.PENDING],
    ).select_related("customer", "premise")
