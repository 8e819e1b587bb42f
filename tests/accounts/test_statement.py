import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts import queries
from tests.factories import make_account, post_bill, post_charge, post_credit

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
