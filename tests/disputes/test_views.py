"""Screens: the account header and payment dialog, opening a case (from the account and from
a contact), documents and who may see them, letters parsed back, the board and the report."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from pypdf import PdfReader

from accounts.contacts import services as contact_services
from collections_app.disputes import services
from collections_app.disputes.models import Agency, Case, CaseDocument, Referral
from tests.disputes.helpers import open_bill_case
from tests.factories import make_account, make_user
from utilityclerk import business_day

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
NOTICE = "$84.97 under dispute: not due while it is reviewed"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def pdf_text(content: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split()
    )


def money_after(label, text):
    match = re.search(re.escape(label) + r"\s*(-?\$[\d,]+\.\d{2})", text)
    assert match, f"{label!r} not found in {text[:400]!r}"
    return Decimal(match.group(1).replace("$", "").replace(",", ""))


@pytest.fixture
def case(high_bill_account, clerk):
    return open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)


# The account page and the payment dialog --------------------------------------------


def test_the_account_header_says_what_is_under_dispute_within_budget(
    clerk_client, case, clerk, django_assert_max_num_queries
):
    # Many cases on many accounts: the header reads its own with one indexed query.
    for _ in range(30):
        other = make_account()
        services.open_case(
            account=other,
            kind="pressure",
            words="Low",
            received_via="phone",
            party_type="citizen",
            by=clerk,
        )
    account = case.account
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert NOTICE in html
    assert 'data-shortcut="d"' in html and ">Dispute <kbd>d</kbd>" in html
    with django_assert_max_num_queries(10):
        tab = clerk_client.get(
            f"/accounts/{account.number}/disputes/",
            headers={**HTMX, "HX-Target": "tab-panel"},
        ).content.decode()
    assert case.number in tab and "$84.97" in tab


def test_the_payment_dialog_says_it_too(clerk_client, case):
    html = clerk_client.get(f"/payments/take/{case.account.number}/", headers=HTMX).content.decode()
    assert NOTICE in html


def test_no_notice_once_resolved(clerk_client, case, clerk):
    services.resolve_case(case=case, outcome="upheld", reason="Read is right", by=clerk)
    assert (
        "under dispute"
        not in clerk_client.get(f"/accounts/{case.account.number}/").content.decode()
    )


# Opening ------------------------------------------------------------------------------


def _open_form(account, **overrides):
    data = {
        "kind": "bill",
        "bill": account.high_bill.pk,
        "amount": "84.97",
        "words": "Twice my usual bill",
        "received_via": "phone",
        "party_type": "citizen",
        "party_name": "",
        "idempotency_key": "8a1c1a56-2a4e-4d7e-9c55-3d7e7f3c2b10",
    }
    return {**data, **overrides}


def test_a_clerk_opens_a_case_from_the_account(clerk_client, high_bill_account):
    url = f"/disputes/account/{high_bill_account.number}/new/"
    assert clerk_client.get(url).status_code == 200
    response = clerk_client.post(url, _open_form(high_bill_account))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/disputes/{case.pk}/"
    assert case.amount == Decimal("84.97") and case.bill == high_bill_account.high_bill
    # The same form again: the same case.
    clerk_client.post(url, _open_form(high_bill_account))
    assert Case.objects.count() == 1


def test_an_amount_over_the_bill_is_refused_beside_the_field(clerk_client, high_bill_account):
    url = f"/disputes/account/{high_bill_account.number}/new/"
    response = clerk_client.post(url, _open_form(high_bill_account, amount="200"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="id_amount_error">The amount disputed cannot be more than the bill', html)
    assert not Case.objects.exists()


@pytest.mark.parametrize("amount", ["abc", "-5", "12.345", "1e9"])
def test_bad_amounts_are_refused_without_a_500(clerk_client, high_bill_account, amount):
    url = f"/disputes/account/{high_bill_account.number}/new/"
    response = clerk_client.post(url, _open_form(high_bill_account, amount=amount))
    assert response.status_code == 200
    assert 'class="field-error" id="id_amount_error"' in response.content.decode()
    assert not Case.objects.exists()


def test_a_case_from_a_logged_contact_takes_its_words_and_party(
    clerk_client, clerk, high_bill_account
):
    contact = contact_services.log_contact(
        by=clerk,
        channel="email",
        party_type="elected_official",
        party_name="Council member Ruiz",
        category="high_bill",
        subject="High bill for Ms Johnson",
        notes="She says the bill doubled.",
        account=high_bill_account,
        customer=high_bill_account.customer,
    )
    detail = clerk_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'href="/disputes/contact/{contact.pk}/new/">Open a dispute case' in detail
    form = clerk_client.get(f"/disputes/contact/{contact.pk}/new/").content.decode()
    assert "She says the bill doubled." in form and 'value="Council member Ruiz"' in form
    clerk_client.post(
        f"/disputes/contact/{contact.pk}/new/",
        _open_form(
            high_bill_account,
            party_type="official",
            party_name="Council member Ruiz",
            received_via="email",
        ),
    )
    case = Case.objects.get()
    assert case.contact == contact and case.party_type == "official"


# Permissions --------------------------------------------------------------------------


def test_field_crews_see_no_case_and_no_document(field_client, case, clerk):
    document = services.add_document(
        case=case, filename="meter.png", content=PNG, kind="photo", by=clerk
    )
    for url in (
        f"/disputes/{case.pk}/",
        f"/disputes/documents/{document.pk}/",
        f"/disputes/account/{case.account.number}/new/",
        "/disputes/",
        f"/disputes/{case.pk}/letter.pdf",
    ):
        assert field_client.get(url).status_code == 403, url


def test_documents_need_a_role_that_sees_the_account(client, case, clerk):
    document = services.add_document(
        case=case, filename="meter.png", content=PNG, kind="photo", by=clerk
    )
    url = f"/disputes/documents/{document.pk}/"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    admin = make_user(role="Admin", is_staff=True)  # sees cases in the admin, not scans
    client.force_login(admin)
    assert client.get(url).status_code == 403
    no_accounts = make_user()
    no_accounts.user_permissions.add(
        *__import__(
            "django.contrib.auth.models", fromlist=["Permission"]
        ).Permission.objects.filter(codename__in=["view_casedocument", "view_case"])
    )
    client.force_login(no_accounts)
    assert client.get(url).status_code == 403
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png" and response.content == PNG
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_clerk_sees_the_cases_they_own_and_no_report(clerk_client, case, supervisor):
    other = open_bill_case(case.account, case.bill, supervisor, amount="1.00")
    html = clerk_client.get("/disputes/").content.decode()
    assert "My disputes" in html and case.number in html and other.number not in html
    assert clerk_client.get("/disputes/report/").status_code == 403


def test_the_supervisor_board_shows_every_owner(supervisor_client, case, supervisor):
    other = open_bill_case(case.account, case.bill, supervisor, amount="1.00")
    html = supervisor_client.get("/disputes/").content.decode()
    assert case.number in html and other.number in html


# Documents ----------------------------------------------------------------------------


def test_an_upload_is_kept_and_shown_inline(clerk_client, case):
    response = clerk_client.post(
        f"/disputes/{case.pk}/documents/",
        {"file": io.BytesIO(PNG), "kind": "photo", "note": "Meter face"},
        format="multipart",
    )
    assert response.status_code == 302
    document = CaseDocument.objects.get()
    assert document.content_type == "image/png" and bytes(document.content) == PNG
    html = clerk_client.get(f"/disputes/{case.pk}/").content.decode()
    assert f'<img class="case-image" src="/disputes/documents/{document.pk}/"' in html


def _upload(client, case, content, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/disputes/{case.pk}/documents/",
        {"file": SimpleUploadedFile(name, content), "kind": "letter"},
    )


def test_a_file_of_another_type_is_refused_whatever_its_name(clerk_client, case):
    response = _upload(clerk_client, case, b"MZ\x90\x00 not a pdf at all", "letter.pdf")
    assert response.status_code == 400
    assert "Only PDF, JPEG and PNG files" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_a_file_over_ten_megabytes_is_refused(clerk_client, case):
    response = _upload(clerk_client, case, b"%PDF-" + b"0" * (10 * 1024 * 1024), "big.pdf")
    assert response.status_code == 400
    assert "the most is 10 MB" in response.content.decode()
    assert not CaseDocument.objects.exists()


def test_the_database_refuses_a_type_outside_the_list(case, clerk):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDocument.objects.create(
            case=case,
            kind="photo",
            filename="x.gif",
            content_type="image/gif",
            size=3,
            sha256="0",
            content=b"GIF",
            uploaded_by=clerk,
        )


# Letters ------------------------------------------------------------------------------


def test_the_outcome_letter_is_kept_and_its_numbers_read_back(
    clerk_client, supervisor_client, case, clerk
):
    clerk_client.post(
        f"/disputes/{case.pk}/resolve/",
        {
            "outcome": "adjusted",
            "reason": "The re-read shows the meter was misread.",
            "credit": "84.97",
            "credit_reason": "meter_misread",
        },
    )
    case.refresh_from_db()
    assert case.status == "awaiting_approval"
    assert not case.documents.exists()  # no letter before the supervisor decides
    response = supervisor_client.post(f"/disputes/{case.pk}/approve/")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved"
    response = clerk_client.get(f"/disputes/{case.pk}/letter.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert case.number in text and "adjusted your account in your favour" in text
    assert money_after("Amount disputed", text) == Decimal("84.97")
    assert money_after("Credited to your account", text) == Decimal("84.97")
    assert money_after("Balance now", text) == Decimal("100.00")
    assert "you may appeal" in text


def test_an_upheld_letter_says_the_charge_stands(clerk_client, case, clerk):
    services.resolve_case(case=case, outcome="upheld", reason="The read was right.", by=clerk)
    text = pdf_text(clerk_client.get(f"/disputes/{case.pk}/letter.pdf").content)
    assert "the charge stands as billed" in text and "The read was right." in text
    assert money_after("Credited to your account", text) == Decimal("0.00")
    assert money_after("Balance now", text) == Decimal("184.97")


def test_the_letter_is_e_mailed_with_the_pdf(
    clerk_client, case, clerk, django_capture_on_commit_callbacks
):
    services.resolve_case(case=case, outcome="upheld", reason="The read was right.", by=clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(f"/disputes/{case.pk}/letter/email/")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["maria@example.com"] and case.number in message.subject
    _name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and "Dispute" in pdf_text(content)


# Leak, referrals, board, report -------------------------------------------------------


def test_the_leak_credit_is_worked_out_on_the_case(clerk_client, case, clerk):
    html = clerk_client.get(
        f"/disputes/{case.pk}/leak/?bills={case.bill_id}", headers=HTMX
    ).content.decode()
    assert "Upload the proof of repair" in html
    services.add_document(
        case=case,
        filename="plumber.pdf",
        content=b"%PDF-1.4 invoice",
        kind="proof_of_repair",
        by=clerk,
    )
    html = clerk_client.get(
        f"/disputes/{case.pk}/leak/?bills={case.bill_id}", headers=HTMX
    ).content.decode()
    # Average $100.00 over the bills before; $184.97 charged: half of $84.97 is $42.49 (half up).
    assert '<th class="num" id="leak-credit">$42.49</th>' in html


def test_a_contact_is_referred_and_the_answer_recorded(clerk_client, clerk):
    agency = Agency.objects.create(name="Code Enforcement", kind="department", handles="Code")
    contact = contact_services.log_contact(
        by=clerk,
        channel="phone",
        party_type="customer",
        party_name="Bob Lee",
        category="complaint",
        subject="Neighbour's yard floods mine",
    )
    follow = (business_day.today() + timedelta(days=5)).isoformat()
    response = clerk_client.post(
        f"/disputes/contact/{contact.pk}/refer/",
        {"agency": agency.pk, "reason": "Drainage from the next lot", "follow_up_on": follow},
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.contact == contact and referral.status == "sent"
    clerk_client.post(
        f"/disputes/referrals/{referral.pk}/answer/", {"answer": "Inspected; notice sent"}
    )
    referral.refresh_from_db()
    assert referral.status == "answered" and referral.answer == "Inspected; notice sent"
    html = clerk_client.get(f"/disputes/contact/{contact.pk}/refer/").content.decode()
    assert "Inspected; notice sent" in html


def test_a_referral_cannot_follow_up_in_the_past(clerk_client, case):
    agency = Agency.objects.create(name="PUC", kind="regulator", handles="Complaints")
    response = clerk_client.post(
        f"/disputes/{case.pk}/refer/",
        {
            "agency": agency.pk,
            "reason": "x",
            "follow_up_on": (business_day.today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert 'id="id_follow_up_on_error"' in response.content.decode()
    assert not Referral.objects.exists()


def test_the_board_lists_open_cases_in_few_queries(
    supervisor_client, case, clerk, django_assert_max_num_queries
):
    services.raise_investigation(case=case, step="re_read", instructions="", by=clerk)
    for _ in range(20):
        open_bill_case(case.account, case.bill, clerk, amount="0.01")
    supervisor_client.get("/")
    with django_assert_max_num_queries(10):
        html = supervisor_client.get("/disputes/").content.decode()
    assert case.number in html and "Work order WO-" in html


def test_the_report_on_screen_in_csv_and_pdf(supervisor_client, case, clerk, supervisor):
    services.resolve_case(
        case=case, outcome="adjusted", reason="Misread", credit=Decimal("84.97"), by=supervisor
    )
    services.open_case(
        account=case.account,
        kind="missed_pickup",
        words="Trash missed twice",
        received_via="email",
        party_type="official",
        party_name="Council member Ruiz",
        by=clerk,
    )
    today = business_day.today()
    query = f"start={(today - timedelta(days=1)).isoformat()}&end={today.isoformat()}"
    html = supervisor_client.get(f"/disputes/report/?{query}").content.decode()
    assert "Missed pickup" in html and "Elected official" in html
    rows = list(
        csv.reader(
            io.StringIO(supervisor_client.get(f"/disputes/report.csv?{query}").content.decode())
        )
    )
    by = {(r[0], r[1]): r for r in rows[1:]}
    assert by[("kind", "A bill")][5] == "1" and by[("kind", "A bill")][9] == "84.97"
    assert by[("party", "Elected official")][2] == "1"
    assert by[("total", "All cases")][2] == "2" and by[("total", "All cases")][3] == "1"
    assert by[("kind", "A bill")][7] == "0"  # resolved the day it was opened
    text = pdf_text(supervisor_client.get(f"/disputes/report.pdf?{query}").content)
    assert "Disputes report" in text and "Missed pickup" in text
    assert "$84.97" in text


def test_a_report_with_the_end_before_the_start_is_refused(supervisor_client):
    response = supervisor_client.get("/disputes/report/?start=2026-12-01&end=2026-11-01")
    assert response.status_code == 400
    assert "The end is before the start." in response.content.decode()
