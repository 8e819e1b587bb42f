"""manage.py reconcile: a real day (payments of every tender, a void, a return, a drop, a
mail batch, counts, verification, the bank bag, the close) holds; each kind of damage is
caught, named, and makes the command fail."""

import io
import uuid
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from payments import services as payment_services
from payments.closeout import services
from payments.models import Payment
from tests.closeout import conftest as closeout
from tests.closeout.conftest import card, cash, check, counted_in
from tests.closeout.test_services import counted
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db

drawer, session, pay = closeout.drawer, closeout.session, closeout.pay


def tamper(sql, params):
    """Change a row as only someone at the database could: past the append-only triggers
    (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


@pytest.fixture
def banked_day(session, clerk, supervisor, pay):
    """A whole day through the real services, closed."""
    other = make_user("supervisor-b", role="Supervisor")
    pay(clerk, "40.00", cash("50.00"))  # $10 change
    pay(clerk, "25.00", check("25.00"))
    pay(clerk, "30.00", card("30.00"))
    pay(clerk, "60.00", cash("20.00"), check("40.00", number="2002"))
    voided = pay(clerk, "15.00", cash("15.00"))
    payment_services.void_payment(payment=voided, reason="Wrong account", supervisor=supervisor)
    services.record_cash_drop(
        session=session,
        amount=D("50.00"),
        witness=supervisor,
        by=clerk,
        idempotency_key=uuid.uuid4(),
    )
    batch = payment_services.open_mail_batch(
        channel="mail", control_count=1, control_total=D("10.00"), clerk=clerk
    )
    payment_services.key_batch_item(
        batch=batch,
        account=make_account(),
        kind="check",
        amount=D("10.00"),
        number="77",
        clerk=clerk,
    )
    payment_services.post_mail_batch(batch=batch, clerk=clerk)
    # Float 100 + cash 40 + 20 - drop 50 = 110 cash; checks 25 + 40; card 30.
    services.count_drawer(
        session=session, counted=counted("110.00", ("65.00", 2), cards=("30.00", 1)), by=clerk
    )
    services.verify_session(session=session, by=supervisor)
    day = session.business_date
    deposit = services.prepare_deposit(
        business_date=day,
        bag_number="B-1",
        cash_total=D("60.00"),
        check_total=D("75.00"),
        by=supervisor,
    )
    services.verify_deposit(deposit=deposit, by=other, **counted_in(deposit))
    services.close_day(business_date=day, by=supervisor)
    return day


def reconcile(*args) -> str:
    out = io.StringIO()
    try:
        call_command("reconcile", *args, stdout=out)
    except CommandError:
        pytest.fail(out.getvalue())
    return out.getvalue()


def failing(*args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError, match="the money does not agree"):
        call_command("reconcile", *args, stdout=out)
    return out.getvalue()


def test_a_whole_banked_day_reconciles(banked_day):
    printed = reconcile()
    assert "FAIL" not in printed
    assert printed.count("OK ") >= 16
    assert "All 16 checks hold." in printed or "checks hold." in printed
    assert "FAIL" not in reconcile("--day", banked_day.isoformat())


def test_a_returned_payment_reconciles(session, clerk, supervisor, pay):
    payment = pay(clerk, "25.00", check("25.00"))
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    assert "FAIL" not in reconcile()


def test_a_payment_entry_without_its_receipt_is_caught(banked_day, clerk):
    account = make_account()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_ledgerentry (account_id, kind, amount, business_date, "
            "posted_at, reference, memo, reason_code) "
            "VALUES (%s, 'payment', -5.00, %s, now(), 'R999999', '', '')",
            [account.pk, banked_day],
        )
    printed = failing()
    assert "FAIL  every payment entry the counter posted belongs to a receipt" in printed
    assert "R999999" in printed


def test_tenders_that_no_longer_add_up_are_caught(banked_day):
    payment = Payment.objects.filter(status="posted").order_by("receipt_number").first()
    tamper(
        "UPDATE payments_tender SET amount = amount + 1, amount_tendered = "
        "amount_tendered + 1 WHERE payment_id = %s",
        [payment.pk],
    )
    printed = failing("--all")
    assert "FAIL  each receipt's tenders add up to its amount" in printed
    assert str(payment.receipt_number) in printed
    assert "FAIL  per day, the counter's payment entries equal its tenders" in printed
    # The drawer verified against the old tenders no longer agrees either.
    assert "FAIL  a verified drawer's count of record" in printed


def test_a_deposit_that_no_longer_matches_its_closed_day_is_caught(banked_day):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE closeout_bankdeposit SET cash_total = cash_total - 10 WHERE business_date = %s",
            [banked_day],
        )
    printed = failing()
    assert "FAIL  each closed day's bank deposit" in printed
    assert "B-1" in printed


def test_a_day_is_checked_on_its_own(banked_day):
    from datetime import timedelta

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE closeout_bankdeposit SET cash_total = cash_total - 10 WHERE business_date = %s",
            [banked_day],
        )
    other_day = (banked_day - timedelta(days=3)).isoformat()
    assert "FAIL" not in reconcile("--day", other_day)
    failing("--day", banked_day.isoformat())


def test_a_bad_day_argument_is_refused():
    with pytest.raises(CommandError, match="--day"):
        call_command("reconcile", "--day", "0001-01-01", stdout=io.StringIO())


def test_the_demo_data_reconciles(db):
    from django.core.management import call_command as run

    run("load_demo_data", stdout=io.StringIO())
    assert "FAIL" not in reconcile()


def test_an_aging_summary_out_of_step_with_the_ledger_is_caught(banked_day):
    """A ledger row written past the triggers (as only someone at the database could) is
    missing from the aging summary the reports read: caught and named."""
    account = make_account()
    tamper(
        "INSERT INTO accounts_ledgerentry (account_id, kind, amount, business_date, due_date, "
        "posted_at, reference, memo, reason_code) "
        "VALUES (%s, 'late_fee', 7.00, %s, %s, now(), '', '', '')",
        [account.pk, banked_day, banked_day],
    )
    printed = failing("--all")
    assert "FAIL  the aging summary (balances, charges due, what is unpaid) agrees" in printed
    assert str(account.pk) in printed


def test_a_folded_aging_summary_reconciles(banked_day):
    from accounts import aging_summary

    assert aging_summary.fold() > 0
    assert "FAIL" not in reconcile()
