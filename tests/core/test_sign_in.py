import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection

from tests.factories import DEFAULT_PASSWORD


@pytest.mark.parametrize("path", ["/", "/search/?q=smith", "/admin/core/policy/"])
def test_signed_out_visitor_is_sent_to_login(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_login_page_is_reachable_signed_out(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_good_credentials_land_on_home(client, clerk):
    response = client.post("/login/", {"username": "clerk", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": ""},
        {"username": "x" * 5000, "password": "y"},
        {"username": "\x00", "password": ""},
    ],
)
def test_bad_login_input_gives_a_message_not_a_500(client, db, data):
    response = client.post("/login/", data)
    assert response.status_code == 200
    assert b"field-error" in response.content or b"form-errors" in response.content


def test_wrong_password_says_so(client, clerk):
    response = client.post("/login/", {"username": "clerk", "password": "wrong-password"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_repeated_failures_lock_the_username_even_with_the_right_password(client, clerk):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/login/", {"username": "clerk", "password": "wrong-password"})
    response = client.post("/login/", {"username": "clerk", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_successful_sign_in_clears_earlier_failures(client, clerk):
    client.post("/login/", {"username": "clerk", "password": "wrong-password"})
    client.post("/login/", {"username": "clerk", "password": DEFAULT_PASSWORD})
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_a_session_left_idle_for_the_idle_minutes_is_signed_out(client, clerk):
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    client.post("/login/", {"username": "clerk", "password": DEFAULT_PASSWORD})
    key = client.cookies["sessionid"].value
    idle = timedelta(minutes=settings.SESSION_IDLE_MINUTES)
    expires = Session.objects.get(session_key=key).expire_date
    assert abs(expires - (timezone.now() + idle)) < timedelta(seconds=10)
    # Idle a minute less than that: the clock moved on, the session is still good.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + timedelta(minutes=1)
    )
    assert client.get("/").status_code == 200
    # Idle the whole time: the real session row has expired, and the next request signs in.
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/search/?q=smith")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.get("/").status_code == 302


def test_activity_renews_the_session_at_most_once_a_minute(clerk_client):
    from django.contrib.sessions.models import Session

    clerk_client.get("/")
    key = clerk_client.cookies["sessionid"].value
    first_expiry = Session.objects.get(session_key=key).expire_date
    clerk_client.get("/")  # within the minute: no write
    assert Session.objects.get(session_key=key).expire_date == first_expiry
    session = clerk_client.session
    session["_renewed_at"] -= 61
    session.save()
    clerk_client.get("/")
    assert Session.objects.get(session_key=key).expire_date > first_expiry


def test_logout_needs_post_and_signs_out(clerk_client):
    response = clerk_client.post("/logout/")
    assert response.status_code == 302
    assert clerk_client.get("/").status_code == 302


def test_healthz_answers_signed_out_with_a_database_round_trip(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_down(client):
    # A real unreachable server: point the connection at a closed port, then restore it.
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_admin_sign_in_locks_out_too(client, admin_user):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": admin_user.username, "password": "guess"})
    response = client.post(
        "/admin/login/", {"username": admin_user.username, "password": DEFAULT_PASSWORD}
    )
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session
