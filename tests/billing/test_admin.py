"""Rates in the admin: audited, a version in force is locked, sample bills shown."""

from datetime import timedelta

from billing.models import RateComponent, RateSchedule, RateVersion
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent


def test_a_version_in_force_is_read_only(client, admin_user, rates):
    client.force_login(admin_user)
    version = RateVersion.objects.get(schedule__code="RES-W")
    page = client.get(f"/admin/billing/rateversion/{version.pk}/change/").content.decode()
    assert 'name="effective_from"' not in page  # locked: add a new version instead
    assert "Sample bill" in page and "$61.14" in page  # 5,400 gal at the Cibolo rates


def test_a_new_version_is_audited_and_previewed(client, admin_user, rates):
    client.force_login(admin_user)
    schedule = RateSchedule.objects.get(code="RES-T")
    starts = business_day.today() + timedelta(days=30)
    response = client.post(
        "/admin/billing/rateversion/add/",
        {
            "schedule": schedule.pk,
            "effective_from": starts.isoformat(),
            "note": "Ordinance 2027-4",
            "components-TOTAL_FORMS": "1",
            "components-INITIAL_FORMS": "0",
            "components-MIN_NUM_FORMS": "0",
            "components-MAX_NUM_FORMS": "1000",
            "components-0-position": "0",
            "components-0-kind": "flat",
            "components-0-label": "Trash",
            "components-0-amount": "14.25",
            "components-0-meter_size": "",
            "components-0-usage_from": "",
            "components-0-usage_to": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    errors = response.context.get("errors") if response.context else None
    assert not errors, errors
    version = RateVersion.objects.get(schedule=schedule, effective_from=starts)
    assert RateComponent.objects.get(version=version).amount == 14.25
    assert "Sample bill at a month: $14.25" in response.content.decode()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"rateversion.add.admin", "rate.components.admin"} <= actions


def test_preview_shows_sample_bills_from_the_unsaved_form(client, admin_user, rates):
    client.force_login(admin_user)
    schedule = RateSchedule.objects.get(code="RES-T")
    response = client.post(
        "/admin/billing/rateversion/preview/",
        {
            "schedule": schedule.pk,
            "components-TOTAL_FORMS": "2",
            "components-INITIAL_FORMS": "0",
            "components-0-kind": "flat",
            "components-0-label": "Trash",
            "components-0-amount": "14.25",
            "components-0-position": "0",
            "components-1-kind": "flat",
            "components-1-label": "Recycling",
            "components-1-amount": "2.75",
            "components-1-position": "1",
        },
    )
    content = response.content.decode()
    assert "$17.00 (Trash $14.25; Recycling $2.75)" in content
    assert RateVersion.objects.filter(schedule=schedule).count() == 1  # nothing saved
