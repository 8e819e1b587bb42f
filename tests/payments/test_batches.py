from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from accounts.models import LedgerEntry
from accounts.queries import balance_of
from payments import services
from payments.models import MailBatch, MailBatchItem, Payment
from payments.tenders import PaymentError
from tests.factories import make_account, make_customer
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(clerk):
    return services.open_mail_batch(
        channel="mail", control_count=2, control_total=Decimal("150.00"), clerk=clerk
    )


def key(batch, account, amount, clerk, number="501"):
    return services.key_batch_item(
        batch=batch,
        account=account,
        kind="check",
        amount=Decimal(amount),
        number=number,
        clerk=clerk,
    )


def test_batch_posts_when_count_and_total_match(batch, account, clerk):
    other = make_account()
    key(batch, account, "100.00", clerk)
    key(batch, other, "50.00", clerk, "502")
    services.post_mail_batch(batch=batch, clerk=clerk)
    batch.refresh_from_db()
    assert batch.status == "posted"
    payments = Payment.objects.filter(mail_batch=batch)
    assert payments.count() == 2
    assert {p.channel for p in payments} == {"mail"}
    assert all(p.session is None for p in payments)
    assert balance_of(account.pk) == Decimal("20.00")
    assert all(item.payment_id for item in batch.items.all())


@pytest.mark.parametrize(
    ("amounts", "message"),
    [(["100.00"], "1 payments for $100.00"), (["100.00", "49.99"], "2 payments for $149.99")],
)
def test_batch_that_does_not_balance_does_not_post(batch, account, clerk, amounts, message):
    for i, amount in enumerate(amounts):
        key(batch, account, amount, clerk, str(600 + i))
    with pytest.raises(PaymentError, match="does not balance") as error:
        services.post_mail_batch(batch=batch, clerk=clerk)
    assert message in str(error.value)
    assert not Payment.objects.exists()
    batch.refresh_from_db()
    assert batch.status == "open"


def test_open_batch_can_be_corrected(batch, account, clerk):
    item = key(batch, account, "100.00", clerk)
    services.correct_batch_item(
        item=item,
        account=account,
        kind="money_order",
        amount=Decimal("150.00"),
        number="9001",
        clerk=clerk,
    )
    services.correct_batch_controls(
        batch=batch, control_count=1, control_total=Decimal("150.00"), clerk=clerk
    )
    services.post_mail_batch(batch=batch, clerk=clerk)
    assert Payment.objects.get().tenders.get().kind == "money_order"


def test_posted_batch_is_immutable(batch, account, clerk):
    item = key(batch, account, "100.00", clerk)
    key(batch, account, "50.00", clerk, "502")
    services.post_mail_batch(batch=batch, clerk=clerk)
    with pytest.raises(PaymentError, match="posted"):
        key(batch, account, "1.00", clerk, "503")
    with pytest.raises(PaymentError, match="posted"):
        services.remove_batch_item(item=item, clerk=clerk)
    with pytest.raises(DatabaseError, match="posted"), transaction.atomic():
        MailBatchItem.objects.filter(pk=item.pk).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError, match="posted"), transaction.atomic():
        MailBatch.objects.filter(pk=batch.pk).update(control_total=Decimal("1.00"))


def test_posting_twice_posts_once(batch, account, clerk):
    key(batch, account, "100.00", clerk)
    key(batch, account, "50.00", clerk, "502")
    services.post_mail_batch(batch=batch, clerk=clerk)
    services.post_mail_batch(batch=batch, clerk=clerk)
    assert LedgerEntry.objects.filter(kind="payment").count() == 2


def test_cash_only_account_check_is_refused_when_keyed(batch, clerk):
    from datetime import timedelta

    account = make_account(
        customer=make_customer(cash_only_until=business_day.today() + timedelta(days=10))
    )
    with pytest.raises(PaymentError, match="cash only") as error:
        key(batch, account, "10.00", clerk)
    assert error.value.field == "account"


def test_batch_keying_through_the_screens(clerk_client, account):
    response = clerk_client.post(
        "/payments/batches/",
        {"channel": "drop_box", "control_count": "1", "control_total": "75.00"},
    )
    batch = MailBatch.objects.get()
    assert response["Location"] == f"/payments/batches/{batch.pk}/"
    bad = clerk_client.post(
        f"/payments/batches/{batch.pk}/items/",
        {"account": "99999999", "kind": "check", "amount": "75", "number": "1"},
    )
    assert b'id="id_account_error"' in bad.content
    clerk_client.post(
        f"/payments/batches/{batch.pk}/items/",
        {"account": account.display_number, "kind": "check", "amount": "75", "number": "3321"},
    )
    page = clerk_client.get(f"/payments/batches/{batch.pk}/").content.decode()
    assert "The batch balances" in page
    clerk_client.post(f"/payments/batches/{batch.pk}/post/")
    assert Payment.objects.get().channel == "drop_box"


def test_card_number_keyed_as_a_check_number_is_refused(clerk_client, batch, account):
    response = clerk_client.post(
        f"/payments/batches/{batch.pk}/items/",
        {"account": account.number, "kind": "check", "amount": "75", "number": "4111111111111111"},
    )
    assert b'id="id_number_error"' in response.content
    assert b"4111111111111111" not in response.content
    assert not MailBatchItem.objects.exists()


def test_batch_pages_within_budget_with_many_batches_and_items(clerk_client, clerk, batch):
    from tests.budgets import assert_flat_budget
    from tests.factories import make_account

    key(batch, make_account(), "100.00", clerk)

    def more_items():
        for n in range(40):
            key(batch, make_account(), "1.00", clerk, number=f"7{n:03d}")

    def more_batches():
        for n in range(15):
            other = services.open_mail_batch(
                channel="mail", control_count=2, control_total=Decimal("20.00"), clerk=clerk
            )
            key(other, make_account(), "10.00", clerk, number=f"8{n:03d}")
            key(other, make_account(), "10.00", clerk, number=f"9{n:03d}")
            if n % 2:
                services.post_mail_batch(batch=other, clerk=clerk)

    html = assert_flat_budget(
        clerk_client, f"/payments/batches/{batch.pk}/", add_rows=more_items, budget=10
    ).content.decode()
    assert html.count("7039") == 1
    assert_flat_budget(clerk_client, "/payments/batches/", add_rows=more_batches, budget=10)
