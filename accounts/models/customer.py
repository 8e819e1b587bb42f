from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django.db.models.functions import Collate, Reverse

from accounts.validation import format_phone, name_key, unit_has_designator


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organization"


class CustomerClass(models.TextChoices):
    RESIDENTIAL = "residential", "Residential"
    COMMERCIAL = "commercial", "Commercial"
    GOVERNMENT = "government", "Government"


class PreferredContact(models.TextChoices):
    PHONE = "phone", "Phone"
    TEXT = "text", "Text message"
    EMAIL = "email", "E-mail"
    MAIL = "mail", "Mail"


class IdentityCheckMethod(models.TextChoices):
    # Only how identity was checked is kept, never the document's number.
    DRIVER_LICENCE = "driver_licence", "Driver licence"
    STATE_ID = "state_id", "State ID card"
    PASSPORT = "passport", "Passport"
    MILITARY_ID = "military_id", "Military ID"
    BUSINESS_REGISTRATION = "business_registration", "Business registration"
    OTHER = "other", "Other document"


class Customer(models.Model):
    kind = models.CharField(max_length=12, choices=CustomerKind, default=CustomerKind.PERSON)
    customer_class = models.CharField(
        "class", max_length=12, choices=CustomerClass, default=CustomerClass.RESIDENTIAL
    )
    first_name = models.CharField(max_length=60, blank=True)
    last_name = models.CharField(max_length=60, blank=True)
    organisation_name = models.CharField("organization name", max_length=120, blank=True)
    # "first last" or the organisation's name, and the last and first names, as name search
    # compares them (validation.name_key: no accents, case folded); kept by save().
    search_name = models.CharField(max_length=200, editable=False)
    search_last = models.CharField(max_length=60, editable=False, default="")
    search_first = models.CharField(max_length=60, editable=False, default="")

    phone = models.CharField("phone", max_length=10, blank=True, help_text="10 digits")
    alt_phone = models.CharField("other phone", max_length=10, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(
        max_length=8, choices=PreferredContact, default=PreferredContact.PHONE
    )
    language = models.CharField(max_length=40, blank=True, default="English")

    mail_street = models.CharField("mailing street", max_length=120)
    mail_unit = models.CharField("mailing unit", max_length=20, blank=True)
    mail_city = models.CharField("mailing city", max_length=60)
    mail_state = models.CharField("mailing state", max_length=2)
    mail_zip = models.CharField("mailing ZIP", max_length=10)

    identity_checked_how = models.CharField(max_length=24, choices=IdentityCheckMethod, blank=True)
    identity_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)

    medical_certificate_until = models.DateField(null=True, blank=True)
    life_support = models.BooleanField(default=False)
    cash_only_until = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["search_name"]
        indexes = [
            # Name search (accounts.queries._name_matches) walks these in byte order: the name
            # as typed from its start, and last name then first name.
            models.Index(Collate("search_name", "C"), name="customer_search_name_c"),
            # Every word of the name, wherever it stands: "cruz" in "Priya De La Cruz",
            # "methodist" in "Spur Methodist Church" (queries._BY_NAME_WORDS).
            GinIndex(SearchVector("search_name", config="simple"), name="customer_name_words"),
            models.Index(
                Collate("search_last", "C"),
                Collate("search_first", "C"),
                name="customer_search_last_first_c",
            ),
            models.Index(fields=["phone"], name="customer_phone_idx", condition=~Q(phone="")),
            models.Index(
                fields=["alt_phone"], name="customer_alt_phone_idx", condition=~Q(alt_phone="")
            ),
            models.Index(fields=["email"], name="customer_email_idx", condition=~Q(email="")),
            # A phone by its last digits ("ending 3470"): the number reversed, walked from
            # its start (queries._BY_PHONE_ENDING).
            models.Index(
                Collate(Reverse("phone"), "C"),
                name="customer_phone_ending_c",
                condition=~Q(phone=""),
            ),
            models.Index(
                Collate(Reverse("alt_phone"), "C"),
                name="customer_alt_phone_ending_c",
                condition=~Q(alt_phone=""),
            ),
        ]
        permissions = [
            (
                "change_customer_protections",
                "Can set or lift cash-only, medical certificate and life-support flags",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="organisation", organisation_name__gt="")
                | Q(kind="person", last_name__gt=""),
                name="customer_has_a_name",
            ),
            models.CheckConstraint(
                condition=Q(customer_class__in=CustomerClass.values), name="customer_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CustomerKind.values), name="customer_kind_valid"
            ),
        ]

    AUDIT_DERIVED_FIELDS = ("search_name", "search_last", "search_first")

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_name = name_key(self.display_name)
        self.search_last = name_key(self.last_name)
        self.search_first = name_key(self.first_name)
        self.email = (self.email or "").strip().lower()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                *("search_name", "search_last", "search_first", "email"),
            }
        super().save(*args, **kwargs)

    @staticmethod
    def audit_reads(field: str, value) -> str | None:
        """How a stored value reads in the history: phones as clerks write them."""
        return format_phone(value) if field in ("phone", "alt_phone") else None

    @property
    def display_name(self) -> str:
        if self.kind == CustomerKind.ORGANISATION:
            return self.organisation_name
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phone_display(self) -> str:
        return format_phone(self.phone)

    @property
    def alt_phone_display(self) -> str:
        return format_phone(self.alt_phone)

    @property
    def mailing_address_lines(self) -> list[str]:
        street = f"{self.mail_street} {self.mail_unit}".strip()
        return [street, f"{self.mail_city}, {self.mail_state} {self.mail_zip}"]


