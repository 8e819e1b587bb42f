"""Every PDF shares templates/pdf/base.html: the utility's header, and a footer that names the
document and when it was made."""

import io

from pypdf import PdfReader

from utilityclerk.pdf import render_pdf


def footer_line(pdf: bytes) -> str:
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    return next(line for line in text.splitlines() if "generated" in line)


def test_a_letter_without_a_heading_is_named_for_the_utility_not_a_stray_dot(settings):
    # Letters (past-due notices) have no heading; their footer once began "· generated".
    line = footer_line(render_pdf("pdf/base.html", {}))
    assert not line.startswith("·")
    assert line.startswith(f"{settings.UTILITY_NAME} · generated")


def test_a_document_with_a_heading_is_named_by_it_from_its_first_page(db, supervisor):
    from datetime import date

    from accounts.contacts.report import contact_report, report_pdf

    pdf = report_pdf(contact_report(date(2026, 11, 1), date(2026, 11, 30)), generated_by=supervisor)
    assert footer_line(pdf).startswith("Contact report · generated")
