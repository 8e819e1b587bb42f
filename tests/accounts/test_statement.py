import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts import queries, services
from tests.factories import make_account, post_bill, post_charge, post_credit
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def money_after(label, text):
    text = " ".join(text.split())  # the PDF's text layer breaks lines inside boxes
    match = re.search(re.escape(label) + r"\s*(-?\$[\d,]+\.\d{2})", text)
    assert match, f"{label!r} not found in the PDF text"
    return Decimal(match.group(1).replace("$", "").replace(",", ""))


@pytest.fixture
def account():
    account = make_account()
    post_bill(account, "90.00", bill_date=date(2026, 6, 1))
    post_credit(account, "90.00", on=date(2026, 6, 18))
    post_bill(account, "110.25", bill_date=date(2026, 7, 1))
    post_credit(account, "50.00", on=date(2026, 7, 19))
    post_bill(account, "95.40", bill_date=date(2026, 8, 1))
    post_charge(account, "6.03", on=date(2026, 8, 22))
    post_bill(account, "101.10", bill_date=date(2026, 9, 1))
    return account


def test_statement_pdf_numbers_equal_the_ledger(clerk_client, account):
    response = clerk_client.get(
        f"/reports/statement/{account.number}/?start=2026-07-01&end=2026-08-31"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)

    opening = queries.balance_of(account.pk, as_of=date(2026, 6, 30))
    closing = queries.balance_of(account.pk, as_of=date(2026, 8, 31))
    assert opening == Decimal("0.00")
    assert closing == Decimal("161.68")
    assert money_after("Opening balance 07/01/2026", text) == opening
    assert money_after("Closing balance 08/31/2026", text) == closing
    assert money_after("Totals and closing balance", text) == Decimal("211.68")  # charges
    assert account.display_number in text
    assert "Page 1 of 1" in text
    # The September bill falls after the end date and is not on the statement.
    assert "101.10" not in text
    aging = queries.aging_for_account(account.pk, as_of=date(2026, 8, 31))
    assert aging.balance == closing


def test_long_statement_numbers_its_pages(clerk_client):
    account = make_account()
    for day in range(1, 29):
        for month in range(1, 9):
            post_charge(account, "1.00", on=date(2026, month, day))
    response = clerk_client.get(
        f"/reports/statement/{account.number}/?start=2026-01-01&end=2026-08-31"
    )
    reader = PdfReader(io.BytesIO(response.content))
    pages = len(reader.pages)
    assert pages > 1
    assert f"Page {pages} of {pages}" in reader.pages[-1].extract_text()
    assert money_after("Closing balance 08/31/2026", reader.pages[0].extract_text()) == Decimal(
        "224.00"
    )


def test_statement_needs_a_role(client, account):
    from tests.factories import make_user

    client.force_login(make_user())
    assert (
        client.get(
            f"/reports/statement/{account.number}/?start=2026-07-01&end=2026-08-31"
        ).status_code
        == 403
    )


def statement_text(client, account, start, end):
    response = client.get(f"/reports/statement/{account.number}/?start={start}&end={end}")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_statement_shows_the_closing_balance_as_amount_due_with_pay_by(clerk_client, account):
    text = statement_text(clerk_client, account, "2026-07-01", "2026-08-31")

    closing = queries.balance_of(account.pk, as_of=date(2026, 8, 31))
    aging = queries.aging_for_account(account.pk, as_of=date(2026, 8, 31))
    assert money_after("Amount due", text) == closing == Decimal("161.68")
    assert money_after("Past due", text) == aging.past_due
    # $161.68 leaves the August bill (and part of July's) unpaid: its due date is the pay-by.
    august = account.bills.get(bill_date=date(2026, 8, 1))
    assert f"Pay by {august.due_date:%m/%d/%Y}" in " ".join(text.split())


def test_statement_of_a_paid_up_account_has_nothing_to_pay_by(clerk_client):
    account = make_account()
    post_bill(account, "90.00", bill_date=date(2026, 6, 1))
    post_credit(account, "90.00", on=date(2026, 6, 18))

    text = statement_text(clerk_client, account, "2026-06-01", "2026-06-30")

    assert money_after("Amount due", text) == Decimal("0.00")
    assert "Pay by" not in text


def test_statement_with_a_credit_balance_reads_nothing_to_pay(clerk_client):
    account = make_account()
    post_bill(account, "90.00", bill_date=date(2026, 6, 1))
    post_credit(account, "125.50", on=date(2026, 6, 18))

    text = statement_text(clerk_client, account, "2026-06-01", "2026-06-30")

    assert "Credit balance, nothing to pay" in " ".join(text.split())
    assert money_after("Credit on account", text) == Decimal("35.50")
    assert "Amount due" not in text
    assert "Pay by" not in text


def test_statement_leaves_out_a_clerks_adjustment_memo(clerk_client, clerk):
    account = make_account()
    post_bill(account, "90.00", bill_date=business_day.today() - timedelta(days=10))
    entry = services.post_adjustment(
        account=account,
        amount=Decimal("-12.34"),
        reason_code="leak_credit",
        memo="test memo, per Bob",
        by=clerk,
    )
    day = entry.business_date

    text = statement_text(clerk_client, account, day - timedelta(days=30), day)

    assert "test memo" not in text
    # The entry kind, on one line of the text layer (it must not wrap), and the reason
    # picked from the list written for customers.
    assert "Adjustment (credit)" in text
    assert "Leak credit" in text
    assert money_after("Amount due", text) == queries.balance_of(account.pk) == Decimal("77.66")


def test_statement_shows_what_a_reversal_undoes_but_not_the_reason_typed(clerk_client, clerk):
    account = make_account()
    post_bill(account, "90.00", bill_date=date(2026, 6, 1))
    payment = post_credit(account, "90.00", on=date(2026, 6, 18), reference="R-0000042")
    reversal = services.reverse_entry(entry=payment, memo="keyed on the wrong account", by=clerk)

    text = statement_text(clerk_client, account, "2026-06-01", reversal.business_date)

    assert "wrong account" not in text
    assert "Reverses payment of 06/18/2026" in text
    assert money_after("Amount due", text) == queries.balance_of(account.pk)


def test_statement_keeps_the_late_fee_basis_on_one_line(clerk_client):
    account = make_account()
    post_bill(account, "90.00", bill_date=date(2026, 6, 1))
    post_charge(account, "9.00", on=date(2026, 6, 22), memo="Late fee: 10% of $90.00 past due")

    text = statement_text(clerk_client, account, "2026-06-01", "2026-06-30")

    assert "Late fee Late fee: 10% of $90.00 past due $9.00 $99.00" in text
