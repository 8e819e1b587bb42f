from axes import admin as axes_admin  # imported first: it registers what is replaced below
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django_otp.plugins.otp_totp import admin as totp_admin
from django_otp.plugins.otp_totp.models import TOTPDevice

from utilityclerk.admin_audit import AuditedAdminMixin, AuditedModelAdmin, ReadOnlyModelAdmin
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


# Sign-in security records belong to django-axes and django-otp, whose admin pages let an
# admin unlock a locked-out user (delete the attempt) or remove a second-factor device. Those
# are security actions: the same admin pages, with every delete and change audited.
def _audited(model, package_admin):
    admin.site.unregister(model)
    admin.site.register(model, type(package_admin.__name__, (AuditedAdminMixin, package_admin), {}))


_audited(AccessAttempt, axes_admin.AccessAttemptAdmin)
_audited(AccessLog, axes_admin.AccessLogAdmin)
_audited(AccessFailureLog, axes_admin.AccessFailureLogAdmin)
_audited(TOTPDevice, totp_admin.TOTPDeviceAdmin)
