from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
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


# The allocation written the plain way: a window over every charge of the account, newest
# first, each unpaid by what the balance leaves after the charges newer than it. The
# collectible works the same out without the window (collectible.py says how); this is
# what it must always agree with, field by field.
_REFERENCE_SQL = """
WITH balances AS (
    SELECT account_id, SUM(amount) AS balance FROM accounts_ledgerentry
    WHERE business_date <= %(as_of)s AND account_id = %(account_id)s GROUP BY account_id
),
unpaid AS (
    SELECT e.id, e.due_date,
           GREATEST(0, LEAST(e.amount, b.balance - (
               SUM(e.amount) OVER (ORDER BY e.due_date DESC, e.id DESC
                                   ROWS UNBOUNDED PRECEDING) - e.amount))) AS open_amount,
           e.kind IN ('late_fee', 'reconnect_fee', 'returned_payment_fee')
               OR e.reason_code = 'door_hanger' AS is_fee
    FROM accounts_ledgerentry e JOIN balances b ON b.account_id = e.account_id AND b.balance > 0
    WHERE e.amount > 0 AND e.business_date <= %(as_of)s AND e.kind <> 'reversal'
      AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry r WHERE r.kind = 'reversal'
                      AND r.reverses_id = e.id AND r.business_date <= %(as_of)s)
)
SELECT COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(cutoff)s), 0),
       COALESCE(SUM(open_amount) FILTER (WHERE due_date <= %(cutoff)s), 0),
       COALESCE(SUM(open_amount) FILTER (WHERE due_date < %(cutoff)s AND is_fee), 0),
       MIN(due_date) FILTER (WHERE due_date < %(cutoff)s AND open_amount > 0)
FROM unpaid
"""

KINDS = ["adjustment_debit", "late_fee", "returned_payment_fee", "door_hanger", "reversed"]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(min_value=-90, max_value=10),  # posted, days from AS_OF
            st.integers(min_value=0, max_value=40),  # due so many days after posting
            st.integers(min_value=-30000, max_value=30000),  # cents: charge or credit
            st.sampled_from(KINDS),
            st.integers(min_value=0, max_value=30),  # a reversal so many days later
        ),
        min_size=1,
        max_size=10,
    ),
    cutoff_offset=st.integers(min_value=-20, max_value=20),
)
# A charge not yet due, reversed only after the as-of date: it still takes its share first.
@example(
    entries=[
        (-30, 0, 10000, "adjustment_debit", 0),
        (0, 5, 5000, "reversed", 20),
        (-1, 0, -6000, "adjustment_debit", 0),
    ],
    cutoff_offset=0,
)
# A bounced payment and a fee due on the cutoff day itself.
@example(
    entries=[
        (-40, 0, 8000, "late_fee", 0),
        (-35, 0, -8000, "reversed", 3),
        (-10, 10, 2500, "door_hanger", 0),
    ],
    cutoff_offset=0,
)
def test_the_collectible_equals_the_window_allocation(entries, cutoff_offset):
    """Past due, due now, fees and the oldest unpaid due date, for any ledger (reversed
    charges and payments, fees of every kind, charges due after the cutoff) and any cutoff."""
    from django.db import connection

    from accounts.models import LedgerEntry

    account = make_account()
    for offset, due_in, cents, kind, later in entries:
        day = AS_OF + timedelta(days=offset)
        if cents < 0:
            credit = post_credit(account, Decimal(-cents) / 100, on=day)
            if kind == "reversed":  # a bounced payment
                LedgerEntry.objects.create(
                    account=account, kind="reversal", amount=-credit.amount,
                    business_date=day + timedelta(days=later),
                    due_date=day + timedelta(days=later), reverses=credit,
                )  # fmt: skip
            continue
        if cents == 0:
            continue
        fields = {"kind": kind}
        if kind == "door_hanger":
            fields = {"kind": "adjustment_debit", "reason_code": "door_hanger"}
        elif kind == "reversed":
            fields = {"kind": "adjustment_debit"}
        charge = post_charge(
            account, Decimal(cents) / 100, on=day, due=day + timedelta(days=due_in), **fields
        )
        if kind == "reversed":
            LedgerEntry.objects.create(
                account=account, kind="reversal", amount=-charge.amount,
                business_date=day + timedelta(days=later), reverses=charge,
            )  # fmt: skip
    cutoff = AS_OF + timedelta(days=cutoff_offset)
    with connection.cursor() as cursor:
        cursor.execute(_REFERENCE_SQL, {"as_of": AS_OF, "cutoff": cutoff, "account_id": account.pk})
        past_due, due_now, fees, oldest_due = cursor.fetchone()
    mine = collectible_for_account(account.pk, AS_OF, cutoff=cutoff)
    assert (mine.past_due, mine.due_now_gross, mine.fees, mine.oldest_due) == (
        past_due,
        due_now,
        fees,
        oldest_due,
    )
    everyone = collectible_for_all(AS_OF, cutoff=cutoff).get(account.pk, mine)
    assert everyone == mine
    # Without the walk (notices, the shut-off list): the same amounts.
    with connection.cursor() as cursor:
        cursor.execute(
            collectible.collectible_sql("one", detail=False),
            {"as_of": AS_OF, "cutoff": cutoff, "account_id": account.pk},
        )
        row = cursor.fetchone()
    brief = collectible.Collectible(*row) if row else collectible.Collectible(account.pk)
    assert (brief.past_due, brief.due_now_gross) == (past_due, due_now)
