"""Permits: types with their fee schedules, contractors, applications at a premise with their
review steps, status machine and history, inspections, hydrant-meter rentals, backflow devices
and their annual tests, and will-serve letters."""

import secrets
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Customer, Premise
from utilityclerk.fields import money_field as money
from workorders.models import Crew

# Types and fees ------------------------------------------------------------------------


class PermitKind(models.TextChoices):
    WATER_TAP = "water_tap", "Water tap"
    SEWER_TAP = "sewer_tap", "Sewer tap"
    METER_SET = "meter_set", "Meter set"
    STREET_CUT = "street_cut", "Street cut"
    HYDRANT_METER = "hydrant_meter", "Hydrant meter (construction water)"
    BACKFLOW_TEST = "backflow_test", "Backflow device test filing"
    IRRIGATION_METER = "irrigation_meter", "Irrigation meter"
    ROLL_OFF = "roll_off", "Roll-off container"


class FeeBasis(models.TextChoices):
    FLAT = "flat", "Flat"
    BY_SIZE = "by_size", "By size"
    PER_DAY = "per_day", "Per day"
    DEPOSIT = "deposit", "Refundable deposit"


class ReviewRole(models.TextChoices):
    CLERK = "Clerk", "Clerk"
    SUPERVISOR = "Supervisor", "Supervisor"


# Who may decide a step of each role: the permission a reviewer must hold.
REVIEW_PERMISSION = {
    ReviewRole.CLERK: "permits.review_permit",
    ReviewRole.SUPERVISOR: "permits.review_permit_as_supervisor",
}


class PermitType(models.Model):
    """A kind of permit, kept by an Admin: what it costs, what it asks, who reviews it and
    how long it is good for. The eight rows are made by migration 0002 with the fees of
    docs/policies.md; an Admin tunes them."""

    code = models.CharField(max_length=20, primary_key=True, choices=PermitKind)
    name = models.CharField(max_length=60)
    details_asked = models.JSONField(
        default=list,
        blank=True,
        help_text='Questions the intake asks, as a list: ["Parcel number", "Work description"].',
    )
    validity_days = models.PositiveSmallIntegerField(
        default=180, help_text="Days an issued permit stays valid."
    )
    per_day_settled_at_return = models.BooleanField(
        default=False,
        help_text="Per-day fees are worked out from the days actually out when the equipment "
        "comes back (hydrant meters), not paid ahead for the days asked.",
    )
    needs_inspection = models.BooleanField(
        default=False, help_text="The work is inspected before the permit is closed."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class PermitFee(models.Model):
    """One line of a type's fee schedule. By size: one line per size. Per day: the first
    day's amount and each further day's. Deposit: refundable, held until the permit ends."""

    permit_type = models.ForeignKey(PermitType, on_delete=models.CASCADE, related_name="fees")
    basis = models.CharField(max_length=10, choices=FeeBasis)
    label = models.CharField(max_length=60)
    size = models.CharField(max_length=10, blank=True, help_text='By size only: 3/4", 1", 2"…')
    amount = money(
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text="The fee; per day: each day after the first.",
    )
    first_day_amount = money(null=True, blank=True, validators=[MinValueValidator(Decimal("0.00"))])

    class Meta:
        ordering = ["permit_type", "basis", "amount", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(basis__in=FeeBasis.values), name="fee_basis_valid"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fee_not_negative"),
            models.CheckConstraint(
                condition=~Q(basis="by_size") | ~Q(size=""), name="fee_by_size_names_size"
            ),
            models.UniqueConstraint(
                fields=["permit_type", "basis", "size", "label"], name="fee_line_unique"
            ),
        ]

    def __str__(self):
        return f"{self.permit_type_id}: {self.label}"


class ReviewStep(models.Model):
    permit_type = models.ForeignKey(
        PermitType, on_delete=models.CASCADE, related_name="review_steps"
    )
    order = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=60)
    role = models.CharField(max_length=12, choices=ReviewRole, default=ReviewRole.CLERK)

    class Meta:
        ordering = ["permit_type", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["permit_type", "order"], name="review_step_order")
        ]

    def __str__(self):
        return f"{self.order}. {self.name} ({self.role})"


# Who ------------------------------------------------------------------------------------


