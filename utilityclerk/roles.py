"""Roles are Django groups with these exact names; this module says what each may do.

The groups are created by migration core.0003. Permissions are granted after every migrate
(`grant_role_permissions`), because apps added later bring their own permissions with them and
the role matrix must follow them; tests assert the matrix.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions

CLERK = "Clerk"
SUPERVISOR = "Supervisor"
ADMIN = "Admin"
ROLE_NAMES = (CLERK, SUPERVISOR, ADMIN)

# "app_label.codename" for each role. A permission whose app is not installed is skipped.
CLERK_PERMISSIONS = [
    "core.view_audit_trail",
    "accounts.view_customer",
    "accounts.add_customer",
    "accounts.change_customer",
    "accounts.view_premise",
    "accounts.add_premise",
    "accounts.view_account",
    "accounts.add_account",
    "accounts.change_account",
    "accounts.view_service",
    "accounts.view_ledgerentry",
    "accounts.view_bill",
    "accounts.add_accountnote",
    "accounts.post_adjustment",
]
SUPERVISOR_PERMISSIONS = [
    *CLERK_PERMISSIONS,
    "core.view_auditevent",
    "accounts.approve_adjustment",
    "accounts.view_adjustmentrequest",
]
ADMIN_PERMISSIONS = [
    *(
        f"accounts.{action}_{model}"
        for model in ("customer", "premise", "servicepoint", "account", "service")
        for action in ("view", "add", "change")
    ),
    "accounts.view_ledgerentry",
    "accounts.view_bill",
    "accounts.view_billline",
    "accounts.view_accountnote",
    "accounts.view_adjustmentrequest",
    "auth.view_user",
    "auth.add_user",
    "auth.change_user",
    "auth.view_group",
    "core.view_auditevent",
    "core.view_audit_trail",
    "core.view_policy",
    "core.change_policy",
    "core.view_loginfailure",
    "core.delete_loginfailure",
]

ROLE_PERMISSIONS = {
    CLERK: CLERK_PERMISSIONS,
    SUPERVISOR: SUPERVISOR_PERMISSIONS,
    ADMIN: ADMIN_PERMISSIONS,
}


def grant_role_permissions(sender=None, apps=global_apps, using="default", **kwargs):
    """Make each role group hold exactly its permissions (post_migrate handler)."""
    from django.contrib.auth.models import Group, Permission

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    for role, wanted in ROLE_PERMISSIONS.items():
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
]


def role_of(user) -> str:
    """The highest role a user holds, for the header."""
    if not user.is_authenticated:
        return ""
    for role, marker in ROLE_MARKERS:
        if user.has_perm(marker):
            return role
    return ""
