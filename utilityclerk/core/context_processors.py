from django.conf import settings

from utilityclerk import roles


def shell(request):
    """What the base template needs on every page: the utility, the user's role, the nav."""
    user = getattr(request, "user", None)
    return {
        "utility_name": settings.UTILITY_NAME,
        "user_role": roles.role_of(user) if user is not None else "",
        "nav_items": navigation_for(user) if user is not None else [],
    }


# (label, url name, permission needed or None for any signed-in user)
NAVIGATION = [
    ("Home", "home", None),
    ("New account", "accounts:new", "accounts.add_account"),
    ("Adjustments", "accounts:adjustment_queue", "accounts.approve_adjustment"),
    ("Admin", "admin:index", "core.change_policy"),
]


def navigation_for(user):
    if not user.is_authenticated:
        return []
    from django.urls import reverse

    return [
        {"label": label, "url": reverse(name)}
        for label, name, perm in NAVIGATION
        if perm is None or user.has_perm(perm)
    ]
