"""Deposit money through the drawer: the drawer page, the blind count and its result, the
day board, the drawer close-out and the daily cash and vault report put it on a line of its
own (held money, not revenue), the numbers read back out of the PDFs; reconcile holds, and
its deposit checks catch what is tampered with."""

import io
import re
import uuid
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from pypdf import PdfReader

from payments import services as payment_services
from reports import gl
from tests.deposits.conftest import cash, check, require
from tests.factories import make_account, post_bill
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal
LINE = "Customer deposits (held)"


def _pdf(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _after(label, text):
    match = re.search(re.escape(label) + r"\s*(\$[\d,]+\.\d{2})", text)
    assert match, f"{label!r} not in {text[:600]}"
    return match.group(1)


@pytest.fixture
def day(account, pay, session):
    """$60 on a bill and the $100 deposit on one receipt, and a $30 bill payment by check."""
    post_bill(account, "90.00", bill_date=business_day.today())
    pay(account, amount="60.00", deposit="100.00", tenders=[cash("200.00")])
    pay(account, amount="30.00", tenders=[check("30.00")])
    return session


def test_the_drawer_page_shows_the_deposit_line(clerk_client, day):
    html = clerk_client.get("/payments/drawer/").text
    assert re.search(rf"{re.escape(LINE)}</td><td class=\"num\">\$100\.00", html)
    assert re.search(r"Account payments</td><td class=\"num\">\$90\.00", html)
    assert re.search(r"Total taken</td><td class=\"num\">\$190\.00", html)


def test_the_count_stays_blind_and_its_result_and_close_out_show_the_line(clerk_client, day):
    count_page = clerk_client.get(f"/closeout/sessions/{day.pk}/count/").text
    assert LINE not in count_page and "Total taken" not in count_page
    data = {f"qty_{c}": "0" for c in (10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1)}
    data.update(
        {
            "qty_10000": "2",
            "qty_5000": "1",
            "qty_1000": "1",  # $260: the $100 float and the $160 cash kept
            "check_count": "1",
            "check_total": "30",
            "money_order_count": "0",
            "money_order_total": "0",
            "card_slip_count": "0",
            "card_total": "0",
            "idempotency_key": str(uuid.uuid4()),
        }
    )
    response = clerk_client.post(f"/closeout/sessions/{day.pk}/count/", data)
    assert response.status_code == 302
    result = clerk_client.get(response["Location"]).text
    assert re.search(rf"{re.escape(LINE)}</td><td class=\"num\">\$100\.00", result)
    day.refresh_from_db()
    count = day.counts.get()
    assert (count.expected_cash, count.expected_check) == (D("260.00"), D("30.00"))
    text = _pdf(clerk_client.get(f"/closeout/sessions/{day.pk}/closeout.pdf"))
    assert _after(LINE, text) == "$100.00"
    assert _after("Account payments", text) == "$90.00"


def test_the_day_board_and_the_daily_cash_report_show_the_line(supervisor_client, day):
    board = supervisor_client.get("/closeout/day/").text
    assert re.search(rf"{re.escape(LINE)}</td><td class=\"num\">\$100\.00", board)
    text = _pdf(supervisor_client.get(f"/closeout/day/{day.business_date.isoformat()}/report.pdf"))
    assert _after("Account payments", text) == "$90.00"
    assert _after(LINE, text) == "$100.00"
    assert _after("Total taken", text) == "$190.00"


def test_a_returned_deposit_check_shows_on_the_day_board_as_returned(
    supervisor_client, account, pay, session, supervisor
):
    payment = pay(account, deposit="100.00", tenders=[check("100.00")])
    payment_services.record_returned_payment(payment=payment, reason="NSF", supervisor=supervisor)
    board = supervisor_client.get("/closeout/day/").text
    assert re.search(rf"{payment.receipt}</td><td>Returned</td>.*?\$100\.00", board, re.S)


def test_reconcile_holds_for_a_day_of_deposits(day, supervisor, pay):
    other = make_account()
    require(other, "80.00")
    voided = pay(other, deposit="40.00")
    payment_services.void_payment(payment=voided, reason="Keyed twice", supervisor=supervisor)
    returned = pay(other, amount="0", deposit="40.00", tenders=[check("40.00", "77")])
    payment_services.record_returned_payment(payment=returned, reason="NSF", supervisor=supervisor)
    out = io.StringIO()
    call_command("reconcile", "--all", stdout=out)
    printed = out.getvalue()
    assert "FAIL" not in printed, printed
    assert "OK    every deposit a receipt took is collected on the deposit ledger" in printed


def test_reconcile_catches_a_deposit_line_without_its_collection(day):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE payments_paymentline SET amount = amount + 1")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("reconcile", "--all", stdout=out)
    printed = out.getvalue()
    assert "FAIL  every deposit a receipt took is collected" in printed
    assert "FAIL  every receipt for an account has its ledger entry" in printed


def test_the_gl_journal_puts_the_deposit_in_deposits_held(day):
    journal = gl.journal(business_day.today())
    assert journal.balanced
    lines = {line.name: (line.debit, line.credit) for line in journal.lines}
    assert lines["Customer deposits held"] == (D("0.00"), D("100.00"))
