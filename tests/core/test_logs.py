"""One JSON line per request, and no card number, password or session id in any log line."""

import io
import json
import logging

import pytest

from tests.factories import DEFAULT_PASSWORD, make_account, make_user
from utilityclerk.logs import JsonFormatter, scrub

pytestmark = pytest.mark.django_db

CARD = "4111 1111 1111 1111"


@pytest.fixture
def log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


def test_each_request_is_one_json_line_with_its_id_user_status_and_time(client, log_lines):
    user = make_user("ana", role="Clerk")
    client.force_login(user)
    response = client.get("/", headers={"X-Request-ID": "0f5c2a9e-1111-4222-8333-944445555666"})
    client.get("/no-such-page/")
    access = [line for line in log_lines() if line["logger"] == "utilityclerk.access"]
    assert len(access) == 2
    first, second = access
    assert first["request_id"] == "0f5c2a9e-1111-4222-8333-944445555666"
    assert first["request_id"] == response["X-Request-ID"]
    assert (first["user"], first["status"], first["method"], first["path"]) == (
        "ana",
        200,
        "GET",
        "/",
    )
    assert isinstance(first["duration_ms"], float)
    assert second["status"] == 404
    assert len(second["request_id"]) == 36
    # Django's own 'Not Found' warning would be a second line for the same request.
    assert [line for line in log_lines() if line["logger"] == "django.request"] == []


def test_no_card_number_password_or_session_id_in_the_logs(client, log_lines):
    user = make_user("ana", role="Clerk")
    client.post("/login/", {"username": "ana", "password": DEFAULT_PASSWORD})
    session_id = client.cookies["sessionid"].value
    account = make_account()
    client.get("/search/", {"q": CARD})
    client.post(
        f"/payments/take/{account.number}/",
        {"amount": "10.00", "card_amount": "10.00", "card_last4": CARD, "memo": CARD},
    )
    # A record that carries them anyway (a careless log call, an exception's message).
    logging.getLogger("utilityclerk").error(
        "failed for card %s with password=%s sessionid=%s", CARD, DEFAULT_PASSWORD, session_id
    )
    text = "\n".join(json.dumps(line) for line in log_lines())
    assert user.username in text  # the lines are there
    for secret in (CARD, CARD.replace(" ", ""), DEFAULT_PASSWORD, session_id):
        assert secret not in text


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("card 4111-1111-1111-1111 refused", "card [card number] refused"),
        ("receipt R1000234 for account 10000024", "receipt R1000234 for account 10000024"),
        ('{"password": "hunter2hunter2"}', '{"password": "[redacted]"}'),
        ("Cookie: sessionid=abc123; csrftoken=def", "Cookie: [redacted]; csrftoken=[redacted]"),
        ("new_password1=s3cret&x=1", "new_password1=[redacted]&x=1"),
    ],
)
def test_the_scrubber(raw, kept):
    assert scrub(raw) == kept
