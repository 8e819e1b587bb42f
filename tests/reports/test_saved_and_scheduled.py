"""Saved reports rerun with one click; schedules e-mail the PDF or CSV through the background
worker, once per due day; a failed send is shown and retried."""

import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from reports import services
from reports.catalogue import get_report
from reports.models import DeliveryStatus, ReportDelivery, ReportSchedule, SavedReport
from tests.runs_helpers import run_worker
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def saved(supervisor):
    return services.save_report(
        code="contacts",
        name="Council contacts, last month",
        params={"period": "last_month", "party_type": "elected_official"},
        by=supervisor,
    )


def test_saving_keeps_the_filters_and_is_audited(supervisor_client, supervisor):
    response = supervisor_client.post(
        reverse("reports:save", args=["contacts"]),
        {
            "name": "Council contacts",
            "period": "last_month",
            "party_type": "elected_official",
            "sort": "topic",
            "csrfmiddlewaretoken": "x",
        },
    )
    assert response.status_code == 302
    saved = SavedReport.objects.get(owner=supervisor)
    assert saved.params == {"period": "last_month", "party_type": "elected_official"}
    assert AuditEvent.objects.filter(action="report.saved").count() == 1
    page = supervisor_client.get(reverse("reports:saved")).content.decode()
    assert "Council contacts" in page
    assert f"{get_report('contacts').url}?period=last_month&amp;party_type=elected_official" in page


def test_saving_again_under_the_same_name_replaces_the_filters(saved, supervisor):
    services.save_report(
        code="contacts", name=saved.name, params={"period": "today"}, by=supervisor
    )
    assert SavedReport.objects.get().params == {"period": "today"}


def test_saving_bad_filters_or_a_report_you_cannot_run_is_refused(supervisor, clerk):
    with pytest.raises(services.ReportError):
        services.save_report(code="contacts", name="x", params={"start": "soon"}, by=supervisor)
    with pytest.raises(services.ReportError):
        services.save_report(code="payments", name="x", params={}, by=clerk)
    assert not SavedReport.objects.exists()


def test_clerks_cannot_save_or_schedule(clerk_client, saved):
    assert clerk_client.post(reverse("reports:save", args=["aging_summary"])).status_code == 403
    assert clerk_client.get(reverse("reports:saved")).status_code == 403
    assert clerk_client.get(reverse("reports:schedule", args=[saved.pk])).status_code == 403


def test_another_supervisors_saved_report_is_not_yours(saved):
    from django.test import Client

    from tests.factories import make_user

    other = Client()
    other.force_login(make_user("supervisor9", role="Supervisor"))
    assert other.get(reverse("reports:schedule", args=[saved.pk])).status_code == 404


def test_schedule_form_checks_each_address_beside_the_field(supervisor_client, saved):
    response = supervisor_client.post(
        reverse("reports:schedule", args=[saved.pk]),
        {
            "frequency": "weekly",
            "format": "pdf",
            "recipients": "ok@city.gov, not-an-address",
            "first_on": business_day.today().isoformat(),
        },
    )
    assert "Not an e-mail address: not-an-address." in response.content.decode()
    assert not ReportSchedule.objects.exists()


def test_a_due_schedule_sends_its_pdf_once(supervisor_client, saved):
    today = business_day.today()
    supervisor_client.post(
        reverse("reports:schedule", args=[saved.pk]),
        {
            "frequency": "weekly",
            "format": "pdf",
            "recipients": "a@city.gov\nb@city.gov",
            "first_on": today.isoformat(),
        },
    )
    schedule = ReportSchedule.objects.get()
    assert schedule.recipients == ["a@city.gov", "b@city.gov"]
    services.sweep_due_schedules(today)
    services.sweep_due_schedules(today)  # a second sweep (cron twice, two machines): no resend
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["a@city.gov", "b@city.gov"]
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Contacts by party type and topic" in text and "Period: Last month" in text
    delivery = ReportDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    schedule.refresh_from_db()
    assert schedule.next_run_on == today + timedelta(days=7)


def test_a_csv_schedule_attaches_the_csv(saved, supervisor):
    services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="csv",
        recipients=["a@city.gov"],
        first_on=business_day.today(),
        by=supervisor,
    )
    services.sweep_due_schedules()
    run_worker()
    name, content, mimetype = mail.outbox[0].attachments[0]
    assert name.endswith(".csv") and mimetype == "text/csv"
    text = content.decode() if isinstance(content, bytes) else content
    assert text.splitlines()[0] == "Party type,Topic,Contacts,Open,Closed,Referred"


def test_a_schedule_that_fell_behind_sends_once_and_moves_past_today(saved, supervisor):
    today = business_day.today()
    schedule = services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="pdf",
        recipients=["a@city.gov"],
        first_on=today,
        by=supervisor,
    )
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_on=today - timedelta(days=5))
    services.sweep_due_schedules(today)
    run_worker()
    assert len(mail.outbox) == 1
    schedule.refresh_from_db()
    assert schedule.next_run_on == today + timedelta(days=1)


def test_monthly_keeps_the_day_or_the_months_last_day():
    from datetime import date

    assert services.next_date("monthly", date(2027, 1, 31)) == date(2027, 2, 28)
    assert services.next_date("monthly", date(2026, 12, 15)) == date(2027, 1, 15)


def test_a_failed_send_is_shown_and_retried(saved, supervisor, supervisor_client, settings):
    services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="pdf",
        recipients=["a@city.gov"],
        first_on=business_day.today(),
        by=supervisor,
    )
    # A mail server that refuses the message.
    settings.MAILERS = {"default": {"BACKEND": "tests.reports.failing_mail.RefusingBackend"}}
    services.sweep_due_schedules()
    run_worker()
    delivery = ReportDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "SMTPRecipientsRefused" in delivery.error
    page = supervisor_client.get(reverse("reports:saved")).content.decode()
    assert "Failed" in page and "SMTPRecipientsRefused" in page and ">Retry<" in page

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    supervisor_client.post(reverse("reports:retry_delivery", args=[delivery.pk]))
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert len(mail.outbox) == 1


def test_the_sweep_retries_failed_sends_by_itself(saved, supervisor, settings):
    services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="pdf",
        recipients=["a@city.gov"],
        first_on=business_day.today(),
        by=supervisor,
    )
    settings.MAILERS = {"default": {"BACKEND": "tests.reports.failing_mail.RefusingBackend"}}
    services.sweep_due_schedules()
    run_worker()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    services.sweep_due_schedules()  # the same day: no new delivery, the failed one again
    run_worker()
    assert ReportDelivery.objects.get().status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_stopping_a_schedule(saved, supervisor, supervisor_client):
    schedule = services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="pdf",
        recipients=["a@city.gov"],
        first_on=business_day.today(),
        by=supervisor,
    )
    supervisor_client.post(reverse("reports:stop_schedule", args=[schedule.pk]))
    schedule.refresh_from_db()
    assert not schedule.active
    assert services.sweep_due_schedules() == []


def test_the_command_queues_what_is_due(saved, supervisor):
    from django.core.management import call_command

    services.schedule_report(
        saved=saved,
        frequency="daily",
        fmt="csv",
        recipients=["a@city.gov"],
        first_on=business_day.today(),
        by=supervisor,
    )
    out = io.StringIO()
    call_command("send_scheduled_reports", stdout=out)
    assert "1 report e-mail(s) queued." in out.getvalue()
    run_worker()
    assert len(mail.outbox) == 1
