"""Each catalogue report's totals against an independent SQL sum over the source tables."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from accounts import queries as account_queries
from reports.catalogue import ReportRun, get_report

pytestmark = pytest.mark.django_db
D = Decimal


def sql_one(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def run(code, data=None, **kwargs):
    report = get_report(code)
    form = report.form(data or {})
    assert form.is_valid(), form.errors
    return ReportRun(report, form.cleaned_data, **kwargs)


def test_payments_total_is_every_payment_not_voided(busy_day):
    day = busy_day["today"]
    r = run("payments", {"start": day, "end": day})
    amount, count = sql_one(
        "SELECT SUM(amount), COUNT(*) FROM payments_payment "
        "WHERE status <> 'voided' AND business_date = %s",
        [day],
    )
    totals = r.totals()
    assert totals["amount"] == amount == D("207.50")
    assert count == 5
    # Counter cash, counter check, counter card, phone card; the split payment (cash and
    # check) counts under each of its tenders, as the report says.
    assert r.count() == 4
    assert totals["payments"] == count + 1


def test_payments_agree_with_the_ledger(busy_day):
    day = busy_day["today"]
    (ledger,) = sql_one(
        "SELECT -SUM(e.amount) FROM accounts_ledgerentry e JOIN payments_payment p "
        "ON p.ledger_entry_id = e.id WHERE e.business_date = %s AND p.status <> 'voided'",
        [day],
    )
    assert run("payments", {"period": "today"}).totals()["amount"] == ledger


def test_payments_filter_by_tender_and_channel(busy_day):
    (cash,) = sql_one(
        "SELECT SUM(t.amount) FROM payments_tender t JOIN payments_payment p ON p.id = t.payment_id "
        "WHERE t.kind = 'cash' AND p.status <> 'voided'"
    )
    assert run("payments", {"period": "today", "tender": "cash"}).totals()["amount"] == cash
    phone = run("payments", {"period": "today", "channel": "phone"})
    assert phone.totals()["amount"] == D("12.50")


def test_voids_and_returns_agree_with_the_payment_reversals(busy_day):
    (reversed_total,) = sql_one(
        "SELECT SUM(r.amount) FROM accounts_ledgerentry r "
        "JOIN accounts_ledgerentry o ON o.id = r.reverses_id "
        "WHERE r.kind = 'reversal' AND o.kind = 'payment' AND r.business_date = %s",
        [busy_day["today"]],
    )
    r = run("voids_returns", {"period": "today"})
    assert r.totals()["amount"] == reversed_total == D("60.00")
    rows = {row["what"]: row for row in r.all_rows()}
    assert rows["Void"]["reason"] == "Keyed twice"
    assert rows["Return"]["amount"] == D("45.00")


def test_adjustments_agree_with_the_ledger(busy_day):
    net, debits = sql_one(
        "SELECT SUM(amount), SUM(amount) FILTER (WHERE amount > 0) FROM accounts_ledgerentry "
        "WHERE kind IN ('adjustment_debit', 'adjustment_credit')"
    )
    r = run("adjustments", {"period": "today"})
    assert r.totals()["net"] == net == D("-105.00")
    assert r.totals()["debits"] == debits
    approvers = {row["approver"] for row in r.all_rows()}
    assert "Within the clerk limit" in approvers
    assert any(a not in ("Within the clerk limit",) for a in approvers)


def test_aging_summary_agrees_with_the_ledger_and_the_accounts_aging(busy_day):
    # Now: every posting, including those the closed day sent on to the next business day.
    (ledger_balance,) = sql_one("SELECT SUM(amount) FROM accounts_ledgerentry")
    totals = run("aging_summary").totals()
    aging = account_queries.aging_totals()
    assert totals["balance"] == ledger_balance == aging.balance
    assert totals["past_due"] == aging.past_due
    assert totals["current"] == aging.current


def test_aging_detail_adds_up_to_the_summary(busy_day):
    summary = run("aging_summary", {"customer_class": "residential"}).totals()
    detail = run("aging_detail", {"customer_class": "residential"})
    assert detail.totals()["balance"] == summary["balance"]
    (residential,) = sql_one(
        "SELECT SUM(e.amount) FROM accounts_ledgerentry e JOIN accounts_account a "
        "ON a.id = e.account_id JOIN accounts_customer c ON c.id = a.customer_id "
        "WHERE c.customer_class = 'residential'"
    )
    assert summary["balance"] == residential


def test_aging_as_of_an_earlier_day(busy_day):
    earlier = busy_day["today"] - timedelta(days=10)
    (balance,) = sql_one(
        "SELECT SUM(amount) FROM accounts_ledgerentry WHERE business_date <= %s", [earlier]
    )
    assert run("aging_summary", {"as_of": earlier}).totals()["balance"] == balance


def test_customer_counts_agree_with_the_tables(busy_day):
    from tests.factories import make_customer

    make_customer(first_name="No", last_name="Account")
    accounts, customers = sql_one(
        "SELECT (SELECT COUNT(*) FROM accounts_account), (SELECT COUNT(*) FROM accounts_customer)"
    )
    (water,) = sql_one(
        "SELECT COUNT(DISTINCT account_id) FROM accounts_service "
        "WHERE utility = 'water' AND status = 'active'"
    )
    totals = run("customer_counts").totals()
    assert totals["accounts"] == accounts
    assert totals["customers"] == customers  # none of them has accounts in two statuses
    assert totals["water"] == water
    rows = run("customer_counts").all_rows()
    assert any(row["status"] == "No account" and row["customers"] == 1 for row in rows)


def test_work_orders_backlog_agrees_with_the_board(busy_day):
    still_to_do, completed = sql_one(
        "SELECT COUNT(*) FILTER (WHERE status IN ('open', 'scheduled', 'dispatched')), "
        "COUNT(*) FILTER (WHERE status = 'completed') FROM workorders_workorder"
    )
    totals = run("work_orders", {"period": "today"}).totals()
    assert (totals["open"], totals["completed"]) == (still_to_do, completed) == (2, 1)
    vendor_only = run("work_orders", {"period": "today", "vendor": busy_day["vendor"].pk})
    assert vendor_only.totals()["open"] == 1


def test_vendor_scorecard_agrees_with_the_orders(busy_day):
    from workorders.models import WorkOrder

    order = WorkOrder.objects.get(vendor=busy_day["vendor"])
    from workorders import services as work_orders

    work_orders.complete_work_order(
        order=order, by=order.raised_by, cost=Decimal("85.00"), notes="Meter OK"
    )
    (completed, cost) = sql_one(
        "SELECT COUNT(*), SUM(cost) FROM workorders_workorder "
        "WHERE vendor_id IS NOT NULL AND status = 'completed'"
    )
    totals = run("vendor_scorecard", {"period": "today"}).totals()
    assert (totals["completed"], totals["cost"]) == (completed, cost) == (1, D("85.00"))


def test_contacts_by_party_type_agree_with_the_log(busy_day):
    (total, officials) = sql_one(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE party_type = 'elected_official') "
        "FROM accounts_contact"
    )
    assert run("contacts", {"period": "today"}).totals()["contacts"] == total == 4
    only = run("contacts", {"period": "today", "party_type": "elected_official"})
    assert only.totals()["contacts"] == officials == 2
    assert only.all_rows()[0]["topic"] == "Complaint"


def test_audit_trail_for_a_user_and_for_an_account(busy_day, supervisor):
    from utilityclerk.core.models import AuditEvent

    by_user = run("audit_trail", {"period": "today", "user": supervisor.pk})
    assert by_user.count() == AuditEvent.objects.filter(actor=supervisor).count() > 0
    account = busy_day["accounts"][1]  # the voided and the returned payment are on it
    rows = run("audit_trail", {"period": "today", "account": account.number}).all_rows()
    assert {"payment.take", "payment.void", "payment.returned"} <= {r["action"] for r in rows}
    # Its work order (a record of its own, tied to the account) is in its trail too.
    assert "workorder" in {r["record_type"] for r in rows}
    other = busy_day["accounts"][3]
    other_rows = run("audit_trail", {"period": "today", "account": other.number}).all_rows()
    assert other_rows
    assert "payment.void" not in {r["action"] for r in other_rows}


def test_ledger_export_agrees_with_the_ledger(busy_day):
    start = busy_day["today"] - timedelta(days=60)
    total, count = sql_one(
        "SELECT SUM(amount), COUNT(*) FROM accounts_ledgerentry WHERE business_date >= %s",
        [start],
    )
    r = run("ledger", {"start": start})
    assert (r.totals()["amount"], r.count()) == (total, count)
    assert len(list(r.stream(chunk_size=3))) == count


def test_sorting_is_by_a_known_column_only(busy_day):
    asc = run("payments", {"period": "today"}, sort="amount", desc=False).all_rows()
    assert [r["amount"] for r in asc] == sorted(r["amount"] for r in asc)
    desc = run("payments", {"period": "today"}, sort="amount", desc=True).all_rows()
    assert [r["amount"] for r in desc] == sorted((r["amount"] for r in desc), reverse=True)
    # An unknown sort key (or an attempt at SQL) falls back to the report's default.
    hostile = run("payments", {"period": "today"}, sort='amount"; DROP TABLE x; --')
    assert hostile.sort == "day"
    assert len(hostile.all_rows()) == len(asc)


def test_paging_returns_each_row_once(busy_day):
    r = run("ledger", {"start": busy_day["today"] - timedelta(days=60)})
    seen = []
    for offset in range(0, r.count(), 4):
        seen += [row["entry"] for row in r.page(offset, 4)]
    assert sorted(seen) == sorted(row["entry"] for row in r.all_rows())
    assert len(seen) == len(set(seen)) == r.count()


def test_customer_counts_filtered_agree_with_the_tables(busy_day):
    from tests.factories import make_account, make_customer

    # A customer with two active accounts counts once; a customer with no account only
    # when no status or utility is asked for.
    twice = make_customer(first_name="Two", last_name="Accounts", customer_class="commercial")
    make_account(customer=twice)
    make_account(customer=twice)
    make_customer(first_name="No", last_name="Account", customer_class="commercial")
    active = run("customer_counts", {"status": "active"})
    accounts, customers = sql_one(
        "SELECT COUNT(*), COUNT(DISTINCT customer_id) FROM accounts_account WHERE status = 'active'"
    )
    assert (active.totals()["accounts"], active.totals()["customers"]) == (accounts, customers)
    assert "No account" not in {row["status"] for row in active.all_rows()}
    commercial = run("customer_counts", {"customer_class": "commercial"}).all_rows()
    by_status = {row["status"]: row for row in commercial}
    assert by_status["No account"]["customers"] == 1
    (commercial_customers,) = sql_one(
        "SELECT COUNT(DISTINCT c.id) FROM accounts_customer c JOIN accounts_account a "
        "ON a.customer_id = c.id WHERE c.customer_class = 'commercial' AND a.status = 'active'"
    )
    assert by_status["Active"]["customers"] == commercial_customers
    (sewer,) = sql_one(
        "SELECT COUNT(DISTINCT account_id) FROM accounts_service "
        "WHERE utility = 'sewer' AND status = 'active'"
    )
    with_sewer = run("customer_counts", {"utility": "sewer"}).totals()
    assert with_sewer["accounts"] == with_sewer["sewer"] == sewer


def test_aging_reports_agree_before_and_after_the_fold(busy_day):
    """The reports read the aging summary; what waits to be folded counts the same."""
    from accounts import aging_summary

    (ledger_balance,) = sql_one("SELECT SUM(amount) FROM accounts_ledgerentry")
    (waiting,) = sql_one("SELECT COUNT(*) FROM accounts_agingchange")
    assert waiting > 0  # the busy day's postings are not folded yet
    before = run("aging_summary").totals()
    detail_before = {row["account"]: row for row in run("aging_detail").all_rows()}
    aging_summary.fold()
    assert sql_one("SELECT COUNT(*) FROM accounts_agingchange") == (0,)
    assert run("aging_summary").totals() == before
    assert {row["account"]: row for row in run("aging_detail").all_rows()} == detail_before
    assert before["balance"] == ledger_balance
    for row in run("aging_detail").all_rows():
        (balance,) = sql_one(
            "SELECT SUM(e.amount) FROM accounts_ledgerentry e JOIN accounts_account a "
            "ON a.id = e.account_id WHERE a.number = %s",
            [row["account"]],
        )
        assert row["balance"] == balance
