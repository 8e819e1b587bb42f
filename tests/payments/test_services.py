import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import LedgerEntry
from accounts.queries import aging_for_account, balance_of
from payments import services
from payments.models import Drawer, DrawerSession, Payment, Tender
from payments.tenders import PaymentError
from tests.factories import make_account, make_customer, make_user
from tests.payments.conftest import card, cash, check, money_order
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent, Policy

pytestmark = pytest.mark.django_db


def nothing_posted():
    return (
        not Payment.objects.exists()
        and not Tender.objects.exists()
        and not LedgerEntry.objects.filter(kind="payment").exists()
    )


# Drawer sessions -----------------------------------------------------------------------


def test_clerk_opens_a_drawer_with_a_counted_float(drawer, clerk):
    session = services.open_drawer_session(
        drawer=drawer, opening_float=Decimal("150.00"), clerk=clerk
    )
    assert session.status == "open"
    assert session.business_date == business_day.today()
    assert session.expected_by_tender()["cash"] == Decimal("150.00")
    assert AuditEvent.objects.filter(action="drawer.open", actor=clerk).exists()


def test_one_open_session_per_drawer(session, drawer):
    other = make_user("clerk2", role="Clerk")
    with pytest.raises(PaymentError, match="already open by clerk"):
        services.open_drawer_session(drawer=drawer, opening_float=Decimal("100"), clerk=other)


def test_one_open_session_per_clerk(session, clerk):
    second = Drawer.objects.create(code="D2", name="Window 2")
    with pytest.raises(PaymentError, match="already have a drawer open"):
        services.open_drawer_session(drawer=second, opening_float=Decimal("100"), clerk=clerk)
    assert DrawerSession.objects.count() == 1


def test_the_database_holds_one_open_session_per_drawer(session, drawer):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        DrawerSession.objects.create(
            drawer=drawer,
            opened_by=make_user("x", role="Clerk"),
            business_date=business_day.today(),
            opening_float=0,
        )


def test_inactive_drawer_cannot_be_opened(clerk):
    drawer = Drawer.objects.create(code="D9", name="Spare", active=False)
    with pytest.raises(PaymentError, match="not in use"):
        services.open_drawer_session(drawer=drawer, opening_float=Decimal("0"), clerk=clerk)


# Taking payments -----------------------------------------------------------------------


def test_cash_payment_with_change(session, account, pay, clerk):
    payment = pay(account, "120.00", [cash("140.00")])
    assert payment.amount == Decimal("120.00")
    assert payment.change_given == Decimal("20.00")
    tender = payment.tenders.get()
    assert (tender.kind, tender.amount, tender.amount_tendered) == (
        "cash",
        Decimal("120.00"),
        Decimal("140.00"),
    )
    entry = payment.ledger_entry
    assert (entry.kind, entry.amount, entry.reference) == (
        "payment",
        Decimal("-120.00"),
        payment.receipt,
    )
    assert entry.business_date == business_day.today()
    assert balance_of(account.pk) == Decimal("0.00")
    assert payment.session == session
    assert payment.taken_by == clerk
    assert AuditEvent.objects.filter(action="payment.take", after__receipt=payment.receipt).exists()


def test_receipt_numbers_come_from_the_sequence_in_order(session, account, pay):
    first = pay(account, "10.00")
    second = pay(account, "10.00")
    assert second.receipt_number == first.receipt_number + 1
    assert first.receipt == f"R{first.receipt_number}"


def test_check_payment_records_the_number(session, account, pay):
    payment = pay(account, "50.00", [check("50.00", "10442")])
    assert payment.tenders.get().number == "10442"
    assert payment.change_given == 0


def test_split_tender_cash_check_and_card(session, account, pay):
    payment = pay(account, "120.00", [check("50.00"), card("30.00"), cash("50.00")])
    by_kind = {t.kind: t for t in payment.tenders.all()}
    assert by_kind["check"].amount == Decimal("50.00")
    assert by_kind["card"].amount == Decimal("30.00")
    assert (by_kind["cash"].amount, by_kind["cash"].amount_tendered) == (
        Decimal("40.00"),
        Decimal("50.00"),
    )
    assert payment.change_given == Decimal("10.00")
    assert sum(t.amount for t in by_kind.values()) == payment.amount


