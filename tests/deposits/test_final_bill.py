"""A stop's final bill: the deposit and its interest are applied to it, what is left is a
credit on the account (refunded through the refunds work), and it happens once."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import Bill, LedgerEntry
from accounts.queries import balance_of
from payments.deposits import queries, services
from payments.deposits.models import DepositEntry, InstalmentPlan, LetterOfCredit
from payments.refunds import services as refunds
from tests.billing.conftest import make_metered_account, rates, route  # noqa: F401 - fixtures
from tests.deposits.conftest import require, set_policy
from utilityclerk import business_day
from utilityclerk.business_day import add_months
from workorders import services as work_orders
from workorders.models import Crew
from workorders.service_changes import stop_service

pytestmark = pytest.mark.django_db
D = Decimal


def stop_and_read(account, clerk, *, extra_gallons=2500):
    today = business_day.today()
    last = account.point.readings.order_by("-read_on").first()
    order = stop_service(account=account, stop_date=today, by=clerk)
    work_orders.schedule_work_order(
        order=order, crew=Crew.objects.create(name="N"), on=today, by=clerk
    )
    work_orders.dispatch_work_order(order=order, by=clerk)
    work_orders.complete_work_order(
        order=order, by=clerk, read=last.value + extra_gallons, done_on=today
    )
    return order


@pytest.fixture
def stopping(make_metered_account, clerk):  # noqa: F811 - the fixture, imported above
    """A metered account billed 15 days ago, holding a $150.00 deposit taken at the counter."""
    today = business_day.today()
    billed = today - timedelta(days=15)
    account = make_metered_account(
        start=add_months(billed, -12), last_read=billed, billed_through=billed
    )
    require(account, "150.00")
    return account


def test_the_final_bill_gets_the_deposit_and_the_rest_is_a_credit(stopping, clerk, pay):
    pay(stopping, deposit="150.00")
    before = balance_of(stopping.pk)
    stop_and_read(stopping, clerk)
    bill = Bill.objects.get(account=stopping, period_end=business_day.today())
    applied = LedgerEntry.objects.get(account=stopping, kind="deposit_applied")
    assert applied.amount == D("-150.00") and applied.reference == bill.number
    assert "final bill" in applied.memo
    assert queries.figures(stopping.pk).held == D("0.00")
    out = DepositEntry.objects.get(account=stopping, kind="applied")
    assert out.ledger_entry == applied and out.amount == D("-150.00")
    balance = balance_of(stopping.pk)
    assert balance == before + bill.total - D("150.00") and balance < 0  # a credit left over
    stopping.refresh_from_db()
    assert stopping.status == "final"


def test_the_credit_left_is_refunded_through_the_refunds_work(stopping, clerk, supervisor, pay):
    pay(stopping, deposit="150.00")
    stop_and_read(stopping, clerk)
    credit = -balance_of(stopping.pk)
    refund = refunds.request_refund(
        account=stopping,
        amount=credit,
        reason="Deposit left over after the final bill",
        requested_by=clerk,
        source="deposit",
    )
    refunds.approve_refund(refund=refund, by=supervisor)
    assert balance_of(stopping.pk) == D("0.00")


def test_interest_is_applied_with_the_deposit(stopping, clerk, pay):
    set_policy(deposit_interest_percent=D("6.00"))
    pay(stopping, deposit="150.00")
    stop_and_read(stopping, clerk)
    interest = DepositEntry.objects.get(account=stopping, kind="interest")
    assert interest.amount == (D("150") * D("0.06") / 365).quantize(D("0.01"))  # one day
    applied = LedgerEntry.objects.get(account=stopping, kind="deposit_applied")
    assert applied.amount == -(D("150.00") + interest.amount)


def test_a_plan_ends_and_a_letter_of_credit_is_released_at_the_final_bill(
    make_metered_account,  # noqa: F811
    clerk,
):
    today = business_day.today()
    billed = today - timedelta(days=15)
    account = make_metered_account(
        start=add_months(billed, -12),
        last_read=billed,
        billed_through=billed,
        customer_class="commercial",
    )
    require(account, "400.00")
    services.record_security(
        account=account,
        kind="letter_of_credit",
        issuer="First Texas Bank",
        amount=D("300.00"),
        expires_on=today + timedelta(days=200),
        by=clerk,
    )
    services.set_up_instalments(account=account, instalments=2, by=clerk)
    stop_and_read(account, clerk)
    assert InstalmentPlan.objects.get().status == "ended"
    assert LetterOfCredit.objects.get().released_on == business_day.today()
    assert not LedgerEntry.objects.filter(account=account, kind="deposit_applied").exists()


def test_applied_once_whatever_calls_it_again(stopping, clerk, supervisor, pay):
    pay(stopping, deposit="150.00")
    stop_and_read(stopping, clerk)
    assert services.apply_to_final_bill(account=stopping, bill=None, by=supervisor) is None
    assert LedgerEntry.objects.filter(account=stopping, kind="deposit_applied").count() == 1


def test_no_final_bill_to_make_still_applies_the_deposit(make_metered_account, clerk, pay):  # noqa: F811
    today = business_day.today()
    account = make_metered_account(
        start=add_months(today, -12), last_read=today, billed_through=today
    )
    require(account, "100.00")
    pay(account, deposit="100.00")
    bills = Bill.objects.filter(account=account).count()
    stop_and_read(account, clerk, extra_gallons=0)
    assert Bill.objects.filter(account=account).count() == bills  # billed through the stop
    applied = LedgerEntry.objects.get(account=account, kind="deposit_applied")
    assert applied.amount == D("-100.00") and applied.reference == ""
    assert balance_of(account.pk) < 0
