from django.conf import settings
from django.urls import reverse

from utilityclerk import roles


def shell(request):
    """What the base template needs on every page: the utility, the user's role, the nav."""
    user = getattr(request, "user", None)
    return {
        "utility_name": settings.UTILITY_NAME,
        "user_role": roles.role_of(user) if user is not None else "",
        "nav_items": navigation_for(user) if user is not None else [],
    }


def navigation_for(user):
    if not user.is_authenticated:
        return []
    items, seen = [], set()
    for _, label, name, perm in roles.navigation():
        # An entry may be listed under two permissions (one per role); show it once.
        if (perm is None or user.has_perm(perm)) and name not in seen:
            seen.add(name)
            items.append({"label": label, "url": reverse(name)})
    return items
