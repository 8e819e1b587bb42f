"""The background-run machinery: proof, approval, posting with progress, failure and resume,
one active run per kind and scope, and who may do what. A sample run kind posts city
holidays (a table with a unique date), so a second post of the same work is a no-op, as
every real kind's post is through its own constraints."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from tests.factories import make_user
from tests.runs_helpers import run_worker
from utilityclerk.core.models import AuditEvent, Holiday
from utilityclerk.runs import services
from utilityclerk.runs.models import BatchRun, RunStatus
from utilityclerk.runs.registry import RunKind, register_run_kind

FIRST = date(2031, 1, 5)
failures = {"proof": 0, "post": 0}


def _dates(run):
    return [FIRST + timedelta(days=i) for i in range(run.params["days"])]


def _proof(run):
    if failures["proof"]:
        failures["proof"] -= 1
        raise RuntimeError("no reads for the cycle")
    dates = _dates(run)
    on_file = Holiday.objects.filter(date__in=dates).count()
    return {
        "counts": {"Holidays to add": len(dates) - on_file},
        "totals": {"Fees": "1234.50"},
        "exclusions": {"On file already": on_file},
    }


def _post(run, progress):
    dates = _dates(run)
    for done, day in enumerate(dates, start=1):
        with transaction.atomic():
            Holiday.objects.get_or_create(date=day, defaults={"name": f"Sample {run.pk}"})
        progress(done, len(dates))
        if failures["post"] and done == 2:
            failures["post"] -= 1
            raise RuntimeError("the worker's machine went away")
    return {"Holidays added": len(dates)}


register_run_kind(
    RunKind(
        kind="tests.sample",
        label="Sample run",
        proof=_proof,
        post=_post,
        start_permission="runs.view_batchrun",
        approve_permission="core.view_auditevent",
    )
)
register_run_kind(
    RunKind(
        kind="tests.unapproved",
        label="Unapproved run",
        proof=_proof,
        post=_post,
        start_permission="runs.view_batchrun",
    )
)


@pytest.fixture(autouse=True)
def _no_failures():
    failures.update(proof=0, post=0)


@pytest.fixture
def supervisor(db):
    return make_user("supervisor", role="Supervisor")


def _start(clerk, days=4, kind="tests.sample"):
    return services.start_run(kind=kind, scope="2031-01", params={"days": days}, by=clerk)


def test_proof_is_worked_out_by_the_worker_and_posts_nothing(clerk):
    run = _start(clerk)
    assert run.status == RunStatus.QUEUED
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.PROOF_READY
    assert run.proof["counts"] == {"Holidays to add": 4}
    assert not Holiday.objects.filter(date__gte=FIRST).exists()


def test_supervisor_approval_posts_with_progress(clerk, supervisor):
    run = _start(clerk)
    run_worker()
    services.approve_run(run=run, by=supervisor)
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED
    assert (run.done, run.total) == (4, 4)
    assert run.result == {"Holidays added": 4}
    assert run.approved_by == supervisor
    assert Holiday.objects.filter(date__gte=FIRST).count() == 4
    assert set(
        AuditEvent.objects.filter(target_id=str(run.pk)).values_list("action", flat=True)
    ) == {"run.started", "run.approved"}


def test_clerk_may_not_approve(clerk):
    run = _start(clerk)
    run_worker()
    with pytest.raises(PermissionDenied):
        services.approve_run(run=run, by=clerk)
    run.refresh_from_db()
    assert run.status == RunStatus.PROOF_READY


def test_a_second_start_returns_the_run_under_way(clerk):
    first = _start(clerk)
    second = _start(clerk)
    assert second.pk == first.pk
    assert BatchRun.objects.count() == 1
    assert DBTaskResult.objects.count() == 1


def test_a_finished_run_lets_the_next_one_start(clerk, supervisor):
    first = _start(clerk)
    run_worker()
    services.cancel_run(run=first, by=supervisor)
    second = _start(clerk)
    assert second.pk != first.pk


def test_approving_twice_posts_once(clerk, supervisor):
    run = _start(clerk)
    run_worker()
    services.approve_run(run=run, by=supervisor)
    services.approve_run(run=run, by=supervisor)
    assert DBTaskResult.objects.filter(task_path__endswith="post_run").count() == 1


def test_a_post_that_fails_half_way_resumes_without_doubles(clerk, supervisor):
    failures["post"] = 1
    run = _start(clerk)
    run_worker()
    services.approve_run(run=run, by=supervisor)
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert run.failed_step == "post"
    assert "went away" in run.error
    assert Holiday.objects.filter(date__gte=FIRST).count() == 2
    with pytest.raises(services.RunRefused):
        services.cancel_run(run=run, by=supervisor)

    services.resume_run(run=run, by=clerk)
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED
    assert Holiday.objects.filter(date__gte=FIRST).count() == 4


def test_a_failed_proof_can_be_resumed(clerk):
    failures["proof"] = 1
    run = _start(clerk)
    run_worker()
    run.refresh_from_db()
    assert (run.status, run.failed_step) == (RunStatus.FAILED, "proof")
    services.resume_run(run=run, by=clerk)
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.PROOF_READY


def test_a_kind_without_approval_posts_after_its_proof(clerk):
    run = _start(clerk, kind="tests.unapproved")
    run_worker()
    run.refresh_from_db()
    assert run.status == RunStatus.POSTED
    assert Holiday.objects.filter(date__gte=FIRST).count() == 4


def test_a_working_run_cannot_be_resumed_until_it_stalls(clerk):
    run = _start(clerk)
    BatchRun.objects.filter(pk=run.pk).update(status=RunStatus.POSTING)
    run.refresh_from_db()
    with pytest.raises(services.RunRefused):
        services.resume_run(run=run, by=clerk)
    BatchRun.objects.filter(pk=run.pk).update(
        updated_at=run.updated_at - services.STALE_AFTER - timedelta(seconds=1)
    )
    run.refresh_from_db()
    assert services.is_stalled(run)
    services.resume_run(run=run, by=clerk)
    run.refresh_from_db()
    assert run.status == RunStatus.POSTING


def test_the_database_refuses_two_active_runs_for_one_scope(clerk):
    _start(clerk)
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():
        BatchRun.objects.create(kind="tests.sample", scope="2031-01", started_by=clerk)


# Views


def test_run_page_polls_while_the_worker_is_busy_and_stops_after(client, clerk):
    run = _start(clerk)
    client.force_login(clerk)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "Waiting for the background worker" in page

    run_worker()
    fragment = client.get(
        f"/runs/{run.pk}/", headers={"HX-Request": "true", "HX-Target": "run-body"}
    )
    body = fragment.content.decode()
    assert "<h1>" not in body  # the fragment, not the page
    assert "every 2s" not in body
    assert "Holidays to add" in body
    assert "$1,234.50" in body
    assert "Approve and post" not in body  # a clerk waits for a supervisor


def test_supervisor_approves_from_the_page(client, clerk, supervisor):
    run = _start(clerk)
    run_worker()
    client.force_login(supervisor)
    page = client.get(f"/runs/{run.pk}/").content.decode()
    assert "Approve and post" in page
    response = client.post(f"/runs/{run.pk}/approve/", follow=True)
    assert "posting has started" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.POSTING


def test_approving_a_cancelled_run_says_why(client, clerk, supervisor):
    run = _start(clerk)
    run_worker()
    services.cancel_run(run=run, by=supervisor)
    client.force_login(supervisor)
    response = client.post(f"/runs/{run.pk}/approve/", follow=True)
    assert "nothing to approve" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED


def test_clerk_posting_an_approval_gets_403(client, clerk):
    run = _start(clerk)
    run_worker()
    client.force_login(clerk)
    assert client.post(f"/runs/{run.pk}/approve/").status_code == 403
    run.refresh_from_db()
    assert run.status == RunStatus.PROOF_READY


def test_field_role_cannot_see_runs(client, clerk):
    run = _start(clerk)
    field = make_user("crew", role="Field")
    client.force_login(field)
    assert client.get("/runs/").status_code == 403
    assert client.get(f"/runs/{run.pk}/").status_code == 403


def test_run_list_stays_within_budget(client, clerk, django_assert_max_num_queries):
    for month in range(1, 31):
        services.start_run(kind="tests.sample", scope=f"2031-{month}", params={"days": 1}, by=clerk)
    client.force_login(clerk)
    with django_assert_max_num_queries(8):
        response = client.get("/runs/")
    assert response.content.decode().count("Sample run #") == 30


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_takes_runs_from_the_database_queue(clerk):
    """`manage.py db_worker`, as bin/serve starts it, in a process of its own. It has no
    sample kind registered, so the run it takes fails with a message a supervisor can read
    instead of sitting "working" for ever."""
    import os
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    run = _start(clerk)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "utilityclerk.test_settings",
        "DATABASE_URL": f"postgres:///{connection.settings_dict['NAME']}",
    }
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "No run kind 'tests.sample' is registered" in run.error
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
