"""Saved and scheduled reports, their e-mail deliveries, and the general-ledger chart the
daily journal is summarised to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SavedReport(models.Model):
    """A report with its filters under a name, rerun with one click."""

    name = models.CharField(max_length=120)
    report_code = models.CharField(max_length=60)
    # The filters as the report's form reads them (the query string's fields).
    params = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_report_name_per_owner")
        ]
        permissions = [
            ("run_cash_reports", "Can run the cash and payment reports"),
            ("run_account_reports", "Can run the account, aging and customer reports"),
            ("run_workorder_reports", "Can run the work-order reports"),
            ("run_audit_reports", "Can run the audit-trail report"),
            ("export_ledger", "Can export ledger entries and the GL journal"),
            ("save_reports", "Can save and schedule reports"),
            ("view_dashboard", "Can see the supervisor dashboard"),
        ]

    def __str__(self):
        return self.name


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class ReportSchedule(models.Model):
    """Sends a saved report's PDF or CSV to a list of addresses every day, week or month."""

    saved_report = models.ForeignKey(
        SavedReport, on_delete=models.PROTECT, related_name="schedules"
    )
    frequency = models.CharField(max_length=8, choices=Frequency)
    format = models.CharField(max_length=3, choices=[("pdf", "PDF"), ("csv", "CSV")])
    recipients = models.JSONField(default=list)
    next_run_on = models.DateField()
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_run_on", "id"]
        indexes = [
            models.Index(fields=["next_run_on"], name="schedule_due_idx", condition=Q(active=True))
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="schedule_frequency_valid"
            ),
            models.CheckConstraint(condition=Q(format__in=["pdf", "csv"]), name="schedule_format"),
        ]

    def __str__(self):
        return f"{self.saved_report} ({self.get_frequency_display().lower()})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class ReportDelivery(models.Model):
    """One scheduled send: one per schedule and due date (the database holds it to one, so a
    sweep that runs twice sends once). A failure keeps its error and is tried again."""

    schedule = models.ForeignKey(
        ReportSchedule, on_delete=models.PROTECT, related_name="deliveries"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=8, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_on"], name="one_delivery_per_due_day"),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="delivery_open_idx", condition=~Q(status="sent"))
        ]

    def __str__(self):
        return f"{self.schedule} for {self.due_on}"


class GLAccountKind(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


class GLAccount(models.Model):
    """An account of the city's chart of accounts, as the finance system numbers it."""

    number = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=GLAccountKind)

    class Meta:
        ordering = ["number"]
        verbose_name = "GL account"

    def __str__(self):
        return f"{self.number} {self.name}"


class GLSource(models.TextChoices):
    RECEIVABLE = "receivable", "Customer receivables (every ledger entry's other side)"
    BILL = "bill", "Billed service (by utility)"
    LATE_FEE = "late_fee", "Late fees"
    RECONNECT_FEE = "reconnect_fee", "Reconnect fees"
    RETURNED_PAYMENT_FEE = "returned_payment_fee", "Returned-payment fees"
    ADJUSTMENT = "adjustment", "Billing adjustments"
    DEPOSIT_HELD = "deposit_held", "Customer deposits held (taken, billed and applied)"
    DEPOSIT_INTEREST = "deposit_interest", "Interest paid on customer deposits"
    PAYMENT = "payment", "Payments received (undeposited funds)"
    REFUND = "refund", "Refunds"
    WRITE_OFF = "write_off", "Write-offs"
    TRANSFER = "transfer", "Balances transferred between accounts"
    PERMIT_FEE = "permit_fee", "Permit fees paid at the counter"
    OVER_SHORT = "over_short", "Cash over / short"
    CARD_SETTLEMENT = "card_settlement", "Card payments awaiting settlement"
    BANK_DEPOSIT = "bank_deposit", "The bank deposit"


class GLMapping(models.Model):
    """Where one kind of money goes in the chart of accounts; billed service per utility
    (a blank utility is every utility without a row of its own)."""

    source = models.CharField(max_length=24, choices=GLSource)
    utility = models.CharField(max_length=12, blank=True, default="")
    gl_account = models.ForeignKey(GLAccount, on_delete=models.PROTECT, related_name="mappings")

    class Meta:
        ordering = ["source", "utility"]
        verbose_name = "GL mapping"
        constraints = [
            models.UniqueConstraint(fields=["source", "utility"], name="one_gl_mapping_per_source"),
            models.CheckConstraint(condition=Q(source__in=GLSource.values), name="gl_source_valid"),
            models.CheckConstraint(
                condition=Q(utility="") | Q(source="bill"), name="gl_utility_only_for_bills"
            ),
        ]

    def __str__(self):
        return f"{self.get_source_display()}{f' ({self.utility})' if self.utility else ''}"


# The demo city's chart: written when missing after every migrate (and after a test flush),
# never over what an Admin has changed.
DEFAULT_CHART = [
    # number, name, kind, [(source, utility), ...]
    ("101-1010", "Cash in bank: operating", "asset", [("bank_deposit", "")]),
    ("101-1050", "Undeposited funds", "asset", [("payment", "")]),
    ("101-1060", "Card settlements receivable", "asset", [("card_settlement", "")]),
    ("101-1210", "Utility customer receivables", "asset", [("receivable", ""), ("transfer", "")]),
    ("101-2110", "Customer deposits held", "liability", [("deposit_held", "")]),
    ("101-2150", "Customer refunds payable", "liability", [("refund", "")]),
    ("501-4110", "Water fund: water sales", "revenue", [("bill", "water"), ("bill", "")]),
    ("502-4210", "Sewer fund: sewer charges", "revenue", [("bill", "sewer")]),
    ("503-4310", "Sanitation: trash and recycling", "revenue", [("bill", "trash")]),
    ("504-4410", "Stormwater utility fees", "revenue", [("bill", "stormwater")]),
    ("505-4510", "Electric sales", "revenue", [("bill", "electric")]),
    ("506-4610", "Gas sales", "revenue", [("bill", "gas")]),
    (
        "101-4810",
        "Penalties and service fees",
        "revenue",
        [("late_fee", ""), ("reconnect_fee", ""), ("returned_payment_fee", "")],
    ),
    ("101-4820", "Billing adjustments", "revenue", [("adjustment", "")]),
    ("101-4830", "Permit fees", "revenue", [("permit_fee", "")]),
    ("101-4890", "Cash over / short", "revenue", [("over_short", "")]),
    ("101-6910", "Bad debt expense", "expense", [("write_off", "")]),
    ("101-6920", "Interest on customer deposits", "expense", [("deposit_interest", "")]),
]


def ensure_gl_chart(sender=None, using="default", **kwargs):
    for number, name, kind, mappings in DEFAULT_CHART:
        account, _ = GLAccount.objects.using(using).get_or_create(
            number=number, defaults={"name": name, "kind": kind}
        )
        for source, utility in mappings:
            GLMapping.objects.using(using).get_or_create(
                source=source, utility=utility, defaults={"gl_account": account}
            )
