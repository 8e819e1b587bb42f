"""The contact report: contacts by category, party type and channel over a date range, with
the median time to close, as a PDF and as CSV. Both are built from one query."""

import csv
import io

from accounts.contacts.queries import ContactReport, contact_report
from utilityclerk.pdf import render_pdf

__all__ = ["ContactReport", "contact_report", "report_csv", "report_pdf"]

CSV_HEADER = [
    "breakdown",
    "code",
    "label",
    "contacts",
    "open",
    "closed",
    "referred",
    "median_hours_to_close",
]


def _hours(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def report_csv(report: ContactReport) -> str:
    """One row per category, party type and channel, and a total row; hours to one decimal."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for dimension, _heading, rows in report.sections:
        for row in rows:
            writer.writerow(
                [
                    dimension,
                    row.value,
                    row.label,
                    row.contacts,
                    row.open,
                    row.closed,
                    row.referred,
                    _hours(row.median_hours_to_close),
                ]
            )
    total = report.total
    writer.writerow(
        [
            "total",
            "",
            total.label,
            total.contacts,
            total.open,
            total.closed,
            total.referred,
            _hours(total.median_hours_to_close),
        ]
    )
    return out.getvalue()


def report_pdf(report: ContactReport, *, generated_by) -> bytes:
    return render_pdf("accounts/contacts/pdf/report.html", {"r": report}, generated_by=generated_by)