def test_card_keeps_only_last_four_and_auth_code(session, account, pay):
    payment = pay(account, "20.00", [card("20.00", "4242", "ab12")])
    tender = payment.tenders.get()
    assert (tender.card_last4, tender.card_auth_code) == ("4242", "AB12")


def test_overpayment_leaves_a_credit_balance(session, account, pay):
    pay(account, "200.00")
    assert balance_of(account.pk) == Decimal("-80.00")
    assert aging_for_account(account.pk).credit == Decimal("80.00")


def test_payment_needs_an_open_session(account, pay):
    with pytest.raises(PaymentError, match="Open your drawer"):
        pay(account, "10.00")
    assert nothing_posted()


def test_phone_payment_is_card_only_and_needs_no_drawer(account, pay):
    payment = pay(account, "25.00", [card("25.00")], channel="phone")
    assert payment.session is None
    assert payment.channel == "phone"
    with pytest.raises(PaymentError, match="card only"):
        pay(account, "25.00", [cash("25.00")], channel="phone")


def test_mail_payment_outside_a_batch_is_refused(account, pay):
    with pytest.raises(PaymentError, match="keyed in a batch"):
        pay(account, "25.00", [check("25.00")], channel="mail")


def test_closed_account_takes_no_payment(session, pay):
    closed = make_account(status="closed")
    with pytest.raises(PaymentError, match="closed"):
        pay(closed, "10.00")
    assert nothing_posted()


@pytest.mark.parametrize("tenders", [[check("10.00")], [money_order("10.00")]])
def test_cash_only_customer_cannot_pay_by_check_or_money_order(session, pay, tenders):
    customer = make_customer(cash_only_until=business_day.today() + timedelta(days=30))
    account = make_account(customer=customer)
    with pytest.raises(PaymentError, match="cash only") as error:
        pay(account, "10.00", tenders)
    assert error.value.field == f"{tenders[0].kind}_amount"
    assert nothing_posted()
    assert pay(account, "10.00", [cash("10.00")]).status == "posted"


def test_cash_only_that_has_expired_accepts_checks(session, pay):
    account = make_account(
        customer=make_customer(cash_only_until=business_day.today() - timedelta(days=1))
    )
    assert pay(account, "10.00", [check("10.00")]).status == "posted"


def test_amount_over_the_policy_maximum_is_refused(session, account, pay):
    Policy.objects.filter(pk=1).update(max_payment_amount=Decimal("500.00"))
    Policy.current()
    with pytest.raises(PaymentError, match=r"largest payment taken is \$500.00") as error:
        pay(account, "500.01")
    assert error.value.field == "amount"
    assert nothing_posted()


@pytest.mark.parametrize(
    ("tenders", "field", "message"),
    [
        ([check("40.00"), cash("5.00")], "cash_tendered", "less than"),
        ([check("40.00")], "check_amount", "add up to"),
        ([check("60.00")], "check_amount", "give no change"),
        ([card("50.00"), cash("10.00")], "cash_tendered", "No cash is due"),
        ([], "cash_tendered", "Enter how the customer pays"),
    ],
)
def test_tenders_that_do_not_pay_the_amount_are_refused(
    session, account, pay, tenders, field, message
):
    with pytest.raises(PaymentError, match=message) as error:
        pay(account, "50.00", tenders)
    assert error.value.field == field
    assert nothing_posted()


@pytest.mark.parametrize(
    ("tender", "field"),
    [
        (check("10.00", number="4111 1111 1111 1111"), "check_number"),
        (card("10.00", last4="4111111111111111"), "card_last4"),
        (card("10.00", auth="5500-0000-0000-0004"), "card_last4"),
    ],
)
def test_full_card_numbers_are_refused_and_never_stored(session, account, pay, tender, field):
    with pytest.raises(PaymentError, match="full card number") as error:
        pay(account, "10.00", [tender])
    assert error.value.field == field
    assert nothing_posted()


def test_card_number_in_the_memo_is_refused(session, account, pay):
    with pytest.raises(PaymentError, match="full card number") as error:
        pay(account, "10.00", memo="card 4111-1111-1111-1111 exp 12/29")
    assert error.value.field == "memo"
    assert not AuditEvent.objects.filter(action="payment.take").exists()


