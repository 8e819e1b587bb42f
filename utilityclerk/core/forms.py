from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from utilityclerk.core import services


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, refusing a username after repeated failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "locked_out": (
            "Too many failed sign-ins for this user. Try again in %(minutes)s minutes, "
            "or ask a supervisor to help."
        ),
    }

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        if username and services.is_locked_out(username):
            raise forms.ValidationError(
                self.error_messages["locked_out"],
                code="locked_out",
                params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                services.record_login_failure(
                    username=username, ip_address=self.request.META.get("REMOTE_ADDR")
                )
            raise
        services.clear_login_failures(username=username)
        return cleaned


class AdminLockoutAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in: staff only, with the same lock-out."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "locked_out": LockoutAuthenticationForm.error_messages["locked_out"],
    }
