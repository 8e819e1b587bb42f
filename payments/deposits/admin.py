"""Deposits in the Django admin: to look at, never to change. Every deposit movement goes
through the screens and runs (payments.deposits.services and runs), which keep the rules,
lock the account and write the audit trail; the deposit ledger refuses changes anyway."""

from django.contrib import admin

from payments.deposits.models import (
    DepositEntry,
    DepositInstalment,
    DepositWaiver,
    InstalmentPlan,
    LetterOfCredit,
)
from utilityclerk.admin_audit import ReadOnlyModelAdmin


@admin.register(DepositEntry)
class DepositEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["business_date", "account", "kind", "amount", "reference", "memo"]
    list_filter = ["kind", "business_date"]
    search_fields = ["account__number", "reference"]
    list_select_related = ["account__customer"]
    date_hierarchy = "business_date"


class InstalmentInline(admin.TabularInline):
    model = DepositInstalment
    extra = 0
    can_delete = False
    fields = ["number", "bill_on", "amount"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InstalmentPlan)
class InstalmentPlanAdmin(ReadOnlyModelAdmin):
    list_display = ["account", "total", "instalment_count", "status", "set_up_at", "set_up_by"]
    list_filter = ["status"]
    search_fields = ["account__number"]
    list_select_related = ["account__customer", "set_up_by"]
    inlines = [InstalmentInline]


@admin.register(DepositWaiver)
class DepositWaiverAdmin(ReadOnlyModelAdmin):
    list_display = ["account", "required_before", "required_after", "decided_by", "decided_at"]
    search_fields = ["account__number", "reason"]
    list_select_related = ["account__customer", "decided_by"]


@admin.register(LetterOfCredit)
class LetterOfCreditAdmin(ReadOnlyModelAdmin):
    list_display = ["account", "kind", "issuer", "amount", "expires_on", "released_on"]
    list_filter = ["kind", "released_on"]
    search_fields = ["account__number", "issuer", "number"]
    list_select_related = ["account__customer"]
