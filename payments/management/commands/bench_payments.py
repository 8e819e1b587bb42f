"""Benchmark counter payments through the real HTTP endpoint.

    python manage.py bench_payments --clients 1,4,8 --seconds 10

Builds (or reuses) a bench database, starts gunicorn with production settings (DEBUG off) on
a free loopback port, signs in one clerk per client (each with an open drawer session), and
has N client threads post take-payment forms with CSRF, exactly as a browser does, for the
given seconds per client count. Every 20th request resends the previous form (same
idempotency key), as a double click would. Reports payments/s and p50/p95 latency, then
checks the invariants in the database. Loopback only, bounded in time.
"""

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

BENCH_PASSWORD = "bench-clerk-password-42"  # noqa: S105 - a throwaway bench database only
DEFAULT_DATABASE_URL = "postgres:///utilityclerk_payments_bench"
ACCOUNTS = 400
RESEND_EVERY = 20


class Command(BaseCommand):
    help = "Post payments over HTTP from concurrent clients against gunicorn; report and verify."

    def add_arguments(self, parser):
        parser.add_argument("--clients", default="1,4,8", help="client counts, e.g. 1,4,8")
        parser.add_argument("--seconds", type=float, default=10.0, help="seconds per client count")
        parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=2, help="gthread threads per worker")
        # Internal: the steps that run inside the bench database's settings.
        parser.add_argument("--phase", choices=["run", "seed", "verify"], default="run")
        parser.add_argument("--clerks", type=int, default=8)
        parser.add_argument("--since", type=int, default=0)
        parser.add_argument("--expected", type=int, default=-1)

    def handle(self, *args, **options):
        if options["phase"] == "seed":
            return self._seed(options["clerks"])
        if options["phase"] == "verify":
            return self._verify(options["since"], options["expected"])
        return self._run(options)

    # Orchestration (runs under the caller's settings; touches only the bench database) ----

    def _env(self, database_url):
        env = dict(os.environ)
        env.update(
            DATABASE_URL=database_url,
            DEBUG="0",
            SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",  # noqa: S106 - bench database only
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            ALLOWED_HOSTS="127.0.0.1",
            LOG_LEVEL="WARNING",
            DJANGO_SETTINGS_MODULE="utilityclerk.settings",
        )
        return env

    def _manage(self, env, *args, capture=False):
        cmd = [sys.executable, str(settings.BASE_DIR / "manage.py"), *args]
        result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
            cmd, env=env, cwd=settings.BASE_DIR, capture_output=capture, text=True, check=False
        )
        if result.returncode != 0:
            raise CommandError(f"{' '.join(args)} failed:\n{result.stderr if capture else ''}")
        return result.stdout

    def _ensure_database(self, database_url):
        import psycopg

        name = database_url.rsplit("/", 1)[-1].split("?")[0]
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or "bench" not in name:
            raise CommandError("The bench database's name must contain 'bench' (it is written to).")
        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def _run(self, options):
        counts = [int(c) for c in options["clients"].split(",") if c.strip()]
        if not counts or max(counts) > 32 or min(counts) < 1:
            raise CommandError("--clients takes counts between 1 and 32, like 1,4,8")
        seconds = min(max(options["seconds"], 1.0), 120.0)
        env = self._env(options["database_url"])
        self._ensure_database(options["database_url"])
        self.stdout.write("Preparing the bench database (migrate, seed, collectstatic)...")
        self._manage(env, "migrate", "--noinput", "-v", "0")
        self._manage(env, "collectstatic", "--noinput", "-v", "0")
        seeded = json.loads(
            self._manage(
                env, "bench_payments", "--phase", "seed", "--clerks", str(max(counts)), capture=True
            )
        )
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - gunicorn from our virtualenv, loopback only
            [
                str(settings.BASE_DIR / ".venv" / "bin" / "gunicorn"),
                "utilityclerk.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options["workers"]),
                "--worker-class",
                "gthread",
                "--threads",
                str(options["threads"]),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        results = []
        try:
            _wait_for(port)
            self.stdout.write(
                f"gunicorn on 127.0.0.1:{port}: {options['workers']} workers x "
                f"{options['threads']} threads, DEBUG off; {os.cpu_count()} CPUs\n"
            )
            sent_keys = 0
            for n in counts:
                cpu_before = _tree_cpu_seconds(server.pid)
                outcome = _load(port, seeded["clerks"][:n], seeded["accounts"], seconds)
                outcome["server_cpu"] = _tree_cpu_seconds(server.pid) - cpu_before
                sent_keys += outcome["distinct_keys"]
                results.append((n, outcome))
                self._report(n, outcome)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(15)
            except subprocess.TimeoutExpired:
                server.kill()
        self.stdout.write("")
        self.stdout.write(
            self._manage(
                env,
                "bench_payments",
                "--phase",
                "verify",
                "--since",
                str(seeded["last_payment_id"]),
                "--expected",
                str(sent_keys),
                capture=True,
            )
        )
        failed = [n for n, o in results if o["errors"]]
        if failed:
            raise CommandError(f"requests failed with {failed} clients")

    def _report(self, n, o):
        lat = sorted(o["latencies"])
        p50 = statistics.median(lat) * 1000 if lat else 0
        p95 = lat[int(len(lat) * 0.95) - 1] * 1000 if lat else 0
        self.stdout.write(
            f"{n:>2} client{'s' if n > 1 else ' '}: {o['posted']:>6} requests in {o['elapsed']:.1f}s "
            f"= {o['posted'] / o['elapsed']:7.1f} payments/s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
            f"   resent {o['resent']}   errors {len(o['errors'])}"
            f"   gunicorn CPU {o['server_cpu'] / max(o['posted'], 1) * 1000:.1f} ms/request"
        )
        for error in o["errors"][:5]:
            self.stdout.write(f"    {error}")

    # Inside the bench database ----------------------------------------------------------

    def _seed(self, clerks):
        from datetime import timedelta

        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from accounts import services as account_services
        from accounts.models import Account, Customer, Premise
        from payments import services
        from payments.models import Drawer, DrawerSession, Payment
        from utilityclerk import business_day

        User = get_user_model()
        group = Group.objects.get(name="Clerk")
        names = []
        for i in range(1, clerks + 1):
            user, created = User.objects.get_or_create(username=f"bench_clerk{i}")
            if created:
                user.set_password(BENCH_PASSWORD)
                user.save()
                user.groups.add(group)
            drawer, _ = Drawer.objects.get_or_create(code=f"B{i}", defaults={"name": f"Bench {i}"})
            if not DrawerSession.objects.filter(opened_by=user, status="open").exists():
                user = User.objects.get(pk=user.pk)  # fresh permission cache
                services.open_drawer_session(
                    drawer=drawer, opening_float=Decimal("200.00"), clerk=user
                )
            names.append(user.username)
        have = Account.objects.filter(customer__last_name__startswith="Bench").count()
        today = business_day.today()
        for i in range(have, ACCOUNTS):
            customer = Customer.objects.create(
                first_name="Pat",
                last_name=f"Bench{i:04d}",
                phone="",
                mail_street=f"{i} BENCH ST",
                mail_city="CIBOLO",
                mail_state="TX",
                mail_zip="78108",
            )
            premise = Premise.objects.create(
                house_number=str(5000 + i),
                street="BENCH ST",
                city="CIBOLO",
                state="TX",
                zip_code="78108",
            )
            account = account_services.open_account(customer=customer, premise=premise, by=None)
            Account.objects.filter(pk=account.pk).update(status="active")
            account_services.post_bill(
                account=account,
                period_start=today - timedelta(days=40),
                period_end=today - timedelta(days=10),
                bill_date=today - timedelta(days=9),
                lines=[
                    account_services.BillLineInput(
                        utility="water", description="Water", amount=Decimal("64.20")
                    )
                ],
            )
        numbers = list(
            Account.objects.filter(customer__last_name__startswith="Bench").values_list(
                "number", flat=True
            )
        )
        last = Payment.objects.order_by("-id").values_list("id", flat=True).first() or 0
        self.stdout.write(
            json.dumps({"clerks": names, "accounts": numbers, "last_payment_id": last})
        )

    def _verify(self, since, expected):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*), COUNT(DISTINCT receipt_number) FROM payments_payment")
            total, distinct = cursor.fetchone()
            cursor.execute(
                "SELECT COALESCE(-SUM(e.amount), 0) FROM accounts_ledgerentry e "
                "WHERE e.kind = 'payment' AND e.id IN (SELECT ledger_entry_id FROM payments_payment "
                "WHERE session_id IS NOT NULL AND status <> 'voided')"
            )
            ledger_sum = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COALESCE(SUM(t.amount), 0) FROM payments_tender t JOIN payments_payment p "
                "ON p.id = t.payment_id WHERE p.session_id IS NOT NULL AND p.status <> 'voided'"
            )
            tender_sum = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COUNT(*) FROM payments_payment p LEFT JOIN accounts_ledgerentry e "
                "ON e.id = p.ledger_entry_id WHERE p.account_id IS NOT NULL AND "
                "(e.id IS NULL OR e.kind <> 'payment' OR e.amount <> -p.amount "
                " OR e.account_id <> p.account_id)"
            )
            orphans = cursor.fetchone()[0]
            cursor.execute(
                "SELECT COUNT(*) FROM accounts_ledgerentry e WHERE e.kind = 'payment' AND "
                "e.reference LIKE 'R%%' AND NOT EXISTS "
                "(SELECT 1 FROM payments_payment p WHERE p.ledger_entry_id = e.id)"
            )
            entries_without_payment = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM payments_payment WHERE id > %s", [since])
            new_payments = cursor.fetchone()[0]

        from payments.models import DrawerSession

        drawer_sum = Decimal("0.00")
        for session in DrawerSession.objects.all():
            expected_totals = session.expected_by_tender()
            drawer_sum += sum(expected_totals.values()) - session.opening_float

        checks = [
            ("receipt numbers unique", total == distinct, f"{distinct} distinct of {total}"),
            (
                "payment ledger entries = tenders = drawer expected totals",
                ledger_sum == tender_sum == drawer_sum,
                f"{ledger_sum} = {tender_sum} = {drawer_sum}",
            ),
            ("every payment has its ledger entry", orphans == 0, f"{orphans} without"),
            (
                "every payment entry has its payment",
                entries_without_payment == 0,
                f"{entries_without_payment} without",
            ),
            (
                "one payment per idempotency key sent (resends posted nothing)",
                expected < 0 or new_payments == expected,
                f"{new_payments} posted for {expected} distinct keys",
            ),
        ]
        ok = True
        for label, passed, detail in checks:
            ok &= passed
            self.stdout.write(f"{'OK  ' if passed else 'FAIL'} {label}: {detail}")
        if not ok:
            raise CommandError("invariants broken")