def test_check_needs_its_number(session, account, pay):
    with pytest.raises(PaymentError, match="check number") as error:
        pay(account, "10.00", [check("10.00", number="")])
    assert error.value.field == "check_number"


def test_same_idempotency_key_posts_once(session, account, pay):
    key = uuid.uuid4()
    first = pay(account, "30.00", key=key)
    again = pay(account, "30.00", key=key)
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_a_failed_payment_leaves_no_partial_rows(session, account, pay):
    before = AuditEvent.objects.count()
    with pytest.raises(PaymentError):
        pay(account, "10.00", [check("10.00"), card("5.00", last4="12")])
    assert nothing_posted()
    assert AuditEvent.objects.count() == before


def test_clerk_without_the_role_cannot_take_payments(session, account, pay):
    with pytest.raises(PaymentError, match="cannot take payments"):
        pay(account, "10.00", by=make_user("nobody"))


# Drawer totals -------------------------------------------------------------------------


def test_expected_by_tender_sums_the_sessions_payments(session, account, pay):
    pay(account, "30.00", [cash("50.00")])
    pay(account, "45.00", [check("45.00")])
    pay(account, "20.00", [money_order("5.00"), card("10.00"), cash("5.00")])
    expected = session.expected_by_tender()
    assert expected == {
        "cash": Decimal("150.00") + Decimal("30.00") + Decimal("5.00"),
        "check": Decimal("45.00"),
        "money_order": Decimal("5.00"),
        "card": Decimal("10.00"),
    }


# Voids ---------------------------------------------------------------------------------


def test_supervisor_voids_a_payment_taken_today(session, account, pay, supervisor):
    payment = pay(account, "40.00", [check("40.00")])
    voided = services.void_payment(
        payment=payment, reason="Keyed on the wrong account", supervisor=supervisor
    )
    assert voided.status == "voided"
    assert voided.voided_by == supervisor
    reversal = voided.reversal_entry
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == (
        "reversal",
        Decimal("40.00"),
        payment.ledger_entry_id,
    )
    assert balance_of(account.pk) == Decimal("120.00")
    assert session.expected_by_tender()["check"] == Decimal("0.00")
    assert AuditEvent.objects.filter(
        action="payment.void", actor=supervisor, reason="Keyed on the wrong account"
    ).exists()


def test_void_twice_changes_nothing_more(session, account, pay, supervisor):
    payment = pay(account, "40.00")
    services.void_payment(payment=payment, reason="Duplicate", supervisor=supervisor)
    services.void_payment(payment=payment, reason="Duplicate", supervisor=supervisor)
    assert LedgerEntry.objects.filter(kind="reversal").count() == 1


def test_clerk_cannot_void(session, account, pay, clerk):
    payment = pay(account, "40.00")
    with pytest.raises(PaymentError, match="Only a supervisor"):
        services.void_payment(payment=payment, reason="x", supervisor=clerk)


def test_void_needs_a_reason(session, account, pay, supervisor):
    payment = pay(account, "40.00")
    with pytest.raises(PaymentError, match="Say why") as error:
        services.void_payment(payment=payment, reason="  ", supervisor=supervisor)
    assert error.value.field == "reason"


def test_yesterdays_payment_cannot_be_voided(session, account, pay, supervisor):
    payment = pay(account, "40.00")
    Payment.objects.filter(pk=payment.pk).update(
        business_date=business_day.today() - timedelta(days=1)
    )
    with pytest.raises(PaymentError, match="Only a payment taken today"):
        services.void_payment(payment=payment, reason="Late", supervisor=supervisor)
    assert not LedgerEntry.objects.filter(kind="reversal").exists()


# Returned payments ---------------------------------------------------------------------


def _taken_days_ago(payment, days):
    Payment.objects.filter(pk=payment.pk).update(
        business_date=business_day.today() - timedelta(days=days)
    )
    payment.refresh_from_db()
    return payment