class Contractor(models.Model):
    company = models.CharField(max_length=120)
    contact_name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    license_number = models.CharField(max_length=30, unique=True)
    license_expires = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company"]
        indexes = [
            models.Index(fields=["company"], name="contractor_company_idx"),
        ]

    def __str__(self):
        return f"{self.company} (lic. {self.license_number})"

    def license_valid_on(self, day: date) -> bool:
        return self.license_expires >= day


# Applications ----------------------------------------------------------------------------


class PermitStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    ISSUED = "issued", "Issued"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"
    CLOSED = "closed", "Closed"


P = PermitStatus
# The one transitions table. The trigger in migration 0001 holds the same pairs and
# tests/permits/test_transitions.py proves the two agree for every pair of statuses.
TRANSITIONS: dict[str, frozenset[str]] = {
    P.SUBMITTED: frozenset({P.UNDER_REVIEW, P.DENIED, P.WITHDRAWN}),
    P.UNDER_REVIEW: frozenset({P.APPROVED, P.DENIED, P.WITHDRAWN}),
    P.APPROVED: frozenset({P.ISSUED, P.WITHDRAWN, P.EXPIRED}),
    P.ISSUED: frozenset({P.CLOSED, P.EXPIRED}),
    P.DENIED: frozenset(),
    P.WITHDRAWN: frozenset(),
    P.EXPIRED: frozenset(),
    P.CLOSED: frozenset(),
}
ENDED = frozenset({P.DENIED, P.WITHDRAWN, P.EXPIRED, P.CLOSED})
OPEN_STATUSES = [P.SUBMITTED, P.UNDER_REVIEW, P.APPROVED, P.ISSUED]


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


def new_verify_token() -> str:
    # 32 url-safe characters from 24 random bytes: unguessable, and short enough for a QR code.
    return secrets.token_urlsafe(24)


class Permit(models.Model):
    number = models.CharField(max_length=12, unique=True, editable=False)
    permit_type = models.ForeignKey(PermitType, on_delete=models.PROTECT, related_name="permits")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="permits")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="permits"
    )
    contractor = models.ForeignKey(
        Contractor, null=True, blank=True, on_delete=models.PROTECT, related_name="permits"
    )
    size = models.CharField(max_length=10, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=14, choices=PermitStatus, default=PermitStatus.SUBMITTED)
    submitted_on = models.DateField()
    submitted_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    valid_until = models.DateField(null=True, blank=True)
    conditions = models.TextField(max_length=2000, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    verify_token = models.CharField(
        max_length=40, unique=True, default=new_verify_token, editable=False
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["premise", "-submitted_at"], name="permit_premise_idx"),
            models.Index(fields=["contractor", "-submitted_at"], name="permit_contractor_idx"),
            models.Index(fields=["status", "-submitted_at"], name="permit_status_idx"),
            models.Index(fields=["permit_type", "issued_on"], name="permit_type_issued_idx"),
            models.Index(fields=["-submitted_at", "-id"], name="permit_desk_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PermitStatus.values), name="permit_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(customer__isnull=True, contractor__isnull=False)
                | Q(customer__isnull=False, contractor__isnull=True),
                name="permit_one_applicant",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["issued", "closed"])
                | Q(issued_on__isnull=False, valid_until__isnull=False),
                name="permit_issued_has_dates",
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^PM-[0-9]{7,9}$"), name="permit_number_format"
            ),
        ]
        permissions = [
            ("review_permit", "Can decide a clerk's review step of a permit"),
            ("review_permit_as_supervisor", "Can decide a supervisor's review step of a permit"),
            ("issue_permit", "Can issue a permit"),
            ("inspect_permit", "Can record a permit inspection on the tablet"),
            ("view_permit_reports", "Can see permit reports"),
        ]

    def __str__(self):
        return f"{self.number} {self.permit_type_id}"

    @property
    def applicant(self):
        return self.contractor or self.customer

    @property
    def applicant_name(self) -> str:
        if self.contractor_id:
            return self.contractor.company
        return self.customer.display_name

    @property
    def details_in_order(self) -> list[tuple[str, str]]:
        """The answers in the order the type asks its questions (JSON keeps no order)."""
        asked = list(self.permit_type.details_asked)
        rest = [label for label in self.details if label not in asked]
        return [(label, self.details[label]) for label in asked + rest if label in self.details]

    @property
    def is_ended(self) -> bool:
        return self.status in ENDED


