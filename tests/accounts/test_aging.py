from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import queries
from accounts.models import LedgerEntry
from tests.factories import make_account, post_charge, post_credit

AS_OF = date(2026, 11, 27)


def reference_aging(charges, credits, as_of):
    """Oldest charges paid first, in plain Python, to check the SQL against."""
    paid = sum(credits, Decimal("0"))
    buckets = dict.fromkeys(queries.AGING_BUCKETS, Decimal("0"))
    for due, amount in sorted(charges, key=lambda c: c[0]):
        covered = min(paid, amount)
        paid -= covered
        unpaid = amount - covered
        days = (as_of - due).days
        if days <= 0:
            name = "current"
        elif days <= 30:
            name = "days_1_30"
        elif days <= 60:
            name = "days_31_60"
        elif days <= 90:
            name = "days_61_90"
        else:
            name = "days_over_90"
        buckets[name] += unpaid
    return buckets


amounts = st.integers(min_value=1, max_value=50_000).map(lambda c: Decimal(c) / 100)
days_back = st.integers(min_value=-20, max_value=200)


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    charges=st.lists(st.tuples(days_back, amounts), max_size=8),
    credits=st.lists(amounts, max_size=5),
)
def test_buckets_sum_to_the_balance_and_oldest_is_paid_first(charges, credits):
    account = make_account()
    for back, amount in charges:
        due = AS_OF - timedelta(days=back)
        post_charge(account, amount, on=min(due, AS_OF), due=due)
    for amount in credits:
        post_credit(account, amount, on=AS_OF)
    aging = queries.aging_for_account(account.pk, as_of=AS_OF)

    balance = sum((a for _, a in charges), Decimal("0")) - sum(credits, Decimal("0"))
    assert aging.balance == balance
    bucket_total = sum((amount for _, amount in aging.buckets()), Decimal("0"))
    assert bucket_total - aging.credit == balance
    expected = reference_aging([(AS_OF - timedelta(days=b), a) for b, a in charges], credits, AS_OF)
    assert {name: getattr(aging, name) for name in queries.AGING_BUCKETS} == expected
    LedgerEntry.objects.all()  # entries stay; each example uses its own account


@pytest.mark.django_db
def test_aging_for_all_accounts_matches_each_account():
    first, second, empty = make_account(), make_account(), make_account()
    post_charge(first, "100.00", on=AS_OF - timedelta(days=95))
    post_charge(first, "50.00", on=AS_OF - timedelta(days=10))
    post_credit(first, "120.00", on=AS_OF - timedelta(days=1))
    post_charge(second, "20.00", on=AS_OF, due=AS_OF + timedelta(days=20))
    post_credit(second, "30.00", on=AS_OF)
    everyone = queries.aging_for_all_accounts(as_of=AS_OF)
    assert everyone[first.pk] == queries.aging_for_account(first.pk, as_of=AS_OF)
    assert everyone[second.pk] == queries.aging_for_account(second.pk, as_of=AS_OF)
    assert empty.pk not in everyone
    # first: $120 pays the 95-day charge fully, $20 of the 10-day one; $30 is 1-30 days.
    assert everyone[first.pk].days_1_30 == Decimal("30.00")
    assert everyone[first.pk].days_over_90 == Decimal("0.00")
    assert everyone[second.pk].credit == Decimal("10.00")
    totals = queries.aging_totals(as_of=AS_OF)
    assert totals.balance == Decimal("20.00")
    assert totals.days_1_30 == Decimal("30.00")


@pytest.mark.django_db
def test_entries_after_the_as_of_date_are_ignored():
    account = make_account()
    post_charge(account, "10.00", on=AS_OF - timedelta(days=40))
    post_credit(account, "10.00", on=AS_OF + timedelta(days=1))
    aging = queries.aging_for_account(account.pk, as_of=AS_OF)
    assert aging.days_31_60 == Decimal("10.00")
    assert aging.past_due == Decimal("10.00")


@pytest.mark.django_db
def test_a_bounced_payment_leaves_the_bill_past_due_not_current(clerk):
    from accounts import services
    from utilityclerk import business_day

    today = business_day.today()  # the reversal is posted today
    account = make_account()
    post_charge(account, "100.00", on=today - timedelta(days=80), due=today - timedelta(days=60))
    payment = post_credit(account, "100.00", on=today - timedelta(days=5))
    services.reverse_entry(entry=payment, memo="Returned check", by=clerk)
    aging = queries.aging_for_account(account.pk, as_of=today)
    assert aging.balance == Decimal("100.00")
    assert aging.days_31_60 == Decimal("100.00")
    assert aging.current == Decimal("0.00")


@pytest.mark.django_db
def test_a_reversed_charge_does_not_pay_older_debt(clerk):
    from accounts import services
    from utilityclerk import business_day

    today = business_day.today()
    account = make_account()
    post_charge(account, "100.00", on=today - timedelta(days=80), due=today - timedelta(days=60))
    fee = post_charge(account, "50.00", on=today - timedelta(days=2))
    services.reverse_entry(entry=fee, memo="Fee in error", by=clerk)
    aging = queries.aging_for_account(account.pk, as_of=today)
    assert aging.balance == Decimal("100.00")
    assert aging.days_31_60 == Decimal("100.00")
