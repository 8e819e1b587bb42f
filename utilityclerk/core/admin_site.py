from django.conf import settings
from django.contrib import admin

from utilityclerk.core.forms import AdminLockoutAuthenticationForm
from utilityclerk.roles import ADMIN


class UtilityAdminSite(admin.AdminSite):
    """Django admin, open only to the Admin role (and superusers). Its sign-in page locks a
    username out after repeated failures, like the app's own."""

    login_form = AdminLockoutAuthenticationForm

    site_title = "UtilityClerk admin"
    index_title = "Configuration"

    @property
    def site_header(self):
        return f"{settings.UTILITY_NAME}: administration"

    def has_permission(self, request):
        user = request.user
        return (
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.groups.filter(name=ADMIN).exists())
        )
