from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import make_account, make_customer, post_bill, post_credit


def active_water(account):
    """An active, metered water service on the account's premise."""
    from accounts.models import Service, ServicePoint

    ServicePoint.objects.get_or_create(
        premise=account.premise, utility="water", defaults={"meter_number": f"M{account.pk}"}
    )
    return Service.objects.create(
        account=account,
        premise=account.premise,
        utility="water",
        rate_code="W-RES",
        start_date=account.opened_on,
        status="active",
    )


def delinquent(amount="200.00", *, days_past_due=5, customer=None, **customer_fields):
    """An active account with one bill `days_past_due` days past its due date."""
    from utilityclerk import business_day
    from utilityclerk.core.models import Policy

    today = business_day.today()
    due = today - timedelta(days=days_past_due)
    bill_date = due - timedelta(days=Policy.current().bill_due_days)
    account = make_account(customer=customer or make_customer(**customer_fields))
    type(account).objects.filter(pk=account.pk).update(opened_on=bill_date - timedelta(days=60))
    account.refresh_from_db()
    active_water(account)
    bill = post_bill(account, Decimal(amount), bill_date=bill_date)
    return account, bill


def pay(account, amount, *, on=None):
    from utilityclerk import business_day

    return post_credit(account, Decimal(amount), on=on or business_day.today())


@pytest.fixture
def today():
    from utilityclerk import business_day

    return business_day.today()
