"""Real threads, real transactions: what two clerks (or one impatient double click) do at once."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import LedgerEntry
from accounts.queries import balance_of
from payments import services
from payments.models import Payment, Tender
from tests.factories import make_account
from tests.payments.conftest import cash

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(functions):
    barrier = threading.Barrier(len(functions))
    results, errors = [None] * len(functions), []

    def worker(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


def test_two_identical_submissions_post_once(session, account, clerk):
    key = uuid.uuid4()

    def submit():
        return services.take_payment(
            account=account,
            amount=Decimal("55.00"),
            tenders=[cash("60.00")],
            clerk=clerk,
            idempotency_key=key,
        ).pk

    results = run_at_once([submit, submit])
    assert results[0] == results[1]
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    assert balance_of(account.pk) == Decimal("65.00")


def test_ten_different_payments_on_one_drawer_all_post_with_exact_totals(session, clerk):
    accounts = [make_account() for _ in range(5)]

    def payer(i):
        return lambda: (
            services.take_payment(
                account=accounts[i % 5],
                amount=Decimal(f"{10 + i}.{i:02d}"),
                tenders=[cash("100.00")],
                clerk=clerk,
                idempotency_key=uuid.uuid4(),
            ).receipt_number
        )

    receipts = run_at_once([payer(i) for i in range(10)])
    assert len(set(receipts)) == 10
    expected_total = sum(Decimal(f"{10 + i}.{i:02d}") for i in range(10))
    assert Payment.objects.count() == 10
    assert -sum(e.amount for e in LedgerEntry.objects.filter(kind="payment")) == expected_total
    assert sum(t.amount for t in Tender.objects.all()) == expected_total
    assert session.expected_by_tender()["cash"] == Decimal("150.00") + expected_total
    for i, account in enumerate(accounts):
        paid = sum(Decimal(f"{10 + j}.{j:02d}") for j in range(10) if j % 5 == i)
        assert balance_of(account.pk) == -paid


def test_concurrent_payments_on_one_account_from_two_drawers(drawer, clerk, account):
    from payments.models import Drawer
    from tests.factories import make_user

    other = make_user("clerk2", role="Clerk")
    services.open_drawer_session(drawer=drawer, opening_float=Decimal("0"), clerk=clerk)
    services.open_drawer_session(
        drawer=Drawer.objects.create(code="D2", name="Window 2"),
        opening_float=Decimal("0"),
        clerk=other,
    )

    def payer(who):
        return lambda: (
            services.take_payment(
                account=account,
                amount=Decimal("20.00"),
                tenders=[cash("20.00")],
                clerk=who,
                idempotency_key=uuid.uuid4(),
            ).pk
        )

    run_at_once([payer(clerk), payer(other)] * 3)
    assert Payment.objects.count() == 6
    assert balance_of(account.pk) == Decimal("0.00")
