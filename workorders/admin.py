from django.contrib import admin

from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from workorders.models import (
    Crew,
    CrewMember,
    DepositRequirement,
    MeterRead,
    Vendor,
    WorkOrder,
    WorkOrderStatusChange,
    WorkOrderType,
)


@admin.register(WorkOrderType)
class WorkOrderTypeAdmin(AuditedModelAdmin):
    list_display = [
        "code",
        "turnaround_days",
        "same_day_before",
        "default_priority",
        "requires_read",
    ]

    def has_add_permission(self, request):
        return False  # the types are fixed by migration; their numbers are policy

    def has_delete_permission(self, request, obj=None):
        return False


class CrewMemberInline(admin.TabularInline):
    model = CrewMember
    extra = 1
    raw_id_fields = ["user"]


@admin.register(Crew)
class CrewAdmin(AuditedModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    inlines = [CrewMemberInline]


@admin.register(Vendor)
class VendorAdmin(AuditedModelAdmin):
    list_display = ["name", "trade", "contact_name", "phone", "turnaround_days", "active"]
    list_filter = ["active", "trade"]
    search_fields = ["name", "trade", "contact_name"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyModelAdmin):
    # Work orders change only through their services (transitions, effects, audit).
    list_display = ["number", "type", "status", "premise", "due_date", "crew", "vendor"]
    list_filter = ["status", "type", "priority"]
    search_fields = ["number"]
    list_select_related = ["premise", "crew", "vendor", "type"]
    raw_id_fields = ["premise", "account", "service", "transfer_to"]


@admin.register(WorkOrderStatusChange)
class WorkOrderStatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["order", "from_status", "to_status", "at", "by"]
    list_select_related = ["order", "by"]


@admin.register(MeterRead)
class MeterReadAdmin(ReadOnlyModelAdmin):
    list_display = ["service_point", "value", "read_on", "rollover", "work_order"]
    raw_id_fields = ["service_point", "work_order"]


@admin.register(DepositRequirement)
class DepositRequirementAdmin(ReadOnlyModelAdmin):
    list_display = ["account", "amount", "rule", "recorded_at"]
    raw_id_fields = ["account", "work_order"]
