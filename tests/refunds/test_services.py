"""Requesting, approving, rejecting, cancelling and voiding refunds, and the rules each keeps."""

import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from accounts.models import EntryKind, LedgerEntry
from accounts.queries import balance_of
from payments.refunds import services
from payments.refunds.models import Refund, RefundStatus
from payments.refunds.services import RefundError
from tests.factories import make_account, post_charge
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

D = Decimal


def test_a_request_waits_and_posts_nothing(account, request_refund):
    refund = request_refund(account, "40.00")
    assert refund.status == RefundStatus.REQUESTED
    assert refund.check_request_number is None
    assert balance_of(account.pk) == D("-100.00")
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_payee_defaults_to_the_customer_at_the_mailing_address(account, request_refund):
    refund = request_refund(account)
    assert refund.payee_name == "Ana Reyes"
    assert refund.mailing_address_lines == ["450 ELM ST", "CIBOLO, TX 78108"]
    assert refund.payee_reason == ""


def test_approval_posts_a_refund_entry_and_takes_the_credit(account, request_refund, supervisor):
    refund = request_refund(account, "100.00")
    refund = services.approve_refund(refund=refund, by=supervisor)
    assert refund.status == RefundStatus.APPROVED
    assert refund.check_request_number.startswith("CR-")
    entry = refund.ledger_entry
    assert (entry.kind, entry.amount, entry.reference) == (
        EntryKind.REFUND,
        D("100.00"),
        refund.check_request_number,
    )
    assert entry.business_date == business_day.posting_date() == refund.approved_on
    assert balance_of(account.pk) == D("0.00")
    assert AuditEvent.objects.filter(action="refund.approve", target_id=str(refund.pk)).exists()


def test_own_request_cannot_be_approved(account, request_refund, supervisor):
    refund = request_refund(account, by=supervisor)
    with pytest.raises(RefundError, match="other than the requester"):
        services.approve_refund(refund=refund, by=supervisor)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_a_clerk_cannot_approve(account, request_refund, clerk):
    from tests.factories import make_user

    refund = request_refund(account, by=make_user(role="Clerk"))
    with pytest.raises(RefundError, match="supervisor"):
        services.approve_refund(refund=refund, by=clerk)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_more_than_the_credit_is_refused_at_request(account, request_refund):
    with pytest.raises(RefundError, match=r"more than the account's credit balance of \$100.00"):
        request_refund(account, "100.01")
    assert not Refund.objects.exists()


def test_an_account_that_owes_has_nothing_to_refund(request_refund):
    owing = make_account()
    post_charge(owing, "10.00", on=business_day.today())
    with pytest.raises(RefundError, match="no credit balance"):
        request_refund(owing, "1.00")


def test_requests_waiting_count_against_the_credit(account, request_refund):
    request_refund(account, "70.00")
    with pytest.raises(RefundError, match=r"\$70.00 of it is already waiting"):
        request_refund(account, "40.00")
    assert request_refund(account, "30.00").amount == D("30.00")


def test_approval_rechecks_the_credit(account, request_refund, supervisor):
    refund = request_refund(account, "100.00")
    post_charge(account, "30.00", on=business_day.today())  # a bill since: credit $70
    with pytest.raises(RefundError, match=r"credit balance is now \$70.00"):
        services.approve_refund(refund=refund, by=supervisor)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED
    assert balance_of(account.pk) == D("-70.00")


def test_a_second_approval_posts_nothing_more(account, request_refund, supervisor, supervisor2):
    refund = request_refund(account, "50.00")
    first = services.approve_refund(refund=refund, by=supervisor)
    again = services.approve_refund(refund=refund, by=supervisor2)
    assert again.check_request_number == first.check_request_number
    assert again.decided_by == supervisor
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1
    assert balance_of(account.pk) == D("-50.00")


def test_the_same_key_requests_once(account, request_refund):
    key = uuid.uuid4()
    first = request_refund(account, "40.00", idempotency_key=key)
    second = request_refund(account, "40.00", idempotency_key=key)
    assert first.pk == second.pk
    assert Refund.objects.count() == 1


def test_the_same_key_for_another_amount_is_refused(account, request_refund):
    key = uuid.uuid4()
    request_refund(account, "40.00", idempotency_key=key)
    with pytest.raises(RefundError, match=r"already requested a refund of \$40.00"):
        request_refund(account, "41.00", idempotency_key=key)
    assert Refund.objects.count() == 1