class PermitStatusChange(models.Model):
    """One row per status change: who moved the permit, from what to what. Append-only."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=14, blank=True)
    to_status = models.CharField(max_length=14)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["permit", "at"], name="permit_status_change_idx")]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class ChargeKind(models.TextChoices):
    FEE = "fee", "Fee"
    DEPOSIT = "deposit", "Deposit"


class PermitCharge(models.Model):
    """What the permit owes, worked out from the fee schedule at intake (kept as issued, so a
    later change of the schedule does not change it), and later charges (water used)."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(max_length=8, choices=ChargeKind)
    label = models.CharField(max_length=80)
    amount = money()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ChargeKind.values), name="permit_charge_kind_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="permit_charge_not_negative"),
        ]

    def __str__(self):
        return f"{self.label} {self.amount}"


class ReviewDecision(models.TextChoices):
    PENDING = "pending", "Waiting"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"


class PermitReview(models.Model):
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="reviews")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    role = models.CharField(max_length=12, choices=ReviewRole)
    decision = models.CharField(
        max_length=10, choices=ReviewDecision, default=ReviewDecision.PENDING
    )
    reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["permit", "order"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "order"], name="permit_review_order"),
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values), name="permit_review_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_at__isnull=False),
                name="permit_review_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(decision="denied") | ~Q(reason=""), name="permit_review_denial_reason"
            ),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}: {self.decision}"


class RefundDue(models.Model):
    """A fee or deposit owed back on a permit that ended, recorded as due when it ends. A
    clerk then requests its refund check (payments.refunds, approved by a supervisor like
    every refund); paid_at is when that refund was approved and its check requested."""

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="refunds_due")
    kind = models.CharField(max_length=8, choices=ChargeKind)
    amount = money()
    reason = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    # The refund that pays it: the latest request (one rejected or cancelled is followed by
    # a new request, which takes its place here).
    refund = models.ForeignKey(
        "refunds.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_due_positive"),
            # Ending a permit records its refunds once, whatever double submit or retry.
            models.UniqueConstraint(fields=["permit", "kind"], name="refund_due_once_per_kind"),
        ]

    def __str__(self):
        return f"{self.kind} refund {self.amount}"


# Inspections -----------------------------------------------------------------------------


class InspectionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Inspection(models.Model):
    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="inspections")
    scheduled_for = models.DateField()
    crew = models.ForeignKey(Crew, on_delete=models.PROTECT, related_name="permit_inspections")
    status = models.CharField(
        max_length=10, choices=InspectionStatus, default=InspectionStatus.SCHEDULED
    )
    reinspection_of = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reinspection"
    )
    notes = models.TextField(max_length=2000, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept in the database, not on a web host's disk: the web tier keeps no files.
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_type = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["scheduled_for", "id"]
        indexes = [
            models.Index(
                fields=["crew", "scheduled_for"],
                name="inspection_crew_todo_idx",
                condition=Q(status="scheduled"),
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=InspectionStatus.values), name="inspection_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"]) | Q(done_at__isnull=False),
                name="inspection_done_has_time",
            ),
        ]

    def __str__(self):
        return f"Inspection of {self.permit.number} on {self.scheduled_for}"


# Hydrant meters --------------------------------------------------------------------------


