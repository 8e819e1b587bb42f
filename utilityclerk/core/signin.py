"""Password checks, with the lock-out django-axes keeps: failures are counted by username (a
guess from many addresses), by address (one address trying many usernames: password
spraying) and by the two together. The sign-in page, the admin's sign-in and the cash-drop
witness box all check passwords here, so they share one lock; an unknown username is counted
and answered exactly as a known one.

django-axes reads the failures so far, checks the password, then writes the new failure: two
guesses sent together would both read "4 so far" and both be checked. Each check therefore
holds PostgreSQL advisory locks on its username and its address until its failure is
written and committed, so guesses for one name or from one address are checked one at a
time, and the limit is the limit.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import connection, transaction


def client_ip(request) -> str:
    """The address a sign-in came from. Behind the TLS proxy (BEHIND_TLS_PROXY=1) every
    request arrives from the load balancer, which appends the client to X-Forwarded-For:
    the last entry is the one it wrote (earlier ones are whatever the client sent)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if last := forwarded.rsplit(",", 1)[-1].strip():
            return last
    return request.META.get("REMOTE_ADDR", "")


def lockout_response(request, original_response, credentials):
    """The page the form rendered: it already says the sign-in is locked, beside the form
    (the witness box's HTMX fragment too, which a 429 would keep from being shown)."""
    return original_response


@dataclass(frozen=True)
class PasswordCheck:
    user: object | None
    locked_out: bool


def check_password(request, *, username: str, password: str) -> PasswordCheck:
    keys = sorted({f"sign-in user {username}", f"sign-in address {client_ip(request)}"})
    with transaction.atomic():
        with connection.cursor() as cursor:
            for key in keys:  # always in one order: two checks never wait on each other
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
        user = authenticate(request, username=username, password=password)
    locked_out = bool(getattr(request, "axes_locked_out", False))
    return PasswordCheck(None if locked_out else user, locked_out)
