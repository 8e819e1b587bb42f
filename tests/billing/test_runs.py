"""Bill runs: proof, post, one bill per account and period, resume after a crash."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Bill, BillLine, LedgerEntry
from billing import bills, reads
from billing.models import BilledPeriod, BillRun, DraftBill, Exclusion

D = Decimal
PERIOD_END = date(2026, 11, 21)


def _run(route, *, period_end=PERIOD_END):
    return BillRun.objects.create(
        cycle=route.cycle,
        period_end=period_end,
        bill_date=date(2026, 11, 23),
        due_date=date(2026, 12, 13),
    )


def _read(account, gallons, by, on=PERIOD_END):
    last = account.point.readings.order_by("-read_on").first()
    reading, _ = reads.record_reading(
        service_point=account.point, read_on=on, value=last.value + gallons, by=by
    )
    return reading


@pytest.fixture
def cycle_accounts(make_metered_account, clerk):
    """Three accounts billed through 10/21: two read on 11/21 (one high), one not read."""
    read = make_metered_account(billed_through=date(2026, 10, 21))
    high = make_metered_account(billed_through=date(2026, 10, 21))
    unread = make_metered_account(billed_through=date(2026, 10, 21))
    _read(read, 5400, clerk)
    _read(high, 60000, clerk)
    return read, high, unread


def test_proof_counts_totals_and_exceptions(cycle_accounts, route):
    read, high, unread = cycle_accounts
    proof = bills.proof_bill_run(_run(route))
    assert proof["counts"]["Bills"] == 1
    assert proof["exclusions"] == {"High read": 1, "No read": 1}
    draft = DraftBill.objects.get(account=read)
    assert (draft.period_start, draft.period_end) == (date(2026, 10, 22), PERIOD_END)
    # Water 27.15 + 24.99 + 9.00; sewer on the class average of the winter (5,400 a month of
    # reads in Nov-Feb: about 5,3xx gal) capped by the actual 5,400; trash 15.95; storm 6.50.
    lines = {(ln.rate_code, ln.component): ln.amount for ln in draft.lines.all()}
    assert lines[("RES-W", "tier")] == D("24.99")
    assert lines[("RES-T", "flat")] in (D("13.49"), D("2.46"))
    assert lines[("RES-SW", "per_eru")] == D("6.50")
    assert draft.total == sum(ln.amount for ln in draft.lines.all())
    assert D(proof["totals"]["Total, all services"]) == draft.total
    assert set(Exclusion.objects.values_list("account_id", flat=True)) == {high.pk, unread.pk}


def test_sewer_bills_the_winter_average_not_the_summer_read(make_metered_account, route, clerk):
    account = make_metered_account(billed_through=date(2026, 10, 21), monthly=3000)
    _read(account, 20000, clerk)  # a summer-sized month: sewer stays on the winter
    from billing.models import MeterReading

    MeterReading.objects.filter(service_point=account.point, read_on=PERIOD_END).update(
        status="accepted"
    )
    bills.proof_bill_run(_run(route))
    sewer = [
        ln for ln in DraftBill.objects.get(account=account).lines.all() if ln.utility == "sewer"
    ]
    # The winter before the period (Nov-Feb reads, about 2,950 gal a month) is under the
    # 3,000 gal the base covers: the base only, though the month used 20,000 gal.
    assert [ln.amount for ln in sewer] == [D("18.11")]
    heavy = make_metered_account(billed_through=date(2026, 10, 21), monthly=6000)
    _read(heavy, 2000, clerk)
    MeterReading.objects.filter(service_point=heavy.point, read_on=PERIOD_END).update(
        status="accepted"
    )
    bills.proof_bill_run(_run(route))
    lines = DraftBill.objects.filter(account=heavy).latest("id").lines.filter(utility="sewer")
    # Winter ~5,900 gal, but this month's 2,000 gal caps it: the base only again.
    assert [ln.amount for ln in lines] == [D("18.11")]


def test_post_writes_bills_lines_and_ledger_once(cycle_accounts, route, supervisor):
    read, _, _ = cycle_accounts
    run = _run(route)
    bills.proof_bill_run(run)
    result = bills.post_bill_run(run, by=supervisor)
    assert result["Bills posted"] == 1
    bill = Bill.objects.get(account=read, period_end=PERIOD_END)
    draft = DraftBill.objects.get(run=run, account=read)
    assert bill.total == draft.total and bill.due_date == run.due_date
    # One line per service on the bill; the components stay on the draft.
    lines = {ln.utility: ln for ln in BillLine.objects.filter(bill=bill)}
    assert set(lines) == {"water", "sewer", "trash", "stormwater"}
    assert lines["water"].amount == D("61.14") and lines["water"].usage == D(5400)
    assert lines["water"].description == "Water, rate RES-W"
    assert lines["stormwater"].usage == D("1.0") and lines["stormwater"].usage_unit == "ERU"
    assert sum(ln.amount for ln in lines.values()) == bill.total
    entry = LedgerEntry.objects.get(bill=bill)
    assert entry.amount == bill.total and entry.kind == "bill" and entry.reference == bill.number
    # Posting again, or a second run for the same period, bills nobody twice.
    assert bills.post_bill_run(run, by=supervisor)["Bills posted"] == 0
    again = _run(route)
    bills.proof_bill_run(again)
    assert DraftBill.objects.filter(run=again).count() == 0  # billed through 11/21 already
    assert Bill.objects.filter(account=read, period_end=PERIOD_END).count() == 1


def test_a_second_bill_for_the_same_days_is_refused_by_the_database(cycle_accounts, route):
    read, _, _ = cycle_accounts
    run = _run(route)
    bills.proof_bill_run(run)
    bills.post_bill_run(run)
    bill = Bill.objects.get(account=read, period_end=PERIOD_END)
    with pytest.raises(IntegrityError), transaction.atomic():
        BilledPeriod.objects.create(
            account=read, period=(date(2026, 11, 1), date(2026, 11, 30)), bill=bill
        )


def test_rerun_of_the_same_drafts_after_they_were_posted_elsewhere_posts_nothing(
    cycle_accounts, route
):
    read, _, _ = cycle_accounts
    first, second = _run(route), _run(route)
    bills.proof_bill_run(first)
    bills.proof_bill_run(second)  # both proofed before either posted (a double click)
    bills.post_bill_run(first)
    result = bills.post_bill_run(second)
    assert result["Bills posted"] == 0
    assert result["Not posted (period already billed)"] == 1
    assert Bill.objects.filter(account=read, period_end=PERIOD_END).count() == 1


class Crash(Exception):
    pass


def test_a_post_that_crashes_half_way_resumes_without_doubles(make_metered_account, route, clerk):
    accounts = [make_metered_account(billed_through=date(2026, 10, 21)) for _ in range(5)]
    for account in accounts:
        _read(account, 5000, clerk)
    run = _run(route)
    assert bills.proof_bill_run(run)["counts"]["Bills"] == 5

    def crash_after_two(done, total):
        if done >= 2:
            raise Crash

    with pytest.raises(Crash):
        bills.post_bill_run(run, crash_after_two, chunk=2)
    assert Bill.objects.filter(period_end=PERIOD_END).count() == 2
    progress = []
    result = bills.post_bill_run(run, lambda done, total: progress.append((done, total)), chunk=2)
    assert (result["Bills posted"], result["Posted before"]) == (3, 2)
    assert result["Not posted (period already billed)"] == 0
    assert progress[-1] == (5, 5)
    for account in accounts:
        assert Bill.objects.filter(account=account, period_end=PERIOD_END).count() == 1
        assert (
            LedgerEntry.objects.filter(
                account=account, kind="bill", bill__period_end=PERIOD_END
            ).count()
            == 1
        )


def test_estimate_then_true_up(make_metered_account, route, clerk):
    account = make_metered_account(billed_through=date(2026, 10, 21))
    estimate = reads.estimate_reading(service_point=account.point, read_on=PERIOD_END, by=clerk)
    run = _run(route)
    proof = bills.proof_bill_run(run)
    assert proof["counts"]["Estimated"] == 1
    bills.post_bill_run(run)
    estimated_bill = Bill.objects.get(account=account, period_end=PERIOD_END)
    assert any("(estimated)" in line.description for line in estimated_bill.lines.all())
    # The meter, read a month later, shows the estimate ran 2,000 gal ahead of it and 3,000
    # gal used since: the next bill bills 0 gal and credits the overshoot at the tier rate.
    actual, _ = reads.record_reading(
        service_point=account.point,
        read_on=date(2026, 12, 5),
        value=estimate.value - 2000,
        by=clerk,
    )
    assert actual.status == "ok" and actual.use == D(-2000)
    later = _run(route, period_end=date(2026, 12, 5))
    later.bill_date = date(2026, 12, 5)
    later.save()
    bills.proof_bill_run(later)
    draft = DraftBill.objects.get(run=later, account=account)
    true_up = [ln for ln in draft.lines.all() if ln.component == "true_up"]
    assert len(true_up) == 1
    assert true_up[0].amount == D("-11.90")  # 2,000 gal x 5.95 back
    assert not draft.estimated


def test_final_read_raises_the_final_bill_prorated_to_the_stop_date(make_metered_account, clerk):
    from datetime import timedelta

    from billing.models import DraftKind
    from utilityclerk import business_day
    from utilityclerk.business_day import add_months
    from workorders import services as work_orders
    from workorders.models import Crew
    from workorders.service_changes import stop_service

    today = business_day.today()
    billed = today - timedelta(days=15)
    account = make_metered_account(
        start=add_months(billed, -12), last_read=billed, billed_through=billed
    )
    last = account.point.readings.order_by("-read_on").first()
    order = stop_service(account=account, stop_date=today, by=clerk)
    work_orders.schedule_work_order(
        order=order, crew=Crew.objects.create(name="N"), on=today, by=clerk
    )
    work_orders.dispatch_work_order(order=order, by=clerk)
    work_orders.complete_work_order(order=order, by=clerk, read=last.value + 2500, done_on=today)

    bill = Bill.objects.get(account=account, period_end=today)
    assert bill.period_start == billed + timedelta(days=1)
    assert bill.due_date == bill.bill_date + timedelta(days=20)
    assert bill.lines.count() == 4  # one per service
    lines = {line.description: line.amount for line in DraftBill.objects.get(bill=bill).lines.all()}
    # 15 days of a 30-day month: half of each fixed charge; water on the final read's 2,500 gal.
    assert lines["Trash"] == D("6.75") and lines["Recycling"] == D("1.23")
    assert lines["Stormwater"] == D("3.25")
    assert lines["Base charge"] == D("13.58")
    assert lines["Water use, tier 1"] == D("11.31")  # 2,500 - 600 gal at 5.95
    assert LedgerEntry.objects.get(bill=bill).amount == bill.total
    draft = DraftBill.objects.get(bill=bill)
    assert draft.kind == DraftKind.FINAL
    assert "0.5 of a month" in " ".join(draft.lines.values_list("explanation", flat=True))
    account.refresh_from_db()
    assert account.status == "final"


def test_a_first_bill_is_prorated_from_the_start_date(make_metered_account, route, clerk):
    account = make_metered_account(start=date(2026, 11, 7), last_read=date(2026, 11, 7))
    _read(account, 2500, clerk)
    bills.proof_bill_run(_run(route))
    draft = DraftBill.objects.get(account=account)
    assert (draft.period_start, draft.period_end) == (date(2026, 11, 7), PERIOD_END)
    lines = {ln.description: ln.amount for ln in draft.lines.all()}
    # 15 days: half a month of each fixed charge.
    assert lines["Trash"] == D("6.75") and lines["Stormwater"] == D("3.25")
    assert lines["Base charge"] == D("13.58")
    assert lines["Sewer base (first 3,000 gal)"] == D("9.06")


def test_a_turn_on_puts_a_new_premise_on_its_streets_route(make_metered_account, clerk, route):
    from billing.models import PremiseBilling
    from tests.factories import make_customer, make_premise
    from utilityclerk import business_day
    from workorders import services as work_orders
    from workorders.models import Crew
    from workorders.service_changes import start_service

    neighbour = make_metered_account()
    premise = make_premise(street=neighbour.premise.street)
    started = start_service(
        customer=make_customer(),
        premise=premise,
        utilities=["water", "sewer"],
        start_date=business_day.today(),
        by=clerk,
    )
    order = started.order
    work_orders.schedule_work_order(
        order=order, crew=Crew.objects.create(name="N"), on=business_day.today(), by=clerk
    )
    work_orders.dispatch_work_order(order=order, by=clerk)
    work_orders.complete_work_order(order=order, by=clerk, read=D("1234"))
    placed = PremiseBilling.objects.get(premise=premise)
    assert placed.route == route
    assert placed.walk_order > neighbour.premise.billing.walk_order
    from billing.models import MeterReading

    initial = MeterReading.objects.get(service_point__premise=premise)
    assert initial.kind == "initial" and initial.value == D(1234)


def test_the_run_page_reads_the_summary_its_proof_kept(cycle_accounts, route, supervisor_client):
    run = _run(route)
    proof = bills.proof_bill_run(run)
    run.refresh_from_db()
    assert run.summary == proof and proof["counts"]["Bills"] == 1
    # The page shows what the proof kept, not a fresh grouping of every draft line.
    kept = {**run.summary, "totals": {"Total, all services": "12345.67"}}
    BillRun.objects.filter(pk=run.pk).update(summary=kept)
    page = supervisor_client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert "12,345.67" in page
    # A run proofed before runs kept their summary is worked out on the page.
    BillRun.objects.filter(pk=run.pk).update(summary={})
    page = supervisor_client.get(f"/billing/runs/{run.pk}/").content.decode()
    assert "12,345.67" not in page and proof["totals"]["Total, all services"] in page.replace(
        ",", ""
    )
