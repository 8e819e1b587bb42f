"""Admin edits go into the same audit trail as service changes."""

from django.contrib import admin

from utilityclerk import audit


class AuditedAdminMixin:
    """Adds, changes and deletes made in the admin, one by one or by the "delete selected"
    action, each leave an audit event."""

    def save_model(self, request, obj, form, change):
        before = None
        if change:
            before = audit.snapshot(type(obj).objects.get(pk=obj.pk))
        super().save_model(request, obj, form, change)
        label = obj._meta.model_name
        audit.record(
            actor=request.user,
            action=f"{label}.{'change' if change else 'add'}.admin",
            target=obj,
            before=before,
            after=audit.snapshot(obj),
        )

    def delete_model(self, request, obj):
        audit.record(
            actor=request.user,
            action=f"{obj._meta.model_name}.delete.admin",
            target=obj,
            before=audit.snapshot(obj),
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete.admin",
                target=obj,
                before=audit.snapshot(obj),
            )
        super().delete_queryset(request, queryset)


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For append-only records: viewable and searchable, never changed from the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
