"""Measure search, the account page and aging on whatever data the database holds.

Prints figures, asserts nothing: wall-clock budgets belong to a quiet machine, not to CI.
Server time is measured in this process (the request through middleware, view, queries and
template), so no network or browser time is included. Run it against a seeded database:

    DATABASE_URL=postgres:///utilityclerk_bench DEBUG=0 SECRET_KEY=x SECURE_SSL_REDIRECT=0 \\
        python manage.py bench_accounts --queries 1000 --pages 200

`testserver` is added to ALLOWED_HOSTS for the run, and requests are made as HTTPS so a
production-like SECURE_SSL_REDIRECT does not turn them into redirects.
"""

import logging
import random
import re
import statistics
import time
import traceback
import warnings
from collections import Counter, defaultdict
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts import queries
from accounts.validation import format_account_number, format_phone, luhn_check_digit

BENCH_USERNAME = "bench-clerk"
TABS = ["ledger", "bills", "services", "notes", "history"]

# Share of each kind of query in the mix, out of 100.
QUERY_MIX = {
    "account number 1234567-4": 8,
    "account number 12345674": 8,
    "account number, wrong check digit": 3,
    "phone": 14,
    "e-mail": 8,
    "address": 15,
    "last name": 9,
    "full name": 9,
    "name with a typo": 13,
    "partial name": 7,
    "organisation": 4,
    "no match": 2,
}
# Always in the mix, as the brief's examples.
FIXED_QUERIES = [
    ("name with a typo", "jonson"),
    ("name with a typo", "garcai"),
    ("last name", "Smith"),
    ("last name", "Nguyen"),
    ("address", "123 Main"),
    ("partial name", "john"),
    ("word inside a name", "de la cruz"),
    ("word inside a name", "methodist church"),
    ("word inside a name", "family medicine"),
    ("name with a typo", "priya de la curz"),
    ("name with a typo", "spur methodst"),
    ("name with a typo", "smtih"),
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def typo(rng: random.Random, word: str) -> str:
    """One slip of the keyboard: a letter dropped, doubled, swapped or a vowel changed."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    vowels = "aeiou"
    positions = [j for j, ch in enumerate(word) if ch in vowels and j > 0]
    if not positions:
        return word[:i] + word[i + 1 :]
    j = rng.choice(positions)
    return word[:j] + rng.choice([v for v in vowels if v != word[j]]) + word[j + 1 :]


def phone_as_typed(rng: random.Random, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    return rng.choice(
        [
            format_phone(digits),
            f"{a}-{b}-{c}",
            f"{a}.{b}.{c}",
            digits,
            f"+1 {a} {b} {c}",
            f"1-{a}-{b}-{c}",
            f"({a}){b}-{c}",
        ]
    )


class Command(BaseCommand):
    help = "Time search, the account page and its tabs, and aging. Prints figures only."

    def add_arguments(self, parser):
        parser.add_argument("--queries", type=int, default=1000)
        parser.add_argument("--pages", type=int, default=200, help="accounts to open")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options):
        rng = random.Random(options["seed"])
        self.names_by_number: dict[str, str] = {}
        with self._bench_settings(), self._quiet_request_log():
            self._counts()
            user = self._bench_user()
            query_list = self._build_queries(rng, options["queries"])
            self._bench_search(query_list)
            self._bench_search_view(query_list, user)
            self._bench_pages(rng, options["pages"], user)
            self._bench_aging()

    # Setup ---------------------------------------------------------------------------------

    @contextmanager
    def _bench_settings(self):
        overrides = {"ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"]}
        static = settings.STORAGES["staticfiles"]["BACKEND"]
        manifest = settings.STATIC_ROOT and (settings.STATIC_ROOT / "staticfiles.json").exists()
        if "Manifest" in static and not manifest:
            # Without collectstatic every {% static %} would fail; the URL it prints does not
            # change what is measured.
            self.stdout.write("(no collected static files: plain static storage for the run)")
            overrides["STORAGES"] = {
                **settings.STORAGES,
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
        with override_settings(**overrides), warnings.catch_warnings():
            # WhiteNoise warns once that STATIC_ROOT was never collected; nothing is served.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            yield

    @contextmanager
    def _quiet_request_log(self):
        # 404s and 500s are counted and reported below instead of logged one by one.
        logger = logging.getLogger("django.request")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        try:
            yield
        finally:
            logger.setLevel(level)

    def _counts(self):
        with connection.cursor() as cursor:
            figures = []
            for label, table in [
                ("customers", "accounts_customer"),
                ("accounts", "accounts_account"),
                ("ledger entries", "accounts_ledgerentry"),
                ("bills", "accounts_bill"),
            ]:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
                figures.append(f"{cursor.fetchone()[0]:,} {label}")
        self.stdout.write(f"Database {connection.settings_dict['NAME']}: " + ", ".join(figures))

    def _bench_user(self):
        user, created = get_user_model().objects.get_or_create(
            username=BENCH_USERNAME, defaults={"first_name": "Bench", "last_name": "Clerk"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.add(Group.objects.get(name="Clerk"))
        return user

    # Queries -------------------------------------------------------------------------------

    def _sample(self, rng: random.Random, wanted: int) -> list[dict]:
        """About `wanted` random accounts with their customer and premise, two thirds of them
        open accounts (whom a counter is mostly asked about). Repeatable: the sample has a
        seed and is put in id order before the seeded shuffle."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM accounts_account")
            total = cursor.fetchone()[0] or 1
            percent = min(100.0, wanted * 4 * 100 / total)
            cursor.execute(
                """
                SELECT a.number, a.status, c.kind, c.first_name, c.last_name,
                       c.organisation_name, c.phone, c.alt_phone, c.email,
                       p.house_number, p.street, p.unit
                FROM accounts_account a TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s)
                JOIN accounts_customer c ON c.id = a.customer_id
                JOIN accounts_premise p ON p.id = a.premise_id
                ORDER BY a.id
                """,
                [percent, rng.randrange(1_000_000)],
            )
            names = [col.name for col in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        rng.shuffle(rows)
        open_ = [r for r in rows if r["status"] in ("active", "final", "collections")]
        other = [r for r in rows if r["status"] not in ("active", "final", "collections")]
        picked = []
        for _ in range(min(wanted, len(rows))):
            pool = open_ if open_ and (rng.random() < 0.67 or not other) else other
            picked.append(rng.choice(pool))
        return picked

    def _build_queries(self, rng: random.Random, count: int) -> list[tuple[str, str, str]]:
        """(kind, query, account number it should find or "") in a fixed, seeded mix."""
        sample = self._sample(rng, count)
        if not sample:
            self.stdout.write("No accounts: seed some first (manage.py seed_accounts).")
            return []
        kinds = list(QUERY_MIX)
        weights = list(QUERY_MIX.values())
        built = [(kind, q, "") for kind, q in FIXED_QUERIES]
        attempts = 0
        while len(built) < count and attempts < count * 20:
            attempts += 1
            kind = rng.choices(kinds, weights)[0]
            row = rng.choice(sample)
            made = self._query_for(rng, kind, row)
            if made:
                built.append((kind, made, row["number"]))
                self.names_by_number[row["number"]] = (
                    [row["first_name"].lower(), row["last_name"].lower()]
                    if row["kind"] == "person"
                    else [row["organisation_name"].lower()]
                )
        return built[:count]

    def _query_for(self, rng, kind: str, row: dict) -> str | None:
        number = row["number"]
        person = row["kind"] == "person"
        first, last = row["first_name"].lower(), row["last_name"].lower()
        if kind == "account number 1234567-4":
            return format_account_number(number)
        if kind == "account number 12345674":
            return number
        if kind == "account number, wrong check digit":
            wrong = str((int(luhn_check_digit(number[:-1])) + rng.randint(1, 9)) % 10)
            return format_account_number(number[:-1] + wrong)
        if kind == "phone":
            return phone_as_typed(rng, row["phone"]) if row["phone"] else None
        if kind == "e-mail":
            email = row["email"]
            return (email.upper() if rng.random() < 0.2 else email) if email else None
        if kind == "address":
            street = row["street"]
            words = [w for w in street.split() if w not in ("N", "S", "E", "W")]
            style = rng.randrange(4)
            if style == 0:
                text = f"{row['house_number']} {words[0].title()}"
            elif style == 1:
                text = f"{row['house_number']} {street.title()}"
            elif style == 2:
                text = f"{row['house_number']} {' '.join(words).lower()}"
            else:
                text = f"{row['house_number']} {typo(rng, words[0].lower())}"
            if row["unit"] and rng.random() < 0.7:
                text += rng.choice([f" #{row['unit']}", f" apt {row['unit']}"])
            return text
        if kind == "organisation":
            if person:
                return None
            words = row["organisation_name"].split()
            return " ".join(words[: rng.randint(1, min(2, len(words)))])
        if kind == "no match":
            return rng.choice(["zzqxv", "999999 Nowhere Blvd", "qwerty uiop", "xylophone"])
        if not person or not last:
            return None
        if kind == "last name":
            return last if rng.random() < 0.5 else last.title()
        if kind == "full name":
            return f"{first} {last}" if rng.random() < 0.8 else f"{last}, {first}"
        if kind == "name with a typo":
            if rng.random() < 0.6:
                return typo(rng, last)
            return f"{first} {typo(rng, last)}"
        if kind == "partial name":
            if rng.random() < 0.5:
                return last[: max(3, len(last) - rng.randint(1, 3))]
            return f"{first} {last[:3]}"
        return None

    # Search ---------------------------------------------------------------------------------

    def _bench_search(self, query_list):
        if not query_list:
            return
        for _, q, _ in query_list[:30]:  # warm the plan cache and the buffers
            queries.search(q)
        timings: dict[str, list[float]] = defaultdict(list)
        found: Counter = Counter()
        found_name: Counter = Counter()
        expected: Counter = Counter()
        most_queries = 0
        for kind, q, number in query_list:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                outcome = queries.search(q)
                timings[kind].append(time.perf_counter() - started)
            most_queries = max(most_queries, len(captured))
            if number and kind != "account number, wrong check digit":
                expected[kind] += 1
                found[kind] += any(r.number == number for r in outcome.results)
                # A common name has more holders than one screen lists: the clerk then narrows
                # by address, so finding someone of that very name is what a name search owes.
                found_name[kind] += any(
                    self._same_name(q, self.names_by_number[number], r.name)
                    for r in outcome.results
                )
        everything = [t for values in timings.values() for t in values]
        self.stdout.write("")
        self.stdout.write(
            f"Search: accounts.queries.search(q), {len(everything)} queries, "
            f"at most {most_queries} SQL queries each"
        )
        self._timing_table(timings, everything, found, expected, found_name)

    @staticmethod
    def _same_name(query: str, name_parts: list[str], result_name: str) -> bool:
        """Does the result carry the name the query meant? The last name always (or the
        organisation's name); the first name too when the query gave it."""
        result = result_name.lower()
        if len(name_parts) == 1:
            return name_parts[0] in result
        first, last = name_parts
        typed = query.lower().replace(",", " ").split()
        wanted = [first, last] if first in typed else [last]
        return all(part in result for part in wanted)

    def _bench_search_view(self, query_list, user):
        if not query_list:
            return
        client = Client(raise_request_exception=False)
        client.force_login(user)
        headers = {"HX-Request": "true"}
        for _, q, _ in query_list[:30]:
            client.get("/search/", {"q": q}, headers=headers, secure=True)
        timings: dict[str, list[float]] = defaultdict(list)
        statuses: Counter = Counter()
        most_queries, first_error = 0, None
        for kind, q, _ in query_list:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get("/search/", {"q": q}, headers=headers, secure=True)
                timings[kind].append(time.perf_counter() - started)
            statuses[response.status_code] += 1
            most_queries = max(most_queries, len(captured))
            if response.status_code >= 500 and first_error is None:
                first_error = self._error_text(response)
        everything = [t for values in timings.values() for t in values]
        self.stdout.write("")
        self.stdout.write(
            f"Search through the view: GET /search/?q=… with HX-Request as {user.username}, "
            f"status {dict(statuses)}, at most {most_queries} SQL queries per request"
        )
        self._timing_table(timings, everything)
        if first_error:
            self.stdout.write(f"  first server error: {first_error}")

    def _timing_table(self, timings, everything, found=None, expected=None, found_name=None):
        header = f"  {'':<36}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
        if found is not None:
            header += "  found: the account  the name"
        self.stdout.write(header)
        rows = [("all", everything), *sorted(timings.items())]
        for kind, values in rows:
            line = (
                f"  {kind:<36}{len(values):>5}{_ms(percentile(values, 50)):>9}"
                f"{_ms(percentile(values, 95)):>9}{_ms(max(values)):>9}"
            )
            if found is not None and expected.get(kind):
                line += f"  {f'{found[kind]}/{expected[kind]}':>18}"
                line += f"  {f'{found_name[kind]}/{expected[kind]}':>8}"
            self.stdout.write(line)

    # Account page ---------------------------------------------------------------------------

    def _page_accounts(self, rng: random.Random, count: int) -> list[str]:
        """Accounts with a billing history, picked at random (repeatably)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(DISTINCT account_id) FROM accounts_bill")
            billed = cursor.fetchone()[0] or 1
            # Sample enough of the whole table to find `count` billed accounts three times over.
            percent = min(100.0, count * 3 * 100 / billed)
            cursor.execute(
                """
                SELECT a.number FROM accounts_account a TABLESAMPLE BERNOULLI (%s) REPEATABLE (%s)
                WHERE EXISTS (SELECT 1 FROM accounts_bill b WHERE b.account_id = a.id)
                ORDER BY a.id
                """,
                [percent, rng.randrange(1_000_000)],
            )
            numbers = [row[0] for row in cursor.fetchall()]
        rng.shuffle(numbers)
        return numbers[:count]

    def _bench_pages(self, rng, count: int, user):
        numbers = self._page_accounts(rng, count)
        self.stdout.write("")
        if not numbers:
            self.stdout.write("Account page: no account with bills to open.")
            return
        client = Client(raise_request_exception=False)
        client.force_login(user)
        pages = [("/accounts/{n}/", "page", {})] + [
            (f"/accounts/{{n}}/{tab}/", "tab", {"HX-Request": "true", "HX-Target": "tab-panel"})
            for tab in TABS
        ]
        self.stdout.write(
            f"Account page and tabs: {len(numbers)} accounts with bills, signed in as "
            f"{user.username}; tabs fetched as HTMX fragments (HX-Target: tab-panel)"
        )
        self.stdout.write(
            f"  {'':<28}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'max SQL':>9}  status"
        )
        for template, _, headers in pages:
            for number in numbers[:5]:  # warm templates and plans
                client.get(template.format(n=number), headers=headers, secure=True)
            timings, statuses, most_queries, first_error = [], Counter(), 0, None
            for number in numbers:
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    response = client.get(template.format(n=number), headers=headers, secure=True)
                    elapsed = time.perf_counter() - started
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    timings.append(elapsed)
                    most_queries = max(most_queries, len(captured))
                elif response.status_code >= 500 and first_error is None:
                    first_error = self._error_text(response)
            label = template.replace("{n}", "<number>")
            if not timings:
                reason = "not available" if set(statuses) == {404} else "failed"
                self.stdout.write(f"  {label:<28}{reason}  status {dict(statuses)}")
            else:
                self.stdout.write(
                    f"  {label:<28}{len(timings):>5}{_ms(percentile(timings, 50)):>9}"
                    f"{_ms(percentile(timings, 95)):>9}{_ms(max(timings)):>9}"
                    f"{most_queries:>9}  {dict(statuses)}"
                )
            if first_error:
                self.stdout.write(f"    first server error: {first_error}")

    @staticmethod
    def _error_text(response) -> str:
        if getattr(response, "exc_info", None):
            lines = traceback.format_exception(*response.exc_info)
            return re.sub(r"\s+", " ", "".join(lines[-3:]))[:500]
        return f"HTTP {response.status_code}"

    # Aging ----------------------------------------------------------------------------------

    def _bench_aging(self):
        self.stdout.write("")
        started = time.perf_counter()
        rows = queries.aging_for_all_accounts()
        all_seconds = time.perf_counter() - started
        started = time.perf_counter()
        totals = queries.aging_totals()
        totals_seconds = time.perf_counter() - started
        self.stdout.write(
            f"Aging: aging_for_all_accounts() {len(rows):,} rows in {all_seconds:.2f} s; "
            f"aging_totals() in {totals_seconds:.2f} s"
        )
        buckets = ", ".join(f"{label} {amount:,}" for label, amount in totals.buckets())
        self.stdout.write(f"  balance {totals.balance:,}: {buckets}")
        statistics_line = [a.balance for a in rows.values() if a.balance]
        if statistics_line:
            self.stdout.write(
                f"  accounts with a balance: {len(statistics_line):,}, median "
                f"{statistics.median(statistics_line):,}"
            )
