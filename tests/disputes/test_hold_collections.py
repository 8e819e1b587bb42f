"""The hold against collections' own runs: a disputed amount is never fee'd, noticed or shut
off for, and the undisputed rest is (so the test can fail)."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry
from collections_app import runs
from collections_app.models import Notice
from collections_app.queries import shutoff_list
from tests.disputes.helpers import open_bill_case
from tests.factories import make_user
from tests.workorders.helpers import active_account
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from workorders.models import Crew

pytestmark = pytest.mark.django_db


def _past_due_account(clerk, crew):
    """An active account whose one bill ($184.97) fell due twenty days ago, unpaid."""
    from tests.factories import post_bill

    account = active_account(clerk, crew, utilities=("water",))
    bill = post_bill(account, "184.97", bill_date=business_day.today() - timedelta(days=40))
    return account, bill


def _runs_for(account, bill, supervisor):
    """Late fees, notices and the shut-off list as collections works them out today."""
    today = business_day.today()
    runs.post_late_fees(today, by=supervisor)
    fee = LedgerEntry.objects.filter(account=account, kind="late_fee").first()
    runs.post_notices(today, by=supervisor)
    notice = Notice.objects.filter(account=account, bill=bill).first()
    row = None
    if notice is not None:
        listed = shutoff_list(notice.disconnect_on, as_of=today)
        row = next((r for r in listed.rows if r.account_id == account.pk), None)
    return fee, notice, row


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(disputed_cents=st.integers(min_value=1, max_value=18497))
def test_a_disputed_amount_is_never_feed_noticed_or_shut_off_for(db, disputed_cents):
    clerk = make_user(role="Clerk")
    supervisor = make_user(role="Supervisor")
    crew, _ = Crew.objects.get_or_create(name="Hold crew")
    account, bill = _past_due_account(clerk, crew)
    disputed = Decimal(disputed_cents) / 100
    open_bill_case(account, bill, clerk, amount=str(disputed))
    fee, notice, row = _runs_for(account, bill, supervisor)

    undisputed = bill.total - disputed
    percent = Policy.current().late_fee_percent
    expected_fee = (undisputed * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if expected_fee > 0:
        assert fee is not None and fee.amount == expected_fee  # on the undisputed part only
    else:
        assert fee is None
    if undisputed > 0:
        assert notice is not None and notice.amount == undisputed
        assert row is not None and "Open dispute" in row.reasons and not row.eligible
    else:
        assert notice is None and row is None


def test_without_a_dispute_the_whole_bill_is_feed_and_noticed(db):
    clerk = make_user(role="Clerk")
    supervisor = make_user(role="Supervisor")
    crew = Crew.objects.create(name="Control crew")
    account, bill = _past_due_account(clerk, crew)
    fee, notice, row = _runs_for(account, bill, supervisor)
    percent = Policy.current().late_fee_percent
    assert fee.amount == (bill.total * percent / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert notice.amount == bill.total
    assert row is not None and "Open dispute" not in row.reasons


def test_a_resolved_dispute_lets_collections_act_again(db):
    from collections_app.disputes import services

    clerk = make_user(role="Clerk")
    supervisor = make_user(role="Supervisor")
    crew = Crew.objects.create(name="Resolve crew")
    account, bill = _past_due_account(clerk, crew)
    case = open_bill_case(account, bill, clerk, amount="184.97")
    assert _runs_for(account, bill, supervisor) == (None, None, None)
    services.resolve_case(case=case, outcome="upheld", reason="Read is right", by=clerk)
    fee, notice, _row = _runs_for(account, bill, supervisor)
    assert fee is not None and notice is not None and notice.amount == bill.total
