from django.contrib import admin

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
)
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


@admin.register(Customer)
class CustomerAdmin(AuditedModelAdmin):
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
    readonly_fields = ["identity_checked_by", "identity_checked_at", "created_at", "updated_at"]


class ServicePointInline(admin.TabularInline):
    model = ServicePoint
    extra = 0


@admin.register(Premise)
class PremiseAdmin(AuditedModelAdmin):
    list_display = ["address_line", "city", "zip_code", "premise_type", "hazard_note"]
    list_filter = ["premise_type", "city"]
    search_fields = ["street", "house_number", "zip_code"]
    inlines = [ServicePointInline]


class ServiceInline(admin.TabularInline):
    model = Service
    extra = 0
    fields = ["utility", "rate_code", "status", "start_date", "end_date"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(AuditedModelAdmin):
    list_display = ["display_number", "customer", "premise", "status", "opened_on"]
    list_filter = ["status", "customer__customer_class"]
    search_fields = ["number", "customer__search_name", "premise__street"]
    list_select_related = ["customer", "premise"]
    raw_id_fields = ["customer", "premise"]
    readonly_fields = ["number", "created_at", "created_by"]
    inlines = [ServiceInline]


@admin.register(Service)
class ServiceAdmin(AuditedModelAdmin):
    list_display = ["account", "utility", "rate_code", "status", "start_date", "end_date"]
    list_filter = ["utility", "status", "rate_code"]
    search_fields = ["account__number"]
    raw_id_fields = ["account", "premise"]
    list_select_related = ["account__customer"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["business_date", "account", "kind", "amount", "reference", "posted_by"]
    list_filter = ["kind", "business_date"]
    search_fields = ["account__number", "reference", "memo"]
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
class BillAdmin(ReadOnlyModelAdmin):
    list_display = ["number", "account", "bill_date", "due_date", "total"]
    list_filter = ["bill_date"]
    search_fields = ["number", "account__number"]
    date_hierarchy = "bill_date"
    list_select_related = ["account__customer"]
    inlines = [BillLineInline]


@admin.register(AccountNote)
class AccountNoteAdmin(ReadOnlyModelAdmin):
    list_display = ["written_at", "account", "written_by", "text"]
    search_fields = ["account__number", "text"]
    list_select_related = ["account__customer", "written_by"]


@admin.register(AdjustmentRequest)
class AdjustmentRequestAdmin(ReadOnlyModelAdmin):
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
    list_select_related = ["account__customer", "requested_by", "decided_by"]


from accounts import admin_contacts  # noqa: E402, F401
