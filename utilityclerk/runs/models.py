from django.conf import settings
from django.db import models
from django.utils import timezone


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    PROOFING = "proofing", "Working out the proof"
    PROOF_READY = "proof_ready", "Proof ready for review"
    POSTING = "posting", "Posting"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


# A run still to finish: at most one per kind and scope, so a double click or a second
# clerk starting the same run gets the one under way instead of a second.
ACTIVE_STATUSES = (
    RunStatus.QUEUED,
    RunStatus.PROOFING,
    RunStatus.PROOF_READY,
    RunStatus.POSTING,
    RunStatus.FAILED,
)
# The worker is (or should be) busy with these: the page polls while a run is in one.
WORKING_STATUSES = (RunStatus.QUEUED, RunStatus.PROOFING, RunStatus.POSTING)


class BatchRun(models.Model):
    """One background run: its proof (what it would do), then its posting, with progress.

    The worker writes `done`/`total` as it goes, so the page shows live progress and a
    reload finds the run where it is. A run that failed keeps its error and can be resumed:
    posting is written to be started again."""

    kind = models.CharField(max_length=64)
    scope = models.CharField(max_length=120, help_text="What the run covers: a cycle, a date.")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus, default=RunStatus.QUEUED)
    # Which step failed, so a resume starts that step again.
    failed_step = models.CharField(max_length=8, blank=True)
    proof = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    proofed_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RunStatus.values), name="batch_run_status_valid"
            ),
            models.UniqueConstraint(
                fields=["kind", "scope"],
                condition=models.Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="one_active_run_per_kind_and_scope",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"], name="batch_run_kind_idx")]

    def __str__(self):
        return f"{self.label} {self.scope} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        from utilityclerk.runs.registry import run_kind

        try:
            return run_kind(self.kind).label
        except LookupError:
            return self.kind

    @property
    def is_working(self) -> bool:
        return self.status in WORKING_STATUSES

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == RunStatus.POSTED else 0
        return min(100, self.done * 100 // self.total)
