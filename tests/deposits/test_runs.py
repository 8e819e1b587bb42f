"""The three deposit runs: what each posts, every rule of the review, and that posting again
posts nothing twice. Through the background-run machinery where it matters (proof, approval,
post by the real worker)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry
from accounts.queries import balance_of
from payments.deposits import queries, runs, services
from payments.deposits.demo import record_past_deposit
from payments.deposits.models import DepositEntry, InstalmentPlan
from payments.refunds.models import Refund
from tests.deposits.conftest import require, set_policy
from tests.factories import make_account, make_customer, post_bill, post_charge, post_credit
from tests.runs_helpers import run_worker
from utilityclerk import business_day
from utilityclerk.business_day import add_months
from utilityclerk.runs import services as run_services
from utilityclerk.runs.models import BatchRun

pytestmark = pytest.mark.django_db
D = Decimal


def held(account):
    return queries.figures(account.pk).held


# Instalments ---------------------------------------------------------------------------------


def test_the_instalment_run_bills_each_instalment_on_its_day_once(account, clerk, supervisor):
    services.set_up_instalments(account=account, instalments=3, by=clerk)
    today = business_day.today()
    proof = runs.instalment_proof(today)
    assert proof["counts"]["Instalments to bill"] == 1
    assert proof["totals"]["Deposit instalments"] == "33.34"
    result = runs.post_instalments(today, by=supervisor)
    assert result["Instalments billed"] == 1
    charge = LedgerEntry.objects.get(kind="deposit_billed")
    assert (charge.amount, charge.due_date) == (D("33.34"), today + timedelta(days=20))
    entry = DepositEntry.objects.get(kind="instalment_billed")
    assert entry.ledger_entry == charge and entry.instalment.number == 1
    # The balance now carries the instalment (billed with the bills); the deposit holds it.
    assert balance_of(account.pk) == D("33.34") and held(account) == D("33.34")
    assert queries.figures(account.pk).unpaid_billed == D("33.34")
    # Again, the same day: nothing more.
    assert runs.post_instalments(today, by=supervisor)["Instalments billed"] == 0
    # A month on, the second; two months on, the third, and the plan ends.
    runs.post_instalments(add_months(today, 1), by=supervisor)
    runs.post_instalments(add_months(today, 2), by=supervisor)
    assert held(account) == D("100.00")
    assert InstalmentPlan.objects.get().status == "ended"
    assert queries.figures(account.pk).still_owed == D("0.00")


def test_a_paid_instalment_is_no_longer_unpaid(account, clerk, supervisor, pay):
    services.set_up_instalments(account=account, instalments=2, by=clerk)
    runs.post_instalments(business_day.today(), by=supervisor)
    assert queries.figures(account.pk).unpaid_billed == D("50.00")
    pay(account, amount="20.00")
    assert queries.figures(account.pk).unpaid_billed == D("30.00")
    pay(account, amount="30.00")
    assert queries.figures(account.pk).unpaid_billed == D("0.00")


def test_paying_ahead_at_the_counter_bills_less(account, clerk, supervisor, pay):
    services.set_up_instalments(account=account, instalments=3, by=clerk)
    today = business_day.today()
    runs.post_instalments(today, by=supervisor)  # 33.34
    pay(account, deposit="50.00")  # of the 66.66 still to bill
    runs.post_instalments(add_months(today, 1), by=supervisor)
    second = DepositEntry.objects.get(kind="instalment_billed", instalment__number=2)
    assert second.amount == D("16.66")
    proof = runs.instalment_proof(add_months(today, 2))
    assert proof["counts"]["Instalments to bill"] == 0
    assert InstalmentPlan.objects.get().status == "ended"
    assert held(account) == D("100.00")


def test_a_final_account_is_left_to_the_final_bill(account, clerk, supervisor):
    services.set_up_instalments(account=account, instalments=2, by=clerk)
    type(account).objects.filter(pk=account.pk).update(status="final")
    proof = runs.instalment_proof(business_day.today())
    assert proof["exclusions"]["Account final or closed (the final bill applies the deposit)"] == 1
    assert runs.post_instalments(business_day.today(), by=supervisor)["Instalments billed"] == 0


def test_the_instalment_run_through_the_worker_waits_for_approval(account, clerk, supervisor):
    services.set_up_instalments(account=account, instalments=2, by=clerk)
    day = business_day.today().isoformat()
    run = run_services.start_run(
        kind="deposits.instalments", scope=day[:7], params={"day": day}, by=supervisor
    )
    again = run_services.start_run(
        kind="deposits.instalments", scope=day[:7], params={"day": day}, by=supervisor
    )
    assert again.pk == run.pk  # a double click opens the run under way
    run_worker()
    run.refresh_from_db()
    assert run.status == "proof_ready" and not LedgerEntry.objects.filter(kind="deposit_billed")
    run_services.approve_run(run=run, by=supervisor)
    run_worker()
    run.refresh_from_db()
    assert run.status == "posted" and run.result["Instalments billed"] == 1
    assert run.result["Deposit instalments"] == "$50.00"


def test_a_clerk_cannot_start_a_deposit_run(clerk):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        run_services.start_run(
            kind="deposits.review", scope="2026-01", params={"day": "2026-01-01"}, by=clerk
        )
    assert not BatchRun.objects.exists()


# The unpaid instalments: the aging's rule, credits pay the oldest charges first ---------------


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["bill", "deposit_billed", "payment"]),
            st.integers(min_value=1, max_value=20_000),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_unpaid_instalments_follow_the_aging_rule(moves):
    """Charges fall due a day apart; every credit, whenever it came, pays the oldest charges
    first. What is left unpaid of the instalment charges is what that walk leaves on them."""
    from accounts import services as account_services

    account = make_account(customer=make_customer())
    start = date(2025, 1, 1)
    open_charges = []  # [kind, unpaid cents], oldest first
    credits = 0
    for i, (kind, cents) in enumerate(moves):
        day = start + timedelta(days=i)
        amount = D(cents) / 100
        if kind == "payment":
            post_credit(account, amount, on=day)
            credits += cents
        elif kind == "bill":
            account_services.post_bill(
                account=account,
                period_start=day,
                period_end=day,
                bill_date=day,
                lines=[
                    account_services.BillLineInput(utility="water", description="W", amount=amount)
                ],
            )
            open_charges.append(["bill", cents])
        else:
            post_charge(account, amount, on=day, due=day + timedelta(days=20), kind=kind)
            open_charges.append([kind, cents])
    # The bills fall due 20 days after they are billed, as the instalments do: same order.
    for charge in open_charges:
        paid = min(charge[1], credits)
        charge[1] -= paid
        credits -= paid
    expected = sum(c for kind, c in open_charges if kind == "deposit_billed")
    assert queries.figures(account.pk).unpaid_billed == D(expected) / 100


# Interest ------------------------------------------------------------------------------------------


def test_interest_is_paid_on_the_days_held_once_a_year(account, clerk, supervisor):
    set_policy(deposit_interest_percent=D("6.00"))
    year = business_day.today().year - 1
    record_past_deposit(account=account, amount=D("100.00"), on=date(year, 7, 1), by=clerk)
    # 1 July to 31 December: 184 of 365 days at 6% on $100.
    proof = runs.interest_proof(year)
    assert proof["totals"]["Interest"] == "3.02"
    assert runs.post_interest(year, by=supervisor)["Accounts paid interest"] == 1
    entry = DepositEntry.objects.get(kind="interest")
    assert (entry.amount, entry.interest_year) == (D("3.02"), year)
    assert runs.post_interest(year, by=supervisor)["Accounts paid interest"] == 0
    assert held(account) == D("103.02")


def test_a_whole_year_and_interest_is_not_paid_on_interest(account, clerk, supervisor):
    set_policy(deposit_interest_percent=D("6.00"))
    year = business_day.today().year - 2
    record_past_deposit(account=account, amount=D("100.00"), on=date(year - 1, 12, 1), by=clerk)
    runs.post_interest(year, by=supervisor)
    runs.post_interest(year + 1, by=supervisor)
    amounts = sorted(e.amount for e in DepositEntry.objects.filter(kind="interest"))
    assert amounts == [D("6.00"), D("6.00")]


def test_no_interest_at_the_default_rate(account, clerk, supervisor):
    year = business_day.today().year - 1
    record_past_deposit(account=account, amount=D("100.00"), on=date(year, 1, 1), by=clerk)
    proof = runs.interest_proof(year)
    assert proof["exclusions"] == {"Rate is 0%: no interest is paid": 1}
    assert runs.post_interest(year, by=supervisor)["Accounts paid interest"] == 0


def test_the_return_pays_the_interest_not_yet_accrued(account, clerk, supervisor):
    set_policy(deposit_interest_percent=D("6.00"))
    today = business_day.today()
    record_past_deposit(
        account=account, amount=D("100.00"), on=date(today.year - 1, 1, 1), by=clerk
    )
    returned = services.apply_to_final_bill(account=account, bill=None, by=supervisor)
    last_year = D("6.00")
    days = (today - date(today.year, 1, 1)).days + 1
    in_days = 366 if today.year % 4 == 0 else 365
    this_year = (D("100.00") * D("0.06") * days / in_days).quantize(D("0.01"))
    assert returned.interest == last_year + this_year
    assert returned.held == D("100.00") + last_year + this_year
    # The yearly run later finds nothing to pay for either year.
    assert runs.post_interest(today.year - 1, by=supervisor)["Accounts paid interest"] == 0


# The review ------------------------------------------------------------------------------------------


def _held_a_year(clerk, *, amount="100.00", months=13):
    account = make_account(customer=make_customer())
    require(account, amount)
    on = add_months(business_day.today(), -months)
    record_past_deposit(account=account, amount=D(amount), on=on, by=clerk)
    return account


def _reason(account, day=None):
    rows = {r.account_id: r for r in queries.review(day or business_day.today())}
    return rows[account.pk].reason


def test_a_deposit_held_a_year_with_good_history_is_credited_once(clerk, supervisor):
    account = _held_a_year(clerk)
    post_bill(account, "40.00", bill_date=business_day.today() - timedelta(days=5))
    assert _reason(account) == ""
    proof = runs.review_proof(business_day.today())
    assert proof["counts"]["Deposits credited"] == 1
    result = runs.post_review(business_day.today(), by=supervisor)
    assert result["Deposits returned"] == 1 and result["Credited to accounts"] == "$100.00"
    assert held(account) == D("0.00")
    assert balance_of(account.pk) == D("-60.00")  # the bill paid, $60 credit left
    applied = LedgerEntry.objects.get(account=account, kind="deposit_applied")
    assert applied.amount == D("-100.00")
    # Again: nothing more (nothing is held).
    assert runs.post_review(business_day.today(), by=supervisor)["Deposits returned"] == 0
    assert LedgerEntry.objects.filter(kind="deposit_applied").count() == 1


def test_held_less_than_the_policy_months_is_left(clerk):
    account = _held_a_year(clerk, months=11)
    assert _reason(account) == "too_soon"
    set_policy(deposit_review_months=10)
    assert _reason(account) == ""


def test_one_late_payment_is_allowed_two_are_not(clerk):
    account = _held_a_year(clerk)
    today = business_day.today()
    post_charge(account, "5.00", on=today - timedelta(days=100), kind="late_fee")
    assert _reason(account) == ""
    post_charge(account, "5.00", on=today - timedelta(days=50), kind="late_fee")
    assert _reason(account) == "late"


def test_a_late_payment_before_the_window_does_not_count(clerk):
    account = _held_a_year(clerk, months=30)
    today = business_day.today()
    for months in (14, 15):
        post_charge(account, "5.00", on=add_months(today, -months), kind="late_fee")
    assert _reason(account) == ""


def test_a_returned_payment_in_the_window_keeps_the_deposit(clerk, supervisor, pay):
    from payments import services as payment_services
    from tests.deposits.conftest import check

    account = _held_a_year(clerk)
    post_bill(account, "30.00", bill_date=business_day.today())
    payment = pay(account, amount="30.00", tenders=[check("30.00")])
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    assert _reason(account) == "returned"


def test_a_disconnection_in_the_window_keeps_the_deposit(clerk):
    from workorders import services as work_orders
    from workorders.models import Crew

    account = _held_a_year(clerk)
    order = work_orders.raise_work_order(
        kind="disconnect", premise=account.premise, account=account, by=clerk
    )
    crew = Crew.objects.create(name="North crew")
    work_orders.schedule_work_order(order=order, crew=crew, on=business_day.today(), by=clerk)
    work_orders.complete_work_order(order=order, by=clerk, notes="Shut off")
    assert _reason(account) == "disconnected"


def test_an_account_not_active_is_left_to_its_final_bill(clerk):
    account = _held_a_year(clerk)
    type(account).objects.filter(pk=account.pk).update(status="final")
    assert _reason(account) == "not_active"


def test_the_review_refunds_when_the_policy_says_so(clerk, supervisor):
    set_policy(deposit_review_action="refund")
    account = _held_a_year(clerk)
    post_bill(account, "40.00", bill_date=business_day.today())
    result = runs.post_review(business_day.today(), by=supervisor)
    assert result["Refund checks requested"] == "$60.00"
    assert result["Credited to accounts"] == "$40.00"
    refund = Refund.objects.get()
    assert (refund.source, refund.amount, refund.status) == ("deposit", D("60.00"), "requested")
    kinds = dict(
        DepositEntry.objects.filter(account=account, amount__lt=0).values_list("kind", "amount")
    )
    assert kinds == {"applied": D("-40.00"), "refunded": D("-60.00")}
    assert balance_of(account.pk) == D("-60.00")  # the credit the refund check takes


def test_the_review_through_the_worker(clerk, supervisor):
    account = _held_a_year(clerk)
    _held_a_year(clerk, months=3)
    day = business_day.today().isoformat()
    run = run_services.start_run(
        kind="deposits.review", scope=day[:7], params={"day": day}, by=supervisor
    )
    run_worker()
    run.refresh_from_db()
    assert run.proof["counts"] == {"Deposits credited": 1, "Deposits held": 2}
    assert run.proof["exclusions"]["Held less than the review's months"] == 1
    run_services.approve_run(run=run, by=supervisor)
    run_worker()
    run.refresh_from_db()
    assert run.status == "posted" and run.result["Deposits returned"] == 1
    assert held(account) == D("0.00")


def test_a_year_not_over_is_not_paid(supervisor):
    with pytest.raises(services.DepositError, match="not over yet"):
        runs.post_interest(business_day.today().year, by=supervisor)


def test_a_check_returned_between_the_proof_and_the_post_keeps_the_deposit(clerk, supervisor, pay):
    from payments import services as payment_services
    from tests.deposits.conftest import check

    account = _held_a_year(clerk)
    assert runs.review_proof(business_day.today())["counts"]["Deposits credited"] == 1
    post_bill(account, "30.00", bill_date=business_day.today())
    payment = pay(account, amount="30.00", tenders=[check("30.00")])
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    assert runs.post_review(business_day.today(), by=supervisor)["Deposits returned"] == 0
    assert held(account) == D("100.00")


def test_the_review_credits_the_interest_with_the_deposit(clerk, supervisor):
    set_policy(deposit_interest_percent=D("6.00"))
    today = business_day.today()
    account = make_account(customer=make_customer())
    require(account, "100.00")
    record_past_deposit(
        account=account, amount=D("100.00"), on=date(today.year - 2, 1, 1), by=clerk
    )
    runs.post_interest(today.year - 2, by=supervisor)  # paid by its yearly run: $6.00
    result = runs.post_review(today, by=supervisor)
    interest = sum(e.amount for e in DepositEntry.objects.filter(kind="interest"))
    assert interest > D("12.00")  # the year before last, last year and this year so far
    assert result["Interest accrued at the return"] == f"${interest - D('6.00'):,.2f}"
    applied = LedgerEntry.objects.get(account=account, kind="deposit_applied")
    assert applied.amount == -(D("100.00") + interest)
    assert held(account) == D("0.00")
