"""The second factor for supervisors and admins (TOTP through django-otp), with codes
computed here by RFC 6238 itself, not by the library under test."""

import base64
import hashlib
import hmac
import re
import struct
import time

import pytest
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import DEFAULT_PASSWORD
from utilityclerk.core.models import AuditEvent

on = override_settings(SECOND_FACTOR_REQUIRED=True)


def totp(key: bytes, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238: HOTP (RFC 4226) over the count of 30-second steps since the epoch."""
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def test_our_totp_is_rfc_6238():
    # RFC 6238, Appendix B, SHA-1: T = 59 s and 1111111109 s give 94287082 and 07081804.
    key = b"12345678901234567890"
    assert totp(key, at=59, digits=8) == "94287082"
    assert totp(key, at=1111111109, digits=8) == "07081804"


def key_on_page(html: str) -> bytes:
    letters = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    letters = letters.replace(" ", "")
    return base64.b32decode(letters + "=" * (-len(letters) % 8))


def password_step(client, user, path="/login/", next_url=None):
    data = {"username": user.username, "password": DEFAULT_PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(path, data)


@on
def test_a_supervisors_password_alone_does_not_sign_in(client, supervisor):
    response = password_step(client, supervisor)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/second-factor/")
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # still sent to sign in


@on
def test_first_sign_in_enrols_the_app_with_a_server_drawn_qr_code(client, supervisor):
    password_step(client, supervisor)
    page = client.get("/login/second-factor/")
    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert "img-src 'self' data:" in page["Content-Security-Policy"]
    key = key_on_page(html)
    device = TOTPDevice.objects.get(user=supervisor)
    assert key == device.bin_key and not device.confirmed
    assert key_on_page(client.get("/login/second-factor/").content.decode()) == key  # same key

    response = client.post("/login/second-factor/", {"token": totp(key)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="user.second_factor_enrolled", actor=supervisor)
    assert client.get("/").status_code == 200


@on
def test_an_enrolled_supervisor_signs_in_with_the_current_code(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    password_step(client, supervisor, next_url="/search/?q=smith")
    html = client.get("/login/second-factor/?next=/search/?q=smith").content.decode()
    assert "data:image/svg+xml" not in html  # no key shown once enrolled
    response = client.post(
        "/login/second-factor/", {"token": totp(device.bin_key), "next": "/search/?q=smith"}
    )
    assert response["Location"] == "/search/?q=smith"
    assert client.session["_auth_user_id"] == str(supervisor.pk)


@on
def test_a_wrong_code_is_refused_beside_the_box(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    password_step(client, supervisor)
    right = totp(device.bin_key)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post("/login/second-factor/", {"token": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert b'id="id_token_error"' in response.content
    assert "_auth_user_id" not in client.session
    for typed in ["12345", "abcdef", "١٢٣٤٥٦"]:
        response = client.post("/login/second-factor/", {"token": typed})
        assert b'id="id_token_error"' in response.content
        assert "_auth_user_id" not in client.session


@on
def test_a_code_signs_in_once(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    code = totp(device.bin_key)
    password_step(client, supervisor)
    assert client.post("/login/second-factor/", {"token": code}).status_code == 302
    client.post("/logout/")
    password_step(client, supervisor)
    response = client.post("/login/second-factor/", {"token": code})  # seen over a shoulder
    assert b"That code is not right" in response.content
    assert "_auth_user_id" not in client.session


@on
def test_the_code_page_needs_a_right_password_first(client, db):
    response = client.get("/login/second-factor/")
    assert response.status_code == 302 and response["Location"] == "/login/"


@on
def test_the_password_step_expires(client, supervisor):
    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    password_step(client, supervisor)
    session = client.session
    session["_second_factor_pending"]["at"] -= 301
    session.save()
    response = client.post("/login/second-factor/", {"token": totp(device.bin_key)})
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


@on
def test_a_clerk_signs_in_with_the_password_alone(client, clerk):
    response = password_step(client, clerk)
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_with_the_setting_off_a_supervisor_needs_no_code(client, supervisor):
    assert password_step(client, supervisor)["Location"] == "/"
    assert client.session["_auth_user_id"] == str(supervisor.pk)


@on
def test_the_admin_sign_in_goes_through_the_second_factor(client, admin_user):
    response = password_step(client, admin_user, path="/admin/login/", next_url="/admin/")
    assert response["Location"].startswith("/login/second-factor/")
    assert "_auth_user_id" not in client.session
    key = key_on_page(client.get(response["Location"]).content.decode())
    response = client.post("/login/second-factor/", {"token": totp(key), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


@on
def test_an_admin_session_not_verified_by_a_code_is_refused(client, admin_user):
    client.force_login(admin_user)  # a session made some other way than the sign-in page
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.browser
@on
def test_enrolment_in_the_browser_shows_the_qr_code_and_signs_in(page, supervisor):
    page.goto("/login/")
    page.get_by_label("Username").fill(supervisor.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Set up your authenticator app").wait_for()
    qr = page.get_by_alt_text("QR code to scan with the authenticator app")
    # Drawn: the content security policy let the data: image load.
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    key = key_on_page(page.content())
    page.get_by_label("Code from your authenticator app").fill(totp(key))
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url)
    assert TOTPDevice.objects.get(user=supervisor).confirmed


@on
def test_after_a_wrong_code_a_quick_retry_is_told_to_wait_not_that_it_is_wrong(client, supervisor):
    from datetime import timedelta

    from django.utils import timezone

    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    password_step(client, supervisor)
    right = totp(device.bin_key)
    client.post("/login/second-factor/", {"token": f"{(int(right) + 1) % 1_000_000:06d}"})
    # At once: the wrong code's moment is now, however slow the machine was since.
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=timezone.now())
    response = client.post("/login/second-factor/", {"token": right})
    assert b"Wrong codes were typed: wait 1 second" in response.content
    assert "_auth_user_id" not in client.session
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # the wait is not made longer by asking
    # A second later, the same right code signs in.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(seconds=2)
    )
    assert client.post("/login/second-factor/", {"token": right}).status_code == 302
    assert client.session["_auth_user_id"] == str(supervisor.pk)


@on
def test_a_lost_phone_an_admin_deletes_the_device_and_the_next_sign_in_enrols(
    client, admin_user, supervisor
):
    from django.test import Client

    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    admin = Client()
    password_step(admin, admin_user, path="/admin/login/", next_url="/admin/")
    key = key_on_page(admin.get("/login/second-factor/").content.decode())
    admin.post("/login/second-factor/", {"token": totp(key)})
    page = admin.get(f"/admin/otp_totp/totpdevice/{device.pk}/delete/")
    assert page.status_code == 200
    admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=supervisor, confirmed=True).exists()
    password_step(client, supervisor)
    assert b"Set up your authenticator app" in client.get("/login/second-factor/").content
