"""A second factor (TOTP, django-otp) for supervisors and admins, switched on by the
SECOND_FACTOR_REQUIRED setting.

A right password for such a user does not sign them in: the session only remembers, for a few
minutes, whom the password was for. The code from their authenticator app then signs them in
(django.contrib.auth.login) and marks the session verified (django_otp.login). Someone with a
stolen password therefore never holds a signed-in session, and the one page they can reach
asks for a code. The first time, that page enrols the app: a QR code drawn on the server
(segno, an SVG in a data: URI, which the content security policy allows) and the key in
letters for typing, confirmed by one code.
"""

import math
import time

import segno
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from utilityclerk import audit
from utilityclerk.roles import ADMIN, SUPERVISOR

PENDING = "_second_factor_pending"
PENDING_SECONDS = 300
DEVICE_NAME = "Authenticator app"


def required_for(user) -> bool:
    if not settings.SECOND_FACTOR_REQUIRED:
        return False
    if user.is_superuser or user.is_staff:
        return True
    return user.groups.filter(name__in=[SUPERVISOR, ADMIN]).exists()


def begin(request, user) -> None:
    """The password was right: remember whom for, in a new session key (no fixation)."""
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "at": time.time()}


def pending_user(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user) -> TOTPDevice:
    """The device being enrolled: the same key on every visit until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def qr_data_uri(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4, light="white")


def key_for_typing(device: TOTPDevice) -> str:
    """The key as an app asks for it when typed: base32, in groups of four."""
    from base64 import b32encode

    letters = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(letters[i : i + 4] for i in range(0, len(letters), 4))


class WaitBeforeTrying(Exception):
    """Wrong codes came in a row: django-otp refuses any code for 1, 2, 4, ... seconds."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds


def verify(request, user, device: TOTPDevice, token: str) -> bool:
    """Check the code (each code once: django-otp keeps the last time step used, and
    throttles after wrong codes), then sign in. The device row is locked so two submits of
    one code cannot both pass. While throttled no code is checked, not even the right one:
    the person is told to wait rather than that a right code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = device.verify_is_allowed()
        if not allowed:
            left = (why["locked_until"] - timezone.now()).total_seconds()
            raise WaitBeforeTrying(max(1, math.ceil(left)))
        if not device.verify_token(token):
            return False
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            audit.record(
                actor=user,
                action="user.second_factor_enrolled",
                target=user,
                after={"device": device.name},
            )
    request.session.pop(PENDING, None)
    auth.login(request, user)
    otp_login(request, device)
    return True
