from django.contrib import admin

from permits.models import (
    Contractor,
    HydrantMeter,
    Permit,
    PermitFee,
    PermitStatusChange,
    PermitType,
    ReviewStep,
)
from utilityclerk.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin


class PermitFeeInline(admin.TabularInline):
    model = PermitFee
    extra = 0


class ReviewStepInline(admin.TabularInline):
    model = ReviewStep
    extra = 0


@admin.register(PermitType)
class PermitTypeAdmin(AuditedModelAdmin):
    """Fees, questions, review steps and validity: an Admin keeps them. A permit keeps the
    fees it was taken with, so a change applies to permits taken afterwards."""

    list_display = ["name", "code", "validity_days", "needs_inspection", "active"]
    inlines = [PermitFeeInline, ReviewStepInline]

    def has_delete_permission(self, request, obj=None):
        return False  # permits refer to their type; retire one with "active" instead

    def save_formset(self, request, form, formset, change):
        from utilityclerk import audit

        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            audit.record(
                actor=request.user,
                action=f"{obj._meta.model_name}.delete.admin",
                target=form.instance,
                before=audit.snapshot(obj),
            )
            obj.delete()
        for obj in instances:
            obj.save()
            audit.record(
                actor=request.user,
                action=f"{obj._meta.model_name}.save.admin",
                target=form.instance,
                after=audit.snapshot(obj),
            )
        formset.save_m2m()


@admin.register(Contractor)
class ContractorAdmin(AuditedModelAdmin):
    list_display = ["company", "license_number", "license_expires", "phone"]
    search_fields = ["company", "license_number"]


@admin.register(HydrantMeter)
class HydrantMeterAdmin(AuditedModelAdmin):
    list_display = ["meter_number", "active"]


@admin.register(Permit)
class PermitAdmin(ReadOnlyModelAdmin):
    list_display = ["number", "permit_type", "status", "submitted_on", "issued_on"]
    list_filter = ["status", "permit_type"]
    search_fields = ["number"]


@admin.register(PermitStatusChange)
class PermitStatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["permit", "from_status", "to_status", "at", "by"]
