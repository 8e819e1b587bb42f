"""The sign-in lock-out (django-axes, through utilityclerk.core.signin): by username, by
address and by both; one lock for the sign-in page, the admin's and the witness box; unknown
usernames answered as known ones; parallel guesses held to the limit."""

import re
import threading

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client, override_settings

from tests.factories import DEFAULT_PASSWORD, make_user
from utilityclerk.core.signin import client_ip

LIMIT = settings.LOGIN_FAILURE_LIMIT
LOCKED = b"Too many failed sign-ins"
WRONG = b"Please enter a correct username and password"


def sign_in(username, password, *, address="10.0.0.1", path="/login/", client=None):
    client = client or Client()
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_password_spraying_from_one_address_is_locked_across_usernames(db):
    # One address, one password, many usernames: no username fails twice, so a lock by
    # username alone never stops it.
    real = make_user("pat", role="Clerk")
    answers = [sign_in(f"user{n}", "Summer2026!", address="203.0.113.9") for n in range(LIMIT)]
    assert LOCKED in answers[-1].content
    # Now even a real user's right password from that address is refused, unchecked ...
    response = sign_in(real.username, DEFAULT_PASSWORD, address="203.0.113.9")
    assert LOCKED in response.content
    assert "_auth_user_id" not in response.client.session
    # ... while the same user from their own desk signs in.
    response = sign_in(real.username, DEFAULT_PASSWORD, address="10.1.1.20")
    assert response.status_code == 302


def test_one_username_guessed_from_many_addresses_is_locked(clerk):
    for n in range(LIMIT):
        sign_in("clerk", "wrong-password", address=f"198.51.100.{n + 1}")
    response = sign_in("clerk", DEFAULT_PASSWORD, address="10.1.1.20")
    assert LOCKED in response.content
    assert "_auth_user_id" not in response.client.session


def test_the_lock_by_username_and_address_together_is_recorded(clerk):
    for _ in range(LIMIT):
        sign_in("clerk", "wrong-password", address="192.0.2.7")
    attempt = AccessAttempt.objects.get(username="clerk", ip_address="192.0.2.7")
    assert attempt.failures_since_start == LIMIT


def _page(response, username):
    # The page less what differs on every response (the CSRF token) and the name typed.
    html = re.sub(rb"[A-Za-z0-9]{64}", b"TOKEN", response.content)
    return html.replace(username.encode(), b"NAME")


def test_an_unknown_username_is_answered_as_a_known_one(clerk):
    known = [sign_in("clerk", "wrong-password", address="192.0.2.1") for _ in range(LIMIT + 1)]
    unknown = [sign_in("nobody", "wrong-password", address="192.0.2.2") for _ in range(LIMIT + 1)]
    for a, b in zip(known, unknown, strict=True):
        assert a.status_code == b.status_code
        assert _page(a, "clerk") == _page(b, "nobody")
    assert LOCKED in known[-1].content and LOCKED in unknown[-1].content
    assert WRONG in known[0].content and WRONG in unknown[0].content


def test_admin_and_counter_sign_ins_share_one_lock(admin_user):
    for n in range(LIMIT):
        path = "/admin/login/" if n % 2 else "/login/"
        sign_in(admin_user.username, "guess", address="192.0.2.44", path=path)
    for path in ("/login/", "/admin/login/"):
        response = sign_in(admin_user.username, DEFAULT_PASSWORD, address="10.9.9.9", path=path)
        assert LOCKED in response.content, path
        assert "_auth_user_id" not in response.client.session


def test_a_sign_in_clears_that_users_failures(clerk):
    for _ in range(LIMIT - 1):
        sign_in("clerk", "wrong-password", address="192.0.2.3")
    assert sign_in("clerk", DEFAULT_PASSWORD, address="192.0.2.3").status_code == 302
    assert not AccessAttempt.objects.filter(username="clerk").exists()


def test_the_lock_lifts_after_the_lockout_minutes(clerk):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(LIMIT):
        sign_in("clerk", "wrong-password", address="192.0.2.5")
    assert LOCKED in sign_in("clerk", DEFAULT_PASSWORD, address="192.0.2.5").content
    past = timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES, seconds=1)
    AccessAttempt.objects.update(attempt_time=past)
    assert sign_in("clerk", DEFAULT_PASSWORD, address="192.0.2.5").status_code == 302


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_behind_the_proxy_the_address_is_the_one_the_proxy_appended(rf):
    request = rf.post("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8")
    assert client_ip(request) == "5.6.7.8"  # the client may write anything before it


def test_without_the_proxy_forwarded_for_is_not_trusted(rf):
    request = rf.post("/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert client_ip(request) == "10.0.0.2"


class CountingPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's PBKDF2 hasher, doing its real (slow) work, counting each password it checks.
    An unknown username is checked too: Django hashes the guess once all the same."""

    checks = 0
    _lock = threading.Lock()

    def _count(self):
        with self._lock:
            type(self).checks += 1

    def verify(self, password, encoded):
        self._count()
        return super().verify(password, encoded)

    def salt(self):
        # An unknown username: Django hashes the guess as a new password (make_password asks
        # for a salt once; verify() does not).
        self._count()
        return super().salt()


# Real password hashing (not the tests' MD5): each check then takes long enough that
# guesses sent together all read "no failures yet" before any is written, unless checks on
# one name or address wait for each other.
@pytest.mark.django_db(transaction=True)
@override_settings(
    PASSWORD_HASHERS=["tests.core.test_lockout.CountingPBKDF2PasswordHasher"],
)
@pytest.mark.parametrize("spraying", [False, True], ids=["one-username", "one-address"])
def test_parallel_guesses_are_held_to_the_limit(spraying):
    make_user("target", role="Clerk")
    CountingPBKDF2PasswordHasher.checks = 0
    guesses = 3 * LIMIT
    barrier = threading.Barrier(guesses)
    answers = [None] * guesses

    def guess(i):
        from django.db import connection

        try:
            barrier.wait(timeout=30)
            username = f"sprayed{i}" if spraying else "target"
            answers[i] = sign_in(username, f"guess-{i}", address="203.0.113.50").content
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    # Every guess is answered, and only LIMIT passwords were checked: the rest were refused
    # unchecked, whatever order the threads ran in.
    assert all(answer is not None for answer in answers)
    assert CountingPBKDF2PasswordHasher.checks == LIMIT
    assert sum(WRONG in answer for answer in answers) == LIMIT - 1
    assert sum(LOCKED in answer for answer in answers) == guesses - (LIMIT - 1)
