from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import make_account, make_customer, make_user, post_bill, post_credit
from utilityclerk import business_day


@pytest.fixture
def supervisor2(db):
    return make_user("supervisor2", role="Supervisor")


@pytest.fixture
def account(db):
    """An account that paid $100.00 more than its $60.00 bill: a credit of $100.00."""
    account = make_account(
        customer=make_customer(
            first_name="Ana",
            last_name="Reyes",
            mail_street="450 ELM ST",
            mail_city="CIBOLO",
            mail_state="TX",
            mail_zip="78108",
        )
    )
    today = business_day.today()
    post_bill(account, "60.00", bill_date=today - timedelta(days=20))
    post_credit(account, "160.00", on=today - timedelta(days=2))
    return account


@pytest.fixture
def request_refund(clerk):
    from payments.refunds import services

    def _request(account, amount="40.00", *, by=None, **extra):
        extra.setdefault("reason", "Overpaid the final bill")
        return services.request_refund(
            account=account, amount=Decimal(amount), requested_by=by or clerk, **extra
        )

    return _request
