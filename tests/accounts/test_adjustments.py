import uuid
from decimal import Decimal

import pytest

from accounts import queries, services
from accounts.models import AdjustmentRequest, LedgerEntry
from accounts.services import AccountError
from tests.factories import make_account, make_user
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return make_account()


def test_clerk_posts_a_credit_within_the_limit(account, clerk):
    entry = services.post_adjustment(
        account=account,
        amount=Decimal("-50.00"),
        reason_code="leak_credit",
        memo="Leak fixed",
        by=clerk,
    )
    assert isinstance(entry, LedgerEntry)
    assert entry.kind == "adjustment_credit"
    assert queries.balance_of(account.pk) == Decimal("-50.00")
    assert AuditEvent.objects.filter(action="ledger.adjustment", actor=clerk).exists()


def test_clerk_above_the_limit_waits_for_a_supervisor(account, clerk, supervisor):
    request = services.post_adjustment(
        account=account,
        amount=Decimal("-50.01"),
        reason_code="billing_error",
        memo="Rate error",
        by=clerk,
    )
    assert isinstance(request, AdjustmentRequest)
    assert request.status == "pending"
    assert queries.balance_of(account.pk) == Decimal("0.00")

    approved = services.approve_adjustment(request=request, by=supervisor)
    assert approved.status == "approved"
    assert approved.ledger_entry.amount == Decimal("-50.01")
    assert queries.balance_of(account.pk) == Decimal("-50.01")
    # A second click on Approve changes nothing.
    services.approve_adjustment(request=request, by=supervisor)
    assert LedgerEntry.objects.filter(account=account).count() == 1


def test_the_limit_holds_for_a_clerks_day_on_one_account_not_each_adjustment(account, clerk):
    clerk2 = make_user("clerk2", role="Clerk")

    def adjust(by, amount="-20.00", on=account):
        return services.post_adjustment(
            account=on, amount=Decimal(amount), reason_code="other", memo="split", by=by
        )

    assert isinstance(adjust(clerk), LedgerEntry)
    assert isinstance(adjust(clerk, "15.00"), LedgerEntry)  # $35.00 so far, debit or credit
    waiting = adjust(clerk)  # $55.00 in all: over the $50.00 limit
    assert isinstance(waiting, AdjustmentRequest)
    assert queries.balance_of(account.pk) == Decimal("-5.00")
    # Another clerk, or another account, has a limit of its own.
    assert isinstance(adjust(clerk2), LedgerEntry)
    assert isinstance(adjust(clerk, on=make_account()), LedgerEntry)


def test_the_daily_limit_still_holds_after_the_day_is_closed(account, clerk, supervisor):
    from django.utils import timezone

    from utilityclerk import business_day
    from utilityclerk.core.models import BusinessDay

    BusinessDay.objects.create(
        date=business_day.today(), status="closed", closed_at=timezone.now(), closed_by=supervisor
    )

    def adjust():
        return services.post_adjustment(
            account=account, amount=Decimal("-40.00"), reason_code="other", memo="x", by=clerk
        )

    first = adjust()
    assert isinstance(first, LedgerEntry)
    assert first.business_date > business_day.today()  # dated to the next business day
    assert isinstance(adjust(), AdjustmentRequest)  # $80.00 on that day: over the limit


def test_a_retry_answers_with_the_waiting_request_even_when_the_limit_has_room_again(
    account, clerk
):
    key = uuid.uuid4()

    def adjust(amount):
        return services.post_adjustment(
            account=account,
            amount=Decimal(amount),
            reason_code="other",
            memo="x",
            by=clerk,
            idempotency_key=key,
        )

    waiting = adjust("-75.00")
    assert isinstance(waiting, AdjustmentRequest)
    # The same submission again after the limit changed (a new day, a policy change) must
    # not post an entry beside the request a supervisor may still approve.
    from utilityclerk.core.models import Policy

    Policy.objects.update(clerk_adjustment_limit=Decimal("500.00"))
    assert adjust("-75.00") == waiting
    assert not LedgerEntry.objects.filter(account=account).exists()


def test_clerk_cannot_approve(account, clerk):
    request = services.post_adjustment(
        account=account, amount=Decimal("80.00"), reason_code="unbilled_service", memo="x", by=clerk
    )
    with pytest.raises(AccountError, match="Only a supervisor"):
        services.approve_adjustment(request=request, by=make_user(role="Clerk"))


def test_supervisor_posts_above_the_limit_directly(account, supervisor):
    entry = services.post_adjustment(
        account=account,
        amount=Decimal("250.00"),
        reason_code="unbilled_service",
        memo="Missed",
        by=supervisor,
    )
    assert isinstance(entry, LedgerEntry)
    assert entry.kind == "adjustment_debit"
    assert entry.due_date is not None


def test_rejected_request_posts_nothing(account, clerk, supervisor):
    request = services.post_adjustment(
        account=account, amount=Decimal("-99.00"), reason_code="other", memo="Courtesy", by=clerk
    )
    services.reject_adjustment(request=request, note="Not eligible", by=supervisor)
    request.refresh_from_db()
    assert request.status == "rejected"
    assert not LedgerEntry.objects.filter(account=account).exists()


def test_same_idempotency_key_posts_once(account, clerk):
    key = uuid.uuid4()
    first = services.post_adjustment(
        account=account,
        amount=Decimal("-10.00"),
        reason_code="fee_waiver",
        memo="Waive",
        by=clerk,
        idempotency_key=key,
    )
    second = services.post_adjustment(
        account=account,
        amount=Decimal("-10.00"),
        reason_code="fee_waiver",
        memo="Waive",
        by=clerk,
        idempotency_key=key,
    )
    assert first.pk == second.pk
    assert queries.balance_of(account.pk) == Decimal("-10.00")


@pytest.mark.parametrize(
    ("amount", "reason", "memo", "message"),
    [
        ("0.00", "other", "x", "must not be"),
        ("-5.00", "nonsense", "x", "Choose a reason"),
        ("-5.00", "other", "  ", "Say why"),
    ],
)
def test_bad_adjustments_are_refused(account, clerk, amount, reason, memo, message):
    with pytest.raises(AccountError, match=message):
        services.post_adjustment(
            account=account, amount=Decimal(amount), reason_code=reason, memo=memo, by=clerk
        )
    assert not LedgerEntry.objects.exists()


def test_user_without_a_role_cannot_adjust(account):
    with pytest.raises(AccountError, match="cannot post adjustments"):
        services.post_adjustment(
            account=account, amount=Decimal("-5.00"), reason_code="other", memo="x", by=make_user()
        )
