"""Taking a deposit at the counter: the one receipt split between the account and the
deposit, what each ledger says, voids and returned checks."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from accounts.models import Customer, LedgerEntry
from accounts.queries import aging_for_account, balance_of
from payments import services as payment_services
from payments.deposits import queries
from payments.deposits.models import DepositEntry
from payments.models import Payment, PaymentLine
from payments.other_payments import purpose_totals
from payments.tenders import PaymentError
from tests.deposits.conftest import cash, check
from tests.factories import post_bill
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal


def held(account):
    return queries.figures(account.pk).held


def test_a_deposit_alone_is_a_receipt_with_no_ledger_entry(account, pay):
    payment = pay(account, deposit="100.00")
    assert payment.amount == D("100.00")
    assert payment.ledger_entry is None
    assert payment.account_amount == D("0.00") and payment.other_amount == D("100.00")
    line = PaymentLine.objects.get(payment=payment)
    assert (line.purpose, line.reference, line.amount) == ("deposit", account.number, D("100"))
    entry = DepositEntry.objects.get(account=account)
    assert (entry.kind, entry.amount, entry.payment) == ("collected", D("100.00"), payment)
    # Held money, not revenue: the balance and the aging stay the bill's alone.
    assert balance_of(account.pk) == D("0.00")
    assert held(account) == D("100.00")
    assert queries.figures(account.pk).still_owed == D("0.00")


def test_one_payment_splits_between_the_bill_and_the_deposit(account, pay):
    today = business_day.today()
    post_bill(account, "60.00", bill_date=today - timedelta(days=30))
    payment = pay(account, amount="60.00", deposit="100.00", tenders=[cash("200.00")])
    assert payment.amount == D("160.00") and payment.change_given == D("40.00")
    assert payment.ledger_entry.amount == D("-60.00")
    assert payment.balance_before == D("60.00") and payment.balance_after == D("0.00")
    assert balance_of(account.pk) == D("0.00")
    assert aging_for_account(account.pk).past_due == D("0.00")
    assert held(account) == D("100.00")
    assert sum(t.amount for t in payment.tenders.all()) == D("160.00")


def test_the_drawer_lines_put_the_deposit_apart_from_account_payments(account, pay, session):
    pay(account, amount="25.00", deposit="100.00")
    lines = dict(purpose_totals(session_id=session.pk))
    assert lines["Account payments"] == D("25.00")
    assert lines["Customer deposits (held)"] == D("100.00")
    expected = session.expected_by_tender()
    assert expected["cash"] == D("225.00")  # the $100 float and all $125 taken


def test_more_than_is_owed_is_refused_and_nothing_posts(account, pay):
    with pytest.raises(PaymentError) as refused:
        pay(account, deposit="100.01")
    assert refused.value.field == "purpose_deposit"
    assert "At most $100.00" in str(refused.value)
    assert not Payment.objects.exists() and not DepositEntry.objects.exists()


def test_no_deposit_is_taken_where_none_is_owed(pay, account):
    pay(account, deposit="100.00")
    with pytest.raises(PaymentError, match="No deposit is owed"):
        pay(account, deposit="5.00")


def test_a_final_account_takes_no_deposit(pay, account):
    type(account).objects.filter(pk=account.pk).update(status="final")
    account.refresh_from_db()
    with pytest.raises(PaymentError, match="takes no deposit"):
        pay(account, deposit="50.00")


def test_the_same_form_twice_takes_the_deposit_once(account, pay):
    key = uuid.uuid4()
    first = pay(account, deposit="100.00", key=key)
    again = pay(account, deposit="100.00", key=key)
    assert first.pk == again.pk
    assert DepositEntry.objects.count() == 1


def test_void_reverses_both_parts(account, pay, supervisor):
    post_bill(account, "40.00", bill_date=business_day.today())
    payment = pay(account, amount="40.00", deposit="100.00")
    payment_services.void_payment(payment=payment, reason="Keyed wrong", supervisor=supervisor)
    payment.refresh_from_db()
    assert payment.status == "voided"
    assert payment.reversal_entry.amount == D("40.00")
    assert balance_of(account.pk) == D("40.00")
    assert held(account) == D("0.00")
    reversal = DepositEntry.objects.get(kind="reversed")
    assert reversal.reverses.payment == payment and reversal.amount == D("-100.00")
    assert queries.figures(account.pk).still_owed == D("100.00")


def test_a_deposit_alone_is_voided_without_a_ledger_reversal(account, pay, supervisor, session):
    payment = pay(account, deposit="100.00")
    payment_services.void_payment(payment=payment, reason="Wrong account", supervisor=supervisor)
    payment.refresh_from_db()
    assert payment.status == "voided" and payment.reversal_entry is None
    assert held(account) == D("0.00")
    assert dict(purpose_totals(session_id=session.pk))["Customer deposits (held)"] == D("0.00")


def test_a_returned_check_reverses_the_deposit_first(account, pay, supervisor):
    post_bill(account, "50.00", bill_date=business_day.today())
    payment = pay(account, amount="50.00", deposit="100.00", tenders=[cash("30"), check("120")])
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    payment.refresh_from_db()
    assert payment.status == "returned" and payment.returned_amount == D("120.00")
    # $100 of the check was the deposit, $20 paid the bill; the $30 cash stands.
    assert held(account) == D("0.00")
    assert payment.reversal_entry.amount == D("20.00")
    fee = payment.fee_entry.amount
    assert balance_of(account.pk) == D("20.00") + fee


def test_a_returned_check_for_a_deposit_alone_counts_as_a_returned_payment(
    account, pay, supervisor
):
    first = pay(account, deposit="100.00", tenders=[check("100.00", "501")])
    payment_services.record_returned_payment(payment=first, reason="NSF", supervisor=supervisor)
    first.refresh_from_db()
    assert first.status == "returned" and first.reversal_entry is None
    assert held(account) == D("0.00")
    # The returned-payment fee is charged, and a second return makes the customer cash only.
    assert LedgerEntry.objects.get(account=account, kind="returned_payment_fee")
    second = pay(account, deposit="100.00", tenders=[check("100.00", "502")])
    payment_services.record_returned_payment(payment=second, reason="NSF", supervisor=supervisor)
    customer = Customer.objects.get(pk=account.customer_id)
    assert customer.cash_only_until is not None


def test_a_check_returned_after_the_deposit_was_applied_takes_it_back_off_the_account(
    account, pay, supervisor
):
    from payments.deposits import services

    payment = pay(account, deposit="100.00", tenders=[check("100.00")])
    services.apply_to_final_bill(account=account, bill=None, by=supervisor)
    assert balance_of(account.pk) == D("-100.00") and held(account) == D("0.00")
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    fee = LedgerEntry.objects.get(account=account, kind="returned_payment_fee").amount
    assert held(account) == D("0.00")
    assert balance_of(account.pk) == fee  # the $100 credit is gone: it was never received


def test_the_deposit_ledger_refuses_update_and_delete(account, pay):
    pay(account, deposit="100.00")
    for sql in (
        "UPDATE deposits_depositentry SET amount = 1",
        "DELETE FROM deposits_depositentry",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_the_database_refuses_a_collection_without_its_receipt(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        DepositEntry.objects.create(
            account=account, kind="collected", amount=D("5"), business_date=business_day.today()
        )
