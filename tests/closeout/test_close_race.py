import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction

from payments import services as payment_services
from payments.closeout import queries, services
from payments.models import Payment
from payments.tenders import TenderInput
from tests.factories import make_account, make_user
from utilityclerk import business_day
from utilityclerk.core.models import BusinessDay

pytestmark = pytest.mark.django_db(transaction=True)


def phone_payment(clerk, account, key):
    return payment_services.take_payment(
        account=account,
        amount=Decimal("12.34"),
        tenders=[
            TenderInput(
                kind="card", amount=Decimal("12.34"), card_last4="4242", card_auth_code="OK1"
            )
        ],
        clerk=clerk,
        idempotency_key=key,
        channel="phone",
    )


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(waiter: dict, holder: dict, timeout: float = 10.0) -> list[str]:
    """Poll PostgreSQL until the waiter's backend is blocked by the holder's; return the
    kinds of lock it waits for. This is the ordering itself, seen in pg_locks, not a guess
    from how long something took."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "pid" in waiter and "pid" in holder:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_blocking_pids(%s)", [waiter["pid"]])
                if holder["pid"] in cursor.fetchone()[0]:
                    cursor.execute(
                        "SELECT locktype FROM pg_locks WHERE pid = %s AND NOT granted",
                        [waiter["pid"]],
                    )
                    return [row[0] for row in cursor.fetchall()]
        time.sleep(0.02)
    raise AssertionError("the second transaction never waited on the first one's lock")


def test_closing_the_day_waits_for_a_payment_being_posted():
    clerk, supervisor = make_user(role="Clerk"), make_user(role="Supervisor")
    account = make_account()
    today = business_day.today()
    # The day's row is there already (an earlier posting made it), so the only thing the
    # close can wait for is the payment's share lock on it.
    BusinessDay.objects.get_or_create(date=today)
    posted, release = threading.Event(), threading.Event()
    outcome, poster_db, closer_db = {}, {}, {}

    def post_slowly():
        try:
            with transaction.atomic():
                poster_db["pid"] = backend_pid()
                outcome["payment"] = phone_payment(clerk, account, uuid.uuid4())
                posted.set()
                release.wait(10)  # the payment's transaction is still open here
        finally:
            connection.close()

    def close():
        try:
            closer_db["pid"] = backend_pid()
            outcome["day"] = services.close_day(business_date=today, by=supervisor)
        finally:
            connection.close()

    poster = threading.Thread(target=post_slowly)
    poster.start()
    assert posted.wait(10)
    closer = threading.Thread(target=close)
    closer.start()
    # The close is seen waiting on the payment's share lock on the day's row.
    assert wait_until_blocked(closer_db, poster_db)
    assert "day" not in outcome
    release.set()
    poster.join(10)
    closer.join(10)
    assert not poster.is_alive() and not closer.is_alive()

    payment = Payment.objects.get(pk=outcome["payment"].pk)
    assert payment.business_date == today
    assert BusinessDay.objects.get(date=today).is_closed
    board = queries.day_board(today)
    assert board.payments_by_channel == {"Phone (card)": Decimal("12.34")}


def test_a_payment_waits_for_the_close_under_way_then_goes_to_the_next_day():
    clerk, supervisor = make_user(role="Clerk"), make_user(role="Supervisor")
    account = make_account()
    today = business_day.today()
    BusinessDay.objects.get_or_create(date=today)
    closing, release = threading.Event(), threading.Event()
    outcome, poster_db, closer_db = {}, {}, {}

    def close_slowly():
        try:
            with transaction.atomic():
                closer_db["pid"] = backend_pid()
                outcome["day"] = services.close_day(business_date=today, by=supervisor)
                closing.set()
                release.wait(10)  # the close holds the day's row lock, not yet committed
        finally:
            connection.close()

    def post():
        try:
            poster_db["pid"] = backend_pid()
            outcome["payment"] = phone_payment(clerk, account, uuid.uuid4())
        finally:
            connection.close()

    closer = threading.Thread(target=close_slowly)
    closer.start()
    assert closing.wait(10)
    poster = threading.Thread(target=post)
    poster.start()
    # The posting is seen waiting on the close's lock ...
    assert wait_until_blocked(poster_db, closer_db)
    assert "payment" not in outcome
    release.set()
    closer.join(10)
    poster.join(10)
    assert not poster.is_alive() and not closer.is_alive()
    # ... and, once the close committed, it read the day closed and took the next one.
    payment = Payment.objects.get(pk=outcome["payment"].pk)
    assert payment.business_date == business_day.add_business_days(today + timedelta(days=1), 0)
    assert queries.day_board(today).payments_by_channel == {}


def test_a_payment_after_the_close_goes_to_the_next_business_day():
    clerk, supervisor = make_user(role="Clerk"), make_user(role="Supervisor")
    today = business_day.today()
    services.close_day(business_date=today, by=supervisor)
    payment = phone_payment(clerk, make_account(), uuid.uuid4())
    assert payment.business_date == business_day.add_business_days(today + timedelta(days=1), 0)
    assert queries.day_board(today).payments_by_channel == {}
