"""Roles are Django groups with these exact names; each app says what each role may do.

Every installed app may have a `roles.py` module with:
  ROLE_PERMISSIONS = {"Clerk": [...], "Supervisor": [...], "Admin": [...], ...}
  NAVIGATION = [(order, label, url_name, permission or None), ...]
  URL_PERMISSIONS = {"app:url_name": "app.permission", ...}: what each of the app's URLs
      needs, one line per URL: a permission, a tuple of permissions (any one will do), or
      PUBLIC / SIGNED_IN / ADMIN_SITE. tests/core/test_url_permissions.py walks every URL
      the resolver knows as every role and fails on a URL that is not here.
Supervisor holds everything Clerk holds without repeating it. The groups are created by
migrations (core.0003 and any app adding a role); permissions are granted after every
migrate (`grant_role_permissions`) so the role matrix follows the apps; tests assert it.
"""

from functools import cache
from importlib import import_module

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

CLERK = "Clerk"
SUPERVISOR = "Supervisor"
ADMIN = "Admin"
FIELD = "Field"
ROLE_NAMES = (CLERK, SUPERVISOR, ADMIN)

ROLE_PERMISSIONS = {
    CLERK: ["core.view_audit_trail"],
    SUPERVISOR: ["core.view_auditevent"],
    ADMIN: [
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "core.view_auditevent",
        "core.view_audit_trail",
        "core.view_policy",
        "core.change_policy",
        "core.view_holiday",
        "core.add_holiday",
        "core.change_holiday",
        "core.delete_holiday",
        "axes.view_accessattempt",  # the sign-in lock-out: deleting the attempts lifts it
        "axes.delete_accessattempt",
        "otp_totp.view_totpdevice",  # a lost phone: deleting the device enrols anew
        "otp_totp.delete_totpdevice",
    ],
}
NAVIGATION = [(0, "Home", "home", None), (100, "Admin", "admin:index", "core.change_policy")]

# What a URL needs, beside a permission.
PUBLIC = "<public>"  # answered signed out (sign-in, the load balancer's probe)
SIGNED_IN = "<signed in>"  # any signed-in user, whatever their role
ADMIN_SITE = "<admin site>"  # Django admin: staff, then its own model permissions

URL_PERMISSIONS = {
    "home": SIGNED_IN,
    "healthz": PUBLIC,
    "favicon.ico": PUBLIC,  # no name: keyed by its route
    "login": PUBLIC,
    "second_factor": PUBLIC,  # after the password, before the session is signed in
    "logout": PUBLIC,
    # Background runs: seeing them needs view_batchrun; starting, approving, cancelling
    # and resuming each run kind's own permission, checked by utilityclerk.runs.services.
    "runs:list": "runs.view_batchrun",
    "runs:detail": "runs.view_batchrun",
    "runs:approve": "runs.view_batchrun",
    "runs:cancel": "runs.view_batchrun",
    "runs:resume": "runs.view_batchrun",
    "admin:*": ADMIN_SITE,
}


def _app_modules():
    for app_config in global_apps.get_app_configs():
        if app_config.name.startswith("django"):
            continue
        try:
            yield import_module(f"{app_config.name}.roles")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.roles":
                raise


@cache
def role_permissions() -> dict[str, list[str]]:
    """Every role's permissions, gathered from the apps; Supervisor includes Clerk's."""
    merged: dict[str, list[str]] = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for module in _app_modules():
        for role, perms in getattr(module, "ROLE_PERMISSIONS", {}).items():
            merged.setdefault(role, [])
            merged[role].extend(p for p in perms if p not in merged[role])
    merged[SUPERVISOR] = list(dict.fromkeys(merged[CLERK] + merged[SUPERVISOR]))
    return merged


@cache
def url_permissions() -> dict[str, str | tuple[str, ...]]:
    """What every URL needs, gathered from the apps' URL_PERMISSIONS."""
    merged = dict(URL_PERMISSIONS)
    for module in _app_modules():
        for name, needs in getattr(module, "URL_PERMISSIONS", {}).items():
            if name in merged and merged[name] != needs:
                raise ValueError(f"{name} is classified twice: {merged[name]} and {needs}")
            merged[name] = needs
    return merged


def any_permission_required(*perms: str):
    """A view any one of these permissions opens (403 otherwise), checked before the view
    looks anything up, so a role without them learns nothing about what exists."""
    from functools import wraps

    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@cache
def navigation() -> list[tuple[int, str, str, str | None]]:
    items = list(NAVIGATION)
    for module in _app_modules():
        items.extend(getattr(module, "NAVIGATION", []))
    return sorted(items)


def grant_role_permissions(sender=None, using="default", **kwargs):
    """Make each role group hold exactly its permissions (post_migrate handler)."""
    from django.contrib.auth.models import Group, Permission

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, wanted in role_permissions().items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        perms = []
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            perm = (
                Permission.objects.using(using)
                .filter(content_type__app_label=app_label, codename=codename)
                .first()
            )
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


# The permission that marks each role, highest first. Reading the role from permissions
# reuses the permission cache every view's check has already loaded: no extra query.
ROLE_MARKERS = [
    (ADMIN, "core.change_policy"),
    (SUPERVISOR, "accounts.approve_adjustment"),
    (CLERK, "accounts.view_account"),
    (FIELD, "workorders.complete_own_crew_orders"),
]


def role_of(user) -> str:
    """The highest role a user holds, for the header."""
    if not user.is_authenticated:
        return ""
    for role, marker in ROLE_MARKERS:
        if user.has_perm(marker):
            return role
    return ""
