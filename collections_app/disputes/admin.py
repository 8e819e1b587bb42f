from django.contrib import admin

from collections_app.disputes.models import Agency, Case, Referral
from utilityclerk import audit


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    """The referral directory: departments and agencies with their contact details."""

    list_display = ["name", "kind", "handles", "phone", "email", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "handles", "contact_name"]

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(Agency.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="agency.change" if change else "agency.add",
            target=obj,
            before=before,
            after=audit.snapshot(obj),
        )

    def has_delete_permission(self, request, obj=None):
        return False  # referrals keep pointing at it: make it inactive instead


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "account", "kind", "amount", "status", "opened_on", "resolve_by"]
    list_filter = ["status", "kind", "party_type"]
    list_select_related = ["account__customer"]
    exclude = ["idempotency_key"]


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["agency", "case", "contact", "follow_up_on", "status"]
    list_filter = ["status", "agency"]
