"""The deposit reports in the catalogue: the register's total is the deposit ledger's, the
instalments due and the letters of credit expiring; each on screen, as a PDF and as a CSV,
with the numbers read back out of the files."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from payments.deposits import queries, runs, services
from tests.deposits.conftest import require
from tests.factories import make_account, make_customer
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal


def _pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _csv(response) -> list[dict]:
    """The rows, and the totals row the file ends with checked against them."""
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    total = rows.pop()
    assert "Total" in total.values()
    for key, value in total.items():
        if value and value != "Total":
            assert sum(D(r[key] or "0") for r in rows) == D(value), key
    return rows


@pytest.fixture
def deposits(account, commercial, clerk, supervisor, pay):
    """Three accounts holding deposits, one returned, one on instalments, one with a bond."""
    pay(account, deposit="100.00")
    second = make_account(customer=make_customer(first_name="Luis", last_name="Ortega"))
    require(second, "150.00")
    services.set_up_instalments(account=second, instalments=3, by=clerk)
    runs.post_instalments(business_day.today(), by=supervisor)  # $50.00
    third = make_account(customer=make_customer(first_name="Rita", last_name="Moreno"))
    require(third, "80.00")
    pay(third, deposit="80.00")
    services.apply_to_final_bill(account=third, bill=None, by=supervisor)
    services.record_security(
        account=commercial,
        kind="surety_bond",
        issuer="Lone Star Surety",
        number="SB-19",
        amount=D("300.00"),
        expires_on=business_day.today() + timedelta(days=20),
        by=clerk,
    )
    return {"renter": account, "plan": second, "returned": third, "commercial": commercial}


def test_the_register_totals_the_deposit_ledger(supervisor_client, deposits):
    response = supervisor_client.get("/reports/run/deposits.register/")
    html = response.content.decode()
    assert response.status_code == 200
    total = queries.held_total()
    assert total == D("150.00")
    assert re.search(r'id="total-held"[^>]*>\$150\.00<', html) or "$150.00" in html
    rows = _csv(supervisor_client.get("/reports/run/deposits.register/?format=csv"))
    assert sum(D(r["Held"] or "0") for r in rows) == total
    assert {r["Account"] for r in rows} == {deposits["renter"].number, deposits["plan"].number}
    with_returned = _csv(
        supervisor_client.get("/reports/run/deposits.register/?format=csv&include_returned=on")
    )
    returned = next(r for r in with_returned if r["Account"] == deposits["returned"].number)
    assert (D(returned["Collected"]), D(returned["Applied or refunded"])) == (D("80"), D("-80"))
    text = _pdf_text(supervisor_client.get("/reports/run/deposits.register/?format=pdf"))
    assert "Deposit register" in text
    assert re.search(r"Total.*\$150\.00", text)


def test_the_register_as_of_a_date_before_any_deposit_is_empty(supervisor_client, deposits):
    day = (business_day.today() - timedelta(days=1)).isoformat()
    rows = _csv(supervisor_client.get(f"/reports/run/deposits.register/?format=csv&as_of={day}"))
    assert rows == []


def test_the_instalments_due(supervisor_client, deposits):
    rows = _csv(supervisor_client.get("/reports/run/deposits.instalments_due/?format=csv"))
    assert [r["Instalment"] for r in rows] == ["1 of 3", "2 of 3", "3 of 3"]
    assert D(rows[0]["Billed"]) == D("50.00") and rows[0]["Status"].startswith("Billed")
    assert sum(D(r["Scheduled"]) for r in rows) == D("150.00")
    text = _pdf_text(supervisor_client.get("/reports/run/deposits.instalments_due/?format=pdf"))
    assert "1 of 3" in text and "$150.00" in text


def test_the_letters_expiring(clerk_client, deposits):
    rows = _csv(clerk_client.get("/reports/run/deposits.letters_expiring/?format=csv"))
    assert len(rows) == 1
    row = rows[0]
    assert (row["Issuer"], row["Number"], D(row["Amount"]), row["Days left"]) == (
        "Lone Star Surety",
        "SB-19",
        D("300.00"),
        "20",
    )
    assert (
        _csv(clerk_client.get("/reports/run/deposits.letters_expiring/?format=csv&days=10")) == []
    )
    text = _pdf_text(clerk_client.get("/reports/run/deposits.letters_expiring/?format=pdf"))
    assert "Lone Star Surety" in text and "$300.00" in text


def test_a_clerk_runs_no_register(clerk_client):
    assert clerk_client.get("/reports/run/deposits.register/").status_code == 403


def test_the_catalogue_lists_the_deposit_reports(supervisor_client):
    html = supervisor_client.get("/reports/").content.decode()
    for title in (
        "Deposit register",
        "Deposit instalments due",
        "Letters of credit and surety bonds expiring",
    ):
        assert title in html
