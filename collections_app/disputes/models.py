"""Dispute cases (a bill, a charge, an amount, a read, or a service problem), their documents,
the field work they wait on, appeals, and referrals to the departments and agencies of an
Admin-kept directory."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, AdjustmentRequest, Bill, Contact, LedgerEntry
from utilityclerk.fields import money_field as money
from workorders.models import WorkOrder


class CaseKind(models.TextChoices):
    BILL = "bill", "A bill"
    CHARGE = "charge", "A charge"
    AMOUNT = "amount", "An amount"
    READ = "read", "A meter read"
    PRESSURE = "pressure", "Water pressure"
    QUALITY = "quality", "Water quality"
    MISSED_PICKUP = "missed_pickup", "Missed pickup"
    PROPERTY_DAMAGE = "property_damage", "Property damage claim"
    METER_ACCESS = "meter_access", "Meter access"
    CLERK_CONDUCT = "clerk_conduct", "Clerk conduct"


# Kinds about money: they name an amount, which is held out of collection while open.
MONEY_KINDS = [CaseKind.BILL, CaseKind.CHARGE, CaseKind.AMOUNT, CaseKind.READ]
# Kinds about one bill (a read is disputed through the bill it was billed on).
BILL_KINDS = [CaseKind.BILL, CaseKind.READ]


class ReceivedVia(models.TextChoices):
    COUNTER = "counter", "At the counter"
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    EMAIL = "email", "E-mail"


class PartyType(models.TextChoices):
    CITIZEN = "citizen", "The customer (citizen)"
    OFFICIAL = "official", "An elected official on their behalf"
    AGENCY = "agency", "An agency on their behalf"


class CaseStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    WAITING = "waiting", "Waiting on field work"
    AWAITING_APPROVAL = "awaiting_approval", "Adjustment waiting for a supervisor"
    RESOLVED = "resolved", "Resolved"
    APPEALED = "appealed", "Appealed"
    CLOSED = "closed", "Closed after appeal"
    WITHDRAWN = "withdrawn", "Withdrawn"


C = CaseStatus
# The one transitions table; services.move_case is the one function that applies it.
TRANSITIONS: dict[str, frozenset[str]] = {
    C.RECEIVED: frozenset(
        {C.ACKNOWLEDGED, C.INVESTIGATING, C.WAITING, C.AWAITING_APPROVAL, C.RESOLVED, C.WITHDRAWN}
    ),
    C.ACKNOWLEDGED: frozenset(
        {C.INVESTIGATING, C.WAITING, C.AWAITING_APPROVAL, C.RESOLVED, C.WITHDRAWN}
    ),
    C.INVESTIGATING: frozenset({C.WAITING, C.AWAITING_APPROVAL, C.RESOLVED, C.WITHDRAWN}),
    # Field work still out: the case waits for it (or the customer withdraws).
    C.WAITING: frozenset({C.INVESTIGATING, C.WAITING, C.WITHDRAWN}),
    C.AWAITING_APPROVAL: frozenset({C.RESOLVED, C.INVESTIGATING}),
    C.RESOLVED: frozenset({C.APPEALED}),
    C.APPEALED: frozenset({C.CLOSED}),
    C.CLOSED: frozenset(),
    C.WITHDRAWN: frozenset(),
}
# While a case is in one of these, its amount is not collectible (queries.held_amounts).
HOLDING = [
    C.RECEIVED,
    C.ACKNOWLEDGED,
    C.INVESTIGATING,
    C.WAITING,
    C.AWAITING_APPROVAL,
    C.APPEALED,
]
UNRESOLVED = [C.RECEIVED, C.ACKNOWLEDGED, C.INVESTIGATING, C.WAITING, C.AWAITING_APPROVAL]


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


class Outcome(models.TextChoices):
    UPHELD = "upheld", "Upheld: the charge stands as billed"
    ADJUSTED = "adjusted", "Adjusted in the customer's favour"
    WITHDRAWN = "withdrawn", "Withdrawn by the customer"


class Case(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="dispute_cases")
    kind = models.CharField(max_length=16, choices=CaseKind)
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute_cases"
    )
    charge = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = money(verbose_name="amount disputed", default=0)
    words = models.TextField("the customer's own words", max_length=4000)
    received_via = models.CharField("came in by", max_length=8, choices=ReceivedVia)
    party_type = models.CharField("raised by", max_length=8, choices=PartyType)
    party_name = models.CharField(
        "official or agency", max_length=120, blank=True, help_text="Who raised it on their behalf."
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="dispute_cases"
    )
    status = models.CharField(max_length=20, choices=CaseStatus, default=CaseStatus.RECEIVED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    opened_on = models.DateField()
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledge_by = models.DateField()
    resolve_by = models.DateField()
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_how = models.CharField(max_length=120, blank=True)

    outcome = models.CharField(max_length=10, choices=Outcome, blank=True)
    outcome_reason = models.TextField(max_length=2000, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the customer has been credited on this case, in all (resolution and appeal).
    amount_adjusted = money(default=0)
    adjustment_reason = models.CharField(max_length=24, blank=True)
    adjustment_request = models.ForeignKey(
        AdjustmentRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    adjustment_entry = models.ForeignKey(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            # held_amounts: what is open on each account, from a small partial index.
            models.Index(
                fields=["account"],
                include=["amount", "amount_adjusted"],
                name="dispute_holding_idx",
                condition=Q(status__in=HOLDING),
            ),
            models.Index(fields=["account", "-opened_at"], name="dispute_account_idx"),
            models.Index(
                fields=["resolve_by", "id"],
                name="dispute_open_idx",
                condition=~Q(status__in=[C.CLOSED, C.WITHDRAWN, C.RESOLVED]),
            ),
            models.Index(fields=["opened_on"], name="dispute_opened_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CaseStatus.values), name="dispute_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CaseKind.values), name="dispute_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(received_via__in=ReceivedVia.values), name="dispute_via_valid"
            ),
            models.CheckConstraint(
                condition=Q(party_type__in=PartyType.values), name="dispute_party_valid"
            ),
            # A money case names an amount; a service problem names none.
            models.CheckConstraint(
                condition=(Q(kind__in=MONEY_KINDS) & Q(amount__gt=0))
                | (~Q(kind__in=MONEY_KINDS) & Q(amount=0)),
                name="dispute_amount_matches_kind",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=BILL_KINDS) | Q(bill__isnull=False),
                name="dispute_bill_kind_has_bill",
            ),
            models.CheckConstraint(
                condition=~Q(kind=CaseKind.CHARGE) | Q(charge__isnull=False),
                name="dispute_charge_kind_has_charge",
            ),
            models.CheckConstraint(
                condition=Q(amount_adjusted__gte=0) & Q(amount_adjusted__lte=models.F("amount")),
                name="dispute_adjusted_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="dispute_outcome_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[C.RESOLVED, C.APPEALED, C.CLOSED, C.WITHDRAWN])
                | (~Q(outcome="") & Q(resolved_on__isnull=False)),
                name="dispute_resolution_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(party_type__in=[PartyType.OFFICIAL, PartyType.AGENCY])
                | ~Q(party_name=""),
                name="dispute_on_behalf_names_who",
            ),
        ]
        permissions = [
            ("resolve_case", "Can resolve a dispute case"),
            ("decide_appeal", "Can record an appeal's hearing and decision"),
            ("view_dispute_board", "Can see the disputes board"),
            ("view_dispute_report", "Can run the disputes report"),
        ]

    # Not worth a line in the history.
    AUDIT_DERIVED_FIELDS = ("idempotency_key",)

    def __str__(self):
        return f"Dispute {self.number}"

    @property
    def number(self) -> str:
        return f"D-{self.pk:05d}" if self.pk else "D-new"

    @property
    def is_money(self) -> bool:
        return self.kind in MONEY_KINDS

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING

    @property
    def held(self):
        return self.amount - self.amount_adjusted if self.is_holding else 0

    @property
    def is_open(self) -> bool:
        return self.status in UNRESOLVED


class CaseStatusChange(models.Model):
    """One row per status change. The business date lets held_amounts say what was held on
    any past day."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    on = models.DateField()
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "on", "id"], name="dispute_change_idx")]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=2000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"Note on {self.case}"


