"""What an account owes after the business day is closed: a payment taken since is dated to
the next open business day, and every screen that says what the account owes now counts it."""

import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts import queries
from accounts.services import post_adjustment
from payments import services
from payments.closeout import services as closeout
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_after_close(clerk, supervisor):
    """An account that owed $94.24; the day closes; $84.24 is taken at the counter."""
    account = make_account(customer=make_customer(first_name="Nora", last_name="Quill"))
    today = business_day.today()
    post_bill(account, "94.24", bill_date=today - timedelta(days=40))
    closeout.close_day(business_date=today, by=supervisor)
    drawer = Drawer.objects.create(code="D9", name="Window 9")
    services.open_drawer_session(drawer=drawer, opening_float=Decimal("100.00"), clerk=clerk)
    payment = services.take_payment(
        account=account,
        amount=Decimal("84.24"),
        tenders=[TenderInput(kind="cash", amount=Decimal("100.00"))],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    assert payment.business_date > today  # dated to the next open business day
    return account


def test_aging_counts_a_payment_dated_after_today(paid_after_close):
    aging = queries.aging_for_account(paid_after_close.pk)
    assert aging.balance == Decimal("10.00")
    assert aging.past_due == Decimal("10.00")
    assert queries.aging_for_all_accounts()[paid_after_close.pk].balance == Decimal("10.00")
    assert queries.aging_totals().balance == Decimal("10.00")
    assert queries.unpaid_charges(paid_after_close.pk)[0][1] == Decimal("10.00")


def test_account_header_shows_the_balance_after_the_payment(clerk_client, paid_after_close):
    html = clerk_client.get(f"/accounts/{paid_after_close.number}/").content.decode()
    balance = re.search(r'id="account-balance">([^<]+)<', html).group(1)
    assert balance == "$10.00"


def test_take_payment_prefills_what_is_left(clerk_client, paid_after_close):
    html = clerk_client.get(f"/payments/take/{paid_after_close.number}/").content.decode()
    assert re.search(r'name="amount"[^>]*value="10.00"', html), html
    assert 'id="pay-balance">$10.00' in html


def test_statement_to_today_counts_the_payment(clerk_client, paid_after_close):
    today = business_day.today()
    response = clerk_client.get(
        f"/reports/statement/{paid_after_close.number}/"
        f"?start={today - timedelta(days=60)}&end={today}"
    )
    text = " ".join(
        "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split()
    )
    assert re.search(r"Amount due\s*\$10\.00", text), text
    assert "84.24" in text


def test_adjustment_queue_shows_the_balance_now(clerk, paid_after_close):
    post_adjustment(
        account=paid_after_close,
        amount=Decimal("-75.00"),
        reason_code="billing_error",
        memo="Leak credit",
        by=clerk,
    )
    assert queries.adjustments_waiting().get().balance == Decimal("10.00")
