import uuid
from datetime import timedelta

import pytest

from accounts.contacts import services
from accounts.contacts.services import ContactError
from accounts.models import Contact
from tests.factories import make_account, make_user
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db

COUNCIL_CALL = {
    "channel": "phone",
    "party_type": "elected_official",
    "party_name": "Council Member Ana Ruiz",
    "party_reach": "(210) 555-0142",
    "category": "outage_leak",
    "subject": "Water running down Pfeil Rd near the park",
}


def log(by, **overrides):
    return services.log_contact(by=by, **{**COUNCIL_CALL, **overrides})


def test_contact_without_follow_up_is_closed_at_once(clerk):
    contact = log(clerk)
    assert contact.status == "closed"
    assert contact.closed_at == contact.contacted_at
    assert contact.closed_by == clerk
    assert contact.account is None and contact.customer is None


def test_contact_with_follow_up_is_open_and_owned_by_the_clerk_by_default(clerk):
    tomorrow = business_day.today() + timedelta(days=1)
    contact = log(clerk, follow_up_on=tomorrow)
    assert contact.status == "open"
    assert contact.follow_up_on == tomorrow
    assert contact.follow_up_owner == clerk
    assert contact.closed_at is None


def test_logging_is_audited_in_the_same_transaction(clerk):
    contact = log(clerk)
    event = AuditEvent.objects.get(action="contact.log", target_id=str(contact.pk))
    assert event.actor == clerk
    assert event.after["party_name"] == "Council Member Ana Ruiz"


def test_contact_on_an_account_records_its_customer_and_premise(clerk):
    account = make_account()
    contact = log(clerk, party_type="customer", party_name="Maria Johnson", account=account)
    assert contact.customer_id == account.customer_id
    assert contact.premise_id == account.premise_id


def test_double_submit_logs_one_contact(clerk):
    key = uuid.uuid4()
    first = log(clerk, idempotency_key=key)
    second = log(clerk, idempotency_key=key)
    assert first.pk == second.pk
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("party_name", "  ", "Enter the party name."),
        ("channel", "", "Choose how they contacted us."),
        ("channel", "fax", "Choose how they contacted us."),
        ("party_type", "", "Choose who contacted us."),
        ("subject", "", "Enter the subject."),
        ("party_name", "x" * 121, "The party name can be at most 120 characters (it has 121)."),
        ("subject", "x" * 201, "The subject can be at most 200 characters (it has 201)."),
        ("notes", "x" * 4001, "The notes can be at most 4000 characters (it has 4001)."),
    ],
)
def test_bad_input_is_refused_and_nothing_saved(clerk, field, value, message):
    with pytest.raises(ContactError) as refused:
        log(clerk, **{field: value})
    assert str(refused.value) == message
    assert refused.value.field == field
    assert not Contact.objects.exists()
    assert not AuditEvent.objects.filter(action="contact.log").exists()


def test_follow_up_date_in_the_past_is_refused(clerk):
    with pytest.raises(ContactError) as refused:
        log(clerk, follow_up_on=business_day.today() - timedelta(days=1))
    assert refused.value.field == "follow_up_on"
    assert "cannot be in the past" in str(refused.value)
    assert not Contact.objects.exists()


def test_follow_up_today_is_allowed(clerk):
    assert log(clerk, follow_up_on=business_day.today()).status == "open"


@pytest.mark.parametrize("role", [None, "Admin", "Field"])
def test_owner_without_clerk_or_supervisor_role_is_refused(clerk, role):
    owner = make_user(role=role if role != "Field" else None)
    if role == "Field":
        from django.contrib.auth.models import Group

        owner.groups.add(Group.objects.get_or_create(name="Field")[0])
    with pytest.raises(ContactError) as refused:
        log(clerk, follow_up_on=business_day.today(), follow_up_owner=owner)
    assert refused.value.field == "follow_up_owner"
    assert "choose a clerk or a supervisor" in str(refused.value)
    assert not Contact.objects.exists()


