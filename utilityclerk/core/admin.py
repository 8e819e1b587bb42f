from django.contrib import admin

from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin
from utilityclerk.core.models import AuditEvent, BusinessDay, Holiday, Policy


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    list_display = ["at", "actor_name", "action", "target_type", "target_repr", "request_id"]
    list_filter = ["action", "target_type", "at"]
    search_fields = ["actor_name", "action", "target_id", "target_repr", "request_id"]
    date_hierarchy = "at"
    list_select_related = ["target_type"]


@admin.register(Policy)
class PolicyAdmin(AuditedModelAdmin):
    list_display = ["__str__", "max_payment_amount", "clerk_adjustment_limit", "updated_at"]

    def has_add_permission(self, request):
        return not Policy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Holiday)
class HolidayAdmin(AuditedModelAdmin):
    list_display = ["date", "name"]
    date_hierarchy = "date"
    search_fields = ["name"]


@admin.register(BusinessDay)
class BusinessDayAdmin(ReadOnlyModelAdmin):
    # Days are closed on the supervisor's day board and reopened there by an Admin, with a
    # reason in the audit trail; the admin only shows them.
    list_display = ["date", "status", "closed_by", "closed_at"]
    list_filter = ["status"]
    date_hierarchy = "date"
