"""The bill PDF read back, the screens: route entry, import, exceptions, Usage tab, explain."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.models import Bill
from billing import bills, reads
from billing.models import BillRun, MeterReading, ReadImport
from billing.pdf import remittance_code
from tests.factories import post_credit
from utilityclerk import business_day

D = Decimal
PERIOD_END = date(2026, 11, 21)


@pytest.fixture
def posted_bill(make_metered_account, clerk):
    account = make_metered_account(billed_through=date(2026, 10, 21))
    post_credit(account, "30.00", on=date(2026, 11, 1))
    last = account.point.readings.order_by("-read_on").first()
    reads.record_reading(
        service_point=account.point, read_on=PERIOD_END, value=last.value + 5400, by=clerk
    )
    run = BillRun.objects.create(
        cycle=account.point.premise.billing.route.cycle,
        period_end=PERIOD_END,
        bill_date=date(2026, 11, 23),
        due_date=date(2026, 12, 13),
    )
    bills.proof_bill_run(run)
    bills.post_bill_run(run)
    return Bill.objects.get(account=account, period_end=PERIOD_END)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_bill_pdf_numbers_read_back(clerk_client, posted_bill):
    response = clerk_client.get(f"/billing/bills/{posted_bill.number}/bill.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    # History bill $50.00, payment $30.00 before this bill: $20.00 forward plus this bill.
    assert "Previous balance $50.00" in text
    assert "Payments and credits -$30.00" in text
    due = posted_bill.total + D("20.00")
    assert f"Amount due ${due:,.2f}" in text
    assert f"Due by {posted_bill.due_date:%m/%d/%Y}" in text
    assert "Water acquisition fee" in text and "$9.00" in text
    assert f"Total this bill ${posted_bill.total:,.2f}" in text
    assert "5,400 gal" in text
    assert "Water use, last 13 months" in text
    code = remittance_code(posted_bill.account.number, due)
    assert code in text and code.startswith(posted_bill.account.number)
    assert code.endswith(f"{int(due * 100):010d}")


def test_bill_pdf_lines_add_up_to_the_total(clerk_client, posted_bill):
    text = _text(clerk_client.get(f"/billing/bills/{posted_bill.number}/bill.pdf").content)
    totals = [
        D(m.replace(",", ""))
        for m in re.findall(r"(?:Water|Sewer|Trash|Stormwater) total \$([\d,]+\.\d\d)", text)
    ]
    assert len(totals) == 4
    assert sum(totals) == posted_bill.total


def test_explain_this_bill_reads_out_each_line(clerk_client, posted_bill):
    content = clerk_client.get(f"/billing/bills/{posted_bill.number}/explain/").content.decode()
    assert "4,200 gal 1,200 gal to 7,000 gal at $5.95 per 1,000 gal" in content
    assert "1 ERU × $6.50" in content
    fragment = clerk_client.get(
        f"/billing/bills/{posted_bill.number}/explain/", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and "Explain bill" in fragment


def test_usage_tab_within_the_query_budget(
    clerk_client, posted_bill, django_assert_max_num_queries
):
    account = posted_bill.account
    url = f"/accounts/{account.number}/usage/"
    clerk_client.get("/")  # a working clerk's session was renewed within the last minute
    with django_assert_max_num_queries(10):
        response = clerk_client.get(url)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in content and "Water use by month" in content
    assert "Explain this bill" in content


def test_route_entry_saves_reads_and_keeps_errors_beside_their_field(
    clerk_client, make_metered_account, route
):
    good = make_metered_account(
        last_read=business_day.today() - timedelta(days=30),
        start=business_day.today() - timedelta(days=400),
    )
    bad = make_metered_account(
        last_read=business_day.today() - timedelta(days=30),
        start=business_day.today() - timedelta(days=400),
    )
    page = clerk_client.get(f"/billing/routes/{route.code}/").content.decode()
    assert f'name="read-{good.point.pk}"' in page and "Expected today" in page
    last = good.point.readings.order_by("-read_on").first()
    response = clerk_client.post(
        f"/billing/routes/{route.code}/",
        {
            "read_on": business_day.today().isoformat(),
            f"read-{good.point.pk}": str(last.value + 5400),
            f"read-{bad.point.pk}": "12x",
        },
    )
    assert response.status_code == 200
    assert "is not a number" in response.content.decode()
    assert MeterReading.objects.filter(
        service_point=good.point, read_on=business_day.today()
    ).exists()
    assert not MeterReading.objects.filter(
        service_point=bad.point, read_on=business_day.today()
    ).exists()


def test_field_role_cannot_enter_reads_or_see_runs(client, route):
    from tests.factories import make_user

    client.force_login(make_user(role="Field"))
    for url in (
        "/billing/routes/",
        f"/billing/routes/{route.code}/",
        "/billing/runs/",
        "/billing/exceptions/",
        "/billing/import/",
    ):
        assert client.get(url).status_code == 403


def test_clerk_cannot_approve_a_run(clerk_client, route):
    run = BillRun.objects.create(
        cycle=route.cycle, period_end=PERIOD_END, bill_date=PERIOD_END, due_date=PERIOD_END
    )
    assert clerk_client.post(f"/billing/runs/{run.pk}/approve/").status_code == 403


def test_import_previews_errors_per_row_and_posts_once(clerk_client, make_metered_account):
    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    meter = account.point.meter_number
    content = (
        "meter,date,reading\n"
        f"{meter},2026-11-21,{last.value + 5400}\n"
        f"NOPE,2026-11-21,100\n"
        f"{meter},21/11/2026,5\n"
    ).encode()
    upload = io.BytesIO(content)
    upload.name = "route-3a.csv"
    page = clerk_client.post("/billing/import/", {"file": upload}).content.decode()
    assert "No meter NOPE on file." in page
    assert "is not a date" in page
    assert "Post 1 good read" in page
    batch = ReadImport.objects.get()
    response = clerk_client.post("/billing/import/", {"batch": batch.pk, "post": "1"}, follow=True)
    assert "1 read posted" in response.content.decode()
    assert MeterReading.objects.filter(source="import").count() == 1
    # The same file again: refused at upload, and a resubmitted post posts nothing.
    upload = io.BytesIO(content)
    upload.name = "again.csv"
    page = clerk_client.post("/billing/import/", {"file": upload}).content.decode()
    assert "nothing posted again" in page
    clerk_client.post("/billing/import/", {"batch": batch.pk, "post": "1"})
    assert MeterReading.objects.filter(source="import").count() == 1


def test_exceptions_queue_actions(clerk_client, make_metered_account, clerk):
    account = make_metered_account()
    last = account.point.readings.order_by("-read_on").first()
    high, _ = reads.record_reading(
        service_point=account.point, read_on=date(2026, 11, 21), value=last.value + 50000, by=clerk
    )
    page = clerk_client.get("/billing/exceptions/").content.decode()
    assert "High against the 12-month average" in page
    response = clerk_client.post(f"/billing/exceptions/{high.pk}/accept/", follow=True)
    assert "accepted" in response.content.decode()
    high.refresh_from_db()
    assert high.status == "accepted"
    again = clerk_client.post(f"/billing/exceptions/{high.pk}/accept/", follow=True)
    assert "no longer waiting" in again.content.decode()
