"""Plain functions that make valid records with sensible defaults; override what a test cares about."""

import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(username=None, *, role=None, is_staff=False, password=DEFAULT_PASSWORD, **extra):
    username = username or f"user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_staff, **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user
