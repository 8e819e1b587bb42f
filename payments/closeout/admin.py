from django.contrib import admin

from payments.closeout.models import (
    BankDeposit,
    CashDrop,
    ChangeFundMovement,
    DenominationCount,
    DrawerCount,
    Verification,
)
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


class DenominationInline(admin.TabularInline):
    model = DenominationCount
    extra = 0
    can_delete = False
    readonly_fields = ["value", "quantity"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DrawerCount)
class DrawerCountAdmin(ReadOnlyModelAdmin):
    list_display = [
        "session",
        "kind",
        "counted_by",
        "counted_at",
        "cash_total",
        "check_total",
        "card_total",
    ]
    list_filter = ["kind", "session__business_date"]
    search_fields = ["session__drawer__code", "counted_by__username"]
    list_select_related = ["session__drawer", "session__opened_by", "counted_by"]
    inlines = [DenominationInline]


@admin.register(CashDrop)
class CashDropAdmin(ReadOnlyModelAdmin):
    list_display = ["dropped_at", "session", "amount", "dropped_by", "witnessed_by"]
    list_filter = ["session__business_date"]
    list_select_related = ["session__drawer", "session__opened_by", "dropped_by", "witnessed_by"]


@admin.register(Verification)
class VerificationAdmin(ReadOnlyModelAdmin):
    list_display = ["session", "verified_by", "verified_at", "note"]
    list_select_related = ["session__drawer", "session__opened_by", "verified_by"]


@admin.register(BankDeposit)
class BankDepositAdmin(ReadOnlyModelAdmin):
    list_display = [
        "business_date",
        "bag_number",
        "cash_total",
        "check_total",
        "status",
        "prepared_by",
        "verified_by",
    ]
    list_filter = ["status"]
    search_fields = ["bag_number"]
    date_hierarchy = "business_date"


@admin.register(ChangeFundMovement)
class ChangeFundMovementAdmin(AuditedModelAdmin):
    """The safe's change fund: an Admin records the fund and its corrections; rows are never
    edited (the database refuses), a mistake is a new movement."""

    list_display = ["recorded_at", "amount", "memo", "recorded_by"]
    readonly_fields = ["recorded_by", "recorded_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
