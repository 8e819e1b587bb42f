import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from payments import services
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day


@pytest.fixture
def drawer(db):
    return Drawer.objects.create(code="D1", name="Window 1")


@pytest.fixture
def session(drawer, clerk):
    return services.open_drawer_session(drawer=drawer, opening_float=Decimal("150.00"), clerk=clerk)


@pytest.fixture
def account(db):
    """An active account owing $120.00, $80.00 of it past due."""
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    today = business_day.today()
    post_bill(account, "80.00", bill_date=today - timedelta(days=45))
    post_bill(account, "40.00", bill_date=today - timedelta(days=5))
    return account


def cash(amount):
    return TenderInput(kind="cash", amount=Decimal(amount))


def check(amount, number="1234"):
    return TenderInput(kind="check", amount=Decimal(amount), number=number)


def money_order(amount, number="77001"):
    return TenderInput(kind="money_order", amount=Decimal(amount), number=number)


def card(amount, last4="4242", auth="A1B2C3"):
    return TenderInput(kind="card", amount=Decimal(amount), card_last4=last4, card_auth_code=auth)


@pytest.fixture
def pay(clerk):
    """Take a payment with sensible defaults; tests override what they are about."""

    def _pay(account, amount, tenders=None, *, by=None, key=None, **extra):
        return services.take_payment(
            account=account,
            amount=Decimal(amount),
            tenders=tenders if tenders is not None else [cash(amount)],
            clerk=by or clerk,
            idempotency_key=key or uuid.uuid4(),
            **extra,
        )

    return _pay
