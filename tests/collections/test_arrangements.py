"""Payment arrangements and promises: the policy's offer, once per 12 months unless a
supervisor allows, the nightly check (kept, broken with a 48-hour notice, completed)."""

import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from collections_app import runs, services
from collections_app.collectible import collectible_for_account
from collections_app.models import Arrangement, Notice, Promise
from tests.collections.conftest import delinquent, pay
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def test_offer_is_a_quarter_down_and_the_rest_over_four_months(today):
    account, _ = delinquent("934.69", days_past_due=40)
    plan = services.offer(account)
    assert plan.total == Decimal("934.69")
    assert plan.down_payment == Decimal("233.67")
    assert [a for _, _, a in plan.instalments] == [
        Decimal("233.67"),
        Decimal("175.26"),
        Decimal("175.26"),
        Decimal("175.26"),
        Decimal("175.24"),
    ]
    assert sum(a for _, _, a in plan.instalments) == plan.total
    assert plan.instalments[1][1] == business_day.add_months(today, 1)


def test_offer_refuses_more_months_than_the_policy(today):
    account, _ = delinquent("100.00")
    with pytest.raises(services.CollectionsError, match="1 to 4 months"):
        services.offer(account, months=5)


def test_arrangement_covers_what_it_has_not_yet_asked_for(clerk, today):
    account, _ = delinquent("400.00", days_past_due=40)
    services.make_arrangement(account=account, months=4, by=clerk, idempotency_key=uuid.uuid4())
    c = collectible_for_account(account.pk)
    assert c.amount == Decimal("100.00")  # the down payment, due today
    pay(account, "100.00")
    assert collectible_for_account(account.pk).amount == Decimal("0.00")


def test_a_double_submit_makes_one_arrangement(clerk):
    account, _ = delinquent("400.00")
    key = uuid.uuid4()
    first = services.make_arrangement(account=account, months=2, by=clerk, idempotency_key=key)
    second = services.make_arrangement(account=account, months=2, by=clerk, idempotency_key=key)
    assert first == second
    assert Arrangement.objects.count() == 1


def test_one_arrangement_per_twelve_months_unless_a_supervisor_allows(clerk, supervisor):
    account, _ = delinquent("400.00")
    first = services.make_arrangement(account=account, months=2, by=clerk, idempotency_key=None)
    Arrangement.objects.filter(pk=first.pk).update(status="broken")
    with pytest.raises(services.CollectionsError, match="one per 12 months"):
        services.make_arrangement(account=account, months=2, by=clerk, idempotency_key=None)
    with pytest.raises(services.CollectionsError, match="Only a supervisor"):
        services.make_arrangement(
            account=account, months=2, by=clerk, idempotency_key=None, override=True
        )
    second = services.make_arrangement(
        account=account, months=2, by=supervisor, idempotency_key=None, override=True
    )
    assert second.override_by == supervisor


def test_nightly_breaks_an_arrangement_whose_down_payment_went_unpaid(clerk, today):
    account, _ = delinquent("400.00", days_past_due=40)
    arrangement = services.make_arrangement(
        account=account, months=4, by=clerk, idempotency_key=None
    )
    # Within the grace days: kept.
    result = runs.post_nightly(today, by=clerk)
    assert result["counts"]["Arrangements broken"] == 0
    later = today + timedelta(days=4)
    result = runs.post_nightly(later, by=clerk)
    arrangement.refresh_from_db()
    assert arrangement.status == "broken"
    assert result["counts"]["48-hour notices"] == 1
    notice = Notice.objects.get(arrangement=arrangement)
    assert notice.kind == "arrangement_broken"
    assert notice.amount == Decimal("400.00")
    assert notice.disconnect_on >= later + timedelta(days=2)
    # The whole past due is collectible again.
    assert collectible_for_account(account.pk).amount == Decimal("400.00")
    # Running again breaks nothing more and sends no second notice.
    runs.post_nightly(later, by=clerk)
    assert Notice.objects.filter(arrangement=arrangement).count() == 1


def test_a_kept_arrangement_stays_active_and_completes_when_paid(clerk, today):
    account, _ = delinquent("200.00", days_past_due=40)
    arrangement = services.make_arrangement(
        account=account, months=1, by=clerk, idempotency_key=None
    )
    pay(account, "50.00")
    runs.post_nightly(today + timedelta(days=10), by=clerk)
    arrangement.refresh_from_db()
    assert arrangement.status == "active"
    pay(account, "150.00")
    runs.post_nightly(today + timedelta(days=40), by=clerk)
    arrangement.refresh_from_db()
    assert arrangement.status == "completed"


def test_agreement_pdf_lists_the_schedule(clerk, clerk_client):
    account, _ = delinquent("400.00", days_past_due=40)
    arrangement = services.make_arrangement(
        account=account, months=2, by=clerk, idempotency_key=None
    )
    response = clerk_client.get(f"/collections/arrangement/{arrangement.pk}/agreement.pdf")
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "$400.00" in text
    assert "$100.00" in text
    assert text.count("$150.00") == 2


def test_arrangement_form_makes_one_and_shows_it_on_the_account(clerk_client):
    account, _ = delinquent("400.00", days_past_due=40)
    page = clerk_client.get(f"/collections/account/{account.number}/arrangement/")
    assert "$100.00" in page.content.decode()
    response = clerk_client.post(
        f"/collections/account/{account.number}/arrangement/",
        {"months": "4", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert Arrangement.objects.get(account=account).months == 4
    header = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert "Arrangement: next $100.00" in header


def test_arrangement_form_error_stays_beside_the_field(clerk_client):
    account, _ = delinquent("400.00")
    response = clerk_client.post(
        f"/collections/account/{account.number}/arrangement/",
        {"months": "9", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Arrangement.objects.exists()


def test_promise_holds_until_its_date_once_per_bill(clerk, today):
    account, _ = delinquent("150.00")
    promise = services.make_promise(
        account=account, amount=Decimal("150.00"), pay_by=today + timedelta(days=5), by=clerk
    )
    with pytest.raises(services.CollectionsError, match="one per cycle"):
        services.make_promise(
            account=account, amount=Decimal("50.00"), pay_by=today + timedelta(days=5), by=clerk
        )
    with pytest.raises(services.CollectionsError, match="at most 10 days"):
        services.make_promise(
            account=delinquent("150.00")[0],
            amount=Decimal("5"),
            pay_by=today + timedelta(days=11),
            by=clerk,
        )
    # Not paid by the date: broken, and back on the worklist.
    runs.post_nightly(today + timedelta(days=6), by=clerk)
    promise.refresh_from_db()
    assert promise.status == "broken"


def test_a_promise_paid_in_time_is_kept(clerk, today):
    account, _ = delinquent("150.00")
    promise = services.make_promise(
        account=account, amount=Decimal("100.00"), pay_by=today + timedelta(days=5), by=clerk
    )
    pay(account, "100.00")
    runs.post_nightly(today, by=clerk)
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert Promise.objects.filter(status="kept").count() == 1


def test_schedule_shows_each_instalment_beside_the_current_bill(clerk_client, today):
    from tests.factories import post_bill

    account, _ = delinquent("400.00", days_past_due=40)
    post_bill(account, "80.00", bill_date=today - timedelta(days=30))  # average (400+80)/2
    html = clerk_client.get(f"/collections/account/{account.number}/arrangement/").content
    html = html.decode()
    # Both bills are past due: $480.00, $120.00 down and four instalments of $90.00.
    assert "$240.00" in html  # the average monthly bill
    assert "$330.00" in html  # an instalment of $90.00 with the $240.00 bill
