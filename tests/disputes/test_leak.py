"""Leak adjustment arithmetic: the policy's share of what leak bills charged above the
customer's average, for at most the policy's number of bills, once in the policy's months,
on proof of repair."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collections_app.disputes.leak import compute_leak_credit
from collections_app.disputes.models import Case
from tests.disputes.conftest import bill
from tests.factories import make_account, post_charge
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import quantize_money

pytestmark = pytest.mark.django_db

TODAY = business_day.today


@pytest.fixture
def history(db):
    """Three ordinary bills (water $40, $42, $44 on 5,000 to 5,400 gal; sewer $30 each) and two
    leak bills (water $142 and $92 on 21,000 and 13,000 gal; sewer $30)."""
    account = make_account()
    today = TODAY()
    ordinary = [
        bill(account, w, on=today - timedelta(days=30 * (6 - i)), usage=u, sewer="30.00")
        for i, (w, u) in enumerate([("40.00", "5000"), ("42.00", "5200"), ("44.00", "5400")])
    ]
    leak1 = bill(account, "142.00", on=today - timedelta(days=60), usage="21000", sewer="30.00")
    leak2 = bill(account, "92.00", on=today - timedelta(days=30), usage="13000", sewer="30.00")
    return account, ordinary, leak1, leak2


def credit_for(account, bills, proof=True, **kwargs):
    return compute_leak_credit(
        account_id=account.pk, leak_bills=bills, has_proof_of_repair=proof, **kwargs
    )


def test_half_of_the_charge_above_the_average_for_each_leak_bill(history):
    account, ordinary, leak1, leak2 = history
    result = credit_for(account, [leak1, leak2])
    assert result.problems == []
    assert [b.pk for b in result.average_over] == [b.pk for b in reversed(ordinary)]
    water = [line for line in result.lines if line.utility == "water"]
    # Average water charge (40 + 42 + 44) / 3 = 42.00; excess 100.00 and 50.00; half of each.
    assert [(line.average, line.excess, line.credit) for line in water] == [
        (Decimal("42.00"), Decimal("100.00"), Decimal("50.00")),
        (Decimal("42.00"), Decimal("50.00"), Decimal("25.00")),
    ]
    assert water[0].average_usage == Decimal("5200.00") and water[0].usage == Decimal("21000")
    # Sewer did not rise (billed on the winter average): nothing to credit there.
    assert all(line.credit == 0 for line in result.lines if line.utility == "sewer")
    assert result.credit == Decimal("75.00")
    assert result.allowed


def test_the_share_is_the_policys(history):
    account, _, leak1, _ = history
    policy = Policy.current()
    policy.leak_credit_percent = 25
    assert credit_for(account, [leak1], policy=policy).credit == Decimal("25.00")


def test_at_most_the_policys_number_of_bills(history):
    account, ordinary, leak1, leak2 = history
    result = credit_for(account, [ordinary[-1], leak1, leak2])
    assert "at most 2 bills" in " ".join(result.problems)
    assert not result.allowed


def test_no_credit_without_proof_of_repair(history):
    account, _, leak1, _ = history
    result = credit_for(account, [leak1], proof=False)
    assert any("proof of repair" in p for p in result.problems)
    assert not result.allowed


def test_once_in_twelve_months(history):
    account, _, leak1, _ = history
    post_charge(
        account, "10.00", on=TODAY() - timedelta(days=200), kind="adjustment_debit"
    )  # unrelated
    from accounts.models import LedgerEntry

    LedgerEntry.objects.create(
        account=account,
        kind="adjustment_credit",
        amount=Decimal("-20.00"),
        business_date=TODAY() - timedelta(days=300),
        reason_code="leak_credit",
    )
    result = credit_for(account, [leak1])
    assert any("one" in p and "12 months" in p for p in result.problems)
    # Thirteen months ago is outside the window.
    account2 = make_account()
    LedgerEntry.objects.create(
        account=account2,
        kind="adjustment_credit",
        amount=Decimal("-20.00"),
        business_date=business_day.add_months(TODAY(), -13),
        reason_code="leak_credit",
    )
    assert not any("12 months" in p for p in credit_for(account2, []).problems)


def test_an_earlier_leak_case_counts_too(history, clerk):
    account, _, leak1, _ = history
    assert not Case.objects.exists()
    from tests.disputes.helpers import open_bill_case

    case = open_bill_case(account, leak1, clerk, amount="40.00")
    Case.objects.filter(pk=case.pk).update(
        status="resolved",
        outcome="adjusted",
        adjustment_reason="leak_credit",
        resolved_on=TODAY() - timedelta(days=30),
    )
    assert any("12 months" in p for p in credit_for(account, [leak1]).problems)
    assert not any(
        "12 months" in p for p in credit_for(account, [leak1], exclude_case_id=case.pk).problems
    )


def test_no_history_before_the_leak_no_average(db):
    account = make_account()
    first = bill(account, "150.00", on=TODAY() - timedelta(days=10), usage="20000")
    result = credit_for(account, [first])
    assert any("no bill before the leak" in p for p in result.problems)


def test_only_what_is_above_the_bills_before_counts(history):
    account, ordinary, *_ = history
    result = credit_for(account, [ordinary[-1]])
    assert result.credit > 0  # 44 is above the average of the bills before it (40, 42)
    result = credit_for(account, [ordinary[1]])
    assert result.credit == Decimal("1.00")  # 42 - 40 = 2, half is 1


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    before=st.lists(st.integers(min_value=1, max_value=50_000), min_size=1, max_size=4),
    leak=st.lists(st.integers(min_value=1, max_value=200_000), min_size=1, max_size=2),
    percent=st.integers(min_value=0, max_value=100),
)
def test_the_credit_is_the_share_of_each_excess_never_negative(db, before, leak, percent):
    """Amounts in cents: the credit is, bill by bill, percent x max(0, charge - average),
    rounded half up, and never more than the leak bills' excess."""
    account = make_account()
    today = TODAY()
    n = len(before) + len(leak)
    bills = [
        bill(account, Decimal(cents) / 100, on=today - timedelta(days=30 * (n - i)))
        for i, cents in enumerate(before + leak)
    ]
    policy = Policy.current()
    policy.leak_credit_percent = percent
    policy.leak_average_bills = 4
    result = credit_for(account, bills[len(before) :], policy=policy)
    average = quantize_money(Decimal(sum(before)) / 100 / len(before))
    expected = sum(
        (quantize_money(max(Decimal(c) / 100 - average, Decimal(0)) * percent / 100) for c in leak),
        Decimal("0.00"),
    )
    assert result.credit == expected
    assert (
        Decimal(0)
        <= result.credit
        <= sum((max(Decimal(c) / 100 - average, Decimal(0)) for c in leak), Decimal(0))
    )
