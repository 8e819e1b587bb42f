"""Fault drill: payments from several clerks against two app servers while a gunicorn worker
is SIGKILLed and (with --restart-postgres) PostgreSQL is restarted; then the money is proven.

    python manage.py fault_drill [--restart-postgres] [--clerks 6] [--seconds 40]

Uses a database of its own (--database-url, whose name must contain 'drill'): migrates it,
seeds clerks with open drawers and accounts, starts two gunicorn servers from
deploy/gunicorn.conf.py (DEBUG off), and has the clerks post payments to them in turn, each
retrying a lost answer with the same form key. At --kill-at seconds one worker of the first
server is SIGKILLed; at --restart-at seconds PostgreSQL restarts (the whole cluster: every
other database on it sees the restart too, so run it only where that is acceptable). It
prints, per fault, the requests that failed, what the clerk saw, and the time to recover;
then the invariants (one receipt per key, retries get their receipt, nothing half-posted)
and `reconcile`. Exits non-zero when any of them fails.
"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports import drill

DEFAULT_DATABASE_URL = "postgres:///utilityclerk_fault_drill"


class Command(BaseCommand):
    help = "Payments under load while a worker is killed and PostgreSQL restarts; prove it."

    def add_arguments(self, parser):
        parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
        parser.add_argument("--clerks", type=int, default=6)
        parser.add_argument("--accounts", type=int, default=40)
        parser.add_argument("--seconds", type=float, default=40.0)
        parser.add_argument("--kill-at", type=float, default=8.0)
        parser.add_argument("--restart-postgres", action="store_true")
        parser.add_argument("--restart-at", type=float, default=20.0)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--threads", type=int, default=2)
        # Internal: steps that run inside the drill database's settings.
        parser.add_argument("--phase", choices=["run", "seed", "verify"], default="run")
        parser.add_argument("--sent-file", default="")

    def handle(self, *args, **options):
        if options["phase"] == "seed":
            names, accounts = drill.seed(options["clerks"], options["accounts"])
            self.stdout.write(json.dumps({"clerks": names, "accounts": accounts}))
            return None
        if options["phase"] == "verify":
            return self._verify(options["sent_file"])
        return self._run(options)

    # Orchestration --------------------------------------------------------------------

    def _env(self, url):
        return {
            **os.environ,
            "DATABASE_URL": url,
            "DEBUG": "0",
            "SECRET_KEY": "fault-drill-only-secret-key-not-for-production-0123456789",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "INFO",
            "DJANGO_SETTINGS_MODULE": "utilityclerk.settings",
        }

    def _manage(self, env, *args):
        result = subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
            [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), *args],
            env={**env, "LOG_LEVEL": "WARNING"},
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _fresh_database(self, url):
        import psycopg

        name = url.rsplit("/", 1)[-1].split("?")[0]
        if "drill" not in name:
            raise CommandError("The drill database's name must contain 'drill' (it is rebuilt).")
        with psycopg.connect(dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')

    def _run(self, options):
        url = options["database_url"]
        env = self._env(url)
        self.stdout.write(f"Preparing {url} (fresh database, migrate, collectstatic, seed)...")
        self._fresh_database(url)
        self._manage(env, "migrate", "--no-input", "-v", "0")
        self._manage(env, "collectstatic", "--no-input", "-v", "0")
        seeded = json.loads(
            self._manage(
                env,
                "fault_drill",
                "--phase",
                "seed",
                "--clerks",
                str(options["clerks"]),
                "--accounts",
                str(options["accounts"]),
            )
            .strip()
            .splitlines()[-1]
        )
        work = Path(tempfile.mkdtemp(prefix="fault-drill-"))
        servers = [
            drill.AppServer(
                env, workers=options["workers"], threads=options["threads"], log_dir=work
            ).start()
            for _ in range(2)
        ]
        ports = [s.port for s in servers]
        self.stdout.write(
            f"Two app servers on 127.0.0.1:{ports[0]} and :{ports[1]} "
            f"({options['workers']} workers x {options['threads']} threads each), "
            f"{options['clerks']} clerks, {options['seconds']:.0f} s of payments"
        )
        faults = []
        try:
            clerks = [drill.Clerk(n, drill.DRILL_PASSWORD, ports) for n in seeded["clerks"]]
            outcome = {}

            def load():
                outcome["sent"], outcome["started"] = drill.run_clerks(
                    clerks, seeded["accounts"], seconds=options["seconds"], resend_every=5
                )

            loader = threading.Thread(target=load)
            loader.start()
            t0 = time.monotonic()
            plan = [(options["kill_at"], "kill")]
            if options["restart_postgres"]:
                plan.append((options["restart_at"], "restart"))
            for at, what in sorted(plan):
                time.sleep(max(0.0, at - (time.monotonic() - t0)))
                if what == "kill":
                    pid = servers[0].kill_a_worker()
                    faults.append(
                        {
                            "fault": f"SIGKILL of gunicorn worker {pid} on :{ports[0]}",
                            "at": time.monotonic() - t0,
                            "took": 0.0,
                            "port": ports[0],
                        }
                    )
                else:
                    began = time.monotonic() - t0
                    took = _restart_postgres()
                    faults.append(
                        {
                            "fault": "PostgreSQL restart (pg_ctlcluster restart)",
                            "at": began,
                            "took": took,
                            "port": None,
                        }
                    )
            loader.join()
            for clerk in clerks:
                clerk.close()
        finally:
            for server in servers:
                server.stop()
        sent = outcome["sent"]
        reconnects = [
            (at - outcome["started"], port, error)
            for clerk in clerks
            for at, port, error in clerk.reconnects
        ]
        self._report(sent, faults, t0 - outcome["started"], reconnects)
        sent_file = work / "sent.json"
        sent_file.write_text(
            json.dumps(
                [
                    {
                        "key": s.key,
                        "receipt": s.receipt,
                        "resent_receipt": s.resent_receipt,
                        "amount": str(s.amount),
                        "clerk": s.clerk,
                        "account": s.account,
                    }
                    for s in sent
                ]
            )
        )
        verdict = subprocess.run(  # noqa: S603 - our own manage.py
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "fault_drill",
                "--phase",
                "verify",
                "--sent-file",
                str(sent_file),
            ],
            env={**env, "LOG_LEVEL": "WARNING"},
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
        self.stdout.write(verdict.stdout)
        if verdict.returncode != 0:
            raise CommandError(f"The money does not hold after the faults.\n{verdict.stderr}")
        self.stdout.write(self.style.SUCCESS("Fault drill passed."))
        return None

    def _report(self, sent, faults, offset, reconnects):
        attempts = [(a, s) for s in sent for a in s.attempts]
        failed = [(a, s) for a, s in attempts if not a.outcome.startswith("receipt ")]
        self.stdout.write("")
        self.stdout.write(
            f"{len(sent)} payments, {len(attempts)} requests, {len(failed)} failed and retried "
            f"with the same form key; {sum(1 for s in sent if s.resent_receipt)} sent twice"
        )
        for a, s in sorted(failed, key=lambda pair: pair[0].at)[:30]:
            self.stdout.write(
                f"    failed at {a.at - offset:5.1f} s on :{a.port} after {a.seconds:.1f} s: "
                f"{a.outcome} ({s.clerk}, form key {s.key[:8]})"
            )
        self.stdout.write(
            f"{len(reconnects)} requests sent again at once on a new connection after a "
            "kept-alive one dropped (as a browser does; not counted as failed)"
        )
        ends = [f["at"] + offset for f in faults[1:]] + [float("inf")]
        for fault, end in zip(faults, ends, strict=True):
            start = fault["at"] + offset
            window = [
                (a, s)
                for a, s in failed
                if start <= a.at + a.seconds < end and (fault["port"] in (None, a.port))
            ]
            dropped = Counter(
                error
                for at, port, error in reconnects
                if start <= at < end and fault["port"] in (None, port)
            )
            after = sorted(
                a.at + a.seconds
                for a, _ in attempts
                if a.at >= start
                and a.outcome.startswith("receipt ")
                and fault["port"] in (None, a.port)
            )
            # Recovered once every failed request of the window has been retried into a
            # receipt: the last of those receipts.
            recovered_at = None
            failed_keys = {s.key for _, s in window}
            if failed_keys:
                recovered_at = max(
                    a.at + a.seconds
                    for s in sent
                    if s.key in failed_keys
                    for a in s.attempts
                    if a.outcome.startswith("receipt ")
                )
            seen = Counter(a.outcome for a, _ in window)
            self.stdout.write(f"- {fault['fault']} at {fault['at']:.1f} s:")
            if fault["took"]:
                self.stdout.write(f"    the restart itself took {fault['took']:.1f} s")
            self.stdout.write(
                f"    {len(window)} requests failed ({len(failed_keys)} payments); the clerk saw: "
                + (", ".join(f"{n} x {what}" for what, n in seen.most_common()) or "nothing")
            )
            if dropped:
                self.stdout.write(
                    "    sent again on a new connection: "
                    + ", ".join(f"{n} x {what}" for what, n in dropped.most_common())
                )
            first = next(iter(after), None)
            self.stdout.write(
                "    first receipt after the fault "
                + (f"{first - start:.1f} s later" if first is not None else "never")
                + (
                    f"; every failed payment had its receipt {recovered_at - start:.1f} s after"
                    if recovered_at is not None
                    else ""
                )
            )

    # Inside the drill database ----------------------------------------------------------

    def _verify(self, sent_file):
        from decimal import Decimal

        rows = json.loads(Path(sent_file).read_text())
        sent = [
            drill.Sent(
                r["clerk"],
                r["account"],
                Decimal(r["amount"]),
                r["key"],
                receipt=r["receipt"],
                resent_receipt=r["resent_receipt"],
            )
            for r in rows
        ]
        ok = True
        for label, held, detail in drill.invariants(sent):
            ok &= held
            self.stdout.write(f"{'OK  ' if held else 'FAIL'} {label}: {detail}")
        from django.core.management import call_command

        try:
            call_command("reconcile", stdout=self.stdout)
        except CommandError:
            ok = False
        if not ok:
            raise CommandError("invariants broken")


def _restart_postgres() -> float:
    versions = sorted(os.listdir("/etc/postgresql"))
    t = time.monotonic()
    subprocess.run(  # noqa: S603
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"],  # noqa: S607
        check=True,
        capture_output=True,
    )
    return time.monotonic() - t
