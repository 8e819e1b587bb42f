"""The general-ledger journal: balanced for every day, agreeing with the ledger, the same
file every time, and refused (with the reason) when a mapping is missing."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from reports import gl
from reports.models import GLMapping

pytestmark = pytest.mark.django_db
D = Decimal


def lines_by_name(journal):
    return {line.name: (line.debit, line.credit) for line in journal.lines}


def test_the_busy_days_journal_balances_and_names_each_kind_of_money(busy_day):
    journal = gl.journal(busy_day["today"])
    assert journal.balanced and journal.debits > 0
    lines = lines_by_name(journal)
    # The bag: $69 cash (170 counted less the $100 float less $1 short) and $95 in checks.
    assert lines["Cash in bank: operating"] == (D("164.00"), D("0.00"))
    assert lines["Card settlements receivable"] == (D("42.50"), D("0.00"))
    assert lines["Cash over / short"] == (D("1.00"), D("0.00"))
    assert "Penalties and service fees" in lines  # the returned check's fee
    assert lines["Billing adjustments"][0] == D("105.00")  # net credit adjustments


def test_the_receivable_line_is_the_days_change_in_all_balances(busy_day):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT SUM(amount) FROM accounts_ledgerentry WHERE business_date = %s",
            [busy_day["today"]],
        )
        (change,) = cursor.fetchone()
    debit, credit = lines_by_name(gl.journal(busy_day["today"]))["Utility customer receivables"]
    assert debit - credit == change


def test_every_day_of_the_demo_data_balances_and_agrees_with_the_ledger():
    call_command("load_demo_data", accounts=60, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT business_date, SUM(amount) FROM accounts_ledgerentry GROUP BY business_date"
        )
        change_by_day = dict(cursor.fetchall())
    first, last = min(change_by_day), max(change_by_day)
    journals = gl.journals(first, last)
    assert len(change_by_day) > 300  # two years of history
    assert {j.day for j in journals} == set(change_by_day)
    for journal in journals:
        assert journal.balanced, journal.day
        receivable = lines_by_name(journal).get("Utility customer receivables", (0, 0))
        assert receivable[0] - receivable[1] == change_by_day[journal.day], journal.day


def test_the_file_is_the_same_every_time_and_balances(busy_day):
    first = gl.journal_csv(gl.journal(busy_day["today"]))
    again = gl.journal_csv(gl.journal(busy_day["today"]))
    assert first == again
    rows = list(csv.DictReader(io.StringIO(first)))
    body, total = rows[:-1], rows[-1]
    assert sum(D(r["debit"]) for r in body) == sum(D(r["credit"]) for r in body)
    assert D(total["debit"]) == D(total["credit"]) == sum(D(r["debit"]) for r in body)
    assert {r["journal_id"] for r in rows} == {f"UC-{busy_day['today']:%Y%m%d}"}


def test_an_unbalanced_journal_is_never_written():
    from datetime import date

    lopsided = gl.Journal(date(2026, 12, 4), [gl.JournalLine("1", "Cash", D("1.00"), D("0"))])
    with pytest.raises(ValueError, match="does not balance"):
        gl.journal_csv(lopsided)


def test_a_missing_mapping_is_named_and_no_file_is_made(busy_day, supervisor_client):
    GLMapping.objects.filter(source="late_fee").delete()
    GLMapping.objects.filter(source="returned_payment_fee").delete()
    with pytest.raises(gl.GLMappingMissing, match="Returned-payment fees"):
        gl.journal(busy_day["today"])
    response = supervisor_client.get(
        reverse("reports:gl"), {"day": busy_day["today"], "format": "csv"}
    )
    assert response["Content-Type"].startswith("text/html")
    assert "No GL account is mapped for: Returned-payment fees" in response.content.decode()


def test_a_utility_without_its_own_account_goes_to_the_general_one(busy_day):
    GLMapping.objects.filter(source="bill", utility="sewer").delete()
    assert gl.journal(busy_day["today"]).balanced


def test_the_gl_page_lists_closed_days_and_gives_the_file(busy_day, supervisor_client):
    page = supervisor_client.get(reverse("reports:gl")).content.decode()
    assert f"?day={busy_day['today']:%Y-%m-%d}&amp;format=csv" in page
    response = supervisor_client.get(
        reverse("reports:gl"), {"day": busy_day["today"].isoformat(), "format": "csv"}
    )
    assert response.content.decode() == gl.journal_csv(gl.journal(busy_day["today"]))
    assert "gl-journal-" in response["Content-Disposition"]


def test_clerks_cannot_export_the_journal(clerk_client):
    assert clerk_client.get(reverse("reports:gl")).status_code == 403
