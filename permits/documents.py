"""The permit as a PDF with its verification QR code, will-serve letters, backflow reminder
letters and the permit reports (data, PDF)."""

from datetime import date, timedelta

import segno
from django.urls import reverse

from permits import queries
from permits.models import Permit, WillServeLetter
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO
from utilityclerk.pdf import render_pdf


def verify_url(permit: Permit, request) -> str:
    """The public page the QR code opens: an unguessable token, never the number alone."""
    return request.build_absolute_uri(reverse("permits:verify", args=[permit.verify_token]))


def qr_svg_data_uri(url: str) -> str:
    # Error correction M survives a smudged print; SVG stays sharp at any printer resolution.
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def permit_pdf(permit: Permit, *, request, by) -> bytes:
    url = verify_url(permit, request)
    return render_pdf(
        "permits/pdf/permit.html",
        {"permit": permit, "verify_url": url, "qr": qr_svg_data_uri(url)},
        generated_by=by,
    )


def will_serve_pdf(letter: WillServeLetter, *, by) -> bytes:
    return render_pdf("permits/pdf/will_serve.html", {"letter": letter}, generated_by=by)


def backflow_reminders_pdf(reminders, *, today: date, by) -> bytes:
    return render_pdf(
        "permits/pdf/backflow_reminders.html",
        {"reminders": reminders, "today": today, "days": Policy.current().backflow_reminder_days},
        generated_by=by,
    )


def backflow_notices_pdf(devices, *, today: date, by) -> bytes:
    return render_pdf(
        "permits/pdf/backflow_notices.html", {"devices": devices, "today": today}, generated_by=by
    )


def report_data(start: date, end: date, *, today: date) -> dict:
    issued = queries.issued_by_type(start, end)
    deposits = queries.deposits_held()
    out = queries.meters_out()
    return {
        "start": start,
        "end": end,
        "today": today,
        "issued": issued,
        "issued_count": sum(r.issued for r in issued),
        "fees_total": sum((r.fees for r in issued), ZERO),
        "deposits": deposits,
        "deposits_total": sum((d["paid"] for d in deposits), ZERO),
        "meters_out": out,
        "meters_overdue": [c for c in out if c.due_back < today],
        "backflow": queries.backflow_compliance(today),
        "backflow_overdue": queries.backflow_overdue(today),
        "refunds_due": queries.refunds_due(),
        "expiring_by": today + timedelta(days=Policy.current().permit_expiry_reminder_days),
    }


def report_pdf(report: dict, *, by) -> bytes:
    return render_pdf("permits/pdf/report.html", {"report": report}, generated_by=by)
