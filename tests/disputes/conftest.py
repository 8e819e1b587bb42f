from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import services as account_services
from tests.factories import make_customer, make_user
from utilityclerk import business_day


@pytest.fixture
def crew(db):
    from workorders.models import Crew

    return Crew.objects.create(name="North crew")


@pytest.fixture
def field_user(crew):
    from workorders.models import CrewMember

    user = make_user("fieldtech", role="Field", first_name="Frank")
    CrewMember.objects.create(crew=crew, user=user)
    return user


@pytest.fixture
def field_client(field_user):
    from django.test import Client

    client = Client()
    client.force_login(field_user)
    return client


def bill(account, water, *, on, usage=None, sewer=None):
    """A bill with a water line (and a sewer line when given)."""
    lines = [
        account_services.BillLineInput(
            utility="water",
            description="Water",
            amount=Decimal(water),
            usage=Decimal(usage) if usage is not None else None,
            usage_unit="gal",
        )
    ]
    if sewer is not None:
        lines.append(
            account_services.BillLineInput(
                utility="sewer", description="Sewer", amount=Decimal(sewer)
            )
        )
    return account_services.post_bill(
        account=account,
        period_start=on - timedelta(days=30),
        period_end=on - timedelta(days=1),
        bill_date=on,
        lines=lines,
    )


@pytest.fixture
def high_bill_account(db, crew):
    """Maria Johnson's water account: four bills of $100.00 (6,000 gal), then a high one of
    $184.97 (14,000 gal) that is past due. Service is active with a meter read of 100."""
    from tests.workorders.helpers import active_account

    starter = make_user("starter", role="Clerk")
    account = active_account(
        starter, crew, customer=make_customer(email="maria@example.com"), utilities=("water",)
    )
    today = business_day.today()
    bills = [
        bill(account, "100.00", on=today - timedelta(days=30 * (6 - i)), usage="6000")
        for i in range(4)
    ]
    high = bill(account, "184.97", on=today - timedelta(days=60), usage="14000")
    # The four normal bills were paid; the high one was not.
    from tests.factories import post_credit

    post_credit(account, "400.00", on=today - timedelta(days=61))
    account.refresh_from_db()
    account.normal_bills = bills
    account.high_bill = high
    return account
