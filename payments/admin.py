from django.contrib import admin

from payments.models import Drawer, DrawerSession, MailBatch, Payment, Tender
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


@admin.register(Drawer)
class DrawerAdmin(AuditedModelAdmin):
    list_display = ["code", "name", "active"]
    list_filter = ["active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        return False  # sessions refer to drawers; retire one by unticking "active"


@admin.register(DrawerSession)
class DrawerSessionAdmin(ReadOnlyModelAdmin):
    list_display = ["drawer", "opened_by", "business_date", "opening_float", "status"]
    list_filter = ["status", "business_date"]
    list_select_related = ["drawer", "opened_by"]


class TenderInline(admin.TabularInline):
    model = Tender
    extra = 0
    can_delete = False
    fields = ["kind", "amount", "amount_tendered", "number", "card_last4", "card_auth_code"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyModelAdmin):
    list_display = ["receipt", "account", "channel", "business_date", "amount", "status"]
    list_filter = ["status", "channel", "business_date"]
    search_fields = ["=receipt_number", "account__number"]
    list_select_related = ["account__customer"]
    date_hierarchy = "business_date"
    inlines = [TenderInline]


@admin.register(MailBatch)
class MailBatchAdmin(ReadOnlyModelAdmin):
    list_display = ["pk", "channel", "business_date", "control_count", "control_total", "status"]
    list_filter = ["status", "channel"]
