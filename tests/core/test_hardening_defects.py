"""The defects found by trying the app hard (issue 12), each pinned by a test."""

import uuid
from datetime import timedelta

import pytest

from payments import services as payment_services
from payments.closeout.models import BankDeposit
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account
from utilityclerk import business_day
from utilityclerk.core.models import BusinessDay

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# HTTP 500s -------------------------------------------------------------------------------


@pytest.mark.parametrize("current_url", ["http://[::1", "http://[", "http://x:99999999/"])
def test_follow_ups_with_a_broken_current_url_header(clerk_client, current_url):
    response = clerk_client.get(
        "/contacts/follow-ups/", headers={**HTMX, "HX-Current-URL": current_url}
    )
    assert response.status_code == 200
    # The close links return to this page, not to the broken address.
    assert b"[::1" not in response.content


@pytest.fixture
def open_session(clerk):
    drawer = Drawer.objects.create(code="D9", name="Window 9")
    session = payment_services.open_drawer_session(
        drawer=drawer, opening_float=business_day_amount("100.00"), clerk=clerk
    )
    payment_services.take_payment(
        account=make_account(),
        amount=business_day_amount("20.00"),
        tenders=[TenderInput(kind="cash", amount=business_day_amount("20.00"))],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    return session


def business_day_amount(text):
    from decimal import Decimal

    return Decimal(text)


def test_verify_page_of_a_drawer_not_yet_counted(supervisor_client, open_session):
    response = supervisor_client.get(f"/closeout/sessions/{open_session.pk}/verify/")
    assert response.status_code != 500
    # Nothing to verify before the clerk has counted: said, not shown as a comparison.
    assert response.status_code in (200, 302)


def test_verify_post_on_a_drawer_not_yet_counted_changes_nothing(supervisor_client, open_session):
    response = supervisor_client.post(
        f"/closeout/sessions/{open_session.pk}/verify/", {"note": "ok"}, follow=True
    )
    assert response.status_code == 200
    open_session.refresh_from_db()
    assert open_session.status == "open"
    assert b"not been counted" in response.content


# Dates in addresses and forms ------------------------------------------------------------


def _tomorrow():
    return business_day.today() + timedelta(days=1)


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31", "tomorrow"])
def test_no_deposit_for_a_day_out_of_range(supervisor_client, day):
    day = _tomorrow().isoformat() if day == "tomorrow" else day
    response = supervisor_client.post(
        f"/closeout/day/{day}/deposit/",
        {"bag_number": "B1", "cash_total": "0.00", "check_total": "0.00"},
        follow=True,
    )
    assert response.status_code == 200
    assert not BankDeposit.objects.exists()
    assert b"too late" in response.content or b"too early" in response.content


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_no_close_for_a_day_out_of_range(supervisor_client, day):
    response = supervisor_client.post(f"/closeout/day/{day}/close/", follow=True)
    assert response.status_code == 200
    assert not BusinessDay.objects.filter(status="closed").exists()
    assert b"too late" in response.content or b"too early" in response.content


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow"])
def test_the_day_board_of_a_day_out_of_range_says_so(supervisor_client, day):
    day = _tomorrow().isoformat() if day == "tomorrow" else day
    response = supervisor_client.get(f"/closeout/day/{day}/", follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "too late" in content or "too early" in content or "not a date" in content


def test_yesterday_s_board_still_opens(supervisor_client):
    yesterday = business_day.today() - timedelta(days=1)
    response = supervisor_client.get(f"/closeout/day/{yesterday.isoformat()}/")
    assert response.status_code == 200


def _contact(**overrides):
    return {
        "idempotency_key": str(uuid.uuid4()),
        "channel": "phone",
        "party_type": "customer",
        "party_name": "Ana Ruiz",
        "category": "billing_question",
        "subject": "High bill",
        **overrides,
    }


@pytest.mark.parametrize("when", ["0001-01-01T09:00", "9999-12-31T09:00", "1900-01-01T09:00"])
def test_a_contact_dated_out_of_range_is_refused(clerk_client, when):
    from accounts.models import Contact

    response = clerk_client.post("/contacts/new/", _contact(contacted_at=when))
    assert response.status_code == 200
    assert not Contact.objects.exists()
    assert b"too early" in response.content or b"too late" in response.content


def test_a_contact_from_last_week_is_taken(clerk_client):
    from accounts.models import Contact

    last_week = business_day.today() - timedelta(days=7)
    clerk_client.post("/contacts/new/", _contact(contacted_at=f"{last_week.isoformat()}T09:00"))
    assert Contact.objects.get().contacted_at.date() == last_week


def test_a_follow_up_years_ahead_is_refused(clerk_client):
    from accounts.models import Contact

    response = clerk_client.post("/contacts/new/", _contact(follow_up_on="2199-12-31"))
    assert response.status_code == 200
    assert not Contact.objects.exists()
