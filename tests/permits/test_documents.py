"""The permit PDF with its QR code read back, will-serve and reminder letters, and the
reports on screen, as PDF and as CSV: parsed back and their numbers checked."""

import csv
import io
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from permits import services
from tests.permits.conftest import issued, pay_all
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _decode_qr(pdf: bytes) -> list[str]:
    """Render the first page as a printer would (pdftoppm, 150 dpi) and read every QR code
    on it with a real decoder."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "permit.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "150",
                "-f",
                "1",
                "-l",
                "1",
                str(source),
                str(Path(tmp) / "page"),
            ],
            check=True,
        )
        image = Image.open(next(Path(tmp).glob("page*.png")))
        return [code.text for code in zxingcpp.read_barcodes(image)]


def test_the_permit_pdf_carries_its_facts_and_a_qr_code_that_opens_the_verification(
    clerk_client, submit, clerk, supervisor
):
    permit = issued(submit("street_cut"), clerk, supervisor, conditions="Flaggers at all times.")
    response = clerk_client.get(reverse("permits:pdf", args=[permit.number]))
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for fact in (
        permit.number,
        "Street cut",
        "900 FM 1103, CIBOLO, TX 78108",
        "Bexar Underground Utilities LLC, license TX-UC-40417",
        "Flaggers at all times.",
        permit.issued_on.strftime("%m/%d/%Y"),
        permit.valid_until.strftime("%m/%d/%Y"),
    ):
        assert fact in text, fact
    codes = _decode_qr(response.content)
    assert codes == [f"http://testserver/permits/verify/{permit.verify_token}/"]
    # The code opens the public page, signed out, with the permit's status.
    page = Client().get(codes[0].removeprefix("http://testserver"))
    assert page.status_code == 200 and permit.number in page.text and "Issued" in page.text


def test_only_an_issued_permit_prints(clerk_client, submit):
    permit = submit("street_cut")
    assert clerk_client.get(reverse("permits:pdf", args=[permit.number])).status_code == 404


def test_the_will_serve_letter_pdf(supervisor_client, clerk, supervisor, site):
    letter = services.request_will_serve(
        premise=None,
        parcel="R-118-22-0407",
        requested_by="Hill Country Homes",
        utilities="Water, sewer",
        project="48 single-family lots",
        by=clerk,
    )
    assert (
        supervisor_client.get(reverse("permits:will_serve_pdf", args=[letter.number])).status_code
        == 404
    )
    services.decide_will_serve(
        letter=letter, issue=True, note="Meter sizes set at platting.", by=supervisor
    )
    text = _text(
        supervisor_client.get(reverse("permits:will_serve_pdf", args=[letter.number])).content
    )
    assert letter.number in text
    assert "Parcel R-118-22-0407" in text and "48 single-family lots" in text
    assert "will serve the project above with water, sewer" in text
    assert "Meter sizes set at platting." in text


def test_reminder_letters_print_once_for_tests_due_in_30_days(clerk_client, clerk, site):
    today = business_day.today()
    services.add_backflow_device(
        premise=site,
        device_type="RPZ",
        size='1"',
        serial="RP-55",
        location="Meter box",
        next_test_due=today + timedelta(days=20),
        by=clerk,
    )
    response = clerk_client.post(reverse("permits:backflow_reminders"))
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "900 FM 1103" in text and "RP-55" in text
    assert (today + timedelta(days=20)).strftime("%m/%d/%Y") in text
    again = clerk_client.post(reverse("permits:backflow_reminders"))
    assert again.status_code == 302  # nothing more due today


def _report_data(submit, clerk, supervisor, meter):
    street = issued(submit("street_cut"), clerk, supervisor)
    tap = issued(submit("water_tap", size='2"'), clerk, supervisor)
    hydrant = issued(submit("hydrant_meter", days=10), clerk, supervisor)
    services.check_out_meter(permit=hydrant, meter=meter, out_read=Decimal(0), by=clerk)
    pending = submit("sewer_tap", size='4"')
    pay_all(pending, clerk)  # paid, not issued: its fee counts as collected
    return street, tap, hydrant


def test_the_report_on_screen_pdf_and_csv_agree(
    supervisor_client, submit, clerk, supervisor, meter
):
    _report_data(submit, clerk, supervisor, meter)
    today = business_day.today()
    params = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    screen = supervisor_client.get(reverse("permits:reports"), params)
    assert 'id="report-fees-total">$2,200.00' in screen.text  # 500 + 1,250 + 50 + 400
    assert 'id="report-deposits-total">$1,500.00' in screen.text
    rows = list(
        csv.reader(
            io.StringIO(
                supervisor_client.get(
                    reverse("permits:reports"), {**params, "format": "csv"}
                ).content.decode()
            )
        )
    )
    issued_rows = {r[1]: (r[2], r[3]) for r in rows if r[0] == "issued"}
    assert issued_rows["Street cut"] == ("1", "500.00")
    assert issued_rows["Water tap"] == ("1", "1250.00")
    assert issued_rows["Sewer tap"] == ("0", "400.00")
    assert issued_rows["Total"] == ("3", "2200.00")
    assert ["deposit held", "Total", "1", "1500.00"] in rows
    assert any(r[0] == "meter out" and "HM-101" in r[1] for r in rows)
    text = _text(
        supervisor_client.get(reverse("permits:reports"), {**params, "format": "pdf"}).content
    )
    assert "$2,200.00" in text and "$1,500.00" in text and "HM-101" in text


def test_a_report_period_backwards_is_refused_beside_the_end(supervisor_client):
    response = supervisor_client.get(
        reverse("permits:reports"), {"start": "2026-12-05", "end": "2026-12-01"}
    )
    assert response.status_code == 400
    assert "on or after the start date" in response.text


def test_overdue_notices_print_for_devices_past_their_test(clerk_client, clerk, site):
    today = business_day.today()
    late = services.add_backflow_device(
        premise=site,
        device_type="DCVA",
        size='2"',
        serial="DC-88",
        location="Fire line",
        next_test_due=today - timedelta(days=3),
        by=clerk,
    )
    services.add_backflow_device(
        premise=site,
        device_type="RPZ",
        size='1"',
        serial="RP-9",
        location="",
        next_test_due=today + timedelta(days=3),
        by=clerk,
    )
    text = _text(clerk_client.post(reverse("permits:backflow_notices")).content)
    assert "DC-88" in text and "RP-9" not in text
    assert (today - timedelta(days=3)).strftime("%m/%d/%Y") in text
    from utilityclerk.core.models import AuditEvent

    assert AuditEvent.objects.filter(
        action="backflow.overdue_notice", target_id=str(late.pk)
    ).exists()


def test_an_overdue_notice_is_served_once_per_due_date_and_by_policy_names_the_shutoff_day(
    clerk_client, clerk, site
):
    from permits.models import BackflowNotice
    from utilityclerk.core.models import Policy

    today = business_day.today()
    device = services.add_backflow_device(
        premise=site,
        device_type="DCVA",
        size='2"',
        serial="DC-91",
        location="",
        next_test_due=today - timedelta(days=3),
        by=clerk,
    )
    text = _text(clerk_client.post(reverse("permits:backflow_notices")).content)
    assert "DC-91" in text and "shut off on or after" not in text  # the policy is off
    Policy.objects.filter(pk=Policy.current().pk).update(
        backflow_shutoff=True, backflow_shutoff_after_days=10
    )
    # A reprint keeps the date the notice was first served, and counts from it.
    BackflowNotice.objects.filter(device=device).update(noticed_on=today - timedelta(days=2))
    text = _text(clerk_client.post(reverse("permits:backflow_notices")).content)
    shutoff_from = today - timedelta(days=2) + timedelta(days=10)
    assert (
        f"shut off on or after {shutoff_from:%A, %B} {shutoff_from.day}, {shutoff_from.year}"
        in text
    )
    assert f"We first sent this notice on {today - timedelta(days=2):%m/%d/%Y}" in text
    assert BackflowNotice.objects.filter(device=device).count() == 1
    page = clerk_client.get(reverse("permits:backflow")).content.decode()
    assert (
        f"Sent {today - timedelta(days=2):%m/%d/%Y}; shut-off from {shutoff_from:%m/%d/%Y}" in page
    )
