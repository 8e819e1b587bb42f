from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from utilityclerk.runs import queries, services
from utilityclerk.runs.models import BatchRun, RunStatus
from utilityclerk.runs.registry import run_kind, run_kinds

view_runs = permission_required("runs.view_batchrun", raise_exception=True)


@view_runs
def run_list(request):
    kinds = run_kinds()
    kind = request.GET.get("kind", "")
    if kind not in {k.kind for k in kinds}:
        kind = ""
    return render(
        request,
        "runs/run_list.html",
        {"runs": queries.recent_runs(kind=kind or None), "kinds": kinds, "kind": kind},
    )


def _detail_context(request, run: BatchRun) -> dict:
    try:
        definition = run_kind(run.kind)
    except LookupError:
        definition = None
    user = request.user
    can_start = definition is not None and user.has_perm(definition.start_permission)
    can_approve = definition is not None and (
        definition.approve_permission is None or user.has_perm(definition.approve_permission)
    )
    stalled = services.is_stalled(run)
    return {
        "run": run,
        "definition": definition,
        "stalled": stalled,
        "can_approve": can_approve and run.status == RunStatus.PROOF_READY,
        "can_cancel": (can_approve or can_start)
        and (
            run.status == RunStatus.PROOF_READY
            or (run.status == RunStatus.FAILED and run.failed_step != "post")
        ),
        "can_resume": can_start and (run.status == RunStatus.FAILED or stalled),
    }


@view_runs
def run_detail(request, pk):
    run = get_object_or_404(BatchRun.objects.select_related("started_by", "approved_by"), pk=pk)
    template = "runs/run_detail.html"
    # The page polls its own body while the worker is busy; the fragment answers that.
    if request.htmx and request.htmx.target == "run-body":
        template += "#run_body"
    return render(request, template, _detail_context(request, run))


def _step(request, pk, action, done_message):
    run = get_object_or_404(BatchRun, pk=pk)
    try:
        action(run=run, by=request.user)
    except services.RunRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done_message)
    return redirect("runs:detail", pk=run.pk)


@view_runs
@require_POST
def approve(request, pk):
    return _step(request, pk, services.approve_run, "Approved: posting has started.")


@view_runs
@require_POST
def cancel(request, pk):
    return _step(request, pk, services.cancel_run, "Run cancelled: nothing was posted.")


@view_runs
@require_POST
def resume(request, pk):
    return _step(request, pk, services.resume_run, "Resumed: the worker picks it up again.")
