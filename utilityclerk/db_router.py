"""Reports and exports read from the streaming replica; everything else uses the primary.

When DATABASE_REPLICA_URL is set (settings.REPLICA_DATABASE names its alias), a view wrapped
in `reads_from_replica` (or code inside `replica_reads()`) sends its ORM reads there, and a
raw query asks `read_connection()` for its connection. Writes, `select_for_update` (Django
routes it as a write), and any read inside a transaction stay on the primary: a service
that locks, re-checks and writes must see the primary's rows, never a replica a moment
behind. Without a replica every read is the primary's.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import connections

_replica_wanted: ContextVar[bool] = ContextVar("replica_wanted", default=False)

# Never from the replica, even in a report: who is signed in, their session and the lock-out.
PRIMARY_ONLY_APPS = {"sessions", "auth", "contenttypes", "axes", "otp_totp", "django_otp"}


def replica_alias() -> str | None:
    alias = getattr(settings, "REPLICA_DATABASE", None)
    if not alias or not _replica_wanted.get():
        return None
    if connections["default"].in_atomic_block:
        return None
    return alias


@contextmanager
def replica_reads():
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def reads_from_replica(view):
    """For a report or export view: its reads may come from the replica."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper


def read_connection():
    """The connection a raw read query of a report should use."""
    return connections[replica_alias() or "default"]


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = replica_alias()
        if alias is None:
            return None  # Django's own choice: the database the related row came from
        return "default" if model._meta.app_label in PRIMARY_ONLY_APPS else alias

    def db_for_write(self, model, **hints):
        # A row read from the replica is written back to the primary; a row a migration or
        # a command deliberately fetched from another database stays there.
        instance = hints.get("instance")
        db = getattr(getattr(instance, "_state", None), "db", None)
        if db and db != getattr(settings, "REPLICA_DATABASE", None):
            return db
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: a row read from either relates to the other.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # A real replica follows the primary's WAL and is read-only: never migrated itself.
        return db != getattr(settings, "REPLICA_DATABASE", None)
