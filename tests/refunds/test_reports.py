"""The refund register (screen, CSV for accounts payable, PDF) and the unclaimed-property
list, parsed back and checked against independent SQL sums over the refunds and the ledger."""

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from pypdf import PdfReader

from payments.refunds import queries, services
from reports.catalogue import get_report
from tests.factories import make_account, make_customer, post_charge, post_credit
from utilityclerk import business_day
from utilityclerk.core.models import Policy

pytestmark = pytest.mark.django_db
D = Decimal


def sql_one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def read_csv(response):
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


def pdf_text(response):
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def _credit_account(last_name, credit, street):
    account = make_account(
        customer=make_customer(first_name="Lee", last_name=last_name, mail_street=street)
    )
    post_credit(account, credit, on=business_day.today() - timedelta(days=500))
    return account


def _approved(account, amount, *, clerk, supervisor, days_ago=0, **extra):
    """Requested and approved, days_ago business days back (the ledger entry dated then)."""
    real_today = business_day.today
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(business_day, "today", lambda: real_today() - timedelta(days=days_ago))
        refund = services.request_refund(
            account=account, amount=D(amount), reason="Overpaid", requested_by=clerk, **extra
        )
        return services.approve_refund(refund=refund, by=supervisor)


@pytest.fixture
def refunds(clerk, supervisor):
    """Four approved refunds (one voided since, one on a deposit), one waiting, one rejected,
    and one approved long ago."""
    made = {
        "a": _approved(
            _credit_account("Ames", "120.00", "1 ASH ST"),
            "120.00",
            clerk=clerk,
            supervisor=supervisor,
        ),
        "b": _approved(
            _credit_account("Baker", "75.25", "2 BIRCH ST"),
            "75.25",
            clerk=clerk,
            supervisor=supervisor,
            source="deposit",
        ),
        "c": _approved(
            _credit_account("Cruz", "40.00", "3 CEDAR ST"),
            "33.10",
            clerk=clerk,
            supervisor=supervisor,
        ),
        "old": _approved(
            _credit_account("Diaz", "19.99", "4 DOGWOOD ST"),
            "19.99",
            clerk=clerk,
            supervisor=supervisor,
            days_ago=400,
        ),
    }
    services.void_refund(refund=made["c"], reason="Check returned", by=supervisor)
    waiting = _credit_account("Evans", "500.00", "5 ELM ST")
    services.request_refund(account=waiting, amount=D("500.00"), reason="x", requested_by=clerk)
    rejected = services.request_refund(
        account=_credit_account("Ford", "9.00", "6 FIR ST"),
        amount=D("9.00"),
        reason="x",
        requested_by=clerk,
    )
    services.reject_refund(refund=rejected, reason="Owes elsewhere", by=supervisor)
    return made


def test_register_csv_totals_equal_an_independent_sum(refunds, supervisor_client):
    today = business_day.posting_date()
    rows = read_csv(
        supervisor_client.get(
            get_report("refunds.register").url,
            {"start": today.isoformat(), "end": today.isoformat(), "format": "csv"},
        )
    )
    header, body, total = rows[0], rows[1:-1], rows[-1]
    assert header == [
        "Check request",
        "Approved",
        "Payee",
        "Address",
        "Account",
        "Permit",
        "Refund of",
        "Reason",
        "Status now",
        "Amount",
    ]
    (expected,) = sql_one(
        "SELECT SUM(amount) FROM refunds_refund WHERE approved_on = %s "
        "AND check_request_number IS NOT NULL",
        [today],
    )
    assert expected == D("228.35")
    assert D(total[-1]) == expected == sum(D(r[-1]) for r in body)
    # The ledger agrees: the refund entries posted that day.
    (ledger,) = sql_one(
        "SELECT SUM(amount) FROM accounts_ledgerentry WHERE kind = 'refund' AND business_date = %s",
        [today],
    )
    assert ledger == expected
    by_payee = {r[2]: r for r in body}
    assert set(by_payee) == {"Lee Ames", "Lee Baker", "Lee Cruz"}
    ames = by_payee["Lee Ames"]
    assert ames[0] == refunds["a"].check_request_number
    assert ames[1] == today.isoformat()
    assert ames[3] == "1 ASH ST, CIBOLO, TX 78108"
    assert ames[4] == refunds["a"].account.number
    assert ames[7] == "Overpaid"
    assert by_payee["Lee Baker"][6] == "Deposit"
    assert by_payee["Lee Cruz"][8] == "Voided"


def test_register_pdf_shows_the_same_total(refunds, supervisor_client):
    today = business_day.posting_date()
    text = pdf_text(
        supervisor_client.get(
            get_report("refunds.register").url,
            {"start": today.isoformat(), "end": today.isoformat(), "format": "pdf"},
        )
    )
    (expected,) = sql_one(
        "SELECT SUM(amount) FROM refunds_refund WHERE approved_on = %s "
        "AND status IN ('approved', 'voided')",
        [today],
    )
    assert "Refund register" in text
    amounts = [D(m.replace(",", "")) for m in re.findall(r"\$([\d,]+\.\d\d)", text)]
    # The rows, then the total: the total is the last amount and the sum of the others.
    assert amounts[-1] == expected == sum(amounts[:-1])
    assert refunds["a"].check_request_number in text


