import statistics
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.contacts import queries, services
from accounts.models import Contact
from tests.factories import make_user
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def log(by, **overrides):
    data = {
        "channel": "phone",
        "party_type": "customer",
        "party_name": "Maria Johnson",
        "category": "billing_question",
        "subject": "Why is my bill higher",
        **overrides,
    }
    return services.log_contact(by=by, **data)


def backdate_follow_up(contact, days):
    # Time passes: a follow-up set for today is overdue `days` later. The service refuses past
    # dates, so the test moves the date the way the calendar would.
    Contact.objects.filter(pk=contact.pk).update(
        follow_up_on=business_day.today() - timedelta(days=days)
    )


def test_my_follow_ups_lists_overdue_then_today_then_upcoming(clerk):
    today = business_day.today()
    upcoming = log(clerk, subject="upcoming", follow_up_on=today + timedelta(days=2))
    due_today = log(clerk, subject="today", follow_up_on=today)
    overdue = log(clerk, subject="overdue", follow_up_on=today)
    backdate_follow_up(overdue, 3)
    log(clerk, subject="settled at once")
    log(make_user(role="Clerk"), subject="someone else's", follow_up_on=today)

    queue = queries.my_follow_ups(clerk)
    assert [c.pk for c in queue.due] == [overdue.pk, due_today.pk]
    assert [c.due_state for c in queue.due] == ["overdue", "today"]
    assert [c.pk for c in queue.upcoming] == [upcoming.pk]
    assert queue.overdue_count == 1


def test_follow_up_for_tomorrow_becomes_due_when_the_date_comes(clerk):
    tomorrow = business_day.today() + timedelta(days=1)
    contact = log(clerk, follow_up_on=tomorrow)
    assert [c.pk for c in queries.my_follow_ups(clerk).upcoming] == [contact.pk]
    assert queries.my_follow_ups(clerk).due == []
    on_the_day = queries.my_follow_ups(clerk, today=tomorrow)
    assert [c.pk for c in on_the_day.due] == [contact.pk]
    assert on_the_day.due[0].due_state == "today"


def test_closed_follow_ups_leave_the_queue(clerk):
    contact = log(clerk, follow_up_on=business_day.today())
    services.close_follow_up(contact=contact, outcome="Explained the tiered rate", by=clerk)
    queue = queries.my_follow_ups(clerk)
    assert queue.due == [] and queue.upcoming == []


def test_queue_is_one_query(clerk, django_assert_num_queries):
    for _ in range(3):
        log(clerk, follow_up_on=business_day.today())
    with django_assert_num_queries(1):
        queries.my_follow_ups(clerk, today=business_day.today())


def test_open_follow_ups_grouped_by_owner_with_counts(clerk, supervisor):
    today = business_day.today()
    other = make_user("zoe", role="Clerk", last_name="Zamora")
    log(clerk, follow_up_on=today)
    log(clerk, follow_up_on=today + timedelta(days=1))
    late = log(other, follow_up_on=today)
    backdate_follow_up(late, 1)
    log(other, subject="closed at once")

    queues = {q.owner.pk: q for q in queries.open_follow_ups_by_owner()}
    assert set(queues) == {clerk.pk, other.pk}
    assert (queues[clerk.pk].overdue, queues[clerk.pk].due_today, queues[clerk.pk].upcoming) == (
        0,
        1,
        1,
    )
    assert (queues[other.pk].overdue, len(queues[other.pk].contacts)) == (1, 1)


def test_follow_up_owners_are_active_clerks_and_supervisors(clerk, supervisor, admin_user):
    make_user(role="Clerk", is_active=False)
    make_user()
    assert set(queries.follow_up_owners()) == {clerk, supervisor}


def test_search_matches_party_and_subject_and_filters(clerk):
    street = log(
        clerk,
        party_type="elected_official",
        party_name="Council Member Ana Ruiz",
        category="complaint",
        subject="Pothole on Pfeil Rd",
    )
    bill = log(clerk, subject="High bill in August", category="high_bill", channel="email")
    assert list(queries.search_contacts(text="ruiz")) == [street]
    assert list(queries.search_contacts(text="pfeil")) == [street]
    assert list(queries.search_contacts(text="AUGUST")) == [bill]
    assert list(queries.search_contacts(category="high_bill")) == [bill]
    assert list(queries.search_contacts(party_type="elected_official")) == [street]
    assert list(queries.search_contacts(channel="email")) == [bill]
    assert list(queries.search_contacts(status="closed")) == [bill, street]


def test_search_by_date_uses_the_utilitys_calendar_day(clerk):
    tz = timezone.get_current_timezone()
    yesterday = business_day.today() - timedelta(days=1)
    late_call = log(clerk, contacted_at=datetime.combine(yesterday, time(23, 30), tzinfo=tz))
    assert list(queries.search_contacts(start=yesterday, end=yesterday)) == [late_call]
    assert list(queries.search_contacts(start=business_day.today())) == []


def test_report_counts_and_median_time_to_close(clerk):
    tz = timezone.get_current_timezone()
    today = business_day.today()
    start = today - timedelta(days=10)
    at = datetime.combine(start, time(9), tzinfo=tz)
    closed_after = [0, 0, 5, 30, 50]  # hours; zero is settled during the call
    for i, hours in enumerate(closed_after):
        contact = log(
            clerk,
            contacted_at=at + timedelta(hours=i),
            channel=["phone", "mail", "email", "in_person", "phone"][i],
            category=["high_bill", "high_bill", "permit", "complaint", "high_bill"][i],
            follow_up_on=today if hours else None,
            referred_to="public_works" if i == 3 else "",
        )
        if hours:
            Contact.objects.filter(pk=contact.pk).update(
                status="closed", closed_at=contact.contacted_at + timedelta(hours=hours)
            )
    still_open = log(clerk, contacted_at=at, party_type="agency", follow_up_on=today)
    log(clerk, contacted_at=at - timedelta(days=30))  # before the range

    report = queries.contact_report(start, today)
    assert report.total.contacts == 6
    assert report.total.open == 1 and report.total.closed == 5 and report.total.referred == 1
    assert report.total.median_hours_to_close == pytest.approx(statistics.median(closed_after))
    by = {(d, row.value): row for d, _, rows in report.sections for row in rows}
    assert by["category", "high_bill"].contacts == 3
    assert by["category", "high_bill"].median_hours_to_close == pytest.approx(
        statistics.median([0, 0, 50])
    )
    assert by["category", "dispute"].contacts == 0
    assert by["category", "dispute"].median_hours_to_close is None
    assert by["party_type", "agency"].contacts == 1 and by["party_type", "agency"].open == 1
    assert by["channel", "phone"].contacts == 3
    assert still_open.status == "open"
