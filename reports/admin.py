from django.contrib import admin

from reports.models import GLAccount, GLMapping, ReportDelivery, ReportSchedule, SavedReport
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


@admin.register(GLAccount)
class GLAccountAdmin(AuditedModelAdmin):
    list_display = ["number", "name", "kind"]
    search_fields = ["number", "name"]
    list_filter = ["kind"]


@admin.register(GLMapping)
class GLMappingAdmin(AuditedModelAdmin):
    list_display = ["source", "utility", "gl_account"]
    list_select_related = ["gl_account"]
    list_filter = ["source"]


@admin.register(SavedReport)
class SavedReportAdmin(ReadOnlyModelAdmin):
    list_display = ["name", "report_code", "owner", "created_at"]


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ReadOnlyModelAdmin):
    list_display = ["saved_report", "frequency", "format", "next_run_on", "active"]


@admin.register(ReportDelivery)
class ReportDeliveryAdmin(ReadOnlyModelAdmin):
    list_display = ["schedule", "due_on", "status", "attempts", "sent_at"]
    list_filter = ["status"]
