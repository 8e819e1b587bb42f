"""Benchmark the report catalogue at the seed's scale.

    DATABASE_URL=postgres:///utilityclerk_bench DEBUG=0 SECRET_KEY=x SECURE_SSL_REDIRECT=0 \
        python manage.py bench_reports [--repeat 10]

Times each catalogue report on screen (the first page, with its count and totals) through
django.test.Client as a supervisor: p50/p95 server time and SQL queries; the aging reports
also as of the end of last month, and with a bill run's worth of postings (--unfolded, one
charge on each of that many accounts, rolled back afterwards) not yet folded into the aging
summary, and the fold of them; the supervisor dashboard the same way; then exports every
ledger row as CSV through the streaming response, with rows/s and the process's resident
memory while streaming. Prints figures and asserts nothing about time. Load data first with
`seed_accounts --accounts 100000 --extra-customers 900000`. Run it against a bench database.
"""

import resource
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from reports.catalogue import Report, all_reports
from utilityclerk import business_day

# Wider filters than the defaults where a report's default would show little.
BENCH_FILTERS = {
    "payments": {"period": "last_30"},
    "adjustments": {"start": "2020-01-01"},
    "ledger": {"period": "last_30"},
    "work_orders": {"period": "last_30"},
    "contacts": {"period": "last_30"},
    "audit_trail": {"period": "last_30"},
}


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time every report on screen, the dashboard, and a CSV of every ledger row."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=10)
        parser.add_argument("--skip-csv", action="store_true")
        parser.add_argument("--only", default="", help="comma-separated report codes")
        parser.add_argument(
            "--unfolded",
            type=int,
            default=25_000,
            help="accounts charged (and rolled back) to time the aging with postings not "
            "folded yet (0: skip)",
        )

    def handle(self, *args, repeat, skip_csv, only, unfolded, **options):
        wanted = {code for code in only.split(",") if code}
        user, _ = get_user_model().objects.get_or_create(username="bench-reports")
        user.groups.add(Group.objects.get(name="Supervisor"))
        client = Client()
        client.force_login(user)
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM accounts_ledgerentry")
            (entries,) = cursor.fetchone()
            cursor.execute("SELECT COUNT(*) FROM accounts_customer")
            (customers,) = cursor.fetchone()
        self.stdout.write(f"{customers:,} customers, {entries:,} ledger entries")
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            self.stdout.write(f"{'report':<34} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8}")
            for report in all_reports():
                if not isinstance(report, Report) or (wanted and report.code not in wanted):
                    continue
                data = dict(BENCH_FILTERS.get(report.code, {}))
                if report.code == "audit_trail":
                    data["user"] = get_user_model().objects.order_by("pk").first().pk
                self._time(client, report.url, data, report.code, repeat)
            month_end = business_day.today().replace(day=1) - timedelta(days=1)
            for code in ("aging_summary", "aging_detail"):
                if not wanted or code in wanted:
                    url = reverse("reports:run", args=[code])
                    self._time(client, url, {"as_of": month_end}, f"{code} @{month_end}", repeat)
            if unfolded and (not wanted or wanted & {"aging_summary", "aging_detail"}):
                self._unfolded(client, unfolded, repeat)
            self._time(client, reverse("reports:dashboard"), {}, "dashboard", repeat * 3)
            if not skip_csv:
                self._csv(client)

    def _time(self, client, url, data, label, repeat):
        client.get(url, data)  # warm: templates, plans, the session's renewal
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url, data)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, data)
        assert response.status_code == 200, (label, response.status_code)
        self.stdout.write(
            f"{label:<34} {statistics.median(times):9.1f} {_percentile(times, 0.95):9.1f} "
            f"{len(queries):8d}"
        )
        self.stdout.flush()

    def _unfolded(self, client, accounts, repeat):
        """A charge on each of `accounts` accounts in one statement (as a bill run posts),
        not folded: the aging reports age those accounts again from their newest charges.
        Then the fold of them. All rolled back."""
        from accounts import aging_summary

        with transaction.atomic():
            aging_summary.fold()
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO accounts_ledgerentry (account_id, kind, amount, business_date, "
                    "due_date, posted_at, reference, memo, reason_code) "
                    "SELECT account_id, 'late_fee', 5.00, %(today)s, %(today)s, now(), '', "
                    "'bench_reports', '' FROM accounts_accountbalance ORDER BY account_id "
                    "LIMIT %(accounts)s",
                    {"today": business_day.today(), "accounts": accounts},
                )
            for code in ("aging_summary", "aging_detail"):
                url = reverse("reports:run", args=[code])
                self._time(client, url, {}, f"{code} +{accounts:,} unfolded", repeat)
            start = time.perf_counter()
            folded = aging_summary.fold()
            self.stdout.write(
                f"fold of {folded:,} accounts' postings: {time.perf_counter() - start:.1f} s"
            )
            transaction.set_rollback(True)

    def _csv(self, client):
        """Every ledger row through the streaming response, the process's resident memory
        sampled every 250,000 rows: flat while it streams."""
        url = reverse("reports:run", args=["ledger"])
        start = time.perf_counter()
        response = client.get(url, {"start": "1900-01-01", "format": "csv", "sort": "entry"})
        lines = size = 0
        samples = [_rss_mb()]
        next_sample = 250_000
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
            if lines >= next_sample:
                next_sample += 250_000
                samples.append(_rss_mb())
                self.stdout.write(f"  {lines:,} rows, RSS {samples[-1]:.0f} MB")
                self.stdout.flush()
        seconds = time.perf_counter() - start
        rows = lines - 2  # less the header and the total
        self.stdout.write(
            f"CSV of every ledger row: {rows:,} rows, {size / 1e6:.0f} MB in {seconds:.0f} s "
            f"({rows / seconds:,.0f} rows/s); resident memory {min(samples):.0f}-"
            f"{max(samples):.0f} MB while streaming"
        )


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6
