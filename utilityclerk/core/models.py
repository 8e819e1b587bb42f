import re
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst

from utilityclerk.fields import money_field


class AuditEvent(models.Model):
    """One row per change of money, status or customer data.

    Written by services in the same transaction as the change. Rows are never edited: the
    model refuses save-after-create and delete, and a database trigger refuses UPDATE and
    DELETE from anything else (see migration 0002).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(blank=True)
    request_id = models.CharField(max_length=36, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "-at"], name="audit_target_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_idx"),
        ]
        permissions = [("view_audit_trail", "Can view the audit trail of any record")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name or 'system'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted.")

    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for each field that differs, for display."""
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

    @property
    def action_label(self) -> str:
        """The action in words: "service.stop_requested" reads "Service: stop requested"."""
        subject, _, verb = self.action.partition(".")
        subject = subject.replace("_", " ").capitalize()
        return f"{subject}: {verb.replace('_', ' ')}" if verb else subject

    @property
    def target_model(self):
        # get_for_id is served from ContentType's cache: no query per event.
        return ContentType.objects.get_for_id(self.target_type_id).model_class()

    def described_changes(self) -> list[tuple[str, str, str]]:
        """(label, before, after) as a clerk reads them: the field's own label where the key
        is a field of the record, Yes/No for flags, a dash for nothing, and the name of a
        related record (a customer, a user) where audit.history_for looked them up."""
        model = self.target_model
        names = getattr(self, "related_names", {})
        # A model may keep fields derived from others (search keys), not worth a line, and
        # may say how a value reads (a phone as (210) 555-0100, not 2105550100).
        derived = getattr(model, "AUDIT_DERIVED_FIELDS", ())
        reads = getattr(model, "audit_reads", None)

        def shown(key, value):
            related = related_model(model, key)
            if related is not None and (related, value) in names:
                return names[(related, value)]
            if reads is not None and value not in (None, "") and (text := reads(key, value)):
                return text
            return _shown(value)

        return [
            (_field_label(model, key), shown(key, before), shown(key, after))
            for key, before, after in self.changes()
            if key not in derived
        ]


def related_model(model, key: str):
    """The model a foreign key field of `model` points to, or None."""
    try:
        field = model._meta.get_field(key)
    except (AttributeError, FieldDoesNotExist):
        return None
    return field.related_model if field.many_to_one else None


def _field_label(model, key: str) -> str:
    try:
        return capfirst(model._meta.get_field(key).verbose_name)
    except (AttributeError, FieldDoesNotExist):
        return capfirst(key.replace("_", " "))


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, str) and _ISO_DATE.match(value):
        # Dates and times are kept as ISO text in the trail; show them as the screens do.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        value = parsed.date() if len(value) == 10 else parsed
    if isinstance(value, datetime):
        # As the screens show times ({{ at|date:"m/d/Y g:i A" }}): 3:05 PM, not 03:05 PM.
        return date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "m/d/Y g:i A"
        )
    if isinstance(value, date):
        return f"{value:%m/%d/%Y}"
    return str(value)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}($|T)")


def policy_amount(default: str, help_text: str):
    return money_field(
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=help_text,
    )


def policy_percent(default: str, help_text: str):
    """A percentage policy value (10.00 is 10 %), exact like money, never negative."""
    return models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=help_text,
    )


