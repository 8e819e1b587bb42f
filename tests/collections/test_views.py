"""The account header's collection status within the page's query budget, the worklist, the
shut-off and door-hanger screens, and who may see them."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from collections_app import runs, services
from tests.collections.conftest import active_water, delinquent
from tests.collections.test_shutoff import noticed, shutoff_day
from tests.factories import make_account, post_bill, post_credit
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_account(clerk, today):
    """Two years of bills and part payments, fees, a notice, an arrangement and a promise
    on the books of other accounts: what a counter clerk really opens."""
    account = make_account()
    active_water(account)
    start = today - timedelta(days=730)
    for month in range(24):
        day = start + timedelta(days=30 * month)
        post_bill(account, Decimal("90.00") + month, bill_date=day)
        post_credit(account, Decimal("60.00"), on=day + timedelta(days=25))
    for _ in range(3):
        delinquent("300.00", days_past_due=15)
    runs.post_late_fees(today, by=clerk)
    runs.post_notices(today, by=clerk)
    services.make_arrangement(account=account, months=3, by=clerk, idempotency_key=uuid.uuid4())
    return account


def test_account_header_shows_the_collection_status_within_ten_queries(
    clerk_client, busy_account, django_assert_max_num_queries
):
    clerk_client.get("/")
    # The page's budget: the collection status panel is one query of it.
    with django_assert_max_num_queries(10):
        response = clerk_client.get(f"/accounts/{busy_account.number}/")
    html = response.content.decode()
    assert 'id="collection-status"' in html
    assert "days past due" in html
    assert "notice" in html
    assert "Arrangement: next" in html


def test_account_header_says_disconnected_and_the_disconnect_date(clerk_client, supervisor):
    account, notice = noticed("200.00")
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert f"Disconnect on {notice.disconnect_on:%m/%d/%Y}" in html
    assert "1 notice sent" in html


def test_protections_show_in_the_header(clerk_client):
    account, _ = delinquent("200.00", life_support=True)
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert "Protected: Life support" in html


def test_a_paid_up_account_shows_no_collection_panel(clerk_client):
    account = make_account()
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert 'id="collection-status"' not in html


def test_collections_tab_lists_the_notices_with_their_letters(clerk, clerk_client, today):
    account, _ = delinquent("180.00", days_past_due=12)
    runs.post_notices(today, by=clerk)
    html = clerk_client.get(
        f"/accounts/{account.number}/collections/",
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    ).content.decode()
    assert "Past-due notice" in html
    assert "/collections/notice/" in html


def test_worklist_orders_by_amount_then_age_and_offers_log_call(clerk, clerk_client, today):
    small, _ = delinquent("120.00", days_past_due=12)
    large, _ = delinquent("900.00", days_past_due=12)
    runs.post_notices(today, by=clerk)
    html = clerk_client.get("/collections/").content.decode()
    assert html.index(large.display_number) < html.index(small.display_number)
    assert f"/contacts/account/{large.number}/new/" in html
    assert 'data-shortcut="c"' in html


def test_worklist_leaves_out_an_account_with_a_promise(clerk, clerk_client, today):
    account, _ = delinquent("500.00", days_past_due=12)
    runs.post_notices(today, by=clerk)
    services.make_promise(
        account=account, amount=Decimal("500"), pay_by=today + timedelta(days=3), by=clerk
    )
    assert account.display_number not in clerk_client.get("/collections/").content.decode()


def test_shutoff_screen_is_for_supervisors(clerk_client, supervisor_client):
    noticed("200.00")
    day = shutoff_day().isoformat()
    assert clerk_client.get(f"/collections/shutoff/?day={day}").status_code == 403
    page = supervisor_client.get(f"/collections/shutoff/?day={day}")
    assert page.status_code == 200
    assert "1</strong> to disconnect" in page.content.decode()


def test_approving_from_the_screen_runs_the_shutoff_run_with_its_proof(
    supervisor, supervisor_client
):
    from tests.runs_helpers import run_worker
    from utilityclerk.runs.models import BatchRun
    from utilityclerk.runs.services import approve_run
    from workorders.models import WorkOrder

    noticed("200.00")
    noticed("300.00", life_support=True)
    day = shutoff_day().isoformat()
    response = supervisor_client.post(
        "/collections/shutoff/approve/", {"day": day, "kind": "shutoff"}
    )
    run = BatchRun.objects.get(kind="collections.shutoff")
    assert response.url == f"/runs/{run.pk}/"
    run_worker()
    run.refresh_from_db()
    assert run.status == "proof_ready"
    assert run.proof["counts"]["Accounts"] == 1
    assert run.proof["exclusions"] == {"Life support": 1}
    assert not WorkOrder.objects.exists()
    page = supervisor_client.get(f"/runs/{run.pk}/").content.decode()
    assert "Life support" in page
    approve_run(run=run, by=supervisor)
    run_worker()
    run.refresh_from_db()
    assert run.status == "posted"
    assert WorkOrder.objects.filter(type_id="disconnect").count() == 1
    assert clerk_cannot_post(day)


def clerk_cannot_post(day):
    from django.test import Client

    from tests.factories import make_user

    client = Client()
    client.force_login(make_user(role="Clerk"))
    response = client.post("/collections/shutoff/approve/", {"day": day, "kind": "shutoff"})
    return response.status_code == 403


def test_bad_date_on_the_shutoff_screen_falls_back_to_today(supervisor_client):
    assert supervisor_client.get("/collections/shutoff/?day=0000-99-99").status_code == 200


def test_weather_hold_from_the_screen(supervisor_client):
    from collections_app.models import WeatherHold

    day = shutoff_day()
    response = supervisor_client.post(
        "/collections/shutoff/weather/", {"day": day.isoformat(), "reason": "Forecast 15 °F"}
    )
    assert response.status_code == 302
    assert WeatherHold.objects.get(date=day).reason == "Forecast 15 °F"


def test_promise_form_refuses_a_date_too_far_beside_the_field(clerk_client, today):
    account, _ = delinquent("200.00")
    response = clerk_client.post(
        f"/collections/account/{account.number}/promise/",
        {
            "amount": "200",
            "pay_by": (today + timedelta(days=30)).isoformat(),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    assert "at most 10 days" in response.content.decode()


def test_door_hanger_screen_lists_tomorrows_disconnects(supervisor_client):
    today = business_day.today()
    account, _ = noticed("200.00", day=business_day.add_business_days(today, 1))
    page = supervisor_client.get(f"/collections/door-hangers/?day={today.isoformat()}")
    assert account.display_number in page.content.decode()
