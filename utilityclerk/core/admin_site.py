from django.conf import settings
from django.contrib import admin

from utilityclerk.roles import ADMIN


class UtilityAdminSite(admin.AdminSite):
    """Django admin, open only to the Admin role (and superusers)."""

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
