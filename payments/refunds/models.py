"""A refund: money the utility owes back and pays by check through the city's accounts
payable. It starts as a clerk's request, is approved by a supervisor who did not request it,
and on approval is posted (a REFUND entry on the account's ledger; a permit's money has no
ledger) with a check-request number from a database sequence. Its amount, account and source
never change after the request: the database refuses it (migration refunds.0001)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, LedgerEntry
from payments.models import Payment
from utilityclerk.fields import money_field as money


class RefundSource(models.TextChoices):
    CREDIT_BALANCE = "credit_balance", "Credit balance"
    DEPOSIT = "deposit", "Deposit"
    PERMIT = "permit", "Permit fee or deposit"


class RefundStatus(models.TextChoices):
    REQUESTED = "requested", "Waiting for approval"
    APPROVED = "approved", "Approved: check requested"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"
    VOIDED = "voided", "Voided"


# Statuses whose amount is spoken for: a new request cannot take the same credit again.
OPEN_STATUSES = [RefundStatus.REQUESTED, RefundStatus.APPROVED]


class Refund(models.Model):
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    source = models.CharField(max_length=16, choices=RefundSource)
    # A permit's refund: the permit's number (what its payment lines name) and the payment
    # the money came in on.
    reference = models.CharField(max_length=30, blank=True)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount = money()
    reason = models.CharField(max_length=200)
    payee_name = models.CharField(max_length=120)
    mailing_address = models.CharField(max_length=300)
    # Why the check goes to someone other than the customer, or to another address.
    payee_reason = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=RefundStatus, default=RefundStatus.REQUESTED)
    # None when a nightly job requested it (a permit that expired).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    # Set on approval.
    approved_on = models.DateField(null=True, blank=True, help_text="Business date posted.")
    check_request_number = models.CharField(max_length=12, null=True, blank=True, unique=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="refund"
    )
    # The check: cashed on a date the bank reports, recorded by a supervisor.
    cashed_on = models.DateField(null=True, blank=True)
    cashed_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Voided after approval: the check was never sent or was stopped; the reversal puts the
    # credit back on the account.
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    reversal_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        permissions = [
            ("approve_refund", "Can approve, reject, void and mark refunds cashed"),
        ]
        indexes = [
            models.Index(fields=["status", "requested_at"], name="refund_status_idx"),
            models.Index(
                fields=["approved_on"],
                name="refund_approved_idx",
                condition=Q(approved_on__isnull=False),
            ),
            # The unclaimed-property list: approved checks never cashed, oldest first.
            models.Index(
                fields=["approved_on"],
                name="refund_uncashed_idx",
                condition=Q(status="approved", cashed_on__isnull=True),
            ),
            models.Index(
                fields=["reference"], name="refund_reference_idx", condition=~Q(reference="")
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(source__in=RefundSource.values), name="refund_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="refund_status_valid"
            ),
            # An account's refund pays back its credit; a permit's has no account.
            models.CheckConstraint(
                condition=(Q(source="permit") & Q(account__isnull=True) & ~Q(reference=""))
                | (~Q(source="permit") & Q(account__isnull=False)),
                name="refund_account_or_permit",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "rejected", "cancelled"])
                | (Q(check_request_number__isnull=False) & Q(approved_on__isnull=False)),
                name="refund_approved_has_check_request",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "rejected", "cancelled"])
                | Q(source="permit")
                | Q(ledger_entry__isnull=False),
                name="refund_approved_is_posted",
            ),
            models.CheckConstraint(
                condition=~Q(status="voided") | ~Q(void_reason=""), name="refund_void_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_note=""),
                name="refund_rejection_has_reason",
            ),
            # Never approved by the person who asked for it (the services refuse it first).
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True)
                | Q(requested_by__isnull=True)
                | ~Q(decided_by=models.F("requested_by"))
                | Q(status="cancelled"),
                name="refund_not_decided_by_requester",
            ),
        ]

    def __str__(self):
        label = self.check_request_number or f"request {self.pk}"
        return f"Refund {label} of {self.amount}"

    @property
    def is_pending(self) -> bool:
        return self.status == RefundStatus.REQUESTED

    @property
    def is_posted(self) -> bool:
        return self.status == RefundStatus.APPROVED

    @property
    def badge(self) -> str:
        """The status badge's class on screens (the app's existing colours)."""
        if self.status == RefundStatus.APPROVED and self.cashed_on:
            return "badge-active"
        return {
            RefundStatus.REQUESTED: "badge-pending",
            RefundStatus.APPROVED: "badge-wo-dispatched",
            RefundStatus.VOIDED: "badge-alert",
        }.get(self.status, "badge-closed")

    @property
    def status_label(self) -> str:
        if self.status == RefundStatus.APPROVED and self.cashed_on:
            return f"Check cashed {self.cashed_on:%m/%d/%Y}"
        return self.get_status_display()

    @property
    def mailing_address_lines(self) -> list[str]:
        return [line for line in self.mailing_address.splitlines() if line.strip()]
