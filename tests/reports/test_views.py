"""The catalogue page, a report on screen (sorting, paging, the HTMX fragment), as CSV
(streamed, parsed back) and as PDF (parsed back), and who may run what."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse
from pypdf import PdfReader

from reports.catalogue import all_reports, get_report
from tests.factories import make_user
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal


def read_csv(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_catalogue_lists_every_report_by_area_with_who_may_run_it(supervisor_client):
    page = supervisor_client.get(reverse("reports:catalogue")).content.decode()
    for report in all_reports():
        assert report.title.replace("'", "&#x27;") in page
    assert "Cash and payments" in page and "Work orders and vendors" in page
    assert "Clerk, Supervisor" in page  # the aging reports


def test_a_clerk_sees_the_catalogue_but_runs_only_their_reports(clerk_client):
    page = clerk_client.get(reverse("reports:catalogue")).content.decode()
    assert f'href="{get_report("aging_summary").url}"' in page
    assert f'href="{get_report("payments").url}"' not in page
    assert clerk_client.get(get_report("payments").url).status_code == 403
    assert clerk_client.get(get_report("aging_summary").url).status_code == 200


def test_field_users_have_no_reports(client):
    client.force_login(make_user("crew1", role="Field"))
    assert client.get(reverse("reports:catalogue")).status_code == 403


def test_unknown_report_is_404(supervisor_client):
    assert supervisor_client.get(reverse("reports:run", args=["nope"])).status_code == 404


def test_screen_shows_rows_totals_and_the_reconciling_figure(busy_day, supervisor_client):
    response = supervisor_client.get(get_report("payments").url, {"period": "today"})
    page = response.content.decode()
    assert "$207.50" in page  # the total of every payment not voided
    assert "Agrees with" in page
    assert 'aria-sort="ascending"' in page


def test_bad_filters_are_shown_beside_the_field_and_run_nothing(supervisor_client):
    response = supervisor_client.get(
        get_report("payments").url, {"start": "2026-12-10", "end": "2026-12-01"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in page
    assert "report-run" not in page
    bad = supervisor_client.get(get_report("payments").url, {"start": "0001-01-01"})
    assert bad.status_code == 200


def test_sorting_and_paging_through_htmx_returns_the_fragment(busy_day, supervisor_client):
    url = get_report("ledger").url
    full = supervisor_client.get(url, {"start": "2020-01-01", "sort": "amount", "dir": "desc"})
    assert "<h1>" in full.content.decode()
    fragment = supervisor_client.get(
        url,
        {"start": "2020-01-01", "sort": "amount", "dir": "desc", "page": "1"},
        headers={"HX-Request": "true", "HX-Target": "report-results"},
    )
    html = fragment.content.decode()
    assert "<h1>" not in html and 'id="report-results"' in html
    assert 'aria-sort="descending"' in html
    # A page number past the end shows the last page; a word shows the first.
    assert supervisor_client.get(url, {"page": "999"}).status_code == 200
    assert supervisor_client.get(url, {"page": "x"}).status_code == 200


def test_csv_streams_every_row_and_the_totals(busy_day, supervisor_client):
    response = supervisor_client.get(
        get_report("payments").url, {"period": "today", "format": "csv"}
    )
    rows = read_csv(response)
    assert rows[0] == ["Day", "Channel", "Tender", "Clerk", "Payments", "Amount"]
    body, total = rows[1:-1], rows[-1]
    assert sum(D(r[5]) for r in body) == D(total[5]) == D("207.50")
    assert total[0] == "Total"
    assert 'attachment; filename="payments-' in response["Content-Disposition"]


def test_csv_defuses_formulas_typed_into_text(busy_day, supervisor_client, supervisor):
    from payments import services
    from tests.reports.conftest import pay, tender

    payment = pay(
        busy_day["accounts"][0], "5.00", [tender("card", "5.00")], supervisor, channel="phone"
    )
    services.record_returned_payment(
        payment=payment, reason='=HYPERLINK("http://x")', supervisor=supervisor
    )
    # The day is closed: the return is dated to the next business day.
    week = {"start": busy_day["today"], "end": busy_day["today"] + timedelta(days=7)}
    rows = read_csv(
        supervisor_client.get(get_report("voids_returns").url, {**week, "format": "csv"})
    )
    reasons = [r[7] for r in rows[1:-1]]
    assert '\'=HYPERLINK("http://x")' in reasons


def test_pdf_has_the_filters_in_its_heading_page_numbers_and_the_totals(
    busy_day, supervisor_client
):
    response = supervisor_client.get(
        get_report("payments").url, {"period": "today", "tender": "cash", "format": "pdf"}
    )
    reader, text = pdf_text(response)
    assert "Payments by day, channel, tender and clerk" in text
    assert "Tender: Cash" in text and "Period: Today" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert "$70.00" in text  # cash: 50 + 20 of the split payment


def test_a_long_pdf_numbers_its_pages(busy_day, supervisor_client):
    response = supervisor_client.get(
        get_report("ledger").url, {"start": "2020-01-01", "format": "pdf"}
    )
    reader, text = pdf_text(response)
    assert len(reader.pages) >= 1
    assert f"Page {len(reader.pages)} of {len(reader.pages)}" in text


def test_too_many_rows_for_a_pdf_says_so(busy_day, supervisor_client, monkeypatch):
    from reports import exports

    monkeypatch.setattr(exports, "PDF_ROW_LIMIT", 3)
    response = supervisor_client.get(
        get_report("ledger").url, {"start": "2020-01-01", "format": "pdf"}
    )
    assert response.status_code == 200
    assert "too many for a PDF" in response.content.decode()


def test_every_report_renders_on_screen_csv_and_pdf(busy_day, supervisor_client, supervisor):
    from reports.catalogue import Report

    for report in all_reports():
        if not isinstance(report, Report):
            assert supervisor_client.get(report.url).status_code == 200
            continue
        data = {"user": supervisor.pk} if report.code == "audit_trail" else {}
        assert supervisor_client.get(report.url, data).status_code == 200, report.code
        rows = read_csv(supervisor_client.get(report.url, {**data, "format": "csv"}))
        assert rows[0] == [c.label for c in report.columns], report.code
        _, text = pdf_text(supervisor_client.get(report.url, {**data, "format": "pdf"}))
        assert report.title in text.replace("\n", " "), report.code


def test_report_screen_query_count_stays_small(
    busy_day, supervisor_client, django_assert_max_num_queries
):
    url = get_report("aging_detail").url
    supervisor_client.get(url)  # renews the idle session (at most once a minute)
    # Session, user, permissions (2), then one pass for the count and totals, one page.
    with django_assert_max_num_queries(6):
        assert supervisor_client.get(url, {"sort": "balance"}).status_code == 200


def test_back_to_a_sorted_address_gives_the_whole_page(supervisor_client):
    """htmx asks for a pushed address again on Back (a history restore): the page, not the
    fragment; and caches keep the two apart."""
    response = supervisor_client.get(
        get_report("aging_summary").url,
        {"sort": "balance"},
        headers={
            "HX-Request": "true",
            "HX-Target": "report-results",
            "HX-History-Restore-Request": "true",
        },
    )
    assert "<h1>" in response.content.decode()
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        ("audit_trail", {"period": "today"}, "Type an account number or choose a user."),
        ("audit_trail", {"account": "10000017"}, "wrong check digit"),
        ("audit_trail", {"account": "12"}, "Type the 8-digit account number."),
        ("payments", {"tender": "bitcoin"}, "Select a valid choice."),
        ("payments", {"clerk": "x"}, "Select a valid choice."),
        ("work_orders", {"crew": "987654"}, "Select a valid choice."),
        ("ledger", {"start": "31/31/2026"}, "Enter a valid date."),
        ("payments", {"start": "2020-01-01", "end": "2026-01-01"}, "Choose at most 3 years."),
    ],
)
def test_bad_filters_get_a_message_not_a_500(supervisor_client, code, data, message):
    response = supervisor_client.get(get_report(code).url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "report-run" not in page


def test_a_report_that_needs_a_choice_opens_without_an_error(supervisor_client):
    page = supervisor_client.get(get_report("audit_trail").url).content.decode()
    assert "Type an account number or choose a user." not in page
    assert "report-run" not in page


def test_the_screen_pages_through_the_first_rows_only(busy_day, supervisor_client, monkeypatch):
    """A long report pages on screen up to a limit (10,000 rows; here 2 pages of 5) and
    says the CSV has every row; a page beyond it shows the last one allowed."""
    from reports import views

    monkeypatch.setattr(views, "PAGE_SIZE", 5)
    monkeypatch.setattr(views, "SCREEN_PAGES", 2)
    url = get_report("ledger").url
    data = {"start": (business_day.today() - timedelta(days=60)).isoformat()}
    page = supervisor_client.get(url, {**data, "page": "99"}).content.decode()
    assert "page 2 of 2" in page
    assert "the screen pages through the first 10; the CSV has every row" in page
    rows = read_csv(supervisor_client.get(url, {**data, "format": "csv"}))
    assert len(rows) > 12  # the header, every entry (more than 10) and the total
