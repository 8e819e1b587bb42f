"""The supervisor's home panel, the header's drawer status and the close-day confirmation."""

import pytest

from payments.closeout import services
from tests.closeout.conftest import cash, check
from tests.closeout.test_services import counted
from utilityclerk import business_day
from utilityclerk.core.models import BusinessDay

pytestmark = pytest.mark.django_db


def test_header_says_the_drawer_is_open_and_its_receipts_without_totals(
    clerk_client, session, clerk, pay
):
    pay(clerk, "40.00", cash("50.00"))
    pay(clerk, "25.00", check("25.00"))
    html = clerk_client.get("/payments/drawer/status/").content.decode()
    assert "Drawer D1 open · 2 receipts" in html
    assert "$" not in html  # the drawer is counted blind: no totals
    page = clerk_client.get("/").content.decode()
    assert 'hx-get="/payments/drawer/status/"' in page


def test_header_says_when_no_drawer_is_open(clerk_client):
    assert "No drawer open" in clerk_client.get("/payments/drawer/status/").content.decode()


def test_drawer_status_needs_a_counter_role(client):
    from tests.factories import make_user

    client.force_login(make_user("field1", role="Field"))
    assert client.get("/payments/drawer/status/").status_code == 403


def test_supervisor_home_says_drawers_waiting_and_what_is_left(
    supervisor_client, session, clerk, pay
):
    pay(clerk, "40.00", cash("50.00"))
    services.count_drawer(session=session, counted=counted("140.00"), by=clerk)
    home = supervisor_client.get("/").content.decode()
    assert 'hx-get="/closeout/waiting/"' in home
    html = supervisor_client.get("/closeout/waiting/").content.decode()
    assert "<strong>1</strong> counted drawer waits for verification" in html
    assert "Before today can close:" in html
    assert "1 counted drawer(s) are not verified." in html


def test_clerk_cannot_read_the_supervisor_panel(clerk_client):
    assert clerk_client.get("/closeout/waiting/").status_code == 403


def test_closing_the_day_asks_for_confirmation_with_a_checklist(supervisor_client):
    today = business_day.today()
    board = supervisor_client.get(f"/closeout/day/{today}/").content.decode()
    assert 'id="close-checklist"' in board
    assert "No drawer was opened" in board and "No bank deposit due" in board
    assert "Closing the day fixes its totals" in board
    response = supervisor_client.post(f"/closeout/day/{today}/close/", follow=True)
    assert "to confirm" in response.content.decode()
    assert not BusinessDay.objects.filter(date=today, status="closed").exists()
    supervisor_client.post(f"/closeout/day/{today}/close/", {"confirm": "1"})
    assert BusinessDay.objects.get(date=today).is_closed
