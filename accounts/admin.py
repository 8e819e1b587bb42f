"""The accounts app in the Django admin.

Services, accounts' status and money change only through the service screens
(accounts.services, workorders.service_changes), which keep the rules, raise the work orders
and write the audit trail; the admin shows those records and searches them.
"""

import re

from django import forms
from django.contrib import admin
from django.db.models import Q

from accounts import services
from accounts.forms import CustomerForm, MailingAddressMixin, PremiseAddressMixin
from accounts.models import (
    Account,
    AccountNote,
    AdjustmentRequest,
    Bill,
    BillLine,
    Customer,
    LedgerEntry,
    Premise,
    Service,
    ServicePoint,
    UtilityOffering,
)
from accounts.services import MAILING_FIELDS, premise_lookup
from accounts.validation import name_key, phone_digits
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

# An account number as printed, 1000001-6, or typed with a space for the dash.
_DISPLAYED_ACCOUNT_NUMBER = re.compile(r"^(\d{7})[\s-]?(\d)$")
# A phone typed with any of (210) 555-0100, 210-555-0100, 210.555.0100, +1 210 555 0100.
_FORMATTED_PHONE = re.compile(r"^[\d\s().+-]+$")


class NumberSearchMixin:
    """Admin search that also finds an account number or a phone as people write them.

    Stored numbers are bare digits, and the admin's own search looks for the term as typed, so
    "1000001-6" or "(361) 633-3470" found nothing. When the term looks like one of these, the
    digits are matched exactly, which the unique and phone indexes answer, on top of the usual
    search (a ledger memo may quote "1000001-6" as printed, and that still matches).
    """

    account_number_lookup: str | None = None
    phone_lookups: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = name_key(search_term)
        if folded != search_term.lower():
            # Names are kept without accents (search_name): "Núñez" finds Núñez that way,
            # while a memo quoting "Núñez" still matches the term as typed.
            more, more_duplicates = super().get_search_results(request, queryset, folded)
            results, may_have_duplicates = results | more, may_have_duplicates or more_duplicates
        exact = self.number_matches(search_term)
        if exact is None:
            return results, may_have_duplicates
        return results | queryset.filter(exact), may_have_duplicates

    def number_matches(self, search_term: str) -> Q | None:
        term = (search_term or "").strip()
        if self.account_number_lookup and (match := _DISPLAYED_ACCOUNT_NUMBER.match(term)):
            return Q(**{self.account_number_lookup: "".join(match.groups())})
        if self.phone_lookups and _FORMATTED_PHONE.match(term):
            digits = phone_digits(term)
            if len(digits) == 10:
                matches = Q()
                for lookup in self.phone_lookups:
                    matches |= Q(**{lookup: digits})
                return matches
        return None


# The admin's forms keep the clerk screens' rules: a ZIP, a state code, a US phone and the
# names are checked the same way, so the admin can't save what the counter would refuse.


class PremiseAdminForm(PremiseAddressMixin, forms.ModelForm):
    class Meta:
        model = Premise
        fields = [
            "house_number",
            "street",
            "unit",
            "city",
            "state",
            "zip_code",
            "premise_type",
            "hazard_note",
        ]

    def clean(self):
        # The counter finds a premise by its address key (services.premise_lookup): kept
        # any other way, the counter would not find it and would make a second premise.
        data = super().clean()
        parts = ("house_number", "street", "unit", "zip_code")
        if all(name in data for name in parts):
            data.update(premise_lookup(**{name: data[name] for name in parts}))
        if "city" in data:
            data["city"] = data["city"].strip().upper()
        return data


class AccountAdminForm(MailingAddressMixin, forms.ModelForm):
    class Meta:
        model = Account
        fields = MAILING_FIELDS


@admin.register(Customer)
class CustomerAdmin(NumberSearchMixin, AuditedModelAdmin):
    form = CustomerForm

    def get_readonly_fields(self, request, obj=None):
        # Cash-only and shut-off protections are a supervisor's decision, here as at the counter.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("accounts.change_customer_protections"):
            fields += CustomerForm.PROTECTION_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # A change goes through the same service as the clerk's screen: audited once, and
        # the accounts mailed at the old address follow a new one.
        services.update_customer(
            customer=obj,
            changes={name: form.cleaned_data[name] for name in form.changed_data},
            by=request.user,
        )

    list_display = [
        "__str__",
        "customer_class",
        "phone",
        "email",
        "life_support",
        "cash_only_until",
    ]
    list_filter = ["customer_class", "kind", "life_support", "preferred_contact"]
    search_fields = ["search_name", "phone", "alt_phone", "email"]
    phone_lookups = ("phone", "alt_phone")
    readonly_fields = ["identity_checked_by", "identity_checked_at", "created_at", "updated_at"]


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


