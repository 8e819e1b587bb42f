from django.contrib import admin

from utilityclerk.runs.models import BatchRun


@admin.register(BatchRun)
class BatchRunAdmin(admin.ModelAdmin):
    """Read-only: runs change through their page, where each step is checked and audited."""

    list_display = ["id", "kind", "scope", "status", "done", "total", "started_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["scope"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
