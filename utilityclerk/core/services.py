"""Sign-in lock-out: failed attempts are rows; too many inside the window lock the name."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from utilityclerk.core.models import LoginFailure


def _window_start():
    return timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def is_locked_out(username: str) -> bool:
    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start())
    return recent.count() >= settings.LOGIN_FAILURE_LIMIT


def record_login_failure(*, username: str, ip_address: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip_address=ip_address)


def clear_login_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
