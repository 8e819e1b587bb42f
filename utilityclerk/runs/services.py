"""Every change of a run's state: start, approve, cancel, resume. The worker's side (proof
and post) is in tasks.py. Each step locks the run and re-reads its status first, so a
double click, two supervisors or a resumed worker do each step once."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from utilityclerk import audit
from utilityclerk.runs.models import ACTIVE_STATUSES, BatchRun, RunStatus
from utilityclerk.runs.registry import run_kind

# A run whose worker has said nothing for this long is taken as stopped (killed, machine
# restarted) and may be resumed; posting is written to be started again.
STALE_AFTER = timedelta(minutes=5)


class RunRefused(Exception):
    """A step a clerk or supervisor asked for that cannot be taken, in words they can read."""


def _require(user, permission: str | None, what: str) -> None:
    if permission is not None and not user.has_perm(permission):
        raise PermissionDenied(f"You may not {what}.")


def start_run(*, kind: str, scope: str, params: dict | None = None, by) -> BatchRun:
    """Queue a run's proof. A run of this kind and scope still under way is returned as it
    is, not started twice."""
    from utilityclerk.runs import tasks

    definition = run_kind(kind)
    _require(by, definition.start_permission, f"start a {definition.label.lower()}")
    try:
        with transaction.atomic():
            run = BatchRun.objects.create(
                kind=kind, scope=scope, params=params or {}, started_by=by
            )
            # The task row is written in this transaction: no run without its task, and no
            # task for a run that rolled back.
            tasks.proof_run.enqueue(run.pk)
            audit.record(actor=by, action="run.started", target=run, after={"scope": scope})
    except IntegrityError:
        existing = BatchRun.objects.filter(
            kind=kind, scope=scope, status__in=ACTIVE_STATUSES
        ).first()
        if existing is None:
            raise
        return existing
    return run


def _locked(run: BatchRun) -> BatchRun:
    return BatchRun.objects.select_for_update().get(pk=run.pk)


@transaction.atomic
def approve_run(*, run: BatchRun, by) -> BatchRun:
    from utilityclerk.runs import tasks

    definition = run_kind(run.kind)
    _require(by, definition.approve_permission, f"approve a {definition.label.lower()}")
    run = _locked(run)
    if run.status in (RunStatus.POSTING, RunStatus.POSTED):
        return run  # approved already (a double click, or another supervisor)
    if run.status != RunStatus.PROOF_READY:
        raise RunRefused(f"This run is {run.get_status_display().lower()}: nothing to approve.")
    run.status = RunStatus.POSTING
    run.approved_by = by
    run.done = run.total = 0
    run.save(update_fields=["status", "approved_by", "done", "total", "updated_at"])
    tasks.post_run.enqueue(run.pk)
    audit.record(actor=by, action="run.approved", target=run)
    return run


@transaction.atomic
def cancel_run(*, run: BatchRun, by, reason: str = "") -> BatchRun:
    definition = run_kind(run.kind)
    _require(by, definition.approve_permission or definition.start_permission, "cancel this run")
    run = _locked(run)
    if run.status == RunStatus.CANCELLED:
        return run
    if run.status not in (RunStatus.PROOF_READY, RunStatus.FAILED) or (
        run.status == RunStatus.FAILED and run.failed_step == "post"
    ):
        raise RunRefused(
            "Only a run waiting for approval, or one whose proof failed, can be cancelled: "
            "a run that has begun posting is finished by resuming it."
        )
    run.status = RunStatus.CANCELLED
    run.save(update_fields=["status", "updated_at"])
    audit.record(actor=by, action="run.cancelled", target=run, reason=reason)
    return run


def is_stalled(run: BatchRun, now=None) -> bool:
    now = now or timezone.now()
    return run.status in (RunStatus.PROOFING, RunStatus.POSTING) and (
        now - run.updated_at > STALE_AFTER
    )


@transaction.atomic
def resume_run(*, run: BatchRun, by) -> BatchRun:
    """Start a failed (or stalled) run's step again where it stopped."""
    from utilityclerk.runs import tasks

    definition = run_kind(run.kind)
    _require(by, definition.start_permission, "resume this run")
    run = _locked(run)
    if run.status == RunStatus.FAILED:
        step = run.failed_step or "proof"
    elif is_stalled(run):
        step = "post" if run.status == RunStatus.POSTING else "proof"
    else:
        raise RunRefused(f"This run is {run.get_status_display().lower()}: nothing to resume.")
    run.status = RunStatus.POSTING if step == "post" else RunStatus.QUEUED
    run.error = ""
    run.failed_step = ""
    run.save(update_fields=["status", "error", "failed_step", "updated_at"])
    (tasks.post_run if step == "post" else tasks.proof_run).enqueue(run.pk)
    audit.record(actor=by, action="run.resumed", target=run, after={"step": step})
    return run
