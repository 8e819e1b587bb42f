"""The nightly backup and the restore drill, for real: pg_dump of a database holding a banked
day, restored by deploy/restore-drill.sh into a scratch database and reconciled there."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections

from tests.core.test_reconcile import banked_day, drawer, pay, session  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)
DEPLOY = Path(settings.BASE_DIR) / "deploy"


def _url(name: str) -> str:
    return f"postgres:///{name}"


def test_the_latest_backup_restores_and_reconciles(banked_day, tmp_path):  # noqa: F811
    database = connections["default"].settings_dict["NAME"]
    env = {**os.environ, "BACKUP_DIR": str(tmp_path), "DATABASE_URL": _url(database)}
    backup = subprocess.run(
        [str(DEPLOY / "backup.sh")], env=env, capture_output=True, text=True, check=False
    )
    assert backup.returncode == 0, backup.stderr
    dumps = list(tmp_path.glob("utilityclerk-*.dump"))
    assert len(dumps) == 1
    drill = subprocess.run(
        [str(DEPLOY / "restore-drill.sh")],
        env={**env, "DRILL_DATABASE_URL": _url(f"{database}_drill"), "PYTHON": _python()},
        capture_output=True,
        text=True,
        check=False,
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    assert "All 16 checks hold." in drill.stdout or "checks hold." in drill.stdout
    assert "6 receipts" in drill.stdout, drill.stdout  # five at the counter, one by mail
    assert drill.stdout.rstrip().endswith("restore drill: passed")


def test_the_drill_fails_when_there_is_no_backup(tmp_path):
    drill = subprocess.run(
        [str(DEPLOY / "restore-drill.sh")],
        env={**os.environ, "BACKUP_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert drill.returncode != 0
    assert "no utilityclerk-*.dump" in drill.stderr


def _python() -> str:
    import sys

    return sys.executable
