from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models.customer import Customer, Premise
from accounts.validation import format_account_number


class AccountStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    FINAL = "final", "Final"
    CLOSED = "closed", "Closed"
    COLLECTIONS = "collections", "In collections"


class Utility(models.TextChoices):
    WATER = "water", "Water"
    SEWER = "sewer", "Sewer"
    ELECTRIC = "electric", "Electric"
    GAS = "gas", "Gas"
    TRASH = "trash", "Trash"
    STORMWATER = "stormwater", "Stormwater"


class ServiceStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    STOPPED = "stopped", "Stopped"


class Account(models.Model):
    """The billing relationship of a customer at a premise."""

    # Seven digits from a database sequence and a Luhn check digit (accounts.services).
    number = models.CharField(max_length=8, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="accounts")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="accounts")
    status = models.CharField(max_length=12, choices=AccountStatus, default=AccountStatus.PENDING)

    mail_street = models.CharField("mailing street", max_length=120)
    mail_unit = models.CharField("mailing unit", max_length=20, blank=True)
    mail_city = models.CharField("mailing city", max_length=60)
    mail_state = models.CharField("mailing state", max_length=2)
    mail_zip = models.CharField("mailing ZIP", max_length=10)

    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["number"]
        indexes = [
            models.Index(fields=["premise", "status"], name="account_premise_status_idx"),
            # With the status: the customer counts report walks every account in customer
            # order and counts by status from the index alone.
            models.Index(fields=["customer", "status"], name="account_customer_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AccountStatus.values), name="account_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^[0-9]{8}$"), name="account_number_eight_digits"
            ),
        ]
        permissions = [
            ("post_adjustment", "Can post an adjustment up to the clerk limit"),
            ("approve_adjustment", "Can post or approve an adjustment above the clerk limit"),
        ]

    def __str__(self):
        return f"{self.display_number} {self.customer}"

    @property
    def display_number(self) -> str:
        return format_account_number(self.number)

    @property
    def mailing_address_lines(self) -> list[str]:
        street = f"{self.mail_street} {self.mail_unit}".strip()
        return [street, f"{self.mail_city}, {self.mail_state} {self.mail_zip}"]


class Service(models.Model):
    """An account's agreement for one utility at a premise."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="services")
    # The premise is repeated here so the database can hold one active service per utility
    # per premise, which spans accounts.
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="services")
    utility = models.CharField(max_length=12, choices=Utility)
    rate_code = models.CharField(max_length=20)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ServiceStatus, default=ServiceStatus.PENDING)

    class Meta:
        ordering = ["utility"]
        constraints = [
            models.UniqueConstraint(
                fields=["premise", "utility"],
                condition=Q(status="active"),
                name="one_active_service_per_utility_per_premise",
                violation_error_message="This utility is already active at this premise.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ServiceStatus.values), name="service_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(utility__in=Utility.values), name="service_utility_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="service_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.get_utility_display()} ({self.rate_code})"


class AccountNote(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField(max_length=2000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["account", "-written_at"], name="note_account_idx")]

    def __str__(self):
        return f"Note on {self.account.display_number} by {self.written_by}"


class UtilityOffering(models.Model):
    """What the city provides, and what a start of service ticks by customer class: an Admin's
    configuration (a city that sells no electricity or gas never offers them at the counter)."""

    utility = models.CharField(max_length=12, choices=Utility, unique=True)
    offered = models.BooleanField(default=True, help_text="The city provides this utility.")
    residential_default = models.BooleanField(
        default=True, help_text="Ticked when starting service for a residential customer."
    )
    commercial_default = models.BooleanField(
        default=True, help_text="Ticked when starting service for a commercial customer."
    )
    government_default = models.BooleanField(
        default=True, help_text="Ticked when starting service for a government customer."
    )

    class Meta:
        ordering = ["id"]
        verbose_name = "utility offered"
        verbose_name_plural = "utilities offered"

    def __str__(self):
        return Utility(self.utility).label

    @classmethod
    def offered_choices(cls) -> list[tuple[str, str]]:
        """The utilities a clerk may start, in the usual order. No rows yet: all of them."""
        rows = {o.utility: o for o in cls.objects.all()}
        return [(v, label) for v, label in Utility.choices if v not in rows or rows[v].offered]

    # Before an Admin has configured anything (the rows are made by migration 0012).
    UNCONFIGURED_DEFAULTS = ("water", "sewer", "trash", "stormwater")

    @classmethod
    def defaults_for(cls, customer_class: str | None) -> list[str]:
        rows = list(cls.objects.all())
        if not rows:
            return list(cls.UNCONFIGURED_DEFAULTS)
        field = f"{customer_class or 'residential'}_default"
        return [o.utility for o in rows if o.offered and getattr(o, field, o.residential_default)]
