"""The bill run through the background runs: proof in the real worker, approval, post, and a
worker that dies half-way through the post, resumed with no bill doubled."""

from datetime import date

import pytest

from accounts.models import Bill, LedgerEntry
from billing import bills, reads, run_kind
from billing.models import BillRun
from tests.runs_helpers import run_worker
from utilityclerk.runs import services as runs
from utilityclerk.runs.models import BatchRun

PERIOD_END = date(2026, 11, 21)


@pytest.fixture
def five_read(make_metered_account, clerk):
    accounts = [make_metered_account(billed_through=date(2026, 10, 21)) for _ in range(5)]
    for account in accounts:
        last = account.point.readings.order_by("-read_on").first()
        reads.record_reading(
            service_point=account.point, read_on=PERIOD_END, value=last.value + 5000, by=clerk
        )
    return accounts


def _start(route, clerk, **kw):
    run = bills.prepare_bill_run(cycle=route.cycle, period_end=PERIOD_END, by=clerk)
    url = run_kind.start(run, by=clerk, **kw)
    run.refresh_from_db()
    return run, BatchRun.objects.get(pk=run.batch_run_id), url


def test_proof_in_the_worker_then_approval_posts(five_read, route, clerk, supervisor):
    _, batch, url = _start(route, clerk)
    assert url == f"/runs/{batch.pk}/"
    assert Bill.objects.filter(period_end=PERIOD_END).count() == 0
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "proof_ready"
    assert batch.proof["counts"]["Bills"] == 5
    assert Bill.objects.filter(period_end=PERIOD_END).count() == 0  # the proof posts nothing
    runs.approve_run(run=batch, by=supervisor)
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "posted" and (batch.done, batch.total) == (5, 5)
    assert Bill.objects.filter(period_end=PERIOD_END).count() == 5


def test_a_double_click_starts_one_run(five_read, route, clerk):
    first, batch, _ = _start(route, clerk)
    second, again, _ = _start(route, clerk)
    assert first.pk == second.pk and batch.pk == again.pk


def test_only_a_supervisor_approves(five_read, route, clerk):
    from django.core.exceptions import PermissionDenied

    _, batch, _ = _start(route, clerk)
    run_worker()
    with pytest.raises(PermissionDenied):
        runs.approve_run(run=batch, by=clerk)


def test_worker_killed_mid_post_is_resumed_without_doubles(
    five_read, route, clerk, supervisor, monkeypatch
):
    from utilityclerk.runs import tasks

    _, batch, _ = _start(route, clerk, chunk=2)
    run_worker()
    runs.approve_run(run=BatchRun.objects.get(pk=batch.pk), by=supervisor)
    real = tasks.report_progress

    def die_after_first_chunk(run_id, done, total):
        real(run_id, done, total)
        raise SystemExit("worker killed")  # the chunk before it is committed; nothing after

    monkeypatch.setattr(tasks, "report_progress", die_after_first_chunk)
    run_worker()  # the worker process dies in the post: its task is left failed
    monkeypatch.setattr(tasks, "report_progress", real)
    assert Bill.objects.filter(period_end=PERIOD_END).count() == 2
    batch.refresh_from_db()
    assert batch.status == "posting"
    # The worker said nothing for longer than the stale limit: a person resumes the run.
    BatchRun.objects.filter(pk=batch.pk).update(updated_at=batch.updated_at.replace(year=2020))
    runs.resume_run(run=BatchRun.objects.get(pk=batch.pk), by=clerk)
    run_worker()
    batch.refresh_from_db()
    assert batch.status == "posted"
    assert batch.result["Posted before"] == 2
    assert batch.result["Bills posted"] == 3
    for account in five_read:
        assert Bill.objects.filter(account=account, period_end=PERIOD_END).count() == 1
        assert LedgerEntry.objects.filter(account=account, bill__period_end=PERIOD_END).count() == 1
    assert BillRun.objects.get(batch_run_id=batch.pk).posted_at is not None
