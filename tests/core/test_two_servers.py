"""Two app servers (two gunicorn processes from deploy/gunicorn.conf.py, on two ports) and
one PostgreSQL, under clerks posting payments to both at once, each payment to the next
server in turn and some sent twice: every invariant holds, and each server logged one JSON
line per request with nothing secret in it."""

import os
import time

import pytest
from django.conf import settings
from django.db import connections

from reports import drill
from tests.core.test_reconcile import reconcile

pytestmark = pytest.mark.django_db(transaction=True)

CLERKS = 4
PAYMENTS_EACH = 12


@pytest.fixture
def servers(tmp_path):
    database = connections["default"].settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "utilityclerk.test_settings",
        "DATABASE_URL": f"postgres:///{database}",
        "LOG_LEVEL": "INFO",
    }
    started = []
    try:
        # The second server takes its connections from Django's psycopg pool.
        for pool in ("0", "1"):
            server = drill.AppServer(
                {**env, "DATABASE_POOL": pool}, workers=2, threads=2, log_dir=tmp_path
            )
            started.append(server.start())
        yield started
    finally:
        for server in started:
            server.stop()


def test_two_app_servers_keep_every_invariant_under_concurrent_payments(servers, capsys):
    names, accounts = drill.seed(CLERKS, 6)
    ports = [server.port for server in servers]
    clerks = [drill.Clerk(name, drill.DRILL_PASSWORD, ports) for name in names]
    t0 = time.monotonic()
    sent, _ = drill.run_clerks(clerks, accounts, payments_each=PAYMENTS_EACH, resend_every=4)
    elapsed = time.monotonic() - t0
    for clerk in clerks:
        clerk.close()
    for server in servers:
        server.stop()

    checks = drill.invariants(sent)
    for label, held, detail in checks:
        assert held, f"{label}: {detail}"
    assert len(sent) == CLERKS * PAYMENTS_EACH
    assert "FAIL" not in reconcile()

    # Both servers took payments, and the double clicks went to the server that had not
    # posted the payment.
    by_port = {port: 0 for port in ports}
    for s in sent:
        for attempt in s.attempts:
            by_port[attempt.port] += 1
    assert all(count > 0 for count in by_port.values()), by_port
    posts = sum(len(s.attempts) for s in sent)

    # One JSON line per request on each server: id, user, status, time; no secrets.
    lines = [line for server in servers for line in server.log_lines()]
    access = [line for line in lines if line["logger"] == "utilityclerk.access"]
    take = [line for line in access if line["path"].startswith("/payments/take/")]
    assert len(take) == posts
    assert all(line["status"] == 302 and line["user"].startswith("drill_clerk") for line in take)
    assert all(len(line["request_id"]) == 36 and line["duration_ms"] > 0 for line in take)
    text = "\n".join(server.log_path.read_text() for server in servers)
    assert drill.DRILL_PASSWORD not in text
    for clerk in clerks:
        assert clerk.cookies["sessionid"].value not in text
    with capsys.disabled():
        print(
            f"\ntwo servers: {len(sent)} payments ({posts} POSTs, "
            f"{sum(1 for s in sent if s.resent_receipt)} sent twice) by {CLERKS} clerks in "
            f"{elapsed:.1f} s = {len(sent) / elapsed:.1f} payments/s; per server {by_port}"
        )


def test_the_gunicorn_config_sizes_workers_from_the_cpu_count(monkeypatch):
    import importlib.util

    monkeypatch.delenv("GUNICORN_WORKERS", raising=False)
    path = settings.BASE_DIR / "deploy" / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    config = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(config)
    assert config.workers == os.cpu_count() * 2 + 1
    assert config.wsgi_app == "utilityclerk.wsgi:application"
    assert config.accesslog is None  # the app's JSON line is the access log


def test_database_pool_setting_gives_each_process_a_psycopg_pool():
    import subprocess
    import sys

    database = connections["default"].settings_dict["NAME"]
    code = (
        "import django; django.setup(); from django.db import connection; "
        "connection.ensure_connection(); pool = connection.pool; "
        "print(type(pool).__name__, pool.min_size, pool.max_size)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "utilityclerk.settings",
            "DATABASE_URL": f"postgres:///{database}",
            "SECRET_KEY": "pool-test",
            "DATABASE_POOL": "1",
            "DATABASE_POOL_MAX_SIZE": "5",
            "LOG_LEVEL": "WARNING",
        },
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConnectionPool", "2", "5"]