class Holiday(models.Model):
    """A city holiday: no business day, no shut-off, skipped by work-order due dates."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.name} ({self.date:%b %d, %Y})"


class BusinessDayStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class BusinessDay(models.Model):
    """A business date's state. A closed day takes no posting dated to it: postings after
    the close go to the next business day (utilityclerk.business_day.posting_date)."""

    date = models.DateField(unique=True)
    status = models.CharField(
        max_length=8, choices=BusinessDayStatus, default=BusinessDayStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=BusinessDayStatus.values),
                name="business_day_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(closed_by__isnull=False),
                name="closed_day_has_closer",
            ),
        ]
        permissions = [("reopen_business_day", "Can reopen a closed business day")]

    def __str__(self):
        return f"{self.date:%m/%d/%Y} ({self.get_status_display()})"

    @property
    def is_closed(self) -> bool:
        return self.status == BusinessDayStatus.CLOSED


class Policy(models.Model):
    """The utility's policy values: one row, edited by an Admin, audited when changed.

    Read them through `Policy.current()` so every rule reads one place.
    Defaults and their public sources are in docs/policies.md.
    """

    SINGLETON_ID = 1

    max_payment_amount = policy_amount(
        "100000.00", "Largest single payment accepted at the counter."
    )
    clerk_adjustment_limit = policy_amount(
        "50.00", "Largest adjustment a clerk may post; above it a supervisor posts or approves."
    )
    bill_due_days = models.PositiveSmallIntegerField(
        default=20, help_text="Days from the bill date to the due date."
    )
    # Counter and cash
    over_short_reason_threshold = policy_amount(
        "0.00", "A drawer over or short by more than this needs a reason."
    )
    over_short_supervisor_note_threshold = policy_amount(
        "20.00", "A drawer over or short by more than this needs a supervisor's note."
    )
    cash_drop_limit = policy_amount(
        "1000.00", "Cash in a drawer above which a drop to the safe is due."
    )
    large_change_confirm_above = policy_amount(
        "100.00", "Change due above this asks the clerk to confirm (one key) before posting."
    )
    returned_payment_fee = policy_amount("30.00", "Fee for a returned (NSF) payment or chargeback.")
    returns_for_cash_only = models.PositiveSmallIntegerField(
        default=2, help_text="Returned payments within the window that make an account cash only."
    )
    returns_window_months = models.PositiveSmallIntegerField(default=12)
    cash_only_months = models.PositiveSmallIntegerField(
        default=12, help_text="How long an account stays cash only."
    )
    medical_certificate_days = models.PositiveSmallIntegerField(
        default=30, help_text="How long a medical certificate holds shut-off."
    )
    medical_certificate_renewals = models.PositiveSmallIntegerField(
        default=1, help_text="How many times a medical certificate may be renewed."
    )
    # Service and deposits
    service_start_backdate_days = models.PositiveSmallIntegerField(
        default=3, help_text="How many days in the past a service start date may be."
    )
    deposit_residential_owner = policy_amount("0.00", "Deposit for a residential owner with proof.")
    deposit_residential_renter_minimum = policy_amount(
        "100.00", "Least deposit for a residential renter."
    )
    deposit_commercial_minimum = policy_amount("150.00", "Least deposit for a commercial customer.")
    deposit_average_bill_multiple = models.PositiveSmallIntegerField(
        default=2, help_text="Deposit as this many average monthly bills at the premise."
    )
    deposit_instalments_max = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="A deposit may be billed in up to this many monthly instalments.",
    )
    deposit_interest_percent = policy_percent(
        "0.00", "Yearly interest paid on a deposit held (simple, on the days held)."
    )
    deposit_review_months = models.PositiveSmallIntegerField(
        default=12,
        validators=[MinValueValidator(1)],
        help_text="The deposit review returns a deposit held this many months with good history.",
    )
    deposit_review_late_payments_max = models.PositiveSmallIntegerField(
        default=1,
        help_text="Good history: at most this many late payments (late fees) in those months.",
    )
    deposit_review_action = models.CharField(
        max_length=8,
        choices=[
            ("credit", "Credit it to the account"),
            ("refund", "Refund it (what it leaves as a credit is refunded by check)"),
        ],
        default="credit",
        help_text="What the deposit review does with a deposit it returns.",
    )
    deposit_security_reminder_days = models.PositiveSmallIntegerField(
        default=30,
        help_text="Days before a letter of credit or surety bond expires that it lists for renewal.",
    )
    # Meter reads (billing): a read whose use is above high% or below low% of what the
    # service's own 12-month average daily use predicts waits in the exceptions queue.
    read_high_percent = models.PositiveSmallIntegerField(
        default=200, help_text="A read using more than this % of the expected use is high."
    )
    read_low_percent = models.PositiveSmallIntegerField(
        default=25, help_text="A read using less than this % of the expected use is low."
    )
    reconnect_fee = policy_amount("50.00", "Reconnect fee in business hours.")
    reconnect_fee_after_hours = policy_amount("100.00", "Reconnect fee after hours.")
    # Permits (the fee schedules themselves are on each permit type, kept by an Admin)
    hydrant_water_rate_per_1000_gallons = policy_amount(
        "5.95", "Construction water through a hydrant meter, per 1,000 gallons."
    )
    backflow_reminder_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days before a backflow test is due that the reminder letter goes."
    )
    # Off by default: a utility switches it on under its own cross-connection rules.
    backflow_shutoff = models.BooleanField(
        default=False,
        help_text="An overdue backflow test puts the premise's account on the shut-off list, "
        "the days below after its overdue notice.",
    )
    backflow_shutoff_after_days = models.PositiveSmallIntegerField(
        default=10,
        help_text="Days from a backflow overdue notice until service may be shut off for it.",
    )
    permit_expiry_reminder_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days before an issued permit expires that it shows as expiring."
    )
    # Collections (collections_app): late fees, notices, shut-off, arrangements, write-off.
    late_fee_percent = policy_percent(
        "10.00", "Late fee as a percentage of the collectible past due."
    )
    late_fee_grace_days = models.PositiveSmallIntegerField(
        default=1, help_text="Days after a bill's due date that its late fee is charged."
    )
    late_fee_on_fees = models.BooleanField(
        default=False,
        help_text="Charge the late fee on unpaid fees too (off: only on bills and other charges).",
    )
    notice_after_fee_business_days = models.PositiveSmallIntegerField(
        default=1, help_text="Business days after the late fee that the past-due notice goes."
    )
    disconnect_after_notice_days = models.PositiveSmallIntegerField(
        default=10, help_text="Days from the past-due notice to the disconnect date."
    )
    door_hanger_hours = models.PositiveSmallIntegerField(
        default=48, help_text="Hours before the disconnect date that the door hanger is left."
    )
    door_hanger_fee = policy_amount("30.00", "Fee charged when a door hanger is delivered.")
    shutoff_minimum = policy_amount(
        "50.00", "Least collectible past due for which service is shut off."
    )
    shutoff_weekdays = models.CharField(
        max_length=13,
        default="0,1,2,3",
        help_text="Days of the week shut-off is allowed: 0 Monday … 6 Sunday, comma-separated.",
    )
    shutoff_not_before_holiday = models.BooleanField(
        default=True, help_text="No shut-off on the day before a holiday."
    )
    shutoff_latest_time = models.TimeField(
        default=time(12, 0), help_text="No shut-off work starts at or after this time of day."
    )
    weather_hold_cold_f = models.SmallIntegerField(
        default=32, help_text="Forecast at or below which a supervisor holds shut-off for the day."
    )
    weather_hold_hot_f = models.SmallIntegerField(
        default=95, help_text="Forecast at or above which a supervisor holds shut-off for the day."
    )
    arrangement_down_payment_percent = policy_percent(
        "25.00", "Down payment of a payment arrangement, as a percentage of the past due."
    )
    arrangement_max_months = models.PositiveSmallIntegerField(
        default=4, help_text="Longest payment arrangement, in monthly instalments."
    )
    arrangement_once_per_months = models.PositiveSmallIntegerField(
        default=12, help_text="One arrangement per this many months unless a supervisor allows."
    )
    arrangement_grace_days = models.PositiveSmallIntegerField(
        default=3, help_text="Days past an instalment's due date before the arrangement breaks."
    )
    promise_max_days = models.PositiveSmallIntegerField(
        default=10, help_text="Longest a promise to pay holds the account off the shut-off list."
    )
    business_hours_start = models.TimeField(
        default=time(8, 0), help_text="Start of business hours (reconnect fee in hours)."
    )
    business_hours_end = models.TimeField(
        default=time(17, 0), help_text="End of business hours (after it: the after-hours fee)."
    )
    write_off_after_days = models.PositiveSmallIntegerField(
        default=90,
        help_text="Days after a final bill's due date before an unpaid one is written off.",
    )
    agency_commission_percent = policy_percent(
        "25.00", "Collection agency's commission on what it recovers."
    )
    # Disputes (issue #16); sources in docs/policies.md
    dispute_acknowledge_days = models.PositiveSmallIntegerField(
        default=2, help_text="Business days to acknowledge a dispute after it is opened."
    )
    dispute_resolve_days = models.PositiveSmallIntegerField(
        default=30, help_text="Business days to resolve a dispute after it is opened."
    )
    leak_credit_percent = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Leak adjustment: the share (%) of the charge above the customer's average "
        "that is credited.",
    )
    leak_credit_max_bills = models.PositiveSmallIntegerField(
        default=2, help_text="Leak adjustment: at most this many bills are adjusted for one leak."
    )
    leak_average_bills = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Leak adjustment: the customer's average is taken over this many bills "
        "before the leak.",
    )
    leak_credit_months_between = models.PositiveSmallIntegerField(
        default=12, help_text="Leak adjustment: at most one per account in this many months."
    )
    # Refunds (payments.refunds); source in docs/policies.md
    refund_unclaimed_days = models.PositiveSmallIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="A refund check not cashed this many days after it was approved lists for "
        "the state's unclaimed-property report.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "policy values"
        verbose_name_plural = "policy values"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="policy_single_row"),
        ]

    def __str__(self):
        return "Policy values"

    @classmethod
    def current(cls) -> "Policy":
        policy, _ = cls.objects.get_or_create(id=cls.SINGLETON_ID)
        return policy
