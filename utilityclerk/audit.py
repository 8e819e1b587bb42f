"""The audit trail: one call for every change of money, status or customer data.

Services call `record()` inside their transaction, so the trail and the change commit or
roll back together. The request id and address come from the request context middleware.
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from utilityclerk.core.models import AuditEvent
from utilityclerk.request_context import current_request


def _json_value(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict:
    """The concrete field values of a record as JSON-safe data (foreign keys as ids)."""
    names = fields or [
        f.name
        for f in instance._meta.concrete_fields
        if not f.primary_key and not getattr(f, "auto_now", False)
    ]
    data = {}
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, field.attname)
        data[name] = _json_value(value)
    return data


def record(
    *,
    actor,
    action: str,
    target: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one audit event. Only the fields that changed are kept when both sides are given."""
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    context = current_request.get()
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=user.get_username() if user else "system",
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        before=before,
        after=after,
        reason=reason,
        request_id=context.request_id,
        ip_address=context.ip_address,
    )


def history_for(target: models.Model):
    """A record's audit events, newest first."""
    return (
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=str(target.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
