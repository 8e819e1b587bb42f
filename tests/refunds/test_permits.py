"""A permit's refunds due paid through refunds: requested from the permit, approved by a
supervisor, on the register, and marked paid on the permit; never more than the permit paid."""

from decimal import Decimal

import pytest
from django.urls import reverse

from payments.refunds import services as refunds
from payments.refunds.models import Refund, RefundSource, RefundStatus
from permits import services as permits
from permits.models import RefundDue
from permits.services import PermitError
from tests.permits.conftest import (  # noqa: F401 - fixtures
    contractor,
    drawer_session,
    pay_all,
    site,
    submit,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def withdrawn(submit, clerk):  # noqa: F811
    """A hydrant-meter permit paid in full and withdrawn before review: $50 fee and $1,500
    deposit due back."""
    permit = submit("hydrant_meter", days=5)
    payment = pay_all(permit, clerk)
    permits.withdraw_permit(permit=permit, reason="Job lost", by=clerk)
    return permit, payment


def _due(permit, kind):
    return RefundDue.objects.get(permit=permit, kind=kind)


def test_a_refund_due_becomes_a_refund_against_the_permits_payment(withdrawn, clerk):
    permit, payment = withdrawn
    refund = permits.request_refund_check(
        due=_due(permit, "deposit"),
        payee_name="Bexar Underground Utilities LLC",
        mailing_address="PO Box 7\nSan Antonio, TX 78201",
        by=clerk,
    )
    assert (refund.source, refund.reference, refund.payment_id, refund.account_id) == (
        RefundSource.PERMIT,
        permit.number,
        payment.pk,
        None,
    )
    assert refund.amount == D("1500.00")
    assert refund.status == RefundStatus.REQUESTED
    assert _due(permit, "deposit").refund_id == refund.pk
    # Asked again while it waits: the same refund.
    again = permits.request_refund_check(
        due=_due(permit, "deposit"), payee_name="X", mailing_address="Y", by=clerk
    )
    assert again.pk == refund.pk and Refund.objects.count() == 1


def test_approval_marks_the_refund_due_paid_and_a_void_makes_it_due_again(
    withdrawn, clerk, supervisor
):
    permit, _ = withdrawn
    refund = permits.request_refund_check(
        due=_due(permit, "fee"), payee_name="Bexar", mailing_address="PO Box 7", by=clerk
    )
    refund = refunds.approve_refund(refund=refund, by=supervisor)
    assert refund.check_request_number and refund.ledger_entry is None
    assert _due(permit, "fee").paid_at is not None
    refunds.void_refund(refund=refund, reason="Check lost", by=supervisor)
    assert _due(permit, "fee").paid_at is None


def test_a_permit_refund_is_never_more_than_the_permit_paid(withdrawn, clerk):
    permit, _ = withdrawn
    refunds.request_permit_refund(
        reference=permit.number,
        amount=D("1500.00"),
        reason="Deposit",
        requested_by=clerk,
        payee_name="Bexar",
        mailing_address="PO Box 7",
    )
    with pytest.raises(refunds.RefundError, match=r"\$1,550.00 was paid"):
        refunds.request_permit_refund(
            reference=permit.number,
            amount=D("50.01"),
            reason="Fee",
            requested_by=clerk,
            payee_name="Bexar",
            mailing_address="PO Box 7",
        )


def test_the_permit_needs_a_payee_address(withdrawn, clerk):
    permit, _ = withdrawn
    with pytest.raises(PermitError, match="address") as refused:
        permits.request_refund_check(
            due=_due(permit, "fee"), payee_name="Bexar", mailing_address="  ", by=clerk
        )
    assert refused.value.field == "mailing_address"
    assert not Refund.objects.exists()


def test_the_permit_page_requests_the_check(withdrawn, clerk_client):
    permit, _ = withdrawn
    due = _due(permit, "deposit")
    page = clerk_client.get(reverse("permits:detail", args=[permit.number])).content.decode()
    assert "Request the refund check" in page
    assert "Bexar Underground Utilities LLC" in page  # the applicant, filled in
    url = reverse("permits:request_refund_check", args=[permit.number, due.pk])
    import uuid

    refused = clerk_client.post(
        url,
        {
            f"due{due.pk}-payee_name": "Bexar Underground Utilities LLC",
            f"due{due.pk}-mailing_address": "",
            f"due{due.pk}-idempotency_key": str(uuid.uuid4()),
        },
    )
    assert refused.status_code == 400
    assert "This field is required" in refused.content.decode()
    response = clerk_client.post(
        url,
        {
            f"due{due.pk}-payee_name": "Bexar Underground Utilities LLC",
            f"due{due.pk}-mailing_address": "PO Box 7\r\nSan Antonio, TX 78201",
            f"due{due.pk}-idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert refund.mailing_address_lines == ["PO Box 7", "San Antonio, TX 78201"]
    page = clerk_client.get(reverse("permits:detail", args=[permit.number])).content.decode()
    assert "Refund check requested" in page
