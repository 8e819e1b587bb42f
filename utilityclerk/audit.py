"""The audit trail: one call for every change of money, status or customer data.

Services call `record()` inside their transaction, so the trail and the change commit or
roll back together. The request id and address come from the request context middleware.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from utilityclerk.core.models import AuditEvent, related_model
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


def record_many(*, actor, action: str, targets: Iterable[models.Model], after=None) -> None:
    """One audit event per target, written in one statement: the same as `record` for each
    (a batch of work orders raised at once). `after(target) -> dict` gives each its own."""
    targets = list(targets)
    if not targets:
        return
    context = current_request.get()
    user = actor if getattr(actor, "is_authenticated", False) else None
    target_type = ContentType.objects.get_for_model(targets[0], for_concrete_model=True)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=user,
            actor_name=user.get_username() if user else "system",
            action=action,
            target_type=target_type,
            target_id=str(target.pk),
            target_repr=str(target)[:200],
            after=after(target) if after else None,
            request_id=context.request_id,
            ip_address=context.ip_address,
        )
        for target in targets
    )


def _name_of(record: models.Model) -> str:
    full_name = getattr(record, "get_full_name", None)
    return (full_name() if full_name else "") or str(record)


def history_for(target: models.Model, *, limit: int = 100) -> list[AuditEvent]:
    """A record's audit events, newest first, with the records their changes point to (a
    customer, a premise, who did it) named: one query per kind of record, not one per id."""
    events = list(
        AuditEvent.objects.filter(
            target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
            target_id=str(target.pk),
        )
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    wanted: dict = defaultdict(set)
    for event in events:
        model = event.target_model
        for key, before, after in event.changes():
            related = related_model(model, key)
            if related is not None:
                wanted[related].update(v for v in (before, after) if isinstance(v, int))
    # Who did it is loaded with each event already (a user the changes name is usually
    # them), and the record itself often comes with its customer and premise: no query.
    loaded = [event.actor for event in events if event.actor is not None] + [
        field.get_cached_value(target)
        for field in target._meta.concrete_fields
        if field.many_to_one and field.is_cached(target)
    ]
    names = {(type(r), r.pk): _name_of(r) for r in loaded if r is not None}
    for related, ids in wanted.items():
        ids = {pk for pk in ids if (related, pk) not in names}
        if not ids:
            continue
        for record in related._default_manager.filter(pk__in=ids):
            names[(related, record.pk)] = _name_of(record)
    for event in events:
        event.related_names = names
    return events