# The HTTP clients ----------------------------------------------------------------------------


def _tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, from /proc: on a
    shared machine this says what a request costs, whatever else is competing for the cores."""
    total, stack = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            with open(f"/proc/{current}/task/{current}/children") as f:
                stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError, IndexError):
            continue
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(port, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise CommandError("gunicorn did not answer")


class _Client:
    """One signed-in clerk's browser: cookies, CSRF token, a kept-alive connection."""

    def __init__(self, port, username):
        self.port, self.cookies = port, SimpleCookie()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.request("GET", "/login/")
        status, _ = self.request(
            "POST",
            "/login/",
            {"username": username, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": self.csrf},
        )
        if status != 302:
            raise CommandError(f"{username} could not sign in ({status})")

    @property
    def csrf(self):
        return self.cookies["csrftoken"].value

    def request(self, method, path, form=None):
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, OSError):
                # A kept-alive connection the server closed: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.headers


def _load(port, clerks, accounts, seconds):
    clients = [_Client(port, name) for name in clerks]
    lock = threading.Lock()
    outcome = {"posted": 0, "latencies": [], "errors": [], "resent": 0, "distinct_keys": 0}
    start_gate = threading.Barrier(len(clients) + 1)

    def work(client, seed):
        rng = random.Random(seed)
        latencies, errors, resent, keys, last = [], [], 0, 0, None
        start_gate.wait()
        deadline = time.monotonic() + seconds
        i = 0
        while time.monotonic() < deadline:
            i += 1
            if last is not None and i % RESEND_EVERY == 0:
                form, resent = last, resent + 1  # a double click: same key again
            else:
                cents = rng.randint(100, 25000)
                amount = Decimal(cents) / 100
                form = {
                    "amount": f"{amount:.2f}",
                    "channel": "counter",
                    "idempotency_key": str(uuid.uuid4()),
                    "csrfmiddlewaretoken": client.csrf,
                }
                if i % 3 == 0:
                    form.update(check_amount=f"{amount:.2f}", check_number=str(1000 + i))
                else:
                    form["cash_tendered"] = f"{(cents // 500 + 1) * 5:.2f}"
                keys += 1
            number = rng.choice(accounts)
            t0 = time.perf_counter()
            status, headers = client.request("POST", f"/payments/take/{number}/", form)
            latencies.append(time.perf_counter() - t0)
            if status != 302 or "/payments/receipts/R" not in (headers.get("Location") or ""):
                errors.append(f"HTTP {status} for {form['amount']} on {number}")
                if form is not last:
                    keys -= 1  # nothing posted for it (checked by verify)
            last = form
        with lock:
            outcome["latencies"].extend(latencies)
            outcome["errors"].extend(errors)
            outcome["posted"] += len(latencies)
            outcome["resent"] += resent
            outcome["distinct_keys"] += keys

    threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join(seconds + 60)
    outcome["elapsed"] = time.monotonic() - t0
    for c in clients:
        c.conn.close()
    return outcome
