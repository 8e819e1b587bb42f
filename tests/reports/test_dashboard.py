"""The supervisor dashboard: today's figures from the real records, links to each list,
a polling fragment, and a fixed number of queries whatever the volume."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import services as account_services
from reports.dashboard import dashboard
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db
D = Decimal


def test_figures_come_from_todays_records(busy_day, clerk):
    account = busy_day["accounts"][0]
    account_services.post_adjustment(
        account=account, amount=D("-400.00"), reason_code="leak_credit", memo="Big leak", by=clerk
    )
    week_ago = busy_day["today"] - timedelta(days=7)
    WorkOrder.objects.filter(type_id="leak_check").update(
        raised_on=week_ago, due_date=week_ago + timedelta(days=1)
    )
    d = dashboard()
    assert d.total == D("207.50") and d.payments == 5
    assert (d.drawers_open, d.drawers_counted, d.drawers_verified) == (0, 0, 1)
    assert d.approvals_waiting == 1
    assert d.overdue_work_orders == 1
    assert (d.voids_today, d.returns_today, d.over_short_counts) == (1, 1, 1)
    assert d.exceptions == 3
    tenders = {bar.label: bar.amount for bar in d.by_tender}
    assert tenders == {
        "Cash": D("70.00"),
        "Check": D("95.00"),
        "Money order": D("0"),
        "Card": D("42.50"),
    }
    assert sum(bar.amount for bar in d.by_hour) == D("207.50")
    tallest = max(d.by_tender, key=lambda b: b.amount)
    assert tallest.label == "Check" and tallest.height == 150.0


def test_an_empty_day_draws_empty_charts(db):
    d = dashboard()
    assert d.total == 0 and all(bar.height == 0 for bar in d.by_hour + d.by_tender)


def test_page_links_each_figure_to_its_list_and_polls(busy_day, supervisor_client):
    page = supervisor_client.get(reverse("reports:dashboard")).content.decode()
    for url in [
        reverse("closeout:today"),
        reverse("accounts:adjustment_queue"),
        reverse("workorders:board") + "?overdue=on",
        reverse("contacts:board"),
        reverse("reports:run", args=["voids_returns"]) + "?period=today",
        reverse("reports:run", args=["payments"]) + "?period=today",
    ]:
        assert f'href="{url}' in page, url
    assert 'hx-trigger="every 30s"' in page
    assert "<svg" in page and "$207.50" in page


def test_the_polled_fragment_is_only_the_figures(busy_day, supervisor_client):
    fragment = supervisor_client.get(
        reverse("reports:dashboard"),
        headers={"HX-Request": "true", "HX-Target": "dashboard-figures"},
    ).content.decode()
    assert fragment.lstrip().startswith('<div id="dashboard-figures"')
    assert "<h1>" not in fragment


def test_dashboard_queries_are_few_and_fixed(
    busy_day, supervisor_client, django_assert_max_num_queries
):
    url = reverse("reports:dashboard")
    supervisor_client.get(url)  # renews the idle session (at most once a minute)
    # Session, user, permissions (2), the counts, today's tenders.
    with django_assert_max_num_queries(6):
        assert supervisor_client.get(url).status_code == 200


def test_only_supervisors_see_the_dashboard(clerk_client):
    assert clerk_client.get(reverse("reports:dashboard")).status_code == 403


def test_home_links_supervisors_to_the_dashboard(supervisor_client, clerk_client):
    link = f'<a class="button" href="{reverse("reports:dashboard")}">Dashboard'
    assert link in supervisor_client.get(reverse("home")).content.decode()
    assert link not in clerk_client.get(reverse("home")).content.decode()
