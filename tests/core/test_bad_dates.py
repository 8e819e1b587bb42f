"""Dates typed far out of range get a message, never a 500."""

import re
from datetime import timedelta

import pytest

from tests.factories import make_account, post_bill
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def test_statement_from_year_one(clerk_client):
    account = make_account()
    response = clerk_client.get(
        f"/reports/statement/{account.number}/?start=0001-01-01&end=2026-01-01"
    )
    assert response.status_code == 200
    assert b"between 1900 and 2199" in response.content


def test_contact_search_to_the_end_of_time(clerk_client):
    response = clerk_client.get("/contacts/?end=9999-12-31")
    assert response.status_code == 200
    html = response.content.decode()
    # Refused beside the box it was typed in, the box keeping what was typed.
    assert re.search(
        r'name="end" value="9999-12-31" aria-invalid="true" aria-describedby="id_end_error"', html
    )
    assert (
        '<p class="field-error" id="id_end_error">Enter a date between 1900 and 2199.</p>' in html
    )


def test_supervisor_contact_report_to_the_end_of_time(supervisor_client):
    response = supervisor_client.get("/contacts/report/?start=2026-01-01&end=9999-12-31")
    assert response.status_code == 200
    assert b"between 1900 and 2199" in response.content


def _ledger_rows(html: str) -> list[list[str]]:
    ledger = html.split('<h2 class="visually-hidden">Ledger</h2>', 1)[1]
    body = ledger.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_huge_ledger_offset(clerk_client):
    account = make_account()
    day = business_day.today()
    for months_ago, amount in [(2, "41.10"), (1, "52.20"), (0, "63.30")]:
        post_bill(account, amount, bill_date=day - timedelta(days=30 * months_ago))
    response = clerk_client.get(
        f"/accounts/{account.number}/ledger/?offset=99999999999999999999999"
    )
    assert response.status_code == 200
    # Read as no offset: the newest page, newest first, with the running balance.
    rows = _ledger_rows(response.content.decode())
    assert [(row[4], row[6]) for row in rows] == [
        ("$63.30", "$156.60"),
        ("$52.20", "$93.30"),
        ("$41.10", "$41.10"),
    ]
    first_page = clerk_client.get(f"/accounts/{account.number}/ledger/")
    assert _ledger_rows(first_page.content.decode()) == rows
    # An offset past the end (clamped to the largest allowed) shows no entries, not a 500.
    past = clerk_client.get(f"/accounts/{account.number}/ledger/?offset=99999999999")
    assert b"No ledger entries yet." in past.content


def test_stop_service_far_in_the_future(clerk_client):
    account = make_account()
    response = clerk_client.post(
        f"/workorders/service/{account.number}/stop/",
        {"stop_date": "9999-12-30", "idempotency_key": "8a4f5e7c-0000-4000-8000-00000000000a"},
    )
    assert response.status_code == 200
    assert b"between 1900 and 2199" in response.content
