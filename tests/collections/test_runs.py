"""Late fees and past-due notices: the rule, the proof, posting once however often."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from pypdf import PdfReader

from accounts.models import LedgerEntry
from collections_app import runs
from collections_app.models import Notice
from tests.collections.conftest import delinquent, pay
from tests.factories import post_charge

pytestmark = pytest.mark.django_db


def fees_of(account):
    return list(LedgerEntry.objects.filter(account=account, kind="late_fee").order_by("id"))


def test_late_fee_is_ten_percent_of_the_collectible_past_due(clerk, today):
    account, bill = delinquent("234.56", days_past_due=1)
    proof = runs.late_fee_proof(today)
    assert proof["counts"]["Late fees"] == 1
    assert proof["totals"]["Late fees"] == "23.46"
    runs.post_late_fees(today, by=clerk)
    [fee] = fees_of(account)
    assert fee.amount == Decimal("23.46")
    assert fee.reference == bill.number
    assert "10% of $234.56 past due" in fee.memo


def test_no_late_fee_before_the_grace_day(clerk, today):
    account, _ = delinquent("100.00", days_past_due=0)
    runs.post_late_fees(today, by=clerk)
    assert fees_of(account) == []


def test_no_fee_on_a_fee(clerk, today):
    """An earlier bill's unpaid late fee is left out of the base of the next one."""
    account, _bill = delinquent("100.00", days_past_due=2)
    post_charge(account, "15.00", on=today - timedelta(days=30), kind="late_fee")
    runs.post_late_fees(today, by=clerk)
    fee = fees_of(account)[-1]
    assert fee.amount == Decimal("10.00")


def test_fee_on_fees_when_the_policy_says_so(clerk, today):
    from utilityclerk.core.models import Policy

    Policy.objects.update_or_create(pk=1, defaults={"late_fee_on_fees": True})
    account, _bill = delinquent("100.00", days_past_due=2)
    post_charge(account, "15.00", on=today - timedelta(days=30), kind="late_fee")
    runs.post_late_fees(today, by=clerk)
    assert fees_of(account)[-1].amount == Decimal("11.50")


def test_paid_account_gets_no_fee_and_is_counted_as_excluded(clerk, today):
    account, _ = delinquent("100.00", days_past_due=2)
    pay(account, "100.00")
    proof = runs.late_fee_proof(today)
    assert proof["counts"]["Late fees"] == 0
    assert proof["exclusions"]["Paid or nothing past due"] == 1
    runs.post_late_fees(today, by=clerk)
    assert fees_of(account) == []


def test_late_fee_run_posts_each_fee_once_however_often_it_runs(clerk, today):
    accounts = [delinquent("50.00", days_past_due=3)[0] for _ in range(3)]
    first = runs.post_late_fees(today, by=clerk)
    second = runs.post_late_fees(today, by=clerk)
    assert first["counts"]["Late fees posted"] == 3
    assert second["counts"]["Late fees posted"] == 0
    assert [len(fees_of(a)) for a in accounts] == [1, 1, 1]
    assert runs.late_fee_proof(today)["counts"]["Late fees"] == 0


def test_the_database_refuses_a_second_late_fee_for_one_bill(today):
    account, bill = delinquent("50.00")
    post_charge(account, "5.00", on=today, reference=bill.number)
    with pytest.raises(IntegrityError), transaction.atomic():
        post_charge(account, "5.00", on=today, reference=bill.number)


def test_notice_goes_the_business_day_after_the_fee_with_the_disconnect_date(clerk, today):
    from utilityclerk import business_day
    from utilityclerk.core.models import Policy

    policy = Policy.current()
    account, bill = delinquent("180.00", days_past_due=12)
    proof = runs.notice_proof(today)
    assert proof["counts"]["Notices"] == 1
    runs.post_notices(today, by=clerk)
    notice = Notice.objects.get(account=account)
    assert notice.amount == Decimal("180.00")
    assert notice.bill == bill
    assert notice.disconnect_on >= today + timedelta(days=policy.disconnect_after_notice_days)
    assert notice.disconnect_on.weekday() in (0, 1, 2, 3)
    assert business_day.is_business_day(notice.disconnect_on)
    assert notice.address_lines == account.mailing_address_lines


def test_no_notice_before_its_day(clerk, today):
    account, _ = delinquent("180.00", days_past_due=0)
    runs.post_notices(today, by=clerk)
    assert not Notice.objects.filter(account=account).exists()


def test_notice_run_sends_one_notice_per_bill(clerk, today):
    account, _ = delinquent("180.00", days_past_due=12)
    runs.post_notices(today, by=clerk)
    again = runs.post_notices(today, by=clerk)
    assert again["counts"]["Notices"] == 0
    assert Notice.objects.filter(account=account).count() == 1


def test_notice_is_emailed_where_the_customer_prefers_email(
    clerk, today, django_capture_on_commit_callbacks
):
    account, _ = delinquent(
        "75.00", days_past_due=12, email="pat@example.com", preferred_contact="email"
    )
    delinquent("75.00", days_past_due=12)  # prefers the phone: paper only
    with django_capture_on_commit_callbacks(execute=True):
        result = runs.post_notices(today, by=clerk)
    assert result["counts"] == {"Notices": 2, "E-mailed": 1}
    [message] = mail.outbox
    assert message.to == ["pat@example.com"]
    assert "$75.00" in message.body
    assert account.display_number in message.subject


def test_notice_letter_pdf_carries_amount_and_disconnect_date(clerk, clerk_client, today):
    account, _ = delinquent("432.10", days_past_due=12)
    runs.post_notices(today, by=clerk)
    notice = Notice.objects.get(account=account)
    response = clerk_client.get(f"/collections/notice/{notice.pk}.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "$432.10" in text
    assert account.display_number in text
    assert (
        f"{notice.disconnect_on:%B} {notice.disconnect_on.day}, {notice.disconnect_on.year}" in text
    )


def test_batch_pdf_has_one_letter_per_page(clerk, clerk_client, today):
    accounts = [delinquent(f"{100 + i}.00", days_past_due=12)[0] for i in range(3)]
    runs.post_notices(today, by=clerk)
    response = clerk_client.get(f"/collections/notices/{today.isoformat()}.pdf")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 3
    texts = [page.extract_text() for page in reader.pages]
    for account, text in zip(sorted(accounts, key=lambda a: a.number), texts, strict=True):
        assert account.display_number in text
    assert {"$100.00", "$101.00", "$102.00"} == {
        amount for text in texts for amount in ("$100.00", "$101.00", "$102.00") if amount in text
    }


def test_late_fee_and_notice_runs_through_the_background_runs_post_once(supervisor, today):
    from tests.runs_helpers import run_worker
    from utilityclerk.runs.services import approve_run, start_run

    account, _ = delinquent("200.00", days_past_due=12)
    params = {"day": today.isoformat()}
    for kind in ("collections.late_fees", "collections.notices"):
        for _attempt in range(2):  # started again after posting: the proof finds nothing
            run = start_run(kind=kind, scope=f"{kind}:{today}", params=params, by=supervisor)
            run_worker()
            run.refresh_from_db()
            assert run.status == "proof_ready", run.error
            approve_run(run=run, by=supervisor)
            run_worker()
            run.refresh_from_db()
            assert run.status == "posted", run.error
    assert len(fees_of(account)) == 1
    assert Notice.objects.filter(account=account).count() == 1
    notice = Notice.objects.get(account=account)
    assert notice.amount == Decimal("200.00")  # the fee posted today is not past due yet
    assert notice.run_id is not None