class HydrantMeter(models.Model):
    meter_number = models.CharField(max_length=30, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["meter_number"]

    def __str__(self):
        return self.meter_number


class HydrantCheckout(models.Model):
    """A hydrant meter out on a permit: its deposit, its reads out and back, and what the
    return settles (rental days, water used, the deposit back less what is owed)."""

    permit = models.OneToOneField(Permit, on_delete=models.PROTECT, related_name="checkout")
    meter = models.ForeignKey(HydrantMeter, on_delete=models.PROTECT, related_name="checkouts")
    out_on = models.DateField()
    due_back = models.DateField()
    out_read = models.DecimalField(
        max_digits=12, decimal_places=0, validators=[MinValueValidator(0)]
    )
    deposit = money()
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_on = models.DateField(null=True, blank=True)
    return_read = models.DecimalField(max_digits=12, decimal_places=0, null=True, blank=True)
    gallons = models.DecimalField(max_digits=12, decimal_places=0, null=True, blank=True)
    rental = money(null=True, blank=True)
    water = money(null=True, blank=True)
    deposit_back = money(null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["due_back", "id"]
        constraints = [
            # A meter is out on one permit at a time.
            models.UniqueConstraint(
                fields=["meter"],
                condition=Q(returned_on__isnull=True),
                name="hydrant_meter_out_once",
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(return_read__gte=models.F("out_read")),
                name="hydrant_return_read_not_below_out",
            ),
            models.CheckConstraint(
                condition=Q(due_back__gte=models.F("out_on")), name="hydrant_due_after_out"
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_back"], name="hydrant_out_idx", condition=Q(returned_on__isnull=True)
            )
        ]

    def __str__(self):
        return f"Meter {self.meter} on {self.permit.number}"


# Backflow --------------------------------------------------------------------------------


class BackflowDevice(models.Model):
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="backflow_devices")
    device_type = models.CharField(max_length=40, help_text="RPZ, double check, PVB…")
    size = models.CharField(max_length=10)
    serial = models.CharField(max_length=40)
    location = models.CharField(max_length=100, blank=True)
    next_test_due = models.DateField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["next_test_due", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["premise", "serial"], name="backflow_serial_per_premise"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_test_due"], name="backflow_due_idx", condition=Q(active=True)
            )
        ]

    def __str__(self):
        return f"{self.device_type} {self.size} #{self.serial}"


class BackflowTest(models.Model):
    device = models.ForeignKey(BackflowDevice, on_delete=models.PROTECT, related_name="tests")
    permit = models.ForeignKey(
        Permit, null=True, blank=True, on_delete=models.PROTECT, related_name="backflow_tests"
    )
    tested_on = models.DateField()
    tester_name = models.CharField(max_length=80)
    tester_certification = models.CharField(max_length=40)
    passed = models.BooleanField()
    readings = models.CharField(max_length=200, blank=True)
    filed_at = models.DateTimeField(default=timezone.now)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-tested_on", "-id"]

    def __str__(self):
        return f"Test {self.tested_on} {'pass' if self.passed else 'fail'}"


class BackflowReminder(models.Model):
    """A reminder letter sent for one due date of one device: once, whatever re-runs."""

    device = models.ForeignKey(BackflowDevice, on_delete=models.PROTECT, related_name="reminders")
    due_date = models.DateField()
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "due_date"], name="backflow_reminder_once")
        ]

    def __str__(self):
        return f"Reminder for {self.due_date}"


class BackflowNotice(models.Model):
    """The overdue notice served for one due date of one device: once, whatever reprints.
    Its date starts the count to shut-off eligibility when the policy has that on."""

    device = models.ForeignKey(BackflowDevice, on_delete=models.PROTECT, related_name="notices")
    due_date = models.DateField()
    noticed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "due_date"], name="backflow_notice_once"),
            models.CheckConstraint(
                condition=Q(noticed_on__gt=F("due_date")), name="backflow_notice_after_due"
            ),
        ]

    def __str__(self):
        return f"Overdue notice {self.noticed_on} for {self.due_date}"


# Will-serve letters ----------------------------------------------------------------------


class LetterStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ISSUED = "issued", "Issued"
    DENIED = "denied", "Denied"


class WillServeLetter(models.Model):
    number = models.CharField(max_length=12, unique=True, editable=False)
    premise = models.ForeignKey(
        Premise, null=True, blank=True, on_delete=models.PROTECT, related_name="will_serve_letters"
    )
    parcel = models.CharField(max_length=40, blank=True, help_text="Parcel number when no premise.")
    requested_by = models.CharField(max_length=120)
    utilities = models.CharField(max_length=100, help_text="Water, sewer…")
    project = models.CharField(max_length=200, help_text="What is planned: units, use, demand.")
    status = models.CharField(max_length=10, choices=LetterStatus, default=LetterStatus.REQUESTED)
    review_note = models.CharField(max_length=300, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(premise__isnull=False) | ~Q(parcel=""), name="letter_names_a_site"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LetterStatus.values), name="letter_status_valid"
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def site(self) -> str:
        return self.premise.full_address if self.premise_id else f"Parcel {self.parcel}"
