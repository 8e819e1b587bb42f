"""The shut-off list: every protection and rule excludes an account, with its reason; the
approval raises one disconnect order per notice."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from collections_app import calendar, collectible, queries, services
from collections_app.models import (
    Arrangement,
    Disconnection,
    Instalment,
    Notice,
    Promise,
    WeatherHold,
)
from tests.collections.conftest import delinquent, pay
from utilityclerk import business_day
from utilityclerk.core.models import Holiday, Policy
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def shutoff_day() -> date:
    return calendar.next_shutoff_day(business_day.today() + timedelta(days=1), Policy.current())


def noticed(amount="200.00", *, day=None, **customer):
    account, bill = delinquent(amount, days_past_due=15, **customer)
    day = day or shutoff_day()
    notice = Notice.objects.create(
        account=account,
        kind="past_due",
        bill=bill,
        business_date=business_day.today() - timedelta(days=3),
        amount=Decimal(amount),
        disconnect_on=day,
        name="x",
        service_address=account.premise.address_line,
    )
    return account, notice


def reasons_for(account, day=None):
    day = day or shutoff_day()
    rows = [r for r in queries.shutoff_list(day).rows if r.account_id == account.pk]
    return rows[0].reasons if rows else None


def arrange(account):
    today = business_day.today()
    arrangement = Arrangement.objects.create(
        account=account,
        total=Decimal("200.00"),
        down_payment=Decimal("50.00"),
        months=1,
        start_date=today,
        created_by=account.created_by or _user(),
    )
    Instalment.objects.create(arrangement=arrangement, number=0, due_date=today, amount=50)
    Instalment.objects.create(
        arrangement=arrangement, number=1, due_date=today + timedelta(days=30), amount=150
    )
    return arrangement


def _user():
    from tests.factories import make_user

    return make_user()


def test_an_unprotected_account_over_the_minimum_is_on_the_list():
    account, _ = noticed("200.00")
    assert reasons_for(account) == []


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (
            lambda a: a.customer.__class__.objects.filter(pk=a.customer_id).update(
                life_support=True
            ),
            "Life support",
        ),
        (
            lambda a: a.customer.__class__.objects.filter(pk=a.customer_id).update(
                medical_certificate_until=shutoff_day()
            ),
            "Medical certificate",
        ),
        (lambda a: arrange(a), "Kept arrangement"),
        (
            lambda a: Promise.objects.create(
                account=a,
                amount=100,
                pay_by=shutoff_day(),
                made_on=business_day.today(),
                made_by=_user(),
            ),
            "Promise to pay",
        ),
        (lambda a: pay(a, "160.00"), "Under the minimum"),
        (lambda a: pay(a, "200.00"), "Paid"),
        (
            lambda a: a.__class__.objects.filter(pk=a.pk).update(status="final"),
            "Account not active",
        ),
        (lambda a: a.services.update(status="stopped"), "No active service"),
    ],
)
def test_each_protection_keeps_the_account_off_with_its_reason(setup, reason):
    account, _ = noticed("200.00")
    setup(account)
    assert reason in reasons_for(account)
    assert account.pk not in {r.account_id for r in queries.shutoff_list(shutoff_day()).eligible}


def test_an_open_dispute_keeps_the_account_off():
    account, _ = noticed("200.00")
    collectible.register_hold(
        "test_dispute", f"SELECT {account.pk}::bigint AS account_id, 20::numeric AS amount"
    )
    try:
        assert "Open dispute" in reasons_for(account)
    finally:
        collectible.unregister_hold("test_dispute")


def test_a_weather_hold_keeps_every_account_off_that_day(supervisor):
    account, _ = noticed("200.00")
    services.hold_for_weather(day=shutoff_day(), reason="Forecast 18 °F", by=supervisor)
    assert "Weather hold" in reasons_for(account)
    with pytest.raises(services.CollectionsError, match="weather"):
        services.approve_shutoff(day=shutoff_day(), by=supervisor)


def test_no_shut_off_on_friday_to_sunday_or_a_holiday_or_the_day_before():
    policy = Policy.current()
    monday = date(2027, 3, 1)
    assert calendar.why_not_a_shutoff_day(monday, policy, set()) == ""
    assert calendar.why_not_a_shutoff_day(monday + timedelta(days=4), policy, set()).startswith(
        "No shut-off on a Friday"
    )
    assert calendar.why_not_a_shutoff_day(monday + timedelta(days=6), policy, set())
    assert calendar.why_not_a_shutoff_day(monday, policy, {monday}) == "No shut-off on a holiday"
    assert (
        calendar.why_not_a_shutoff_day(monday, policy, {monday + timedelta(days=1)})
        == "No shut-off on the day before a holiday"
    )


def test_not_at_or_after_noon_on_the_day():
    policy = Policy.current()
    day = date(2027, 3, 2)
    before = timezone.make_aware(datetime.combine(day, time(11, 59)))
    at_noon = timezone.make_aware(datetime.combine(day, time(12, 0)))
    assert calendar.why_not_now(day, policy, before) == ""
    assert calendar.why_not_now(day, policy, at_noon) == "No shut-off at or after 12:00"


def test_the_list_on_a_holiday_excludes_everyone_with_the_reason():
    day = shutoff_day()
    account, _ = noticed("200.00", day=day)
    Holiday.objects.create(date=day, name="Test day")
    assert "No shut-off on a holiday" in reasons_for(account, day)


def test_approval_raises_one_disconnect_order_per_notice_by_route(supervisor):
    first, _ = noticed("200.00")
    second, _ = noticed("300.00")
    protected, _ = noticed("300.00")
    protected.customer.__class__.objects.filter(pk=protected.customer_id).update(life_support=True)
    result = services.approve_shutoff(day=shutoff_day(), by=supervisor)
    assert result["counts"]["Disconnect orders"] == 2
    again = services.approve_shutoff(day=shutoff_day(), by=supervisor)
    assert again["counts"]["Disconnect orders"] == 0
    orders = WorkOrder.objects.filter(type_id="disconnect")
    assert {o.account_id for o in orders} == {first.pk, second.pk}
    order = orders.get(account=second)
    assert order.due_date == shutoff_day()
    assert "Collect or disconnect: $300.00 due now" in order.instructions
    assert Disconnection.objects.count() == 2


def test_a_clerk_cannot_approve_the_list(clerk):
    noticed("200.00")
    with pytest.raises(services.CollectionsError):
        services.approve_shutoff(day=shutoff_day(), by=clerk)


PROTECTIONS = ["life_support", "medical", "dispute", "arrangement", "promise", "small", "final"]
# Why an account is listed: a past-due notice, an overdue backflow test (issue #17, by
# policy), or both.
GROUNDS = ["notice", "backflow", "both"]


def _overdue_backflow(account, day):
    from permits.models import BackflowDevice, BackflowNotice

    device = BackflowDevice.objects.create(
        premise=account.premise,
        device_type="RPZ",
        size='1"',
        serial=f"P-{account.pk}",
        next_test_due=day - timedelta(days=60),
    )
    BackflowNotice.objects.create(
        device=device, due_date=device.next_test_due, noticed_on=day - timedelta(days=30)
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sets(st.sampled_from(PROTECTIONS), max_size=3),
            st.integers(min_value=1, max_value=90000),
            st.sampled_from(GROUNDS),
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_no_protected_account_ever_lands_on_a_shut_off_list(cases, weather):
    """Whatever mix of protections, amounts, weather and reasons to be listed (past due, an
    overdue backflow test): every account on the list is unprotected, and over the minimum
    when it is listed for the money; every protected one is off it."""
    # Each example in a savepoint rolled back: examples do not see each other's accounts.
    with transaction.atomic():
        day = shutoff_day()
        Policy.objects.filter(pk=Policy.current().pk).update(backflow_shutoff=True)
        minimum = Policy.current().shutoff_minimum
        everyone, protected, holds = set(), set(), []
        for protections, cents, grounds in cases:
            amount = Decimal(cents) / 100
            if grounds == "backflow":
                account, _bill = delinquent(f"{amount:.2f}", days_past_due=15)
            else:
                account, _ = noticed(f"{amount:.2f}")
            if grounds in ("backflow", "both"):
                _overdue_backflow(account, day)
            everyone.add(account.pk)
            customer = account.customer.__class__.objects.filter(pk=account.customer_id)
            if "life_support" in protections:
                customer.update(life_support=True)
            if "medical" in protections:
                customer.update(medical_certificate_until=day + timedelta(days=3))
            if "dispute" in protections:
                holds.append(f"SELECT {account.pk}::bigint AS account_id, 1::numeric AS amount")
            if "arrangement" in protections:
                arrange(account)
            if "promise" in protections:
                Promise.objects.create(
                    account=account,
                    amount=1,
                    pay_by=day,
                    made_on=business_day.today(),
                    made_by=_user(),
                )
            if "small" in protections:
                pay(account, f"{max(Decimal('0.01'), amount - minimum + Decimal('0.01')):.2f}")
            if "final" in protections:
                account.__class__.objects.filter(pk=account.pk).update(status="final")
            # The amount protects only against the money: an overdue test is no debt.
            money_only = grounds == "notice" and ("small" in protections or amount < minimum)
            if protections - {"small"} or weather or money_only:
                protected.add(account.pk)
        if weather:
            WeatherHold.objects.create(date=day, reason="Hot", set_by=_user())
        if holds:
            collectible.register_hold("prop_dispute", " UNION ALL ".join(holds))
        try:
            listing = queries.shutoff_list(day)
        finally:
            collectible.unregister_hold("prop_dispute")
        on_list = {r.account_id for r in listing.eligible}
        assert not (on_list & protected)
        assert on_list == everyone - protected  # and nobody unprotected is missed
        for row in listing.eligible:
            assert row.grounds
            if row.for_past_due:
                assert row.collectible >= minimum
        for row in listing.excluded:
            assert row.reasons
        transaction.set_rollback(True)
