"""Dates typed far out of range get a message, never a 500."""

import pytest

from tests.factories import make_account

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


def test_supervisor_contact_report_to_the_end_of_time(supervisor_client):
    response = supervisor_client.get("/contacts/report/?start=2026-01-01&end=9999-12-31")
    assert response.status_code == 200
    assert b"between 1900 and 2199" in response.content


def test_huge_ledger_offset(clerk_client):
    account = make_account()
    response = clerk_client.get(
        f"/accounts/{account.number}/ledger/?offset=99999999999999999999999"
    )
    assert response.status_code == 200


def test_stop_service_far_in_the_future(clerk_client):
    account = make_account()
    response = clerk_client.post(
        f"/workorders/service/{account.number}/stop/",
        {"stop_date": "9999-12-30", "idempotency_key": "8a4f5e7c-0000-4000-8000-00000000000a"},
    )
    assert response.status_code == 200
    assert b"between 1900 and 2199" in response.content