class DocumentKind(models.TextChoices):
    LETTER = "letter", "Letter from the customer"
    PHOTO = "photo", "Photo"
    FORM = "form", "Form"
    PROOF_OF_REPAIR = "proof_of_repair", "Proof of repair (plumber's invoice, receipt)"
    OUTCOME_LETTER = "outcome_letter", "Outcome letter"
    OTHER = "other", "Other"


DOCUMENT_TYPES = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
}
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024


class CaseDocument(models.Model):
    """A scan, photo or form, kept in PostgreSQL (bytea) beside the case: one backup, one
    permission check, no second store to keep in step."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    note = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="dispute_doc_case_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=list(DOCUMENT_TYPES)), name="dispute_doc_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=DOCUMENT_MAX_BYTES),
                name="dispute_doc_size_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=DocumentKind.values), name="dispute_doc_kind_valid"
            ),
        ]

    def __str__(self):
        return self.filename

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class InvestigationStep(models.TextChoices):
    RE_READ = "re_read", "Re-read the meter"
    METER_TEST = "meter_test", "Test the meter"
    LEAK_CHECK = "leak_check", "Check for a leak"
    FIELD_VISIT = "other", "Field visit"


class CaseWorkOrder(models.Model):
    """A work order raised for a case, and what came back from it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="work_order_links")
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="dispute_link"
    )
    step = models.CharField(max_length=12, choices=InvestigationStep)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    finished = models.CharField(max_length=10, blank=True)  # completed / cancelled
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]

    def __str__(self):
        return f"{self.work_order.number} for {self.case}"


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", "Upheld: the resolution stands"
    ADJUSTED = "adjusted", "Adjusted in the customer's favour"


