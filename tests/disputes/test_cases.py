"""Opening a case, its amount's limits, the transitions table, and what is held."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import AdjustmentRequest
from accounts.queries import aging_for_account
from collections_app.disputes import queries, services
from collections_app.disputes.models import (
    HOLDING,
    TRANSITIONS,
    Case,
    CaseDocument,
    CaseStatus,
    CaseStatusChange,
    can_transition,
)
from collections_app.disputes.services import DisputeError
from tests.disputes.helpers import open_bill_case
from tests.factories import make_user, post_charge
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_bill_case_holds_its_amount_and_leaves_the_rest_due(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    assert case.status == CaseStatus.RECEIVED
    assert queries.held_amount(high_bill_account.pk) == Decimal("84.97")
    assert queries.held_amounts() == {high_bill_account.pk: Decimal("84.97")}
    # The undisputed part stays due: the aging is untouched; the collectible subtracts.
    assert aging_for_account(high_bill_account.pk).past_due == Decimal("184.97")
    assert AuditEvent.objects.filter(action="dispute.open", target_id=str(case.pk)).exists()
    assert case.status_changes.get().to_status == CaseStatus.RECEIVED


def test_the_amount_disputed_is_never_more_than_the_bill(high_bill_account, clerk):
    with pytest.raises(DisputeError, match=r"more than the bill \(\$184.97\)") as error:
        open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="184.98")
    assert error.value.field == "amount"
    assert not Case.objects.exists()


def test_two_cases_on_one_bill_together_stay_within_it(high_bill_account, clerk):
    open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="100.00")
    with pytest.raises(DisputeError, match=r"less \$100.00 already under dispute"):
        open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="85.00")
    open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="84.97")
    assert queries.held_amount(high_bill_account.pk) == Decimal("184.97")


def test_a_charge_case_is_capped_at_the_charge(high_bill_account, clerk):
    fee = post_charge(high_bill_account, "18.50", on=business_day.today())
    with pytest.raises(DisputeError, match=r"more than the charge \(\$18.50\)"):
        services.open_case(
            account=high_bill_account,
            kind="charge",
            charge=fee,
            amount=Decimal("20"),
            words="I paid on time",
            received_via="counter",
            party_type="citizen",
            by=clerk,
        )
    case = services.open_case(
        account=high_bill_account,
        kind="charge",
        charge=fee,
        amount=Decimal("18.50"),
        words="I paid on time",
        received_via="counter",
        party_type="citizen",
        by=clerk,
    )
    assert case.held == Decimal("18.50")


def test_a_bill_of_another_account_is_refused(high_bill_account, clerk):
    from tests.factories import make_account, post_bill

    other = post_bill(make_account(), "50.00", bill_date=business_day.today())
    with pytest.raises(DisputeError, match="not this account's"):
        open_bill_case(high_bill_account, other, clerk, amount="10")


def test_a_service_problem_names_no_amount_and_holds_nothing(high_bill_account, clerk):
    with pytest.raises(DisputeError, match="names no amount"):
        services.open_case(
            account=high_bill_account,
            kind="pressure",
            amount=Decimal("5"),
            words="Low pressure",
            received_via="phone",
            party_type="citizen",
            by=clerk,
        )
    case = services.open_case(
        account=high_bill_account,
        kind="pressure",
        words="Low pressure every morning",
        received_via="phone",
        party_type="citizen",
        by=clerk,
    )
    assert case.amount == 0
    assert queries.held_amounts() == {}


def test_on_behalf_of_needs_who(high_bill_account, clerk):
    with pytest.raises(DisputeError, match="Name the official") as error:
        open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, party_type="official")
    assert error.value.field == "party_name"
    case = services.open_case(
        account=high_bill_account,
        kind="bill",
        bill=high_bill_account.high_bill,
        amount=Decimal("84.97"),
        words="Council member calling for Ms Johnson",
        received_via="email",
        party_type="official",
        party_name="Council member Ruiz",
        by=clerk,
    )
    assert case.party_name == "Council member Ruiz"


def test_a_double_submit_opens_one_case(high_bill_account, clerk):
    key = uuid.uuid4()
    first = open_bill_case(
        high_bill_account, high_bill_account.high_bill, clerk, idempotency_key=key
    )
    second = open_bill_case(
        high_bill_account, high_bill_account.high_bill, clerk, idempotency_key=key
    )
    assert first.pk == second.pk
    assert Case.objects.count() == 1


def test_an_amount_case_is_capped_at_what_is_owed(high_bill_account, clerk):
    with pytest.raises(DisputeError, match=r"\(\$184.97\)"):
        services.open_case(
            account=high_bill_account,
            kind="amount",
            amount=Decimal("200"),
            words="Too much",
            received_via="mail",
            party_type="citizen",
            by=clerk,
        )


def test_every_transition_outside_the_table_is_refused(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    for from_status in CaseStatus.values:
        for to_status in CaseStatus.values:
            if can_transition(from_status, to_status):
                continue
            case.status = from_status  # in memory: the service refuses before any write
            with pytest.raises(DisputeError, match="cannot become"):
                services.move_case(case, to_status, by=clerk)
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RECEIVED


def _case_in(status, clerk):
    """A case brought to a status along allowed steps (raw updates the trigger accepts)."""
    from tests.factories import make_account, post_bill

    account = make_account()
    case = open_bill_case(
        account, post_bill(account, "10.00", bill_date=business_day.today()), clerk, amount="1.00"
    )
    path = {
        "received": [],
        "acknowledged": ["acknowledged"],
        "investigating": ["investigating"],
        "waiting": ["waiting"],
        "awaiting_approval": ["awaiting_approval"],
        "resolved": ["resolved"],
        "appealed": ["resolved", "appealed"],
        "closed": ["resolved", "appealed", "closed"],
        "withdrawn": ["withdrawn"],
    }[status]
    for step in path:
        Case.objects.filter(pk=case.pk).update(
            status=step, outcome="upheld", resolved_on=business_day.today()
        )
    return case


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [(a, b) for a in CaseStatus.values for b in CaseStatus.values if a != b],
)
def test_the_database_refuses_exactly_what_the_table_refuses(clerk, from_status, to_status):
    from django.db import IntegrityError, transaction

    case = _case_in(from_status, clerk)
    allowed = to_status in TRANSITIONS[from_status]
    try:
        with transaction.atomic():
            # Every check constraint satisfied, so only the trigger can refuse it.
            Case.objects.filter(pk=case.pk).update(
                status=to_status, outcome="upheld", resolved_on=business_day.today()
            )
    except IntegrityError as error:
        assert not allowed, f"{from_status} -> {to_status} refused: {error}"
        assert "cannot go from" in str(error)
    else:
        assert allowed, f"{from_status} -> {to_status} was let through"


def test_the_status_history_and_documents_cannot_be_changed(high_bill_account, clerk):
    from django.db import ProgrammingError, transaction

    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    document = services.add_document(
        case=case, filename="a.pdf", content=b"%PDF-1.4 x", kind="letter", by=clerk
    )
    for rows in (
        CaseStatusChange.objects.filter(case=case),
        CaseDocument.objects.filter(pk=document.pk),
    ):
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            rows.update(note="changed")
        with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
            rows.delete()


def test_acknowledging_twice_records_once(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.acknowledge_case(case=case, how="Letter mailed", by=clerk)
    services.acknowledge_case(case=case, how="Letter mailed", by=clerk)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACKNOWLEDGED
    assert case.acknowledged_on == business_day.today()
    assert case.status_changes.count() == 2


def test_held_on_a_past_date_reads_the_history(high_bill_account, clerk, supervisor, monkeypatch):
    today = business_day.today()
    # Opened ten days ago, resolved (upheld) three days ago.
    monkeypatch.setattr(business_day, "today", lambda: today - timedelta(days=10))
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    monkeypatch.setattr(business_day, "today", lambda: today - timedelta(days=3))
    services.resolve_case(
        case=case, outcome="upheld", reason="Read checked: correct", by=supervisor
    )
    monkeypatch.setattr(business_day, "today", lambda: today)
    account = high_bill_account.pk
    assert queries.held_amounts(on=today - timedelta(days=11)) == {}
    assert queries.held_amounts(on=today - timedelta(days=10)) == {account: Decimal("84.97")}
    assert queries.held_amounts(on=today - timedelta(days=4)) == {account: Decimal("84.97")}
    assert queries.held_amounts(on=today - timedelta(days=3)) == {}
    assert queries.held_amounts() == {}


def test_held_amounts_for_some_accounts(high_bill_account, clerk):
    open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    assert queries.held_amounts(account_ids=[]) == {}
    assert queries.held_amounts(account_ids=[high_bill_account.pk + 999]) == {}
    assert queries.held_amounts(account_ids=[high_bill_account.pk]) == {
        high_bill_account.pk: Decimal("84.97")
    }


def test_upheld_releases_the_hold(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.resolve_case(case=case, outcome="upheld", reason="The read is right.", by=clerk)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.outcome == "upheld"
    assert queries.held_amount(high_bill_account.pk) == 0
    assert case.documents.filter(kind="outcome_letter").count() == 1


def test_a_credit_above_the_clerk_limit_waits_and_the_hold_with_it(
    high_bill_account, clerk, supervisor
):
    from accounts.services import approve_adjustment

    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.resolve_case(
        case=case,
        outcome="adjusted",
        reason="Re-read shows a misread",
        credit=Decimal("84.97"),
        credit_reason="meter_misread",
        by=clerk,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_APPROVAL
    assert queries.held_amount(high_bill_account.pk) == Decimal("84.97")
    request = AdjustmentRequest.objects.get()
    assert request.amount == Decimal("-84.97") and request.reason_code == "meter_misread"
    approve_adjustment(request=request, by=supervisor)
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.amount_adjusted == Decimal("84.97")
    assert case.adjustment_entry_id == AdjustmentRequest.objects.get().ledger_entry_id
    assert queries.held_amount(high_bill_account.pk) == 0
    assert aging_for_account(high_bill_account.pk).balance == Decimal("100.00")


def test_a_rejected_credit_sends_the_case_back_to_investigating(
    high_bill_account, clerk, supervisor
):
    from accounts.services import reject_adjustment

    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.resolve_case(
        case=case, outcome="adjusted", reason="Customer says so", credit=Decimal("84.97"), by=clerk
    )
    reject_adjustment(request=AdjustmentRequest.objects.get(), note="Re-read first", by=supervisor)
    case.refresh_from_db()
    assert case.status == CaseStatus.INVESTIGATING
    assert case.outcome == ""
    assert queries.held_amount(high_bill_account.pk) == Decimal("84.97")


def test_a_credit_within_the_clerk_limit_posts_at_once(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk, amount="40.00")
    services.resolve_case(
        case=case, outcome="adjusted", reason="Estimated read", credit=Decimal("40.00"), by=clerk
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    assert case.adjustment_entry.amount == Decimal("-40.00")
    # Sent twice: one credit.
    services.resolve_case(
        case=case, outcome="adjusted", reason="Estimated read", credit=Decimal("40.00"), by=clerk
    )
    assert aging_for_account(high_bill_account.pk).balance == Decimal("144.97")


def test_the_credit_cannot_exceed_the_amount_disputed(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    with pytest.raises(DisputeError, match=r"more than the amount disputed \(\$84.97\)"):
        services.resolve_case(
            case=case, outcome="adjusted", reason="x", credit=Decimal("84.98"), by=clerk
        )


def test_withdrawn_needs_a_reason_and_releases_the_hold(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    with pytest.raises(DisputeError, match="reason"):
        services.resolve_case(case=case, outcome="withdrawn", reason=" ", by=clerk)
    services.resolve_case(case=case, outcome="withdrawn", reason="Found the leak", by=clerk)
    assert queries.held_amounts() == {}


def test_a_role_without_resolve_cannot_resolve(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    nobody = make_user(role="Admin")
    with pytest.raises(DisputeError, match="cannot resolve"):
        services.resolve_case(case=case, outcome="upheld", reason="x", by=nobody)


def test_an_appeal_holds_the_amount_until_decided(high_bill_account, clerk, supervisor):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.resolve_case(case=case, outcome="upheld", reason="Read is right", by=clerk)
    assert queries.held_amount(high_bill_account.pk) == 0
    hearing = business_day.add_business_days(business_day.today(), 10)
    services.file_appeal(
        case=case, grounds="The meter is old", hearing_on=hearing, officer="J. Ortega", by=clerk
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.APPEALED and CaseStatus.APPEALED in HOLDING
    assert queries.held_amount(high_bill_account.pk) == Decimal("84.97")
    with pytest.raises(DisputeError, match="supervisor"):
        services.decide_appeal(case=case, decision="upheld", note="x", by=clerk)
    services.decide_appeal(
        case=case,
        decision="adjusted",
        note="Meter tested 4% fast",
        credit=Decimal("30.00"),
        by=supervisor,
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.amount_adjusted == Decimal("30.00")
    assert case.appeal.decided_on == business_day.today()
    assert queries.held_amount(high_bill_account.pk) == 0
    assert aging_for_account(high_bill_account.pk).balance == Decimal("154.97")
    assert case.documents.filter(kind="outcome_letter").count() == 2


def test_an_appeal_hearing_cannot_be_in_the_past(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    services.resolve_case(case=case, outcome="upheld", reason="Read is right", by=clerk)
    with pytest.raises(DisputeError, match="past") as error:
        services.file_appeal(
            case=case,
            grounds="x",
            hearing_on=business_day.today() - timedelta(days=1),
            officer="J. Ortega",
            by=clerk,
        )
    assert error.value.field == "hearing_on"


def test_an_open_case_cannot_be_appealed(high_bill_account, clerk):
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    with pytest.raises(DisputeError, match="Only a resolved case"):
        services.file_appeal(
            case=case, grounds="x", hearing_on=business_day.today(), officer="J", by=clerk
        )


def test_deciding_an_appeal_that_was_never_filed_is_refused(high_bill_account, clerk, supervisor):
    # Found by the hold property test: it was a 500.
    case = open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    with pytest.raises(DisputeError, match="no appeal to decide"):
        services.decide_appeal(case=case, decision="upheld", note="x", by=supervisor)


def test_disputing_a_bill_not_yet_due_shelters_no_older_past_due(high_bill_account, clerk):
    """The hold is the disputed bill's own unpaid past-due part: this month's bill in dispute
    does not make last month's uncollectible."""
    from tests.disputes.conftest import bill

    today = business_day.today()
    current = bill(high_bill_account, "120.00", on=today - timedelta(days=5), usage="9000")
    case = open_bill_case(high_bill_account, current, clerk, amount="50.00")
    assert queries.disputed_amount(high_bill_account.pk) == Decimal("50.00")
    assert queries.held_amount(high_bill_account.pk) == 0  # not due yet: nothing to hold
    after_due = current.due_date + timedelta(days=1)
    assert queries.held_amount(high_bill_account.pk, on=after_due) == Decimal("50.00")
    assert case.held == Decimal("50.00")


def test_a_disputed_bill_the_customer_paid_holds_nothing(high_bill_account, clerk):
    from tests.factories import post_credit

    open_bill_case(high_bill_account, high_bill_account.high_bill, clerk)
    post_credit(high_bill_account, "150.00", on=business_day.today())
    # 34.97 of the bill is unpaid: that much can be held, not the 84.97 disputed.
    assert queries.held_amount(high_bill_account.pk) == Decimal("34.97")
    post_credit(high_bill_account, "34.97", on=business_day.today())
    assert queries.held_amount(high_bill_account.pk) == 0
