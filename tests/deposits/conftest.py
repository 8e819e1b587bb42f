import uuid
from decimal import Decimal

import pytest

from payments import services as payment_services
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account, make_customer, make_user

D = Decimal


def cash(amount):
    return TenderInput(kind="cash", amount=D(amount))


def check(amount, number="1234"):
    return TenderInput(kind="check", amount=D(amount), number=number)


def require(account, amount, rule="Residential renter: at least $100.00"):
    """The deposit the start of service recorded (workorders' DepositRequirement)."""
    from workorders.models import DepositRequirement

    return DepositRequirement.objects.create(account=account, amount=D(amount), rule=rule)


@pytest.fixture
def supervisor2(db):
    return make_user("supervisor2", role="Supervisor")


@pytest.fixture
def drawer(db):
    return Drawer.objects.create(code="D9", name="Window 9")


@pytest.fixture
def session(drawer, clerk):
    return payment_services.open_drawer_session(
        drawer=drawer, opening_float=D("100.00"), clerk=clerk
    )


@pytest.fixture
def account(db):
    """A new renter's account owing a $100.00 deposit and nothing else yet."""
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    require(account, "100.00")
    return account


@pytest.fixture
def commercial(db):
    from accounts.models import CustomerClass

    customer = make_customer(
        first_name="",
        last_name="",
        kind="organisation",
        organisation_name="Cibolo Bakery LLC",
        customer_class=CustomerClass.COMMERCIAL,
    )
    account = make_account(customer=customer)
    require(account, "300.00", rule="Commercial: at least $150.00")
    return account


@pytest.fixture
def pay(clerk, session):
    """A counter payment: `amount` on the account's balance and `deposit` to the deposit."""

    def _pay(account, amount="0", deposit="0", tenders=None, *, by=None, key=None, **extra):
        total = D(amount) + D(deposit)
        return payment_services.take_payment(
            account=account,
            amount=D(amount),
            lines={"deposit": D(deposit)} if D(deposit) else None,
            tenders=tenders if tenders is not None else [cash(total)],
            clerk=by or clerk,
            idempotency_key=key or uuid.uuid4(),
            **extra,
        )

    return _pay


def set_policy(**values):
    from utilityclerk.core.models import Policy

    Policy.current()
    Policy.objects.filter(pk=Policy.SINGLETON_ID).update(**values)