def test_another_payee_needs_a_reason(account, request_refund):
    with pytest.raises(RefundError, match="say why") as refused:
        request_refund(account, payee_name="Reyes Property Management")
    assert refused.value.field == "payee_reason"
    refund = request_refund(
        account, payee_name="Reyes Property Management", payee_reason="Landlord paid the bill"
    )
    assert refund.payee_name == "Reyes Property Management"
    assert refund.mailing_address_lines == ["450 ELM ST", "CIBOLO, TX 78108"]
    assert refund.payee_reason == "Landlord paid the bill"


def test_another_address_needs_a_reason(account, request_refund):
    with pytest.raises(RefundError, match="say why"):
        request_refund(account, mailing_address="PO BOX 12\nSCHERTZ, TX 78154")
    refund = request_refund(
        account, mailing_address="PO BOX 12\nSCHERTZ, TX 78154", payee_reason="Moved away"
    )
    assert refund.mailing_address_lines == ["PO BOX 12", "SCHERTZ, TX 78154"]


def test_the_default_payee_typed_differently_needs_no_reason(account, request_refund):
    refund = request_refund(
        account, payee_name="  ana   REYES ", mailing_address="450 Elm St\r\nCibolo, TX 78108"
    )
    assert refund.payee_reason == ""


def test_reject_needs_a_reason_and_is_audited(account, request_refund, supervisor):
    refund = request_refund(account)
    with pytest.raises(RefundError, match="Say why"):
        services.reject_refund(refund=refund, reason="  ", by=supervisor)
    refund = services.reject_refund(
        refund=refund, reason="Customer owes on another account", by=supervisor
    )
    assert refund.status == RefundStatus.REJECTED
    event = AuditEvent.objects.get(action="refund.reject", target_id=str(refund.pk))
    assert event.reason == "Customer owes on another account"
    with pytest.raises(RefundError, match="already rejected"):
        services.approve_refund(refund=refund, by=supervisor)


def test_the_requester_cancels_before_approval(account, request_refund, clerk):
    refund = request_refund(account, "100.00")
    refund = services.cancel_refund(refund=refund, reason="Asked in error", by=clerk)
    assert refund.status == RefundStatus.CANCELLED
    # The credit is free again.
    assert request_refund(account, "100.00").status == RefundStatus.REQUESTED


def test_another_clerk_cannot_cancel(account, request_refund):
    from tests.factories import make_user

    refund = request_refund(account)
    with pytest.raises(RefundError, match="Only the clerk who asked"):
        services.cancel_refund(refund=refund, reason="No", by=make_user(role="Clerk"))


def test_an_approved_refund_is_voided_not_cancelled(account, request_refund, supervisor, clerk):
    refund = services.approve_refund(refund=request_refund(account, "100.00"), by=supervisor)
    with pytest.raises(RefundError, match="Void it instead"):
        services.cancel_refund(refund=refund, reason="x", by=clerk)
    refund = services.void_refund(
        refund=refund, reason="Check returned by the post office", by=supervisor
    )
    assert refund.status == RefundStatus.VOIDED
    reversal = refund.reversal_entry
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == (
        EntryKind.REVERSAL,
        D("-100.00"),
        refund.ledger_entry_id,
    )
    assert balance_of(account.pk) == D("-100.00")
    # Voiding twice reverses once.
    services.void_refund(refund=refund, reason="again", by=supervisor)
    assert LedgerEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1


def test_a_cashed_refund_is_not_voided(account, request_refund, supervisor):
    refund = services.approve_refund(refund=request_refund(account), by=supervisor)
    services.record_check_cashed(refund=refund, cashed_on=business_day.today(), by=supervisor)
    with pytest.raises(RefundError, match="cashed"):
        services.void_refund(refund=refund, reason="x", by=supervisor)


def test_a_clerk_cannot_void(account, request_refund, supervisor, clerk):
    refund = services.approve_refund(refund=request_refund(account), by=supervisor)
    with pytest.raises(RefundError, match="supervisor"):
        services.void_refund(refund=refund, reason="x", by=clerk)


def test_the_database_refuses_a_changed_amount(account, request_refund):
    refund = request_refund(account)
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(amount=D("1.00"))


def test_the_database_refuses_a_deleted_refund(account, request_refund):
    refund = request_refund(account)
    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).delete()


def test_the_database_refuses_approval_by_the_requester(account, request_refund, clerk):
    refund = request_refund(account)
    with pytest.raises(IntegrityError), transaction.atomic():
        Refund.objects.filter(pk=refund.pk).update(decided_by=clerk)


def test_an_approval_note_goes_into_the_trail(account, request_refund, supervisor):
    refund = services.approve_refund(
        refund=request_refund(account), by=supervisor, note="Checked the bank deposit"
    )
    assert refund.decision_note == "Checked the bank deposit"
    event = AuditEvent.objects.get(action="refund.approve", target_id=str(refund.pk))
    assert event.reason == "Checked the bank deposit"