@admin.register(Premise)
class PremiseAdmin(AuditedModelAdmin):
    form = PremiseAdminForm
    list_display = ["address_line", "city", "zip_code", "premise_type", "hazard_note"]
    list_filter = ["premise_type", "city"]
    search_fields = ["street", "house_number", "zip_code", "service_points__meter_number"]
    inlines = [ServicePointInline]


@admin.register(ServicePoint)
class ServicePointAdmin(AuditedModelAdmin):
    """Where a meter is: a crew's or a vendor's question ("which address has meter W-10234?")."""

    list_display = ["meter_number", "utility", "premise"]
    list_filter = ["utility"]
    search_fields = ["meter_number", "premise__street", "premise__house_number"]
    list_select_related = ["premise"]
    autocomplete_fields = ["premise"]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    can_delete = False
    fields = ["utility", "rate_code", "status", "start_date", "end_date"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(NumberSearchMixin, AuditedModelAdmin):
    form = AccountAdminForm
    list_display = ["display_number", "customer", "premise", "status", "opened_on"]
    list_filter = ["status", "customer__customer_class"]
    search_fields = ["number", "customer__search_name", "premise__street"]
    account_number_lookup = "number"
    list_select_related = ["customer", "premise"]
    # The account's services repeat its premise (one active service per utility per premise),
    # so who and where are fixed when the account is opened; moving is a transfer.
    readonly_fields = [
        "number",
        "customer",
        "premise",
        "status",
        "opened_on",
        "closed_on",
        "created_at",
        "created_by",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": ["number", "customer", "premise", "status", "opened_on", "closed_on"],
                "description": (
                    "Status changes only through Start, Stop and Transfer service and "
                    "collections, which raise the work orders and write the audit trail. "
                    "Accounts are opened from the New account screen."
                ),
            },
        ),
        (
            "Mailing address",
            {"fields": ["mail_street", "mail_unit", "mail_city", "mail_state", "mail_zip"]},
        ),
        ("Record", {"fields": ["created_at", "created_by"]}),
    ]
    inlines = [ServiceInline]

    def has_add_permission(self, request):
        # services.open_account numbers the account from its sequence and audits the opening.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Service)
class ServiceAdmin(NumberSearchMixin, ReadOnlyModelAdmin):
    """Services start, stop and transfer only through workorders.service_changes."""

    list_display = ["account", "utility", "rate_code", "status", "start_date", "end_date"]
    list_filter = ["utility", "status", "rate_code"]
    search_fields = ["account__number"]
    account_number_lookup = "account__number"
    list_select_related = ["account__customer"]


@admin.register(UtilityOffering)
class UtilityOfferingAdmin(AuditedModelAdmin):
    """The utilities the city provides, and which a start of service ticks by class."""

    list_display = [
        "__str__",
        "offered",
        "residential_default",
        "commercial_default",
        "government_default",
    ]
    list_editable = ["offered", "residential_default", "commercial_default", "government_default"]
    readonly_fields = ["utility"]

    def has_add_permission(self, request):
        return False  # one row per utility, made by migration

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(NumberSearchMixin, ReadOnlyModelAdmin):
    list_display = ["business_date", "account", "kind", "amount", "reference", "posted_by"]
    list_filter = ["kind", "business_date"]
    search_fields = ["account__number", "account__customer__search_name", "reference", "memo"]
    account_number_lookup = "account__number"
    date_hierarchy = "business_date"
    list_select_related = ["account__customer", "posted_by"]


class BillLineInline(admin.TabularInline):
    model = BillLine
    extra = 0
    can_delete = False
    readonly_fields = ["utility", "description", "usage", "usage_unit", "amount", "service"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Bill)
class BillAdmin(NumberSearchMixin, ReadOnlyModelAdmin):
    list_display = ["number", "account", "bill_date", "due_date", "total"]
    list_filter = ["bill_date"]
    search_fields = ["number", "account__number"]
    account_number_lookup = "account__number"
    date_hierarchy = "bill_date"
    list_select_related = ["account__customer"]
    inlines = [BillLineInline]


@admin.register(AccountNote)
class AccountNoteAdmin(NumberSearchMixin, ReadOnlyModelAdmin):
    list_display = ["written_at", "account", "written_by", "text"]
    search_fields = ["account__number", "text"]
    account_number_lookup = "account__number"
    list_select_related = ["account__customer", "written_by"]


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(NumberSearchMixin, ReadOnlyModelAdmin):
    list_display = [
        "requested_at",
        "account",
        "amount",
        "reason_code",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status", "reason_code"]
    search_fields = ["account__number", "memo"]
    account_number_lookup = "account__number"
    list_select_related = ["account__customer", "requested_by", "decided_by"]


from accounts import admin_contacts  # noqa: E402, F401
