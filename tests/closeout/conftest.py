import uuid
from decimal import Decimal

import pytest

from payments import services as payment_services
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account, make_user


@pytest.fixture
def drawer(db):
    return Drawer.objects.create(code="D1", name="Window 1")


@pytest.fixture
def session(drawer, clerk):
    return payment_services.open_drawer_session(
        drawer=drawer, opening_float=Decimal("100.00"), clerk=clerk
    )


@pytest.fixture
def other_supervisor(db):
    return make_user("supervisor2", role="Supervisor")


@pytest.fixture
def pay():
    """Take a counter payment through the real payments service."""

    def _pay(clerk, amount, *tenders, account=None, channel="counter"):
        return payment_services.take_payment(
            account=account or make_account(),
            amount=Decimal(amount),
            tenders=[TenderInput(**t) for t in tenders],
            clerk=clerk,
            idempotency_key=uuid.uuid4(),
            channel=channel,
        )

    return _pay


def cash(amount):
    return {"kind": "cash", "amount": Decimal(amount)}


def check(amount, number="1001"):
    return {"kind": "check", "amount": Decimal(amount), "number": number}


def card(amount):
    return {
        "kind": "card",
        "amount": Decimal(amount),
        "card_last4": "4242",
        "card_auth_code": "A1B2C3",
    }


def counted_in(deposit) -> dict:
    """What a second supervisor counts in a bag prepared right: what the preparer put in."""
    return {"cash_total": deposit.cash_total, "check_total": deposit.check_total}
