from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError

from accounts import queries, services
from accounts.models import Bill, EntryKind, LedgerEntry
from accounts.services import AccountError
from tests.factories import make_account, post_bill, post_charge, post_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return make_account()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE accounts_ledgerentry SET amount = 0.01",
        "DELETE FROM accounts_ledgerentry",
        "UPDATE accounts_bill SET total = 1",
        "DELETE FROM accounts_billline",
    ],
)
def test_database_refuses_changing_ledger_and_bills(account, statement):
    post_bill(account, "42.10", bill_date=date(2026, 10, 1))
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert queries.balance_of(account.pk) == Decimal("42.10")


def test_model_refuses_save_and_delete_of_an_entry(account):
    entry = post_charge(account, "5.00", on=date(2026, 11, 1))
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("bill", "-5.00"), ("late_fee", "0.00"), ("payment", "5.00"), ("adjustment_credit", "1.00")],
)
def test_database_refuses_amounts_of_the_wrong_sign(account, kind, amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=account,
            kind=kind,
            amount=Decimal(amount),
            business_date=date(2026, 11, 1),
            due_date=date(2026, 11, 1),
        )


def test_charge_without_due_date_is_refused(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=account,
            kind="late_fee",
            amount=Decimal("3.00"),
            business_date=date(2026, 11, 1),
        )


def test_posting_a_bill_writes_its_ledger_entry(account):
    bill = post_bill(account, "87.65", bill_date=date(2026, 10, 5))
    entry = LedgerEntry.objects.get(bill=bill)
    assert entry.kind == EntryKind.BILL
    assert entry.amount == bill.total == Decimal("87.65")
    assert entry.due_date == bill.due_date == date(2026, 10, 25)
    assert entry.reference == bill.number
    assert Bill.objects.get(pk=bill.pk).lines.get().amount == Decimal("87.65")


def test_reversal_undoes_an_entry_once_and_names_it(account, clerk):
    payment = post_credit(account, "40.00", on=date(2026, 11, 2))
    reversal = services.reverse_entry(entry=payment, memo="keyed on the wrong account", by=clerk)
    assert reversal.kind == EntryKind.REVERSAL
    assert reversal.amount == Decimal("40.00")
    assert reversal.reverses == payment
    assert queries.balance_of(account.pk) == Decimal("0.00")
    with pytest.raises(AccountError, match="already been reversed"):
        services.reverse_entry(entry=payment, memo="again", by=clerk)


def test_balance_is_the_sum_of_entries(account):
    post_bill(account, "100.00", bill_date=date(2026, 9, 1))
    post_credit(account, "60.00", on=date(2026, 9, 15))
    post_charge(account, "6.00", on=date(2026, 9, 22))
    assert queries.balance_of(account.pk) == Decimal("46.00")
    assert queries.balance_of(account.pk, as_of=date(2026, 9, 15)) == Decimal("40.00")


def test_running_balance_follows_the_ledger(account):
    post_bill(account, "100.00", bill_date=date(2026, 9, 1))
    post_credit(account, "60.00", on=date(2026, 9, 15))
    post_charge(account, "6.00", on=date(2026, 9, 22))
    rows = list(queries.ledger_with_running_balance(account.pk))
    assert [r.running_balance for r in rows] == [
        Decimal("100.00"),
        Decimal("40.00"),
        Decimal("46.00"),
    ]
    window = list(queries.ledger_with_running_balance(account.pk, start=date(2026, 9, 10)))
    assert [r.running_balance for r in window] == [Decimal("40.00"), Decimal("46.00")]
