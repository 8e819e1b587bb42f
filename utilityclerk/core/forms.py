from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator

from utilityclerk.core import signin

LOCKED_OUT = (
    "Too many failed sign-ins. Try again in %(minutes)s minutes, or ask a supervisor to help."
)


class LockoutAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, checking the password through the shared lock-out."""

    error_messages = {**AuthenticationForm.error_messages, "locked_out": LOCKED_OUT}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django sets the username's max_length after the field is made, so nothing checks it:
        # no user has a longer name, and the lock-out's table keeps at most 255 characters.
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            checked = signin.check_password(self.request, username=username, password=password)
            if checked.locked_out:
                raise forms.ValidationError(
                    self.error_messages["locked_out"],
                    code="locked_out",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                )
            if checked.user is None:
                raise self.get_invalid_login_error()
            self.user_cache = checked.user
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class AdminLockoutAuthenticationForm(LockoutAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in: staff only, with the same lock-out."""

    error_messages = {**AdminAuthenticationForm.error_messages, "locked_out": LOCKED_OUT}


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label="Code from your authenticator app",
        min_length=6,
        max_length=6,
        help_text="Six digits; a new code every 30 seconds.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not (token.isascii() and token.isdigit()):
            raise forms.ValidationError("The code is six digits, like 123456.")
        return token
