from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

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

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin sign-in, except that a right password goes through the second
        factor like the app's own sign-in (AdminSite.login, with our view)."""
        from django.contrib.auth import REDIRECT_FIELD_NAME
        from django.http import HttpResponseRedirect
        from django.urls import reverse

        from utilityclerk.core.views import AdminLoginView

        redirect_url = AdminLoginView().get_redirect_url(request) or reverse(
            "admin:index", current_app=self.name
        )
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        context = {
            **self.each_context(request),
            "title": "Log in",
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return AdminLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def has_permission(self, request):
        user = request.user
        if settings.SECOND_FACTOR_REQUIRED and not user.is_verified():
            return False  # signed in some other way than through the second factor
        return (
            user.is_active
            and user.is_staff
            and (user.is_superuser or user.groups.filter(name=ADMIN).exists())
        )
