from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.forms.models import model_to_dict

from utilityclerk import audit
from utilityclerk.core.models import AuditEvent, Policy


@pytest.fixture
def event(db, clerk):
    policy = Policy.current()
    return audit.record(
        actor=clerk,
        action="policy.test",
        target=policy,
        before={"clerk_adjustment_limit": "50.00"},
        after={"clerk_adjustment_limit": "75.00"},
    )


def test_record_keeps_who_what_and_the_change(event, clerk):
    event.refresh_from_db()
    assert event.actor == clerk
    assert event.actor_name == "clerk"
    assert event.target_repr == "Policy values"
    assert event.changes() == [("clerk_adjustment_limit", "50.00", "75.00")]


def test_record_keeps_only_fields_that_changed(db, clerk):
    event = audit.record(
        actor=clerk,
        action="policy.test",
        target=Policy.current(),
        before={"a": 1, "b": 2},
        after={"a": 1, "b": 3},
    )
    assert event.before == {"b": 2}
    assert event.after == {"b": 3}


@pytest.mark.parametrize(
    "statement",
    ["UPDATE core_auditevent SET action = 'forged'", "DELETE FROM core_auditevent"],
)
def test_database_refuses_changing_the_trail(event, statement):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    event.refresh_from_db()
    assert event.action == "policy.test"


def test_model_refuses_save_and_delete_of_an_event(event):
    event.action = "forged"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    assert AuditEvent.objects.filter(action="policy.test").count() == 1


def test_admin_change_of_policy_is_audited_with_before_and_after(client, admin_user):
    form = model_to_dict(Policy.current())
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/policy/1/change/",
        {**form, "clerk_adjustment_limit": "75.00"},
        headers={"X-Request-ID": "0b7c6f7e-1111-4222-8333-944444444444"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == "/admin/core/policy/"
    assert Policy.current().clerk_adjustment_limit == Decimal("75.00")
    event = AuditEvent.objects.get(action="policy.change.admin")
    assert event.actor == admin_user
    assert event.before == {"clerk_adjustment_limit": "50.00"}
    assert event.after == {"clerk_adjustment_limit": "75.00"}
    assert event.request_id == "0b7c6f7e-1111-4222-8333-944444444444"
    assert event.ip_address == "127.0.0.1"


def test_trail_cannot_be_edited_or_deleted_in_the_admin(client, admin_user, event):
    client.force_login(admin_user)
    page = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="action"' not in page.content  # shown read-only, no form field
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_history_shows_dates_and_times_as_the_screens_do(db):
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from accounts.models import Customer
    from tests.factories import make_customer
    from utilityclerk import audit

    customer = make_customer()
    event = audit.record(
        actor=None,
        action="customer.update",
        target=customer,
        before={"medical_certificate_until": None, "checked_at": None, "called_at": None},
        after={
            "medical_certificate_until": date(2027, 3, 31),
            "checked_at": datetime(2026, 11, 27, 4, 25, tzinfo=ZoneInfo("UTC")),
            "called_at": datetime(2026, 11, 27, 21, 5, tzinfo=ZoneInfo("UTC")),
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk)  # as read back: ISO text in JSON
    shown = {label: after for label, _, after in stored.described_changes()}
    label = Customer._meta.get_field("medical_certificate_until").verbose_name
    assert shown[label[0].upper() + label[1:]] == "03/31/2027"
    # 04:25 UTC is 10:25 PM the evening before in the utility's time zone (America/Chicago).
    assert shown["Checked at"] == "11/26/2026 10:25 PM"
    assert shown["Called at"] == "11/27/2026 3:05 PM"  # as the screens write it


def test_lifting_a_lock_out_in_the_admin_is_audited_one_by_one_or_in_bulk(admin_user):
    from axes.models import AccessAttempt
    from django.test import Client

    attempts = [
        AccessAttempt.objects.create(
            username=name, ip_address="10.0.0.9", user_agent="", failures_since_start=5
        )
        for name in ("pat", "lee", "kim")
    ]
    client = Client()
    client.force_login(admin_user)
    one = client.post(f"/admin/axes/accessattempt/{attempts[0].pk}/delete/", {"post": "yes"})
    assert one.status_code == 302
    bulk = client.post(
        "/admin/axes/accessattempt/",
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": [a.pk for a in attempts[1:]],
        },
    )
    assert bulk.status_code == 302
    assert not AccessAttempt.objects.exists()
    events = AuditEvent.objects.filter(action="accessattempt.delete.admin")
    assert sorted(e.before["username"] for e in events) == ["kim", "lee", "pat"]
    assert {e.actor for e in events} == {admin_user}


def test_removing_a_second_factor_device_in_the_admin_is_audited(admin_user, supervisor):
    from django.test import Client
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=supervisor, name="phone", confirmed=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/otp_totp/totpdevice/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [device.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.exists()
    event = AuditEvent.objects.get(action="totpdevice.delete.admin")
    assert event.target_repr == str(device)
    assert event.actor == admin_user
