"""Aging every account from the kept summary (balances, charges by due date, the changes not
folded yet) agrees with aging each account from its ledger, before and after a fold, now and
as of any day, whatever was posted, reversed, dated late or early."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import aging_summary, queries
from accounts.models import AgingChange, LedgerEntry
from tests.factories import make_account, post_charge, post_credit

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 11, 27)


def reverse(entry, on):
    """A reversal as the ledger keeps it, dated as the test says (the service dates it
    today)."""
    return LedgerEntry.objects.create(
        account_id=entry.account_id,
        kind="reversal",
        amount=-entry.amount,
        business_date=on,
        due_date=on if entry.amount < 0 else None,
        reverses=entry,
    )


def every_account_agrees(accounts, days):
    """Each account's aging from the summary equals its aging from the ledger, now and at
    the end of each day."""
    for as_of in [None, *days]:
        everyone = queries.aging_for_all_accounts(as_of)
        for account in accounts:
            expected = queries.aging_for_account(account.pk, as_of=as_of)
            assert everyone.get(account.pk, queries.Aging()) == expected, (as_of, account.pk)
        totals = queries.aging_totals(as_of)
        assert totals.balance == sum((a.balance for a in everyone.values()), D("0"))
        assert totals.past_due == sum((a.past_due for a in everyone.values()), D("0"))


amounts = st.integers(min_value=1, max_value=40_000).map(lambda c: D(c) / 100)
days = st.integers(min_value=-120, max_value=10)
postings = st.lists(
    st.one_of(
        st.tuples(st.just("charge"), st.integers(0, 1), days, st.integers(0, 30), amounts),
        st.tuples(st.just("credit"), st.integers(0, 1), days, st.just(0), amounts),
        st.tuples(st.just("reverse"), st.integers(0, 50), days, st.integers(0, 40), st.just(0)),
        st.tuples(st.just("fold"), st.just(0), st.just(0), st.just(0), st.just(0)),
    ),
    max_size=16,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(postings=postings)
def test_the_summary_ages_every_account_as_its_ledger(postings):
    accounts = [make_account(), make_account()]
    entries = []
    for what, who, back, extra, amount in postings:
        on = TODAY + timedelta(days=back)
        if what == "charge":
            entries.append(
                post_charge(accounts[who], amount, on=on, due=on + timedelta(days=extra))
            )
        elif what == "credit":
            entries.append(post_credit(accounts[who], amount, on=on))
        elif what == "reverse" and entries:
            entry = entries[who % len(entries)]
            if entry.kind != "reversal" and not LedgerEntry.objects.filter(reverses=entry).exists():
                # Reversed the same day as the entry or later, or (rarely) dated earlier.
                entries.append(reverse(entry, entry.business_date + timedelta(days=extra - 5)))
        elif what == "fold":
            aging_summary.fold()
    checked_days = [TODAY - timedelta(days=d) for d in (0, 10, 30, 65)]
    every_account_agrees(accounts, checked_days)
    aging_summary.fold()
    assert not AgingChange.objects.exists()
    every_account_agrees(accounts, checked_days)
    aging_summary.rebuild()
    every_account_agrees(accounts, checked_days)


def test_a_bulk_posting_records_one_change_per_account_and_due_date():
    first, second = make_account(), make_account()
    aging_summary.fold()
    due = TODAY + timedelta(days=20)
    # A bill run posts many entries in one statement.
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                account=first, kind="late_fee", amount=D("10.00"), business_date=TODAY, due_date=due
            ),
            LedgerEntry(
                account=first, kind="late_fee", amount=D("5.00"), business_date=TODAY, due_date=due
            ),
            LedgerEntry(account=first, kind="payment", amount=D("-3.00"), business_date=TODAY),
            LedgerEntry(
                account=second,
                kind="late_fee",
                amount=D("7.00"),
                business_date=TODAY,
                due_date=TODAY,
            ),
        ]
    )
    changes = {(c.account_id, c.due_date): (c.charge, c.balance) for c in AgingChange.objects.all()}
    assert changes == {
        (first.pk, due): (D("15.00"), D("15.00")),
        (first.pk, None): (D("0.00"), D("-3.00")),
        (second.pk, TODAY): (D("7.00"), D("7.00")),
    }
    assert aging_summary.fold() == 2
    assert not AgingChange.objects.exists()
    assert queries.aging_for_all_accounts()[first.pk] == queries.aging_for_account(first.pk)


def test_a_charge_reversed_leaves_its_due_date_and_what_it_covered_is_owed_again(clerk):
    from accounts import services

    account = make_account()
    old = post_charge(account, "80.00", on=TODAY - timedelta(days=70))
    fee = post_charge(account, "20.00", on=TODAY - timedelta(days=5))
    post_credit(account, "80.00", on=TODAY - timedelta(days=2))
    aging_summary.fold()
    # The $80 paid the oldest charge: the $20 fee is what is owed.
    assert queries.aging_for_all_accounts(TODAY)[account.pk].days_1_30 == D("20.00")
    services.reverse_entry(entry=fee, memo="Fee in error", by=clerk)
    services.reverse_entry(entry=old, memo="Billed in error", by=clerk)
    for folded in (False, True):
        if folded:
            aging_summary.fold()
        aging = queries.aging_for_all_accounts()[account.pk]  # now: the reversals count
        assert aging.balance == D("-80.00")
        assert aging.past_due == D("0.00")
        assert aging == queries.aging_for_account(account.pk)


def test_the_tables_hold_what_the_ledger_says_after_a_fold():
    account = make_account()
    post_charge(account, "30.00", on=TODAY - timedelta(days=40))
    post_charge(account, "25.00", on=TODAY - timedelta(days=10))
    post_credit(account, "40.00", on=TODAY - timedelta(days=1))
    aging_summary.fold()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT due_date, amount, unpaid FROM accounts_chargesdue WHERE account_id = %s "
            "ORDER BY due_date",
            [account.pk],
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT balance FROM accounts_accountbalance WHERE account_id = %s", [account.pk]
        )
        (balance,) = cursor.fetchone()
    assert balance == D("15.00")
    # The $40 paid the oldest $30 and $10 of the next: $15 of it is unpaid.
    assert rows == [
        (TODAY - timedelta(days=40), D("30.00"), D("0.00")),
        (TODAY - timedelta(days=10), D("25.00"), D("15.00")),
    ]


def test_as_of_a_day_takes_back_what_was_dated_after_it():
    """Each way a posting dated after the day changes what was owed at its end."""
    day = TODAY - timedelta(days=30)
    account = make_account()
    post_charge(account, "40.00", on=day - timedelta(days=50))  # owed at the day's end
    reversed_later = post_charge(account, "15.00", on=day - timedelta(days=5))
    reverse(reversed_later, day + timedelta(days=3))  # still owed at the day's end
    charged_later = post_charge(account, "60.00", on=day + timedelta(days=1))  # not yet
    both_later = post_charge(account, "70.00", on=day + timedelta(days=2))
    reverse(both_later, day + timedelta(days=4))  # neither counts
    paid = post_credit(account, "10.00", on=day - timedelta(days=1))
    reverse(paid, day + timedelta(days=6))  # the payment still counted at the day's end
    post_credit(account, "25.00", on=day + timedelta(days=7))  # not yet
    assert charged_later.amount == D("60.00")
    for folded in (False, True):
        if folded:
            aging_summary.fold()
        aging = queries.aging_for_all_accounts(day)[account.pk]
        assert aging == queries.aging_for_account(account.pk, as_of=day)
        # $40 + $15 - $10: the $10 paid the oldest, $30 of it 31-60 days past due.
        assert aging.balance == D("45.00")
        assert (aging.days_31_60, aging.days_1_30) == (D("30.00"), D("15.00"))
        now = queries.aging_for_all_accounts()[account.pk]
        assert now == queries.aging_for_account(account.pk)
        assert now.balance == D("75.00")


def test_the_fold_command_and_the_rebuild():
    import io

    from django.core.management import call_command

    account = make_account()
    post_charge(account, "12.00", on=TODAY)
    out = io.StringIO()
    call_command("fold_aging", stdout=out)
    assert "Postings on 1 account(s) folded into the aging summary" in out.getvalue()
    call_command("fold_aging", "--rebuild", stdout=out)
    assert "made again from the ledger" in out.getvalue()
    assert queries.aging_for_all_accounts()[account.pk].balance == D("12.00")
    assert aging_summary.disagreements() == (
        ["what", "account_id", "due_date", "ledger", "kept"],
        [],
    )
