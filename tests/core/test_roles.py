import pytest
from django.contrib.auth.models import Group

from tests.factories import make_user
from utilityclerk import roles


def test_role_groups_exist_with_exact_names(db):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Clerk", "Supervisor", "Admin"} <= names


@pytest.mark.parametrize("role", roles.ROLE_NAMES)
def test_each_role_holds_exactly_its_permissions(db, role):
    group = Group.objects.get(name=role)
    held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert held == set(roles.role_permissions()[role])
    assert held, "a role without permissions can do nothing"


def test_supervisor_can_do_all_a_clerk_can(db):
    matrix = roles.role_permissions()
    assert set(matrix["Clerk"]) < set(matrix["Supervisor"])


@pytest.mark.parametrize(
    ("role", "staff", "admin_status"),
    [("Clerk", False, 302), ("Supervisor", False, 302), ("Clerk", True, 302), ("Admin", True, 200)],
)
def test_only_the_admin_role_reaches_the_admin(client, db, role, staff, admin_status):
    client.force_login(make_user(role=role, is_staff=staff))
    response = client.get("/admin/")
    assert response.status_code == admin_status
    if admin_status == 302:
        assert "/admin/login/" in response["Location"]


def test_admin_is_titled_for_the_utility(client, admin_user, settings):
    client.force_login(admin_user)
    assert f"{settings.UTILITY_NAME}: administration".encode() in client.get("/admin/").content


def test_navigation_shows_admin_only_to_admins(client, clerk, admin_user):
    client.force_login(clerk)
    assert b'href="/admin/"' not in client.get("/").content
    client.force_login(admin_user)
    assert b'href="/admin/"' in client.get("/").content


def test_header_shows_user_and_role(clerk_client):
    content = clerk_client.get("/").content.decode()
    assert "clerk" in content
    assert '<span class="role-badge">Clerk</span>' in content
