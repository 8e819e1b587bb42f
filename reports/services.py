"""Writes of the reports app: saved reports, their schedules and the scheduled e-mails."""

import calendar
from datetime import date, timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from reports.catalogue import ReportRun, describe_filters, get_report
from reports.exports import csv_lines, report_pdf
from reports.models import (
    DeliveryStatus,
    Frequency,
    ReportDelivery,
    ReportSchedule,
    SavedReport,
)
from utilityclerk import audit, business_day

# A failed send is tried again by each sweep until it has failed this many times; after that
# it waits for someone to press Retry.
MAX_AUTOMATIC_ATTEMPTS = 5


class ReportError(Exception):
    pass


@transaction.atomic
def save_report(*, code: str, name: str, params: dict, by) -> SavedReport:
    report = get_report(code)
    if report is None or not by.has_perm(report.permission):
        raise ReportError("That report cannot be saved.")
    if not report.form(params).is_valid():
        raise ReportError("Fix the filters before saving the report.")
    saved, created = SavedReport.objects.get_or_create(
        owner=by, name=name.strip(), defaults={"report_code": code, "params": params}
    )
    if not created:
        before = audit.snapshot(saved, ["report_code", "params"])
        saved.report_code, saved.params = code, params
        saved.save(update_fields=["report_code", "params"])
        audit.record(
            actor=by,
            action="report.saved_again",
            target=saved,
            before=before,
            after=audit.snapshot(saved, ["report_code", "params"]),
        )
    else:
        audit.record(actor=by, action="report.saved", target=saved, after=audit.snapshot(saved))
    return saved


def next_date(frequency: str, day: date) -> date:
    if frequency == Frequency.DAILY:
        return day + timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        return day + timedelta(days=7)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def schedule_report(
    *, saved: SavedReport, frequency: str, fmt: str, recipients: list[str], first_on: date, by
) -> ReportSchedule:
    schedule = ReportSchedule.objects.create(
        saved_report=saved,
        frequency=frequency,
        format=fmt,
        recipients=recipients,
        next_run_on=first_on,
        created_by=by,
    )
    audit.record(
        actor=by, action="report.scheduled", target=schedule, after=audit.snapshot(schedule)
    )
    return schedule


@transaction.atomic
def stop_schedule(*, schedule: ReportSchedule, by) -> None:
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if not schedule.active:
        return
    schedule.active = False
    schedule.save(update_fields=["active"])
    audit.record(actor=by, action="report.schedule_stopped", target=schedule)


def sweep_due_schedules(today: date | None = None) -> list[int]:
    """Make the deliveries that are due and hand each to the worker. Safe to run twice or on
    two machines at once: schedules are taken with SKIP LOCKED, and one delivery per schedule
    and due day is all the database allows. A schedule that fell behind (no sweep for days)
    sends once, for today, and moves on. Failed sends still under the attempt limit go again."""
    from reports.tasks import send_report_delivery

    today = today or business_day.today()
    made: list[int] = []
    with transaction.atomic():
        due = list(
            ReportSchedule.objects.select_for_update(skip_locked=True).filter(
                active=True, next_run_on__lte=today
            )
        )
        for schedule in due:
            try:
                with transaction.atomic():
                    delivery = ReportDelivery.objects.create(schedule=schedule, due_on=today)
                made.append(delivery.pk)
            except IntegrityError:
                pass  # sent already today
            next_on = schedule.next_run_on
            while next_on <= today:
                next_on = next_date(schedule.frequency, next_on)
            schedule.next_run_on = next_on
            schedule.save(update_fields=["next_run_on"])
        retry = list(
            ReportDelivery.objects.filter(
                status=DeliveryStatus.FAILED, attempts__lt=MAX_AUTOMATIC_ATTEMPTS
            ).values_list("pk", flat=True)
        )
        ids = made + [pk for pk in retry if pk not in made]
        # The queue is a table in the same database: the tasks commit with the deliveries.
        for pk in ids:
            send_report_delivery.enqueue(pk)
    return ids


@transaction.atomic
def retry_delivery(*, delivery: ReportDelivery, by) -> None:
    from reports.tasks import send_report_delivery

    delivery = ReportDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.SENT:
        return
    delivery.status = DeliveryStatus.PENDING
    delivery.save(update_fields=["status"])
    audit.record(actor=by, action="report.delivery_retried", target=delivery)
    send_report_delivery.enqueue(delivery.pk)


def build_attachment(saved: SavedReport, fmt: str, *, by) -> tuple[str, bytes, str]:
    report = get_report(saved.report_code)
    if report is None:
        raise ReportError(f"The report {saved.report_code!r} is no longer in the catalogue.")
    form = report.form(saved.params)
    if not form.is_valid():
        raise ReportError(f"The saved filters no longer fit the report: {form.errors.as_text()}")
    run = ReportRun(report, form.cleaned_data)
    stem = f"{report.code}-{timezone.localdate():%Y%m%d}"
    if fmt == "csv":
        return f"{stem}.csv", "".join(csv_lines(run)).encode(), "text/csv"
    pdf = report_pdf(run, filters=describe_filters(form), generated_by=by)
    return f"{stem}.pdf", pdf, "application/pdf"


def send_delivery(delivery_id: int) -> None:
    """Send one delivery: the report built now, attached to one e-mail to every address.
    Sent once: the row is locked while it sends, and a sent delivery is left alone."""
    with transaction.atomic():
        delivery = (
            ReportDelivery.objects.select_for_update(skip_locked=True)
            .select_related("schedule__saved_report__owner")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status == DeliveryStatus.SENT:
            return
        schedule = delivery.schedule
        saved = schedule.saved_report
        delivery.attempts += 1
        try:
            name, content, mimetype = build_attachment(saved, schedule.format, by=saved.owner)
            message = EmailMessage(
                subject=f"{saved.name} ({delivery.due_on:%m/%d/%Y})",
                body=f"{saved.name}: the {schedule.get_frequency_display().lower()} report "
                f"you asked for is attached.\n\nStop it under Reports › Saved reports.",
                to=schedule.recipients,
            )
            message.attach(name, content, mimetype)
            message.send()
        except Exception as error:
            delivery.status = DeliveryStatus.FAILED
            delivery.error = f"{type(error).__name__}: {error}"[:2000]
        else:
            delivery.status = DeliveryStatus.SENT
            delivery.error = ""
            delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "error", "attempts", "sent_at"])
