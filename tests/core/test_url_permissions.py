"""Every URL the resolver knows, as every role: the permission each needs is the one its
action needs, and a URL nobody classified fails here.

To classify a new URL, add one line to URL_PERMISSIONS in its app's roles.py:
    "billing:run_detail": "billing.view_billrun",
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from tests.factories import make_user
from utilityclerk import roles

pytestmark = pytest.mark.django_db

ROLES = ["Clerk", "Supervisor", "Field", "Admin"]


def walk(patterns=None, namespace="", route="", converters=None):
    """(key, route, converters) for every URL: key is namespace:name, or the route."""
    patterns = get_resolver().url_patterns if patterns is None else patterns
    converters = converters or {}
    for entry in patterns:
        here = route + str(entry.pattern)
        found = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner, here, found)
        elif isinstance(entry, URLPattern):
            key = f"{namespace}{entry.name or here}"
            yield key, here, found


def classification(key: str):
    table = roles.url_permissions()
    if key in table:
        return table[key]
    namespace = key.split(":", 1)[0]
    return table.get(f"{namespace}:*")


ALL_URLS = sorted({key: (route, found) for key, route, found in walk()}.items())


def test_every_url_is_classified():
    missing = [key for key, _ in ALL_URLS if classification(key) is None]
    assert not missing, (
        "Say what these URLs need: one line each in URL_PERMISSIONS of the app's roles.py: "
        + ", ".join(missing)
    )


def test_every_classification_names_a_url_and_a_real_permission():
    from django.contrib.auth.models import Permission

    keys = {key for key, _ in ALL_URLS}
    known = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    for key, needs in roles.url_permissions().items():
        assert key in keys or key.endswith(":*"), f"{key} is classified but not a URL"
        for perm in needs if isinstance(needs, tuple) else (needs,):
            assert perm.startswith("<") or perm in known, f"{key}: no permission {perm}"


def _path(key, route, found) -> str:
    if ":" not in route and key == route:
        return "/" + route
    kwargs = {
        name: 987654 if isinstance(conv, IntConverter) else "9876543"
        for name, conv in found.items()
    }
    return reverse(key, kwargs=kwargs)


WALKED = [(key, route, found) for key, (route, found) in ALL_URLS if not key.startswith("admin:")]


@pytest.fixture
def clients(db):
    made = {"anonymous": (None, Client())}
    for role in ROLES:
        user = make_user(f"walk-{role.lower()}", role=role, is_staff=role == "Admin")
        client = Client(raise_request_exception=False)
        client.force_login(user)
        made[role] = (user, client)
    return made


def _holds(user, needs) -> bool:
    if needs == roles.PUBLIC or needs == roles.SIGNED_IN:
        return True
    return any(user.has_perm(p) for p in (needs if isinstance(needs, tuple) else (needs,)))


@pytest.mark.parametrize(("key", "route", "found"), WALKED, ids=[w[0] for w in WALKED])
def test_each_role_reaches_exactly_what_its_permissions_allow(clients, key, route, found):
    needs = classification(key)
    assert needs is not None, f"{key} is not classified"
    path = _path(key, route, found)
    problems = []
    for role, (user, client) in clients.items():
        got = {"get": client.get(path).status_code}
        if got["get"] == 405:  # a form's POST-only address
            got["post"] = client.post(path).status_code
        if any(status >= 500 for status in got.values()):
            problems.append(f"{role}: {got}")
        elif user is None:
            if needs != roles.PUBLIC and any(s != 302 for s in got.values() if s != 405):
                problems.append(f"signed out: {got}, expected the sign-in page")
        elif _holds(user, needs):
            if 403 in got.values():
                problems.append(f"{role} holds {needs} but is refused: {got}")
        elif not (set(got.values()) <= {403, 405} and 403 in got.values()):
            problems.append(f"{role} lacks {needs} but is not refused: {got}")
    assert not problems, f"{path}: " + "; ".join(problems)
