from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import queries as account_queries
from collections_app import collectible
from collections_app.collectible import collectible_for_account, collectible_for_all
from tests.collections.conftest import delinquent, pay
from tests.factories import make_account, post_charge, post_credit

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 15)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(min_value=-90, max_value=10),  # day offset from AS_OF
            st.integers(min_value=-30000, max_value=30000),  # cents: charge or credit
            st.sampled_from(["bill_like", "late_fee", "returned_payment_fee"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_past_due_is_the_agings_past_due(entries):
    """The collectible's own allocation (it needs each charge's kind) never drifts from the
    account page's aging."""
    account = make_account()
    for offset, cents, kind in entries:
        day = AS_OF + timedelta(days=offset)
        if cents > 0:
            post_charge(
                account,
                Decimal(cents) / 100,
                on=day,
                kind="adjustment_debit" if kind == "bill_like" else kind,
            )
        elif cents < 0:
            post_credit(account, Decimal(-cents) / 100, on=day)
    aging = account_queries.aging_for_account(account.pk, AS_OF)
    mine = collectible_for_account(account.pk, AS_OF)
    assert mine.past_due == aging.past_due
    assert collectible_for_all(AS_OF).get(account.pk, mine).past_due == aging.past_due


def test_fees_are_told_apart_and_left_out_of_the_late_fee_base(today):
    account, _bill = delinquent("100.00", days_past_due=40)
    post_charge(account, "10.00", on=today - timedelta(days=39), kind="late_fee")
    c = collectible_for_account(account.pk)
    assert c.past_due == Decimal("110.00")
    assert c.fees == Decimal("10.00")
    assert c.late_fee_base() == Decimal("100.00")
    assert c.late_fee_base(on_fees=True) == Decimal("110.00")


def test_a_registered_hold_is_not_collectible(today):
    account, _bill = delinquent("300.00")
    collectible.register_hold(
        "test_dispute",
        f"SELECT {account.pk}::bigint AS account_id, 84.97::numeric AS amount",
    )
    try:
        c = collectible_for_account(account.pk)
        assert c.held == Decimal("84.97")
        assert c.amount == Decimal("215.03")
        assert collectible_for_all()[account.pk].amount == Decimal("215.03")
    finally:
        collectible.unregister_hold("test_dispute")
    assert collectible_for_account(account.pk).amount == Decimal("300.00")


def test_charges_due_today_are_due_now_but_not_past_due(today):
    account, _bill = delinquent("80.00")
    post_charge(account, "50.00", on=today, kind="reconnect_fee")
    c = collectible_for_account(account.pk)
    assert c.amount == Decimal("80.00")
    assert c.due_now == Decimal("130.00")
    pay(account, "130.00")
    assert collectible_for_account(account.pk).due_now == Decimal("0.00")


def test_days_past_due_count_from_the_oldest_unpaid_charge(today):
    account, _bill = delinquent("80.00", days_past_due=33)
    assert collectible_for_account(account.pk).days_past_due(today) == 33
