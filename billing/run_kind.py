"""The bill run as a background run (utilityclerk.runs): proof in the worker, a supervisor's
approval, then the post in chunks with live progress. Where the runs app is not installed,
the same service functions run in the request (small utilities, tests of the services)."""

from django.urls import reverse

from billing import bills
from billing.models import BillRun

KIND = "billing.bill_run"


def _runs():
    try:
        from utilityclerk.runs import services
    except ImportError:
        return None
    return services


def _bill_run(batch) -> BillRun:
    return BillRun.objects.get(pk=batch.params["bill_run"])


def proof(batch) -> dict:
    return bills.proof_bill_run(_bill_run(batch))


def post(batch, progress) -> dict:
    chunk = int(batch.params.get("chunk") or bills.POST_CHUNK)
    return bills.post_bill_run(_bill_run(batch), progress, by=batch.approved_by, chunk=chunk)


def scope(run: BillRun) -> str:
    return f"cycle-{run.cycle.code}:{run.period_end:%Y-%m-%d}"


def start(run: BillRun, *, by, chunk: int | None = None) -> str:
    """Start (or, on a double click, find) the run's proof; the URL to follow its progress."""
    runs = _runs()
    if runs is None:
        bills.proof_bill_run(run)
        return reverse("billing:run", args=[run.pk])
    batch = runs.start_run(
        kind=KIND, scope=scope(run), params={"bill_run": run.pk, "chunk": chunk}, by=by
    )
    if batch.params.get("bill_run") == run.pk:
        BillRun.objects.filter(pk=run.pk).update(batch_run_id=batch.pk)
    return reverse("runs:detail", args=[batch.pk])


def approve(run: BillRun, *, by) -> str:
    runs = _runs()
    if runs is None or run.batch_run_id is None:
        bills.post_bill_run(run, by=by)
        return reverse("billing:run", args=[run.pk])
    from utilityclerk.runs.models import BatchRun

    runs.approve_run(run=BatchRun.objects.get(pk=run.batch_run_id), by=by)
    return reverse("runs:detail", args=[run.batch_run_id])


def register() -> None:
    try:
        from utilityclerk.runs.registry import RunKind, register_run_kind
    except ImportError:
        return
    register_run_kind(
        RunKind(
            kind=KIND,
            label="Bill run",
            proof=proof,
            post=post,
            start_permission="billing.start_bill_run",
            approve_permission="billing.approve_bill_run",
            template="billing/partials/_run_proof.html",
        )
    )
