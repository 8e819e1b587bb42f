"""Deadlines from policy in business days (weekends and city holidays skipped), and overdue
cases on the supervisors' board."""

from datetime import date, timedelta

import pytest

from collections_app.disputes import queries, services
from collections_app.disputes.models import Case
from tests.disputes.helpers import open_bill_case
from utilityclerk import business_day
from utilityclerk.core.models import Holiday, Policy

pytestmark = pytest.mark.django_db


def test_acknowledge_in_two_business_days_over_a_weekend():
    # Thursday 12/03/2026 -> Friday 4, (weekend), Monday 7.
    assert services.deadlines(date(2026, 12, 3))[0] == date(2026, 12, 7)


def test_opened_on_a_saturday_counts_from_monday():
    assert services.deadlines(date(2026, 12, 5))[0] == date(2026, 12, 9)


def test_holidays_are_skipped_both_deadlines():
    Holiday.objects.create(date=date(2026, 12, 24), name="Christmas Eve")
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas Day")
    Holiday.objects.create(date=date(2027, 1, 1), name="New Year's Day")
    acknowledge, resolve = services.deadlines(date(2026, 12, 23))
    # Wednesday 12/23: Thursday and Friday are holidays, then the weekend: Mon 28, Tue 29.
    assert acknowledge == date(2026, 12, 29)
    # 30 business days from 12/23 end on Wednesday 2/3/2027 without holidays; 12/24, 12/25
    # and 1/1 skipped push it three business days on, over a weekend: Monday 2/8.
    assert resolve == date(2027, 2, 8)


def test_without_holidays_thirty_business_days_is_six_weeks():
    assert services.deadlines(date(2026, 12, 23))[1] == date(2027, 2, 3)


def test_the_policy_sets_the_days():
    policy = Policy.current()
    policy.dispute_acknowledge_days, policy.dispute_resolve_days = 1, 10
    assert services.deadlines(date(2026, 12, 4), policy) == (date(2026, 12, 7), date(2026, 12, 18))


def test_a_case_carries_its_deadlines(high_bill_account, clerk, monkeypatch):
    Holiday.objects.create(date=date(2026, 12, 25), name="Christmas Day")
    monkeypatch.setattr(business_day, "today", lambda: date(2026, 12, 24))
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    assert case.opened_on == date(2026, 12, 24)
    assert case.acknowledge_by == date(2026, 12, 29)


def test_overdue_cases_rise_to_the_top_of_the_board(high_bill_account, clerk):
    today = business_day.today()
    fresh = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="10")
    late = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="20")
    unanswered = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="5")
    Case.objects.filter(pk=late.pk).update(
        opened_on=today - timedelta(days=50),
        acknowledged_on=today - timedelta(days=49),
        acknowledge_by=today - timedelta(days=48),
        resolve_by=today - timedelta(days=2),
        status="investigating",
    )
    Case.objects.filter(pk=unanswered.pk).update(
        opened_on=today - timedelta(days=5), acknowledge_by=today - timedelta(days=1)
    )
    rows = queries.board(today=today)
    assert rows[0].case.pk == late.pk
    overdue = {r.case.pk: r.overdue for r in rows}
    assert overdue == {late.pk: "resolve", unanswered.pk: "acknowledge", fresh.pk: ""}
    assert {r.case.pk: r.age_days for r in rows}[late.pk] == 50
    assert queries.overdue_count(today) == 2
    assert "Acknowledgement" in {r.case.pk: r for r in rows}[unanswered.pk].waiting_on
