"""Rules added after review: dual control on voids, split payments that bounce, one business
day per drawer."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import queries as account_queries
from payments import services
from payments.models import DrawerSession
from payments.tenders import PaymentError
from tests.payments.conftest import cash, check
from utilityclerk.core.models import Policy

pytestmark = pytest.mark.django_db


def test_a_supervisor_cannot_void_a_payment_they_took(drawer, supervisor, account):
    services.open_drawer_session(drawer=drawer, opening_float=Decimal("50.00"), clerk=supervisor)
    import uuid

    from payments.tenders import TenderInput

    payment = services.take_payment(
        account=account,
        amount=Decimal("20.00"),
        tenders=[TenderInput(kind="cash", amount=Decimal("20.00"))],
        clerk=supervisor,
        idempotency_key=uuid.uuid4(),
    )
    with pytest.raises(PaymentError, match="another supervisor must void it"):
        services.void_payment(payment=payment, reason="Wrong account", supervisor=supervisor)


def test_a_bounced_check_in_a_split_payment_reverses_only_the_check(
    session, account, pay, supervisor
):
    # A fee other than the default, so the fee charged is shown to be the policy's.
    policy = Policy.current()
    policy.returned_payment_fee = Decimal("27.50")
    policy.save()
    before = account_queries.balance_of(account.pk)
    payment = pay(account, "100.00", [cash("50.00"), check("50.00")])
    services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    payment.refresh_from_db()
    assert payment.reversal_entry.amount == Decimal("50.00")
    assert payment.fee_entry.amount == Decimal("27.50")
    # The balance is what it was, less the 100.00 paid, plus the 50.00 check back and the fee.
    assert account_queries.balance_of(account.pk) == before - Decimal("50.00") + Decimal("27.50")


def test_yesterdays_drawer_takes_no_payments_today(session, account, pay):
    DrawerSession.objects.filter(pk=session.pk).update(
        business_date=session.business_date - timedelta(days=1)
    )
    with pytest.raises(PaymentError, match="count and close it"):
        pay(account, "10.00", [cash("10.00")])


def test_the_browser_cannot_cut_a_full_card_number_to_four_digits(clerk_client, session, account):
    import re

    html = clerk_client.get(f"/payments/take/{account.number}/").content.decode()
    field = re.search(r'<input[^>]*name="card_last4"[^>]*>', html).group(0)
    assert 'maxlength="4"' not in field
