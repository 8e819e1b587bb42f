import os
import re
import subprocess
import sys
from pathlib import Path

from django.contrib import messages
from django.http import HttpResponse
from django.test import RequestFactory
from django.views.defaults import server_error

ROOT = Path(__file__).resolve().parents[2]


def test_pages_carry_security_headers_and_a_same_origin_csp(clerk_client):
    response = clerk_client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_htmx_is_served_from_our_static_files(clerk_client):
    content = clerk_client.get("/").content.decode()
    assert 'src="/static/django_htmx/htmx-2.min.js"' in content
    # The city network is closed: nothing the page loads may come from another host.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', content)


def test_404_is_friendly(clerk_client):
    response = clerk_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_500_page_renders_without_a_request_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert b"nothing was saved" in response.content


def test_messages_follow_htmx_requests_out_of_band(rf, clerk):
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django_htmx.middleware import HtmxDetails

    from utilityclerk.core.middleware import HtmxMessagesMiddleware

    request = rf.get("/", headers={"HX-Request": "true"})
    request.user = clerk
    request.session = {}
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)

    def view(req):
        messages.success(req, "Payment posted.")
        return HttpResponse("<p>fragment</p>", content_type="text/html")

    response = HtmxMessagesMiddleware(view)(request)
    body = response.content.decode()
    assert 'hx-swap-oob="true"' in body
    assert "Payment posted." in body


def test_check_deploy_passes_with_production_settings():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "utilityclerk.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x7Kq2!mZ9pL4vB8nR1tY6wE3sD5fG0hJ-production-like-secret-key-value",
        "ALLOWED_HOSTS": "utility.example.gov",
    }
    for name in (
        "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    ):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DJANGO_SETTINGS_MODULE"] = "utilityclerk.settings"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
