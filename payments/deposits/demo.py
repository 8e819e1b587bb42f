"""Deposits with a history, for the demo (load_demo_data) and for tests of the runs: each a
real receipt (a check that came by mail on that day), its deposit line and its collection, so
every reconcile check holds as for one taken today."""

import uuid
from datetime import date
from decimal import Decimal

from django.db import connection

from payments.deposits.models import PURPOSE, DepositEntry
from payments.deposits.models import EntryKind as Kind
from payments.models import Channel, Payment, PaymentLine, Tender, TenderKind, receipt_label


def record_past_deposit(*, account, amount: Decimal, on: date, by, number: str = "") -> Payment:
    """A deposit paid by a check that came by mail on `on`: receipt, line, collection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('payment_receipt_seq')")
        receipt = cursor.fetchone()[0]
    payment = Payment.objects.create(
        receipt_number=receipt,
        account=account,
        channel=Channel.MAIL,
        business_date=on,
        idempotency_key=uuid.uuid4(),
        taken_by=by,
        amount=amount,
        memo="Security deposit",
    )
    Tender.objects.create(
        payment=payment, kind=TenderKind.CHECK, amount=amount, number=number or str(receipt)[-4:]
    )
    PaymentLine.objects.create(
        payment=payment, purpose=PURPOSE, reference=account.number, amount=amount
    )
    DepositEntry.objects.create(
        account=account,
        kind=Kind.COLLECTED,
        amount=amount,
        business_date=on,
        posted_by=by,
        payment=payment,
        reference=receipt_label(receipt),
        memo=f"Collected on receipt {receipt_label(receipt)}",
    )
    return payment
