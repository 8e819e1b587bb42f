import threading
import uuid
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


def test_closing_the_day_waits_for_a_payment_being_posted():
    clerk, supervisor = make_user(role="Clerk"), make_user(role="Supervisor")
    account = make_account()
    today = business_day.today()
    posted, release, closed = threading.Event(), threading.Event(), threading.Event()
    outcome = {}

    def post_slowly():
        try:
            with transaction.atomic():
                outcome["payment"] = phone_payment(clerk, account, uuid.uuid4())
                posted.set()
                release.wait(10)  # the payment's transaction is still open here
        finally:
            connection.close()

    def close():
        try:
            outcome["day"] = services.close_day(business_date=today, by=supervisor)
            closed.set()
        finally:
            connection.close()

    poster = threading.Thread(target=post_slowly)
    poster.start()
    assert posted.wait(10)
    closer = threading.Thread(target=close)
    closer.start()
    # The close must wait: the payment holds the day's share lock until it commits.
    assert not closed.wait(1.0)
    release.set()
    poster.join(10)
    closer.join(10)
    assert closed.is_set()

    payment = Payment.objects.get(pk=outcome["payment"].pk)
    assert payment.business_date == today
    assert BusinessDay.objects.get(date=today).is_closed
    board = queries.day_board(today)
    assert board.payments_by_channel == {"Phone (card)": Decimal("12.34")}


def test_a_payment_after_the_close_goes_to_the_next_business_day():
    clerk, supervisor = make_user(role="Clerk"), make_user(role="Supervisor")
    today = business_day.today()
    services.close_day(business_date=today, by=supervisor)
    payment = phone_payment(clerk, make_account(), uuid.uuid4())
    assert payment.business_date == business_day.add_business_days(
        today + __import__("datetime").timedelta(days=1), 0
    )
    assert queries.day_board(today).payments_by_channel == {}
