"""Time a bill run over every seeded account: proof, post, print file, and the account page
with its Usage tab. For a database of its own (it moves every premise onto one bench cycle
and keys a read for every active water meter): figures are printed, nothing is asserted."""

import io
import logging
import os
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from accounts.models import Account, Bill
from billing import bills, pdf
from billing.demo import seed_billing
from billing.models import BillRun, Cycle, DraftBill, Route
from utilityclerk import business_day

_READS = """
INSERT INTO billing_meterreading
    (service_point_id, read_on, value, kind, source, status, problem, problem_text,
     previous_id, use, days, entered_at)
SELECT sp.id, %(on)s, (last.value + u.use) %% 10000000, 'actual', 'import', 'ok', '', '',
       last.id, u.use, %(on)s - last.read_on, now()
FROM accounts_servicepoint sp
JOIN LATERAL (
    SELECT r.id, r.value, r.read_on, r.use FROM billing_meterreading r
    WHERE r.service_point_id = sp.id AND r.status IN ('ok', 'accepted')
    ORDER BY r.read_on DESC, r.id DESC LIMIT 1
) last ON last.read_on < %(on)s
CROSS JOIN LATERAL (SELECT greatest(coalesce(last.use, 5000), 0) AS use) u
WHERE sp.utility = 'water'
  AND EXISTS (SELECT 1 FROM accounts_service s WHERE s.premise_id = sp.premise_id
              AND s.utility = 'water' AND s.status = 'active')
"""


def _cpu() -> tuple[float, float | None]:
    """CPU seconds of this process and, where the database runs on this machine, of its
    connection's server process: what a step cost whatever else the machine was doing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        server = None
    return time.process_time(), server


def _cpu_words(before) -> str:
    now = _cpu()
    words = f" (CPU: Python {now[0] - before[0]:.1f} s"
    if now[1] is not None and before[1] is not None:
        words += f", database {now[1] - before[1]:.1f} s"
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    return f"{words}; load average {load})"


class Command(BaseCommand):
    help = (
        "Benchmark a bill run over all seeded accounts (seed_accounts first, on a database "
        "of its own): proof and post times, print-file pages per second, account page queries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--print-bills", type=int, default=100)

    def handle(self, *args, **options):
        if not Account.objects.exists():
            raise CommandError("No accounts: run seed_accounts first (on a bench database).")
        today = business_day.posting_date()
        started = time.monotonic()
        counts = seed_billing()
        self.stdout.write(f"seed_billing {time.monotonic() - started:.1f} s: {counts}")
        with transaction.atomic():
            cycle, _ = Cycle.objects.get_or_create(
                code="BENCH", defaults={"name": "Bench: every premise", "read_day": 28}
            )
            route, _ = Route.objects.get_or_create(
                code="BENCH", defaults={"cycle": cycle, "name": "Every premise"}
            )
            with connection.cursor() as cursor:
                cursor.execute("UPDATE billing_premisebilling SET route_id = %s", [route.pk])
                started = time.monotonic()
                cursor.execute(_READS, {"on": today})
                self.stdout.write(
                    f"reads keyed for {today}: {cursor.rowcount:,} in {time.monotonic() - started:.1f} s"
                )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE billing_meterreading; ANALYZE billing_premisebilling")
        user = get_user_model().objects.filter(is_superuser=False).first()
        run = bills.prepare_bill_run(cycle=cycle, period_end=today, by=user)
        started, cpu = time.monotonic(), _cpu()
        proof = bills.proof_bill_run(run)
        proof_seconds = time.monotonic() - started
        self.stdout.write(
            f"proof: {proof['counts']['Bills']:,} bills, left out {proof['exclusions']}, "
            f"total {proof['totals'].get('Total, all services')} in {proof_seconds:.1f} s"
            f"{_cpu_words(cpu)}"
        )
        chunks = []
        started, cpu = time.monotonic(), _cpu()
        result = bills.post_bill_run(run, lambda done, total: chunks.append(done), by=user)
        post_seconds = time.monotonic() - started
        self.stdout.write(
            f"post: {result['Bills posted']:,} bills in {len(chunks)} chunks, {post_seconds:.1f} s"
            f"{_cpu_words(cpu)}"
        )
        started = time.monotonic()
        again = bills.post_bill_run(BillRun.objects.get(pk=run.pk), by=user)
        self.stdout.write(
            f"post again (resume of a finished run): {again['Bills posted']} posted in "
            f"{time.monotonic() - started:.1f} s"
        )
        ids = list(
            DraftBill.objects.filter(run=run, bill__isnull=False)
            .order_by("account__number")
            .values_list("bill_id", flat=True)[: options["print_bills"]]
        )
        chosen = list(
            Bill.objects.filter(pk__in=ids).select_related("account__customer", "account__premise")
        )
        # WeasyPrint logs every page at INFO: quiet it while the print file renders.
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        started, cpu = time.monotonic(), _cpu()
        document = pdf.bill_pdf(chosen)
        seconds = time.monotonic() - started
        words = _cpu_words(cpu)
        pages = len(PdfReader(io.BytesIO(document)).pages)
        self.stdout.write(
            f"print file: {len(chosen)} bills, {pages} pages, {len(document) / 1e6:.1f} MB in "
            f"{seconds:.1f} s ({pages / seconds:.1f} pages/s, {len(chosen) / seconds:.1f} bills/s)"
            f"{words}"
        )
        account = Account.objects.get(pk=DraftBill.objects.filter(run=run).first().account_id)
        client = Client()
        client.force_login(self._clerk())
        client.get("/")
        url = f"/accounts/{account.number}/usage/"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            started = time.monotonic()
            status = client.get(url).status_code
            ms = (time.monotonic() - started) * 1000
        self.stdout.write(
            f"account page with the Usage tab: {len(queries)} queries, {ms:.0f} ms (status {status})"
        )

    def _clerk(self):
        from django.contrib.auth.models import Group

        user, _ = get_user_model().objects.get_or_create(username="bench-clerk")
        user.groups.add(Group.objects.get(name="Clerk"))
        return user
