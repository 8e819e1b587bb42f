"""Guards on what a clerk keys: cash tendered, large change, paying more than is owed, and a
form's idempotency key posted again with something else."""

import re
import uuid
from decimal import Decimal

import pytest

from accounts.models import LedgerEntry
from payments.models import Payment
from payments.tenders import PaymentError
from tests.factories import make_user
from tests.payments.conftest import card, cash
from utilityclerk.core.models import Policy

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def form(**overrides):
    data = {
        "amount": "10.00",
        "channel": "counter",
        "cash_tendered": "10.00",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_cash_tendered_above_the_largest_payment_is_refused(clerk_client, session, account):
    response = clerk_client.post(
        f"/payments/take/{account.number}/", form(cash_tendered="99999999999"), headers=HX
    )
    html = response.content.decode()
    assert "Cash tendered cannot be more than $100,000.00" in html
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_change_due_view_names_the_cash_limit_as_the_clerk_types(clerk_client, account):
    response = clerk_client.get(
        "/payments/change-due/", {"amount": "10.00", "cash_tendered": "99999999999"}
    )
    assert "Cash tendered cannot be more than" in response.content.decode()


def test_large_change_asks_for_one_key_then_posts(clerk_client, session, account):
    first = clerk_client.post(
        f"/payments/take/{account.number}/",
        form(amount="70.50", cash_tendered="5000"),
        headers=HX,
    ).content.decode()
    assert "Change due is $4,929.50" in first
    assert "Give $4,929.50 change and post" in first
    assert 'name="change_confirmed" value="4929.50"' in first
    assert not Payment.objects.exists()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', first).group(1)
    # The confirming Enter posts the same form, now carrying the change the clerk saw.
    clerk_client.post(
        f"/payments/take/{account.number}/",
        form(amount="70.50", cash_tendered="5000", change_confirmed="4929.50", idempotency_key=key),
        headers=HX,
    )
    payment = Payment.objects.get()
    assert payment.change_given == Decimal("4929.50")


def test_confirmed_change_must_be_the_change_due_now(session, account, pay):
    with pytest.raises(PaymentError, match="Change due is"):
        pay(account, "70.50", [cash("5000.00")], change_confirmed=Decimal("129.50"))
    assert not Payment.objects.exists()


def test_change_at_or_below_the_policy_value_needs_no_confirmation(session, account, pay):
    assert pay(account, "20.00", [cash("120.00")]).change_given == Decimal("100.00")
    Policy.objects.update(large_change_confirm_above=Decimal("50.00"))
    with pytest.raises(PaymentError, match="Change due is"):
        pay(account, "20.00", [cash("120.00")])


def test_paying_more_than_is_owed_says_the_credit_before_posting(clerk_client, account):
    response = clerk_client.get(
        "/payments/change-due/",
        {"account": account.number, "amount": "125.47", "cash_tendered": "130"},
    )
    assert "Leaves a credit of $5.47" in response.content.decode()
    exact = clerk_client.get(
        "/payments/change-due/", {"account": account.number, "amount": "120.00"}
    )
    assert "credit" not in exact.content.decode()


def test_a_key_posted_again_with_another_amount_is_refused_naming_the_receipt(
    session, account, pay
):
    key = uuid.uuid4()
    first = pay(account, "6.66", key=key)
    with pytest.raises(PaymentError, match=f"already posted receipt {first.receipt} for \\$6.66"):
        pay(account, "7.77", key=key)
    assert Payment.objects.count() == 1


def test_a_key_posted_by_another_clerk_is_refused(session, account, pay, drawer):
    key = uuid.uuid4()
    first = pay(account, "6.66", key=key)
    other = make_user("clerk2", role="Clerk")
    with pytest.raises(PaymentError, match=f"another clerk for receipt {first.receipt}"):
        pay(account, "6.66", [card("6.66")], key=key, by=other, channel="phone")
    assert Payment.objects.count() == 1


def test_the_refused_form_comes_back_with_a_fresh_key(clerk_client, session, account, pay):
    key = uuid.uuid4()
    first = pay(account, "6.66", key=key)
    html = clerk_client.post(
        f"/payments/take/{account.number}/",
        form(amount="7.77", cash_tendered="7.77", idempotency_key=str(key)),
        headers=HX,
    ).content.decode()
    assert f"already posted receipt {first.receipt}" in html
    assert str(key) not in html
    assert Payment.objects.count() == 1