def test_returned_check_reverses_and_charges_the_fee(session, account, pay, supervisor):
    payment = _taken_days_ago(pay(account, "120.00", [check("120.00")]), 6)
    returned = services.record_returned_payment(
        payment=payment, reason="NSF", supervisor=supervisor
    )
    assert returned.status == "returned"
    assert returned.returned_on == business_day.today()
    assert returned.reversal_entry.amount == Decimal("120.00")
    fee = returned.fee_entry
    assert (fee.kind, fee.amount, fee.due_date) == (
        "returned_payment_fee",
        Decimal("30.00"),
        business_day.today(),
    )
    assert balance_of(account.pk) == Decimal("150.00")
    account.customer.refresh_from_db()
    assert account.customer.cash_only_until is None


def test_fee_follows_the_policy(session, account, pay, supervisor):
    Policy.objects.filter(pk=1).update(returned_payment_fee=Decimal("25.00"))
    Policy.current()
    payment = pay(account, "20.00", [card("20.00")])
    services.record_returned_payment(payment=payment, reason="Chargeback", supervisor=supervisor)
    assert LedgerEntry.objects.get(kind="returned_payment_fee").amount == Decimal("25.00")


def test_second_return_in_twelve_months_makes_the_customer_cash_only(
    session, account, pay, supervisor
):
    first = _taken_days_ago(pay(account, "20.00", [check("20.00", "1")]), 200)
    services.record_returned_payment(payment=first, reason="NSF", supervisor=supervisor)
    Payment.objects.filter(pk=first.pk).update(
        returned_on=business_day.today() - timedelta(days=190)
    )
    second = pay(account, "20.00", [check("20.00", "2")])
    services.record_returned_payment(payment=second, reason="NSF", supervisor=supervisor)
    account.customer.refresh_from_db()
    today = business_day.today()
    assert account.customer.cash_only_until == services.add_months(today, 12)
    assert AuditEvent.objects.filter(action="customer.cash_only").exists()
    with pytest.raises(PaymentError, match="cash only"):
        pay(account, "10.00", [check("10.00", "3")])


def test_returns_more_than_twelve_months_apart_do_not_make_cash_only(
    session, account, pay, supervisor
):
    first = pay(account, "20.00", [check("20.00", "1")])
    services.record_returned_payment(payment=first, reason="NSF", supervisor=supervisor)
    Payment.objects.filter(pk=first.pk).update(
        returned_on=business_day.today() - timedelta(days=400)
    )
    second = pay(account, "20.00", [check("20.00", "2")])
    services.record_returned_payment(payment=second, reason="NSF", supervisor=supervisor)
    account.customer.refresh_from_db()
    assert account.customer.cash_only_until is None


def test_cash_cannot_be_returned(session, account, pay, supervisor):
    payment = pay(account, "20.00")
    with pytest.raises(PaymentError, match="Cash cannot come back"):
        services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)


def test_voided_payment_cannot_be_returned(session, account, pay, supervisor):
    payment = pay(account, "20.00", [check("20.00")])
    services.void_payment(payment=payment, reason="Wrong account", supervisor=supervisor)
    with pytest.raises(PaymentError, match="voided payment cannot be returned"):
        services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)


def test_clerk_cannot_record_a_return(session, account, pay, clerk):
    payment = pay(account, "20.00", [check("20.00")])
    with pytest.raises(PaymentError, match="Only a supervisor"):
        services.record_returned_payment(payment=payment, reason="NSF", supervisor=clerk)


# Receipts ------------------------------------------------------------------------------


def test_first_print_is_the_original_and_later_ones_reprints(session, account, pay, clerk):
    payment = pay(account, "20.00")
    assert services.print_receipt(payment=payment, by=clerk) == 1
    assert not AuditEvent.objects.filter(action="payment.reprint").exists()
    assert services.print_receipt(payment=payment, by=clerk) == 2
    assert payment.is_reprint
    assert AuditEvent.objects.filter(action="payment.reprint").count() == 1


# The ledger stays append-only ----------------------------------------------------------


def test_tenders_cannot_be_changed_in_the_database(session, account, pay):
    from django.db import DatabaseError, transaction

    payment = pay(account, "20.00")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE payments_tender SET amount = 1 WHERE payment_id = %s", [payment.pk])


def test_add_months_clamps_to_the_end_of_the_month():
    from datetime import date

    assert services.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert services.add_months(date(2024, 3, 15), -12) == date(2023, 3, 15)
    assert services.add_months(date(2024, 12, 1), 1) == date(2025, 1, 1)
