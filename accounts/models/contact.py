"""The contact log: every call, letter, e-mail and visit, and the follow-up it may need."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from accounts.models.account import Account
from accounts.models.customer import Customer, Premise


class ContactChannel(models.TextChoices):
    PHONE = "phone", "Phone"
    MAIL = "mail", "Mail"
    EMAIL = "email", "E-mail"
    IN_PERSON = "in_person", "In person"


class PartyType(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    ELECTED_OFFICIAL = "elected_official", "Elected official"
    AGENCY = "agency", "Agency"
    CITY_EMPLOYEE = "city_employee", "City employee"
    CLIENT = "client", "Client / contractor"
    OTHER = "other", "Other"


class ContactCategory(models.TextChoices):
    BILLING_QUESTION = "billing_question", "Billing question"
    PAYMENT = "payment", "Payment"
    SERVICE_START_STOP = "service_start_stop", "Service start / stop"
    OUTAGE_LEAK = "outage_leak", "Outage or leak"
    HIGH_BILL = "high_bill", "High bill"
    DISPUTE = "dispute", "Dispute"
    PERMIT = "permit", "Permit"
    COMPLAINT = "complaint", "Complaint"
    COMPLIMENT = "compliment", "Compliment"
    OTHER = "other", "Other"


class Referral(models.TextChoices):
    NONE = "", "Not referred"
    PUBLIC_WORKS = "public_works", "Public Works (streets, drainage)"
    WATER_OPERATIONS = "water_operations", "Water / wastewater operations"
    PERMITS = "permits", "Permits and inspections"
    CODE_ENFORCEMENT = "code_enforcement", "Code enforcement"
    CITY_MANAGER = "city_manager", "City manager's office"
    COUNCIL_OFFICE = "council_office", "Mayor and council office"
    ASSISTANCE_PROGRAM = "assistance_program", "Assistance program (LIHEAP, local fund)"
    OTHER_DEPARTMENT = "other_department", "Other department or agency"


class ContactStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Contact(models.Model):
    """One request, by any channel, from anyone. Open while a follow-up is owed."""

    contacted_at = models.DateTimeField("when")
    channel = models.CharField(max_length=12, choices=ContactChannel)
    party_type = models.CharField("party type", max_length=20, choices=PartyType)
    party_name = models.CharField("party name", max_length=120)
    party_reach = models.CharField("how to reach them", max_length=200, blank=True)

    # A request about a street from a council member has none of these; a customer's call has all.
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    premise = models.ForeignKey(
        Premise, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )

    category = models.CharField(max_length=20, choices=ContactCategory)
    subject = models.CharField(max_length=200)
    notes = models.TextField(max_length=4000, blank=True)
    outcome = models.TextField(max_length=2000, blank=True)
    referred_to = models.CharField(
        "referred to", max_length=20, choices=Referral, blank=True, default=Referral.NONE
    )
    referral_note = models.CharField("referral detail", max_length=200, blank=True)

    follow_up_on = models.DateField("follow up on", null=True, blank=True)
    follow_up_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_follow_ups",
        verbose_name="follow-up owner",
    )
    status = models.CharField(max_length=6, choices=ContactStatus, default=ContactStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    logged_at = models.DateTimeField(auto_now_add=True)
    # A double click on "Log contact" logs it once.
    idempotency_key = models.UUIDField(unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-contacted_at", "-id"]
        indexes = [
            # The follow-up queue: one owner's open follow-ups by date.
            models.Index(
                fields=["follow_up_owner", "follow_up_on"],
                name="contact_follow_up_idx",
                condition=Q(status="open"),
            ),
            models.Index(fields=["account", "-contacted_at"], name="contact_account_idx"),
            models.Index(fields=["customer", "-contacted_at"], name="contact_customer_idx"),
            models.Index(fields=["contacted_at"], name="contact_when_idx"),
            # Search by party name and subject is a substring match (ILIKE), served by trigrams.
            GinIndex(name="contact_party_trgm", fields=["party_name"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="contact_subject_trgm", fields=["subject"], opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=ContactChannel.values), name="contact_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(party_type__in=PartyType.values), name="contact_party_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(category__in=ContactCategory.values), name="contact_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContactStatus.values), name="contact_status_valid"
            ),
            models.CheckConstraint(condition=~Q(party_name=""), name="contact_has_a_party"),
            # A follow-up is a date and an owner together; an open contact is one still owed.
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True, follow_up_owner__isnull=True)
                | Q(follow_up_on__isnull=False, follow_up_owner__isnull=False),
                name="contact_follow_up_has_date_and_owner",
            ),
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False)
                | Q(status="open", closed_at__isnull=True, follow_up_on__isnull=False),
                name="contact_status_matches_close",
            ),
        ]
        permissions = [
            ("close_own_follow_up", "Can close follow-ups they own"),
            ("manage_follow_ups", "Can see every open follow-up, reassign and close it"),
            ("view_contact_report", "Can run the contact report"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} from {self.party_name}: {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status == ContactStatus.OPEN
