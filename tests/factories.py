"""Plain functions that make valid records with sensible defaults; override what a test cares about."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(username=None, *, role=None, is_staff=False, password=DEFAULT_PASSWORD, **extra):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_staff, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_customer(*, first_name="Maria", last_name="Johnson", **extra):
    from accounts.models import Customer

    defaults = {
        "phone": f"210555{next(_seq) % 10000:04d}",
        "email": "",
        "mail_street": "120 OAK ST",
        "mail_city": "CIBOLO",
        "mail_state": "TX",
        "mail_zip": "78108",
    }
    return Customer.objects.create(
        first_name=first_name, last_name=last_name, **{**defaults, **extra}
    )


def make_premise(*, house_number=None, street="OAK ST", unit="", **extra):
    from accounts.models import Premise

    return Premise.objects.create(
        house_number=house_number or str(100 + next(_seq)),
        street=street,
        unit=unit,
        city="CIBOLO",
        state="TX",
        zip_code="78108",
        **extra,
    )


def make_account(*, customer=None, premise=None, status="active", by=None, **extra):
    from accounts import services

    account = services.open_account(
        customer=customer or make_customer(), premise=premise or make_premise(), by=by
    )
    if status != account.status:
        type(account).objects.filter(pk=account.pk).update(status=status)
        account.refresh_from_db()
    return account


def post_charge(account, amount, *, on, due=None, kind="late_fee", **extra):
    """A charge straight on the ledger (fees need no bill), due at once unless told."""
    from decimal import Decimal

    from accounts.models import LedgerEntry

    return LedgerEntry.objects.create(
        account=account,
        kind=kind,
        amount=Decimal(amount),
        business_date=on,
        due_date=due or on,
        **extra,
    )


def post_credit(account, amount, *, on, kind="payment", **extra):
    from decimal import Decimal

    from accounts.models import LedgerEntry

    return LedgerEntry.objects.create(
        account=account, kind=kind, amount=-Decimal(amount), business_date=on, **extra
    )


def post_bill(account, amount, *, bill_date, utility="water"):
    from datetime import timedelta
    from decimal import Decimal

    from accounts import services

    return services.post_bill(
        account=account,
        period_start=bill_date - timedelta(days=30),
        period_end=bill_date - timedelta(days=1),
        bill_date=bill_date,
        lines=[
            services.BillLineInput(
                utility=utility, description="Water service", amount=Decimal(amount)
            )
        ],
    )
