"""A supervisor filters a report, reads it on screen, takes the PDF, saves it and schedules
it; the worker e-mails it and the e-mail is in the outbox."""

import io
import re

import pytest
from django.core import mail
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.contacts import services as contact_services
from reports import services
from reports.models import ReportDelivery
from tests.runs_helpers import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_filter_screen_pdf_save_schedule_and_the_email(page, sign_in, supervisor, clerk):
    for party, category in [
        ("elected_official", "complaint"),
        ("elected_official", "complaint"),
        ("elected_official", "high_bill"),
        ("customer", "billing_question"),
    ]:
        contact_services.log_contact(
            by=clerk,
            channel="phone",
            party_type=party,
            party_name="Council member Ruiz",
            category=category,
            subject="A street light",
        )

    sign_in(supervisor)
    page.get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="Contacts by party type and topic").click()
    page.get_by_label("Period", exact=True).select_option(label="Today")
    page.get_by_label("Party type", exact=True).select_option(label="Elected official")
    page.get_by_role("button", name="Show").click()

    table = page.get_by_role("table", name="Contacts by party type and topic")
    expect(table.locator("tr.total")).to_contain_text("3")
    expect(table).to_contain_text("Complaint")
    expect(table).not_to_contain_text("Billing question")

    # Sorting by topic swaps the table in place and keeps the filters in the address.
    table.get_by_role("link", name="Topic").click()
    expect(table.locator("th[aria-sort=ascending]")).to_contain_text("Topic")
    expect(page).to_have_url(re.compile(r"party_type=elected_official.*sort=topic"))
    expect(table.locator("tbody tr").first).to_contain_text("Complaint")

    with page.expect_response(lambda r: "format=pdf" in r.url) as pdf_response:
        page.get_by_role("button", name="PDF").click()
    assert pdf_response.value.headers["content-type"] == "application/pdf"
    # The browser shows or downloads it; the same address, fetched in the signed-in session:
    pdf = page.request.get(pdf_response.value.url)
    text = PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text()
    assert "Party type: Elected official" in text and "Period: Today" in text
    assert "Page 1 of 1" in text

    page.go_back()
    page.wait_for_load_state()
    page.get_by_label("Save these filters as").fill("Council contacts today")
    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_role("heading", name="My saved reports")).to_be_visible()
    expect(page.get_by_text("Saved as “Council contacts today”.")).to_be_visible()

    page.get_by_role("link", name="Schedule e-mail").click()
    page.get_by_label("Frequency").select_option(label="Weekly")
    page.get_by_label("E-mail to").fill("council@city.gov, clerk-office@city.gov")
    page.get_by_role("button", name="Schedule").click()
    expect(
        page.get_by_text("Weekly PDF to council@city.gov, clerk-office@city.gov")
    ).to_be_visible()

    # The cron sweep finds it due today; the worker sends it.
    services.sweep_due_schedules()
    run_worker()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["council@city.gov", "clerk-office@city.gov"]
    assert message.subject.startswith("Council contacts today")
    attached = PdfReader(io.BytesIO(message.attachments[0][1])).pages[0].extract_text()
    assert "Contacts by party type and topic" in attached and "Elected official" in attached
    assert ReportDelivery.objects.get().status == "sent"

    page.reload()
    expect(
        page.get_by_role("table", name="E-mails sent for Council contacts today")
    ).to_contain_text("Sent")

    # Rerun with one click: the same filters, today's figures.
    page.get_by_role("link", name="Run", exact=True).click()
    expect(page.get_by_label("Party type", exact=True)).to_have_value("elected_official")
    expect(page.locator("tr.total")).to_contain_text("3")
