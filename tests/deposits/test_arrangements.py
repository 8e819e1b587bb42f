"""Instalments, waivers and letters of credit: each rule, and the arithmetic as properties."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import AccountStatus
from payments.deposits import queries, services
from payments.deposits.models import DepositWaiver, InstalmentPlan, LetterOfCredit
from payments.deposits.services import DepositError, split_in_instalments
from tests.deposits.conftest import set_policy
from tests.factories import make_user
from utilityclerk import audit, business_day
from utilityclerk.business_day import add_months
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db
D = Decimal


# The arithmetic ------------------------------------------------------------------------------


@given(
    total=st.decimals(min_value=D("0.05"), max_value=D("99999.99"), places=2),
    count=st.integers(min_value=2, max_value=5),
)
def test_instalments_add_up_to_the_cent(total, count):
    amounts = split_in_instalments(total, count)
    assert len(amounts) == count
    assert sum(amounts) == total
    assert all(a > 0 and a == a.quantize(D("0.01")) for a in amounts)
    # Equal shares; only the first carries the cents left over (fewer than the count).
    assert len(set(amounts[1:])) <= 1
    assert D("0") <= amounts[0] - amounts[-1] < D("0.01") * count


def test_a_hundred_dollars_in_three():
    assert split_in_instalments(D("100.00"), 3) == [D("33.34"), D("33.33"), D("33.33")]


# Instalments -----------------------------------------------------------------------------------


def test_instalments_are_monthly_from_today_up_to_the_policy(account, clerk):
    plan = services.set_up_instalments(account=account, instalments=3, by=clerk)
    today = business_day.today()
    rows = list(plan.instalments.order_by("number"))
    assert [i.bill_on for i in rows] == [add_months(today, n) for n in range(3)]
    assert sum(i.amount for i in rows) == D("100.00") == plan.total
    figures = queries.figures(account.pk)
    assert (figures.to_bill, figures.due_now, figures.plan_count) == (D("100"), D("0"), 3)


@pytest.mark.parametrize("count", [1, 4, 0])
def test_more_instalments_than_the_policy_allows_are_refused(account, clerk, count):
    with pytest.raises(DepositError, match="2 to 3") as refused:
        services.set_up_instalments(account=account, instalments=count, by=clerk)
    assert refused.value.field == "instalments"
    assert not InstalmentPlan.objects.exists()


def test_a_policy_of_one_instalment_takes_deposits_in_full_only(account, clerk):
    set_policy(deposit_instalments_max=1)
    with pytest.raises(DepositError, match="in full only"):
        services.set_up_instalments(account=account, instalments=2, by=clerk)


def test_one_plan_at_a_time_and_the_same_form_twice_sets_up_one(account, clerk):
    key = uuid.uuid4()
    first = services.set_up_instalments(
        account=account, instalments=2, by=clerk, idempotency_key=key
    )
    again = services.set_up_instalments(
        account=account, instalments=2, by=clerk, idempotency_key=key
    )
    assert first.pk == again.pk
    with pytest.raises(DepositError, match="already on instalments"):
        services.set_up_instalments(account=account, instalments=3, by=clerk)


def test_no_plan_when_nothing_is_owed_or_the_account_is_final(account, clerk, pay):
    pay(account, deposit="100.00")
    with pytest.raises(DepositError, match="No deposit is owed"):
        services.set_up_instalments(account=account, instalments=2, by=clerk)
    type(account).objects.filter(pk=account.pk).update(status=AccountStatus.FINAL)
    with pytest.raises(DepositError, match="final"):
        services.set_up_instalments(account=account, instalments=2, by=clerk)


def test_field_staff_cannot_set_up_instalments(account):
    field = make_user("tech", role="Field")
    with pytest.raises(DepositError, match="Your role"):
        services.set_up_instalments(account=account, instalments=2, by=field)


def test_paying_the_rest_at_the_counter_ends_the_plan(account, clerk, pay):
    services.set_up_instalments(account=account, instalments=2, by=clerk)
    offer = services.offer(account)
    assert (offer.due, offer.most) == (D("0.00"), D("100.00"))  # the plan bills it
    pay(account, deposit="100.00")
    plan = InstalmentPlan.objects.get()
    assert plan.status == "ended" and "Paid in full" in plan.end_reason


# Waive or reduce ---------------------------------------------------------------------------------


def test_a_supervisor_reduces_the_deposit_with_a_reason_on_the_audit_trail(account, supervisor):
    waiver = services.waive_deposit(
        account=account, required=D("60.00"), reason="Long-time customer moving in", by=supervisor
    )
    assert (waiver.required_before, waiver.required_after) == (D("100.00"), D("60.00"))
    assert queries.figures(account.pk).still_owed == D("60.00")
    event = AuditEvent.objects.get(action="deposit.reduced")
    assert event.actor == supervisor and event.reason == "Long-time customer moving in"
    assert (event.before, event.after) == ({"required": "100.00"}, {"required": "60.00"})


def test_a_waiver_to_nothing_leaves_nothing_owed(account, supervisor):
    waiver = services.waive_deposit(
        account=account, required=D("0"), reason="Hardship", by=supervisor
    )
    assert waiver.is_waiver
    assert queries.figures(account.pk).still_owed == D("0.00")
    assert services.offer(account) is None
    assert AuditEvent.objects.filter(action="deposit.waived").count() == 1


def test_a_clerk_cannot_waive_a_deposit(account, clerk):
    with pytest.raises(DepositError, match="Only a supervisor"):
        services.waive_deposit(account=account, required=D("0"), reason="Asked", by=clerk)
    assert not DepositWaiver.objects.exists()


@pytest.mark.parametrize(
    ("required", "reason", "field", "message"),
    [
        ("100.00", "Why not", "required", "enter less"),
        ("150.00", "Why not", "required", "enter less"),
        ("-1.00", "Why not", "required", "negative"),
        ("50.00", "   ", "reason", "Say why"),
        ("50.00", "4111 1111 1111 1111", "reason", "full card number"),
    ],
)
def test_a_waiver_needs_a_reason_and_a_lower_amount(
    account, supervisor, required, reason, field, message
):
    with pytest.raises(DepositError, match=message) as refused:
        services.waive_deposit(account=account, required=D(required), reason=reason, by=supervisor)
    assert refused.value.field == field
    assert not DepositWaiver.objects.exists()


def test_no_reduction_below_what_is_already_collected(account, supervisor, pay):
    pay(account, deposit="70.00")
    with pytest.raises(DepositError, match=r"\$70.00 is already collected"):
        services.waive_deposit(account=account, required=D("50.00"), reason="x", by=supervisor)
    services.waive_deposit(account=account, required=D("70.00"), reason="Enough", by=supervisor)
    assert queries.figures(account.pk).still_owed == D("0.00")


def test_nothing_to_waive_where_no_deposit_is_required(supervisor):
    from tests.factories import make_account

    with pytest.raises(DepositError, match="No deposit is required"):
        services.waive_deposit(account=make_account(), required=D("0"), reason="x", by=supervisor)


def test_the_waiver_history_is_append_only(account, supervisor):
    from django.db import connection, transaction

    services.waive_deposit(account=account, required=D("10"), reason="x", by=supervisor)
    with (
        pytest.raises(Exception, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE deposits_depositwaiver SET required_after = 0")


# Letters of credit ---------------------------------------------------------------------------------


def test_a_letter_of_credit_covers_a_commercial_deposit_until_it_expires(commercial, clerk):
    today = business_day.today()
    services.record_security(
        account=commercial,
        kind="letter_of_credit",
        issuer="First Texas Bank",
        number="LC-2231",
        amount=D("300.00"),
        expires_on=today + timedelta(days=365),
        by=clerk,
    )
    assert queries.figures(commercial.pk).still_owed == D("0.00")
    assert services.offer(commercial) is None
    # Once expired it covers nothing: the deposit is owed again.
    assert queries.figures(commercial.pk, today=today + timedelta(days=366)).still_owed == D("300")


def test_a_partial_bond_leaves_the_rest_owed(commercial, clerk):
    services.record_security(
        account=commercial,
        kind="surety_bond",
        issuer="Lone Star Surety",
        amount=D("200.00"),
        expires_on=business_day.today() + timedelta(days=90),
        by=clerk,
    )
    assert queries.figures(commercial.pk).still_owed == D("100.00")


def test_letters_of_credit_are_for_commercial_customers(account, clerk):
    with pytest.raises(DepositError, match="commercial customers only"):
        services.record_security(
            account=account,
            kind="letter_of_credit",
            issuer="Bank",
            amount=D("100"),
            expires_on=business_day.today() + timedelta(days=30),
            by=clerk,
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": " "}, "issuer"),
        ({"amount": D("0")}, "amount"),
        ({"expires_on": "today"}, "expires_on"),
        ({"kind": "iou"}, "kind"),
    ],
)
def test_a_security_needs_its_issuer_amount_and_a_future_expiry(commercial, clerk, changes, field):
    data = {
        "kind": "letter_of_credit",
        "issuer": "First Texas Bank",
        "amount": D("300"),
        "expires_on": business_day.today() + timedelta(days=30),
    }
    data.update(changes)
    if data["expires_on"] == "today":
        data["expires_on"] = business_day.today()
    with pytest.raises(DepositError) as refused:
        services.record_security(account=commercial, by=clerk, **data)
    assert refused.value.field == field
    assert not LetterOfCredit.objects.exists()


def test_the_reminder_list_shows_what_expires_within_the_policy_days(commercial, clerk, supervisor):
    today = business_day.today()

    def record(days, account=commercial):
        return services.record_security(
            account=account,
            kind="letter_of_credit",
            issuer="Bank",
            amount=D("300"),
            expires_on=today + timedelta(days=days),
            by=clerk,
        )

    soon = record(30)
    assert list(queries.security_reminders(today=today)) == [soon]
    assert list(queries.security_reminders(today=today - timedelta(days=1))) == []
    # Renewed: the later one replaces it, and is not due yet.
    record(400)
    assert list(queries.security_reminders(today=today)) == []
    # Expired and never renewed: still listed, until it is released.
    later = today + timedelta(days=500)
    assert len(list(queries.security_reminders(today=later))) == 1
    renewal = LetterOfCredit.objects.get(expires_on=today + timedelta(days=400))
    services.release_security(security=renewal, reason="Customer paid cash", by=supervisor)
    services.release_security(security=soon, reason="Customer paid cash", by=supervisor)
    assert list(queries.security_reminders(today=later)) == []


def test_only_a_supervisor_releases_a_letter_of_credit(commercial, clerk):
    security = services.record_security(
        account=commercial,
        kind="letter_of_credit",
        issuer="Bank",
        amount=D("300"),
        expires_on=business_day.today() + timedelta(days=60),
        by=clerk,
    )
    with pytest.raises(DepositError, match="Only a supervisor"):
        services.release_security(security=security, reason="x", by=clerk)


def test_snapshot_of_the_audit_for_a_security(commercial, clerk):
    services.record_security(
        account=commercial,
        kind="surety_bond",
        issuer="Lone Star Surety",
        amount=D("300"),
        expires_on=business_day.today() + timedelta(days=60),
        by=clerk,
    )
    event = AuditEvent.objects.get(action="deposit.security")
    assert event.after["issuer"] == "Lone Star Surety"
    assert audit.history_for(commercial)


@settings(max_examples=25, deadline=None)
@given(
    required=st.decimals(min_value=D("1.00"), max_value=D("5000.00"), places=2),
    paid=st.decimals(min_value=D("0.00"), max_value=D("5000.00"), places=2),
    covered=st.decimals(min_value=D("0.00"), max_value=D("5000.00"), places=2),
    unbilled=st.decimals(min_value=D("0.00"), max_value=D("5000.00"), places=2),
)
def test_still_owed_splits_into_what_the_plan_bills_and_what_is_due_now(
    required, paid, covered, unbilled
):
    figures = queries.Figures(
        required=required,
        secured=paid,
        covered=covered,
        plan_unbilled=unbilled,
        plan_count=3 if unbilled else 0,
    )
    assert figures.still_owed == max(D("0"), required - paid - covered)
    assert figures.to_bill + figures.due_now == figures.still_owed
    assert D("0") <= figures.to_bill <= unbilled
    assert figures.due_now >= 0