def test_register_filters_by_what_was_refunded(refunds):
    today = business_day.posting_date()
    report = get_report("refunds.register")
    form = report.form({"start": today, "end": today, "source": "deposit"})
    assert form.is_valid(), form.errors
    from reports.catalogue import ReportRun

    run = ReportRun(report, form.cleaned_data)
    assert run.count() == 1 and run.totals()["amount"] == D("75.25")


def test_register_for_a_long_period_includes_the_old_refund(refunds):
    report = get_report("refunds.register")
    today = business_day.posting_date()
    sql, params = queries.register_sql({"start": today - timedelta(days=500), "end": today})
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM(amount) FROM ({sql}) r", params)
        assert cursor.fetchone() == (4, D("248.34"))
    # Every refund entry on the ledger in the period is on the register, and no other.
    (ledger,) = sql_one(
        "SELECT SUM(amount) FROM accounts_ledgerentry WHERE kind = 'refund' "
        "AND business_date BETWEEN %s AND %s",
        [today - timedelta(days=500), today],
    )
    assert ledger == D("248.34")
    assert report.reconciles_with.startswith("The ledger's refund entries")


def test_unclaimed_lists_checks_not_cashed_after_the_policys_days(refunds, supervisor):
    today = business_day.today()
    assert [r.pk for r in queries.unclaimed(today)] == [refunds["old"].pk]
    policy = Policy.current()
    policy.refund_unclaimed_days = 30
    policy.save()
    # Nothing else is 30 days old yet.
    assert [r.pk for r in queries.unclaimed(today)] == [refunds["old"].pk]
    assert {r.pk for r in queries.unclaimed(today + timedelta(days=31))} == {
        refunds["old"].pk,
        refunds["a"].pk,
        refunds["b"].pk,
    }  # the voided one is not owed to anyone
    services.record_check_cashed(refund=refunds["a"], cashed_on=business_day.today(), by=supervisor)
    assert {r.pk for r in queries.unclaimed(today + timedelta(days=31))} == {
        refunds["old"].pk,
        refunds["b"].pk,
    }


def test_unclaimed_report_csv_and_pdf(refunds, supervisor_client):
    url = get_report("refunds.unclaimed").url
    rows = read_csv(supervisor_client.get(url, {"format": "csv"}))
    assert len(rows) == 3  # header, the old refund, the total
    old = refunds["old"]
    assert rows[1][0] == old.check_request_number
    assert rows[1][2] == "400"
    assert rows[1][3] == "Lee Diaz"
    assert D(rows[-1][-1]) == D("19.99")
    (expected,) = sql_one(
        "SELECT SUM(amount) FROM refunds_refund WHERE status = 'approved' "
        "AND cashed_on IS NULL AND approved_on <= %s",
        [business_day.today() - timedelta(days=365)],
    )
    assert expected == D("19.99")
    text = pdf_text(supervisor_client.get(url, {"format": "pdf"}))
    assert "Unclaimed refund checks" in text and "$19.99" in text and "Lee Diaz" in text


def test_refund_reports_are_in_the_catalogue_for_supervisors(supervisor_client, clerk_client):
    from django.urls import reverse

    page = supervisor_client.get(reverse("reports:catalogue")).content.decode()
    assert "Refund register (accounts payable)" in page
    assert "Unclaimed refund checks" in page
    assert clerk_client.get(get_report("refunds.register").url).status_code == 403


def test_the_register_can_be_saved_and_scheduled(refunds, supervisor_client, supervisor):
    from django.urls import reverse

    from reports.models import ReportSchedule, SavedReport

    response = supervisor_client.post(
        reverse("reports:save", args=["refunds.register"]),
        {"name": "Refunds for AP, last month", "period": "last_month", "source": "deposit"},
    )
    assert response.status_code == 302
    saved = SavedReport.objects.get(owner=supervisor)
    assert saved.report_code == "refunds.register"
    assert saved.params == {"period": "last_month", "source": "deposit"}
    response = supervisor_client.post(
        reverse("reports:schedule", args=[saved.pk]),
        {
            "frequency": "monthly",
            "format": "csv",
            "recipients": "ap@city.example.gov",
            "first_on": business_day.today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert ReportSchedule.objects.filter(saved_report=saved, format="csv").exists()


def test_reconcile_holds_for_refunds_and_finds_a_refund_entry_without_one(refunds, account):
    from reports import reconcile
    from reports.refunds import RECONCILE_CHECKS

    (check,) = RECONCILE_CHECKS
    assert check in reconcile.CHECKS
    assert reconcile.run_check(check, day=None).holds
    post_charge(account, "5.00", on=business_day.today(), kind="refund")
    outcome = reconcile.run_check(check, day=None)
    assert not outcome.holds and outcome.rows[0][1] == "no refund"
