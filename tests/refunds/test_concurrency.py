"""Real threads, real transactions: two supervisors approving at once, two clerks asking for
the same credit at once, one double-clicked request form."""

import uuid
from decimal import Decimal

import pytest

from accounts.models import EntryKind, LedgerEntry
from accounts.queries import balance_of
from payments.refunds import services
from payments.refunds.models import Refund, RefundStatus
from payments.refunds.services import RefundError
from tests.factories import make_user
from tests.payments.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


def _outcome(fn):
    """What the call gave, or the refusal it raised (a refusal is an answer, not a crash)."""

    def call():
        try:
            return fn()
        except RefundError as error:
            return error

    return call


def test_two_approvals_at_once_post_once(account, request_refund):
    refund = request_refund(account, "100.00")
    first, second = make_user(role="Supervisor"), make_user(role="Supervisor")
    results = run_at_once(
        [
            lambda: services.approve_refund(refund=refund, by=first).check_request_number,
            lambda: services.approve_refund(refund=refund, by=second).check_request_number,
        ]
    )
    assert results[0] == results[1]
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert balance_of(account.pk) == D("0.00")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED


def test_two_approvals_of_two_refunds_cannot_both_take_one_credit(account, request_refund):
    # Each asked for $60 of a $100 credit when the other was not there yet: the second was
    # refused at request time, so make the pair by hand as a request the race allows.
    a = request_refund(account, "60.00")
    b = Refund.objects.create(
        account=account,
        source="credit_balance",
        amount=D("60.00"),
        reason="Same credit",
        payee_name=a.payee_name,
        mailing_address=a.mailing_address,
        requested_by=a.requested_by,
    )
    supervisor = make_user(role="Supervisor")
    results = run_at_once(
        [
            _outcome(lambda: services.approve_refund(refund=a, by=supervisor)),
            _outcome(lambda: services.approve_refund(refund=b, by=supervisor)),
        ]
    )
    refused = [r for r in results if isinstance(r, RefundError)]
    assert len(refused) == 1 and "credit balance is now $40.00" in str(refused[0])
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert balance_of(account.pk) == D("-40.00")


def test_two_requests_at_once_cannot_ask_for_the_same_credit(account, clerk):
    def ask():
        return services.request_refund(
            account=account, amount=D("80.00"), reason="Overpaid", requested_by=clerk
        )

    results = run_at_once([_outcome(ask), _outcome(ask)])
    assert sum(isinstance(r, Refund) for r in results) == 1
    assert Refund.objects.count() == 1


def test_a_double_clicked_request_form_asks_once(account, clerk):
    key = uuid.uuid4()

    def ask():
        return services.request_refund(
            account=account,
            amount=D("25.00"),
            reason="Overpaid",
            requested_by=clerk,
            idempotency_key=key,
        ).pk

    first, second = run_at_once([ask, ask])
    assert first == second
    assert Refund.objects.count() == 1
