from django.contrib.admin.apps import AdminConfig


class UtilityAdminConfig(AdminConfig):
    default_site = "utilityclerk.core.admin_site.UtilityAdminSite"