def unit_shown(unit: str) -> str:
    """ " #4" for a plain unit, " LOT 12" for one that carries its Pub 28 designator."""
    if not unit:
        return ""
    return f" {unit}" if unit_has_designator(unit) else f" #{unit}"


class PremiseType(models.TextChoices):
    SINGLE_FAMILY = "single_family", "Single-family home"
    MULTI_FAMILY = "multi_family", "Apartment / multi-family"
    COMMERCIAL = "commercial", "Commercial"
    INDUSTRIAL = "industrial", "Industrial"
    IRRIGATION = "irrigation", "Irrigation only"
    MUNICIPAL = "municipal", "Municipal"


class Premise(models.Model):
    """A service address. Street and unit are kept normalised so one address is one premise."""

    house_number = models.CharField(max_length=12)
    street = models.CharField(max_length=100, help_text="Normalised: N MAIN ST")
    unit = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=60)
    state = models.CharField(max_length=2)
    zip_code = models.CharField("ZIP", max_length=10)
    premise_type = models.CharField(
        max_length=16, choices=PremiseType, default=PremiseType.SINGLE_FAMILY
    )
    hazard_note = models.CharField(
        "hazard at premise",
        max_length=200,
        blank=True,
        help_text="Dog, locked gate, meter in a confined space: shown to clerks and crews.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["street", "house_number", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["house_number", "street", "unit", "zip_code"], name="premise_address_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["house_number", "street"], name="premise_number_street_idx"),
            GinIndex(name="premise_street_trgm", fields=["street"], opclasses=["gin_trgm_ops"]),
        ]

    def __str__(self):
        return self.address_line

    @property
    def address_line(self) -> str:
        return f"{self.house_number} {self.street}{unit_shown(self.unit)}"

    @property
    def full_address(self) -> str:
        return f"{self.address_line}, {self.city}, {self.state} {self.zip_code}"


class ServicePoint(models.Model):
    """Where one utility is delivered at a premise, with its meter if metered."""

    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="service_points")
    utility = models.CharField(max_length=12)
    meter_number = models.CharField(max_length=30, blank=True)
    # db_default: bulk loads (COPY, seed_accounts) that name no location leave it blank.
    meter_location = models.CharField(
        max_length=120,
        blank=True,
        default="",
        db_default="",
        help_text="Where the crew finds the meter: left of the drive…",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["premise", "utility"], name="service_point_unique"),
        ]

    def __str__(self):
        meter = f" meter {self.meter_number}" if self.meter_number else ""
        return f"{self.get_utility_display()}{meter}"

    def get_utility_display(self):
        from accounts.models.account import Utility

        return Utility(self.utility).label


class NameWord(models.Model):
    """Every word of every customer's name, once: the dictionary that typo-tolerant search
    corrects a misspelt word against (16,000 words at a million customers, where a trigram
    scan of the names themselves would score tens of thousands of rows). Kept by a trigger on
    accounts_customer (migration 0005)."""

    word = models.CharField(max_length=120, primary_key=True)

    class Meta:
        # GiST, not GIN: it hands back the nearest words first (ORDER BY word <-> typed), so a
        # long or unusual word is not scored against the whole dictionary.
        indexes = [
            GistIndex(name="nameword_trgm_gist", fields=["word"], opclasses=["gist_trgm_ops"])
        ]

    def __str__(self):
        return self.word