def test_inactive_clerk_cannot_own_a_follow_up(clerk):
    gone = make_user(role="Clerk", is_active=False)
    with pytest.raises(ContactError):
        log(clerk, follow_up_on=business_day.today(), follow_up_owner=gone)


def test_owner_without_a_date_is_refused(clerk, supervisor):
    with pytest.raises(ContactError) as refused:
        log(clerk, follow_up_owner=supervisor)
    assert refused.value.field == "follow_up_on"


def test_contact_in_the_future_is_refused(clerk):
    from django.utils import timezone

    with pytest.raises(ContactError) as refused:
        log(clerk, contacted_at=timezone.now() + timedelta(hours=2))
    assert refused.value.field == "contacted_at"


def test_user_without_a_role_cannot_log(db):
    with pytest.raises(ContactError):
        log(make_user())


# Closing --------------------------------------------------------------------------------


@pytest.fixture
def follow_up(clerk):
    return log(clerk, follow_up_on=business_day.today())


def test_owner_closes_own_follow_up_with_outcome(clerk, follow_up):
    closed = services.close_follow_up(
        contact=follow_up, outcome="Public Works fixed the main break.", by=clerk
    )
    closed.refresh_from_db()
    assert closed.status == "closed"
    assert closed.outcome == "Public Works fixed the main break."
    assert closed.closed_by == clerk and closed.closed_at is not None
    event = AuditEvent.objects.get(action="contact.close", target_id=str(closed.pk))
    assert event.before["status"] == "open" and event.after["status"] == "closed"


def test_closing_needs_an_outcome(clerk, follow_up):
    with pytest.raises(ContactError) as refused:
        services.close_follow_up(contact=follow_up, outcome="  ", by=clerk)
    assert refused.value.field == "outcome"
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_another_clerk_cannot_close_it(follow_up):
    other = make_user(role="Clerk")
    with pytest.raises(ContactError):
        services.close_follow_up(contact=follow_up, outcome="Done", by=other)
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_supervisor_can_close_anyones(supervisor, follow_up):
    assert services.close_follow_up(contact=follow_up, outcome="Done", by=supervisor).status == (
        "closed"
    )


def test_closing_twice_closes_once(clerk, follow_up):
    services.close_follow_up(contact=follow_up, outcome="First", by=clerk)
    again = services.close_follow_up(contact=follow_up, outcome="Second", by=clerk)
    assert again.outcome == "First"
    assert AuditEvent.objects.filter(action="contact.close").count() == 1


# Reassigning ----------------------------------------------------------------------------


def test_supervisor_reassigns_to_another_clerk_and_day(supervisor, follow_up):
    other = make_user(role="Clerk")
    later = business_day.today() + timedelta(days=3)
    moved = services.reassign_follow_up(
        contact=follow_up, owner=other, follow_up_on=later, by=supervisor
    )
    moved.refresh_from_db()
    assert moved.follow_up_owner == other and moved.follow_up_on == later
    event = AuditEvent.objects.get(action="contact.reassign")
    assert event.after["follow_up_owner"] == other.pk


def test_clerk_cannot_reassign(clerk, follow_up):
    with pytest.raises(ContactError):
        services.reassign_follow_up(contact=follow_up, owner=make_user(role="Clerk"), by=clerk)


def test_reassign_to_a_user_without_the_role_is_refused(supervisor, follow_up, clerk):
    with pytest.raises(ContactError) as refused:
        services.reassign_follow_up(contact=follow_up, owner=make_user(), by=supervisor)
    assert refused.value.field == "follow_up_owner"
    follow_up.refresh_from_db()
    assert follow_up.follow_up_owner == clerk


def test_closed_follow_up_cannot_be_reassigned(supervisor, follow_up, clerk):
    services.close_follow_up(contact=follow_up, outcome="Done", by=clerk)
    with pytest.raises(ContactError):
        services.reassign_follow_up(contact=follow_up, owner=supervisor, by=supervisor)


def test_database_refuses_an_open_contact_without_a_follow_up(clerk):
    from django.db import IntegrityError, transaction

    contact = log(clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.filter(pk=contact.pk).update(status="open", closed_at=None)
