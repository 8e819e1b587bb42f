"""App servers for real, and clerks posting payments to them over HTTP, as a browser does.

Used by the two-server test (tests/core/test_two_servers.py) and the fault drill
(`manage.py fault_drill`). Each server is gunicorn with deploy/gunicorn.conf.py on its own
loopback port; each clerk signs in once (CSRF, session cookie) and sends every payment to
the next server in turn, as a load balancer would. A payment whose answer is lost (a worker
killed, the database restarting) is sent again with the same form key until a receipt
comes back: the form key makes the retry safe, and the drill checks it is.
"""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

RECEIPT = re.compile(r"/payments/receipts/(R\d+)/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """One gunicorn app server (the deploy/ config), its JSON log lines kept in a file."""

    def __init__(self, env: dict, *, workers: int = 2, threads: int = 2, log_dir: Path):
        self.port = free_port()
        self.log_path = log_dir / f"server-{self.port}.log"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_WORKERS": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_LOG_LEVEL": "warning",
            "PYTHONUNBUFFERED": "1",
        }
        self.process = None

    def start(self, timeout: float = 60.0):
        gunicorn = Path(settings.BASE_DIR) / ".venv" / "bin" / "gunicorn"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our gunicorn, loopback only
            [str(gunicorn), "-c", "deploy/gunicorn.conf.py"],
            env=self.env,
            cwd=settings.BASE_DIR,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_path.read_text()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200 and len(self.worker_pids()) > 0:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn on {self.port} did not answer")

    def worker_pids(self) -> list[int]:
        try:
            with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as f:
                return [int(pid) for pid in f.read().split()]
        except OSError:
            return []

    def kill_a_worker(self) -> int:
        """SIGKILL one worker mid-request, as the OOM killer or a crash would."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        if getattr(self, "_log", None):
            self._log.close()

    def log_lines(self) -> list[dict]:
        """The app's JSON lines (gunicorn's own plain-text notices are left out)."""
        lines = []
        for raw in self.log_path.read_text().splitlines():
            if raw.startswith("{"):
                lines.append(json.loads(raw))
        return lines


class Clerk:
    """One signed-in clerk's browser: cookies, CSRF token, one connection per server."""

    def __init__(self, username: str, password: str, ports: list[int]):
        self.username, self.ports, self.cookies = username, ports, SimpleCookie()
        self.reconnects: list[tuple[float, int, str]] = []
        self.conns: dict[int, http.client.HTTPConnection] = {}
        port = ports[0]
        self.request(port, "GET", "/login/")
        status, _ = self.request(
            port,
            "POST",
            "/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf},
        )
        if status != 302:
            raise RuntimeError(f"{username} could not sign in ({status})")

    @property
    def csrf(self) -> str:
        return self.cookies["csrftoken"].value

    def request(self, port, method, path, form=None, timeout=30.0):
        """(status, headers); raises OSError / HTTPException when the answer is lost."""
        headers = {"Cookie": "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reused = port in self.conns
        conn = self.conns.get(port) or http.client.HTTPConnection(
            "127.0.0.1", port, timeout=timeout
        )
        self.conns[port] = conn
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
        except (http.client.HTTPException, OSError) as error:
            conn.close()
            self.conns.pop(port, None)
            if not reused:
                raise
            # A kept-alive connection that died while idle, or whose worker died before it
            # answered: a browser sends the request again on a new connection, once. (Safe
            # for a payment: its form key.) Counted, so the drill's figures show it.
            self.reconnects.append((time.monotonic(), port, type(error).__name__))
            return self.request(port, method, path, form, timeout)
        if response.getheader("Connection", "").lower() == "close":
            conn.close()
            self.conns.pop(port, None)
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, response.headers

    def close(self):
        for conn in self.conns.values():
            conn.close()


@dataclass
class Attempt:
    at: float  # seconds since the load started
    port: int
    outcome: str  # "receipt Rnnn", "HTTP 500", "connection reset", ...
    seconds: float


@dataclass
class Sent:
    """One payment a clerk meant to post, and every attempt it took."""

    clerk: str
    account: str
    amount: Decimal
    key: str
    attempts: list[Attempt] = field(default_factory=list)
    receipt: str = ""
    resent_receipt: str = ""  # the same form sent again after its receipt (a double click)


def _form(clerk: Clerk, amount: Decimal, key: str, i: int) -> dict:
    form = {
        "amount": f"{amount:.2f}",
        "channel": "counter",
        "idempotency_key": key,
        "csrfmiddlewaretoken": clerk.csrf,
    }
    if i % 3 == 0:
        form.update(check_amount=f"{amount:.2f}", check_number=str(1000 + i))
    else:
        cents = int(amount * 100)
        form["cash_tendered"] = f"{(cents // 500 + 1) * 5:.2f}"
    return form


def _post(clerk: Clerk, port: int, number: str, form: dict, started: float) -> Attempt:
    t0 = time.monotonic()
    try:
        status, headers = clerk.request(port, "POST", f"/payments/take/{number}/", form)
    except (http.client.HTTPException, OSError) as error:
        outcome = f"connection lost ({type(error).__name__})"
    else:
        match = RECEIPT.search(headers.get("Location") or "")
        outcome = f"receipt {match.group(1)}" if status == 302 and match else f"HTTP {status}"
    return Attempt(t0 - started, port, outcome, time.monotonic() - t0)


def run_clerks(
    clerks: list[Clerk],
    accounts: list[str],
    *,
    payments_each: int | None = None,
    seconds: float | None = None,
    resend_every: int = 7,
    give_up_after: float = 120.0,
) -> tuple[list[Sent], float]:
    """Each clerk posts payments (a count, or for some seconds), each to the next server in
    turn; a payment whose answer is lost is retried with its form key until its receipt
    comes back; every `resend_every`th payment is sent once more after its receipt (a double
    click, to the other server). Returns every payment sent and the start time."""
    started = time.monotonic()
    results: list[Sent] = []
    lock = threading.Lock()

    def work(index: int, clerk: Clerk):
        rng = random.Random(index)
        turn = index
        i = 0
        mine = []
        while True:
            i += 1
            if payments_each is not None and i > payments_each:
                break
            if seconds is not None and time.monotonic() - started > seconds:
                break
            amount = Decimal(rng.randint(100, 25000)) / 100
            sent = Sent(clerk.username, rng.choice(accounts), amount, str(uuid.uuid4()))
            form = _form(clerk, amount, sent.key, i)
            deadline = time.monotonic() + give_up_after
            while not sent.receipt and time.monotonic() < deadline:
                port = clerk.ports[turn % len(clerk.ports)]
                turn += 1
                attempt = _post(clerk, port, sent.account, form, started)
                sent.attempts.append(attempt)
                if attempt.outcome.startswith("receipt "):
                    sent.receipt = attempt.outcome.split()[1]
                else:
                    time.sleep(0.25)
            if sent.receipt and i % resend_every == 0:
                port = clerk.ports[turn % len(clerk.ports)]
                turn += 1
                again = _post(clerk, port, sent.account, form, started)
                sent.attempts.append(again)
                sent.resent_receipt = again.outcome
            mine.append(sent)
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(i, c)) for i, c in enumerate(clerks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, started


DRILL_PASSWORD = "drill-clerk-password-42"  # noqa: S105 - throwaway drill databases only


def seed(clerks: int, accounts: int, *, prefix: str = "drill") -> tuple[list[str], list[str]]:
    """Clerks with open drawers and accounts with a bill, in the current database."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts import services as account_services
    from accounts.models import Account, Customer, Premise
    from payments import services
    from payments.models import Drawer
    from utilityclerk import business_day

    User = get_user_model()
    group = Group.objects.get(name="Clerk")
    names = []
    for i in range(1, clerks + 1):
        user = User.objects.create_user(f"{prefix}_clerk{i}", password=DRILL_PASSWORD)
        user.groups.add(group)
        user = User.objects.get(pk=user.pk)
        drawer = Drawer.objects.create(code=f"{prefix[:3].upper()}{i}", name=f"Drill {i}")
        services.open_drawer_session(drawer=drawer, opening_float=Decimal("200.00"), clerk=user)
        names.append(user.username)
    numbers = []
    today = business_day.today()
    for i in range(accounts):
        customer = Customer.objects.create(
            first_name="Pat",
            last_name=f"Drill{i:04d}",
            phone="",
            mail_street=f"{i} DRILL ST",
            mail_city="CIBOLO",
            mail_state="TX",
            mail_zip="78108",
        )
        premise = Premise.objects.create(
            house_number=str(7000 + i),
            street="DRILL ST",
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
        numbers.append(account.number)
    return names, numbers


def invariants(sent: list[Sent]) -> list[tuple[str, bool, str]]:
    """What must hold after any load or fault: one receipt per form key, the receipt a
    retry or a resend got is that one, and nothing half-posted."""
    from payments.models import Payment

    payments = {
        str(p.idempotency_key): p
        for p in Payment.objects.filter(idempotency_key__in=[s.key for s in sent]).only(
            "idempotency_key", "receipt_number", "amount", "ledger_entry_id"
        )
    }
    unanswered = [s for s in sent if not s.receipt]
    wrong = [
        s
        for s in sent
        if s.receipt
        and (
            s.key not in payments
            or payments[s.key].receipt != s.receipt
            or payments[s.key].amount != s.amount
        )
    ]
    resends = [s for s in sent if s.resent_receipt]
    resent_wrong = [s for s in resends if s.resent_receipt != f"receipt {s.receipt}"]
    half = Payment.objects.filter(account__isnull=False, ledger_entry__isnull=True).count()
    no_tenders = Payment.objects.filter(tenders__isnull=True).count()
    return [
        ("every payment sent got its receipt", not unanswered, f"{len(unanswered)} without"),
        (
            "one payment per form key, with the amount sent and the receipt the clerk saw",
            not wrong and len(payments) == len(sent),
            f"{len(payments)} payments for {len(sent)} keys, {len(wrong)} wrong",
        ),
        (
            "a form sent again got its one receipt back",
            not resent_wrong,
            f"{len(resends) - len(resent_wrong)} of {len(resends)}",
        ),
        (
            "no payment half-posted (each has its ledger entry and tenders)",
            half == 0 and no_tenders == 0,
            f"{half} without ledger entry, {no_tenders} without tenders",
        ),
    ]
