"""After final: the write-off list (a supervisor approves; WRITE_OFF entries), the agency
referral file, recoveries less commission and the report."""

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import queries as account_queries
from accounts.models import LedgerEntry
from collections_app import runs, services
from collections_app.models import WriteOff
from tests.collections.conftest import delinquent
from workorders.models import Vendor

pytestmark = pytest.mark.django_db


def final_account(amount="250.00", days=100):
    account, _ = delinquent(amount, days_past_due=days)
    type(account).objects.filter(pk=account.pk).update(status="final")
    account.refresh_from_db()
    return account


@pytest.fixture
def agency(db):
    return Vendor.objects.create(
        name="Lone Star Recovery", trade="Collection agency", turnaround_days=30
    )


def test_final_account_unpaid_past_the_policy_days_is_written_off_once(supervisor, today, agency):
    old = final_account("250.00", days=100)
    recent = final_account("80.00", days=30)
    proof = runs.write_off_proof(today)
    assert proof["counts"]["Accounts to write off"] == 1
    assert proof["totals"]["Written off"] == "250.00"
    runs.post_write_offs(today, by=supervisor, agency_id=agency.pk)
    runs.post_write_offs(today, by=supervisor, agency_id=agency.pk)
    write_off = WriteOff.objects.get()
    assert write_off.account == old
    entry = LedgerEntry.objects.get(account=old, kind="write_off")
    assert entry.amount == Decimal("-250.00")
    assert account_queries.balance_of(old.pk) == Decimal("0.00")
    old.refresh_from_db()
    assert old.status == "collections"
    recent.refresh_from_db()
    assert recent.status == "final"


def test_referral_file_lists_the_days_write_offs(supervisor, supervisor_client, today, agency):
    account = final_account("250.00")
    runs.post_write_offs(today, by=supervisor, agency_id=agency.pk)
    response = supervisor_client.get(f"/collections/referrals.csv?day={today.isoformat()}")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "account"
    assert rows[1][0] == account.display_number
    assert rows[1][9] == "250.00"


def test_recovery_is_reported_less_the_agencys_commission(
    supervisor, supervisor_client, today, agency
):
    account = final_account("250.00")
    runs.post_write_offs(today, by=supervisor, agency_id=agency.pk)
    write_off = WriteOff.objects.get(account=account)
    key = uuid.uuid4()
    recovery = services.record_recovery(
        write_off=write_off, gross=Decimal("200.00"), by=supervisor, idempotency_key=key
    )
    assert (
        services.record_recovery(
            write_off=write_off, gross=Decimal("200.00"), by=supervisor, idempotency_key=key
        )
        == recovery
    )
    assert recovery.commission == Decimal("50.00")
    assert recovery.net == Decimal("150.00")
    assert account_queries.balance_of(account.pk) == Decimal("0.00")
    with pytest.raises(services.CollectionsError, match=r"\$50.00"):
        services.record_recovery(write_off=write_off, gross=Decimal("60.00"), by=supervisor)
    page = supervisor_client.get("/collections/write-offs/").content.decode()
    assert "$200.00" in page and "$50.00" in page and "$150.00" in page


def test_a_clerk_cannot_see_write_offs(clerk_client):
    assert clerk_client.get("/collections/write-offs/").status_code == 403
    assert clerk_client.get("/collections/referrals.csv").status_code == 403


def test_recovery_form_error_beside_the_field(supervisor_client):
    response = supervisor_client.post(
        "/collections/write-offs/recovery/",
        {"account": "1234567-0", "gross": "10", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 200
    assert "No written-off account has that number." in response.content.decode()


def test_a_counter_payment_after_write_off_is_reported_as_a_recovery(supervisor, today):
    from collections_app import queries
    from tests.factories import post_credit

    account = final_account("250.00")
    runs.post_write_offs(today, by=supervisor)
    post_credit(account, "40.00", on=today)
    report = queries.write_off_report(today - timedelta(days=1), today)
    assert report.counter_recoveries == Decimal("40.00")
    assert report.written_off_total == Decimal("250.00")