class Appeal(models.Model):
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="appeal")
    filed_on = models.DateField()
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    grounds = models.TextField(max_length=2000)
    hearing_on = models.DateField("hearing date")
    officer = models.CharField("hearing officer", max_length=120)
    decision = models.CharField(max_length=10, choices=AppealDecision, blank=True)
    decision_note = models.TextField(max_length=2000, blank=True)
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount_adjusted = money(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_on__isnull=False),
                name="appeal_decision_dated",
            ),
        ]

    def __str__(self):
        return f"Appeal of {self.case}"


class AgencyKind(models.TextChoices):
    DEPARTMENT = "department", "City department"
    ASSISTANCE = "assistance", "Bill-assistance agency"
    REGULATOR = "regulator", "State regulator"
    ELECTED = "elected", "Elected officials' office"
    OTHER = "other", "Other agency"


class Agency(models.Model):
    """A department or agency a clerk refers people to; the directory is kept by an Admin."""

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=12, choices=AgencyKind)
    handles = models.CharField(max_length=200, help_text="What they deal with, in a line.")
    contact_name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    hours = models.CharField(max_length=120, blank=True)
    website = models.URLField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Waiting for an answer"
    ANSWERED = "answered", "Answered"


class Referral(models.Model):
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="agency_referrals"
    )
    reason = models.TextField(max_length=1000)
    follow_up_on = models.DateField("follow up on")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ReferralStatus, default=ReferralStatus.SENT)
    answer = models.TextField(max_length=2000, blank=True)
    answered_on = models.DateField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-referred_at", "-id"]
        indexes = [
            models.Index(
                fields=["follow_up_on"], name="referral_waiting_idx", condition=Q(status="sent")
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(contact__isnull=False),
                name="referral_names_case_or_contact",
            ),
            models.CheckConstraint(
                condition=Q(status="sent", answered_on__isnull=True)
                | Q(status="answered", answered_on__isnull=False) & ~Q(answer=""),
                name="referral_answer_recorded",
            ),
        ]

    def __str__(self):
        return f"Referral to {self.agency}"
