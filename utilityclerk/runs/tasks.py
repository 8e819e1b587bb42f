"""The worker's side of a run: the proof, then the posting. Django's tasks framework with
the database backend (django-tasks-db): `manage.py db_worker` takes tasks from PostgreSQL,
so any number of workers on any number of machines share one queue."""

import logging
from contextlib import contextmanager

from django.db import connection, transaction
from django.tasks import task
from django.utils import timezone

from utilityclerk.runs.models import BatchRun, RunStatus
from utilityclerk.runs.registry import run_kind

logger = logging.getLogger(__name__)

# pg advisory-lock namespace for runs (any constant; keeps clear of other advisory locks).
_LOCK_NAMESPACE = 7_411


@contextmanager
def _run_lock(run_id: int):
    """Hold a session lock on the run while its step works, so a resumed task and one
    still running never work the same run at once. PostgreSQL drops it when the worker's
    connection ends, so a killed worker leaves nothing held."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_NAMESPACE, run_id])
        (got,) = cursor.fetchone()
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_NAMESPACE, run_id])


def _claim(run_id: int, expected: RunStatus, working: RunStatus) -> BatchRun | None:
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run_id)
        if run.status != expected:
            return None
        run.status = working
        run.save(update_fields=["status", "updated_at"])
        return run


def _fail(run: BatchRun, step: str, error: BaseException) -> None:
    logger.exception("Run %s (%s) failed in its %s", run.pk, run.kind, step)
    BatchRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED,
        failed_step=step,
        error=f"{type(error).__name__}: {error}"[:2000],
        updated_at=timezone.now(),
    )


def report_progress(run_id: int, done: int, total: int) -> None:
    BatchRun.objects.filter(pk=run_id).update(done=done, total=total, updated_at=timezone.now())


@task()
def proof_run(run_id: int) -> None:
    with _run_lock(run_id) as got:
        if not got:
            return
        run = _claim(run_id, RunStatus.QUEUED, RunStatus.PROOFING)
        if run is None:
            return  # done already, or cancelled
        try:
            # An unknown kind (an app removed, a worker on older code) fails the run
            # with a message rather than leaving it "working" for ever.
            definition = run_kind(run.kind)
            proof = definition.proof(run)
        except Exception as error:
            _fail(run, "proof", error)
            return
        run.proof = proof or {}
        run.proofed_at = timezone.now()
        run.status = RunStatus.PROOF_READY
        if definition.approve_permission is None:
            run.status = RunStatus.POSTING
        run.save(update_fields=["proof", "proofed_at", "status", "updated_at"])
    if run.status == RunStatus.POSTING:
        post_run.enqueue(run.pk)


@task()
def post_run(run_id: int) -> None:
    with _run_lock(run_id) as got:
        if not got:
            return
        run = BatchRun.objects.get(pk=run_id)
        if run.status != RunStatus.POSTING:
            return
        try:
            definition = run_kind(run.kind)
            result = definition.post(run, lambda done, total: report_progress(run.pk, done, total))
        except Exception as error:
            _fail(run, "post", error)
            return
        run.refresh_from_db(fields=["done", "total"])
        run.result = result or {}
        run.status = RunStatus.POSTED
        run.posted_at = timezone.now()
        run.save(update_fields=["result", "status", "posted_at", "updated_at"])
