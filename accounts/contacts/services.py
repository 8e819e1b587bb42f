"""Every change to the contact log: log a contact, close a follow-up, reassign one.

Each takes the acting user, runs in one transaction and writes the audit trail with it.
"""

import uuid
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Contact, Customer, Premise
from accounts.models.contact import (
    ContactCategory,
    ContactChannel,
    ContactStatus,
    PartyType,
    Referral,
)
from accounts.services import AccountError
from utilityclerk import audit, business_day
from utilityclerk.roles import CLERK, SUPERVISOR

FOLLOW_UP_OWNER_ROLES = (CLERK, SUPERVISOR)
# Clocks on clerks' PCs drift; a contact "a minute from now" is a typed time, not a forged one.
FUTURE_TOLERANCE = timedelta(minutes=5)


class ContactError(AccountError):
    """A contact-log rule a clerk broke; `field` names the form field the message belongs to."""


def _max_length(name: str) -> int:
    return Contact._meta.get_field(name).max_length


def _text(value: str | None, *, field: str, label: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ContactError(f"Enter the {label}.", field=field)
    limit = _max_length(field)
    if len(value) > limit:
        raise ContactError(
            f"The {label} can be at most {limit} characters (it has {len(value)}).", field=field
        )
    return value


def _choice(value: str, choices, *, field: str, message: str) -> str:
    if value not in choices.values:
        raise ContactError(message, field=field)
    return value


def can_own_follow_ups(user) -> bool:
    """Only clerks and supervisors work the follow-up queue; field crews and admins do not."""
    return bool(
        user is not None
        and user.is_active
        and user.groups.filter(name__in=FOLLOW_UP_OWNER_ROLES).exists()
    )


def _check_owner(owner) -> None:
    if not can_own_follow_ups(owner):
        raise ContactError(
            f"{owner.get_full_name() or owner.get_username()} cannot own a follow-up: "
            "choose a clerk or a supervisor.",
            field="follow_up_owner",
        )


def _check_follow_up_date(follow_up_on: date) -> None:
    if follow_up_on < business_day.today():
        raise ContactError(
            "The follow-up date cannot be in the past; choose today or a later day.",
            field="follow_up_on",
        )


def _contact_for_key(key) -> Contact | None:
    return Contact.objects.filter(idempotency_key=key).first() if key else None


def log_contact(
    *,
    by,
    channel: str,
    party_type: str,
    party_name: str,
    category: str,
    subject: str,
    party_reach: str = "",
    notes: str = "",
    outcome: str = "",
    referred_to: str = "",
    referral_note: str = "",
    account: Account | None = None,
    customer: Customer | None = None,
    premise: Premise | None = None,
    contacted_at: datetime | None = None,
    follow_up_on: date | None = None,
    follow_up_owner=None,
    idempotency_key: uuid.UUID | None = None,
) -> Contact:
    """Record one request. With a follow-up date it stays open in the owner's queue;
    without one it was settled during the contact and is closed at once."""
    if not by.has_perm("accounts.add_contact"):
        raise ContactError("Your role cannot log contacts.")
    if not channel:
        raise ContactError("Choose how they contacted us.", field="channel")
    if not party_type:
        raise ContactError("Choose who contacted us.", field="party_type")
    values = {
        "channel": _choice(
            channel, ContactChannel, field="channel", message="Choose how they contacted us."
        ),
        "party_type": _choice(
            party_type, PartyType, field="party_type", message="Choose who contacted us."
        ),
        "category": _choice(
            category, ContactCategory, field="category", message="Choose a category."
        ),
        "referred_to": _choice(
            referred_to or "", Referral, field="referred_to", message="Choose a department."
        ),
        "party_name": _text(party_name, field="party_name", label="party name", required=True),
        "party_reach": _text(party_reach, field="party_reach", label="contact details"),
        "subject": _text(subject, field="subject", label="subject", required=True),
        "notes": _text(notes, field="notes", label="notes"),
        "outcome": _text(outcome, field="outcome", label="outcome"),
        "referral_note": _text(referral_note, field="referral_note", label="referral detail"),
    }
    now = timezone.now()
    contacted_at = contacted_at or now
    if contacted_at > now + FUTURE_TOLERANCE:
        raise ContactError("The contact cannot be in the future.", field="contacted_at")
    if follow_up_owner is not None and follow_up_on is None:
        raise ContactError("Give the follow-up a date.", field="follow_up_on")
    if follow_up_on is not None:
        _check_follow_up_date(follow_up_on)
        follow_up_owner = follow_up_owner or by
        _check_owner(follow_up_owner)
    if account is not None:
        customer = customer or account.customer
        premise = premise or account.premise

    try:
        with transaction.atomic():
            if existing := _contact_for_key(idempotency_key):
                return existing
            contact = Contact.objects.create(
                **values,
                contacted_at=contacted_at,
                account=account,
                customer=customer,
                premise=premise,
                follow_up_on=follow_up_on,
                follow_up_owner=follow_up_owner,
                status=ContactStatus.OPEN if follow_up_on else ContactStatus.CLOSED,
                # Settled during the contact itself: it took no time to close.
                closed_at=None if follow_up_on else contacted_at,
                closed_by=None if follow_up_on else by,
                logged_by=by,
                idempotency_key=idempotency_key,
            )
            # Only what was filled in: an empty referral or note says nothing in the trail.
            logged = {k: v for k, v in audit.snapshot(contact).items() if v not in ("", None)}
            audit.record(actor=by, action="contact.log", target=contact, after=logged)
            return contact
    except IntegrityError:
        # Two submits of the same form at once: the unique key lets one through.
        if found := _contact_for_key(idempotency_key):
            return found
        raise


def _lock(contact: Contact) -> Contact:
    # Owner and supervisor may act on one follow-up at once; the row lock queues them and
    # the second re-reads what the first left.
    return Contact.objects.select_for_update().get(pk=contact.pk)


def close_follow_up(*, contact: Contact, outcome: str, by) -> Contact:
    """Close an open follow-up with what came of it. Closing it twice closes it once."""
    outcome = _text(outcome, field="outcome", label="outcome", required=True)
    with transaction.atomic():
        contact = _lock(contact)
        may_close = by.has_perm("accounts.manage_follow_ups") or (
            contact.follow_up_owner_id == by.pk and by.has_perm("accounts.close_own_follow_up")
        )
        if not may_close:
            raise ContactError("Only its owner or a supervisor can close this follow-up.")
        if contact.status == ContactStatus.CLOSED:
            return contact
        before = audit.snapshot(contact, ["status", "outcome", "closed_at", "closed_by"])
        contact.status = ContactStatus.CLOSED
        contact.outcome = outcome
        contact.closed_at = timezone.now()
        contact.closed_by = by
        contact.save(update_fields=["status", "outcome", "closed_at", "closed_by"])
        audit.record(
            actor=by,
            action="contact.close",
            target=contact,
            before=before,
            after=audit.snapshot(contact, ["status", "outcome", "closed_at", "closed_by"]),
        )
    return contact


def reassign_follow_up(*, contact: Contact, owner, by, follow_up_on: date | None = None) -> Contact:
    """A supervisor hands an open follow-up to another clerk, optionally for another day."""
    if not by.has_perm("accounts.manage_follow_ups"):
        raise ContactError("Only a supervisor can reassign a follow-up.")
    _check_owner(owner)
    if follow_up_on is not None:
        _check_follow_up_date(follow_up_on)
    with transaction.atomic():
        contact = _lock(contact)
        if contact.status != ContactStatus.OPEN:
            raise ContactError("This follow-up is already closed.")
        fields = ["follow_up_owner", "follow_up_on"]
        before = audit.snapshot(contact, fields)
        contact.follow_up_owner = owner
        contact.follow_up_on = follow_up_on or contact.follow_up_on
        contact.save(update_fields=fields)
        audit.record(
            actor=by,
            action="contact.reassign",
            target=contact,
            before=before,
            after=audit.snapshot(contact, fields),
        )
    return contact
