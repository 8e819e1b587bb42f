import re
import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from payments import services as payment_services
from payments.closeout import queries, services
from payments.closeout.models import CashDrop, DrawerCount
from payments.closeout.services import CloseoutError, CountInput
from payments.models import MailBatch
from tests.closeout.conftest import card, cash, check, counted_in
from tests.factories import make_account, make_user
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent, BusinessDay

pytestmark = pytest.mark.django_db
D = Decimal


def counted(cash_total="0", checks=("0", 0), money_orders=("0", 0), cards=("0", 0)):
    """A count whose cash is made of $1 bills and pennies adding up to cash_total."""
    cents = int(D(cash_total) * 100)
    return CountInput(
        denominations={D("1.00"): cents // 100, D("0.01"): cents % 100},
        check_total=D(checks[0]),
        check_count=checks[1],
        money_order_total=D(money_orders[0]),
        money_order_count=money_orders[1],
        card_total=D(cards[0]),
        card_slip_count=cards[1],
    )


@pytest.fixture
def busy_session(session, clerk, pay):
    pay(clerk, "40.00", cash("50.00"))  # $10 change
    pay(clerk, "25.00", check("25.00"))
    pay(clerk, "30.00", card("30.00"))
    return session


def test_expected_comes_from_payments_and_the_float(busy_session):
    expected = queries.expected_for(busy_session)
    assert expected == {
        "cash": D("140.00"),
        "check": D("25.00"),
        "money_order": D("0.00"),
        "card": D("30.00"),
    }


def test_exact_count_closes_the_drawer_with_nothing_over_or_short(busy_session, clerk):
    count = services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    busy_session.refresh_from_db()
    assert busy_session.status == "closed"
    assert count.kind == "close"
    assert count.total_over_short == D("0.00")
    assert sum(d.amount for d in count.denominations.all()) == count.cash_total == D("140.00")
    assert not services.needs_reason(count)


def test_a_closed_drawer_takes_no_payments(busy_session, clerk, pay):
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    with pytest.raises(Exception, match="Open your drawer"):
        pay(clerk, "5.00", cash("5.00"))


def test_short_count_needs_the_clerks_reason_before_verification(busy_session, clerk, supervisor):
    count = services.count_drawer(
        session=busy_session, counted=counted("135.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    assert count.over_short()["cash"] == D("-5.00")
    assert services.needs_reason(count)
    with pytest.raises(CloseoutError, match="not yet given a reason"):
        services.verify_session(session=busy_session, by=supervisor)
    services.explain_over_short(count=count, reason="Gave $5 too much change", by=clerk)
    verification = services.verify_session(session=busy_session, by=supervisor)
    assert verification.count == count
    busy_session.refresh_from_db()
    assert busy_session.status == "verified"


def test_over_twenty_dollars_needs_the_supervisors_note(busy_session, clerk, supervisor):
    count = services.count_drawer(
        session=busy_session, counted=counted("110.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    services.explain_over_short(count=count, reason="Unknown", by=clerk)
    with pytest.raises(CloseoutError, match="add your note"):
        services.verify_session(session=busy_session, by=supervisor)
    services.verify_session(
        session=busy_session, by=supervisor, note="Reviewed the receipts with the clerk"
    )


def test_one_recount_is_kept_beside_the_first(busy_session, clerk):
    first = services.count_drawer(
        session=busy_session, counted=counted("135.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    second = services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    assert (first.kind, second.kind) == ("close", "recount")
    assert second.total_over_short == D("0.00")
    with pytest.raises(CloseoutError, match="recounted once already"):
        services.count_drawer(session=busy_session, counted=counted("140.00"), by=clerk)
    assert DrawerCount.objects.filter(session=busy_session).count() == 2


def test_counts_are_kept_as_written(busy_session, clerk):
    services.count_drawer(session=busy_session, counted=counted("140.00"), by=clerk)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE closeout_drawercount SET cash_total = 140")


@pytest.mark.parametrize(
    ("count_input", "message"),
    [
        (CountInput(denominations={D("20.00"): -1}), "whole numbers"),
        (CountInput(denominations={D("3.00"): 1}), "not a US denomination"),
        (CountInput(check_count=2, check_total=D("0.00")), "both how many"),
        (CountInput(card_total=D("-1.00"), card_slip_count=1), "cannot be negative"),
    ],
)
def test_bad_counts_are_refused_and_change_nothing(busy_session, clerk, count_input, message):
    with pytest.raises(CloseoutError, match=message):
        services.count_drawer(session=busy_session, counted=count_input, by=clerk)
    busy_session.refresh_from_db()
    assert busy_session.status == "open"
    assert not DrawerCount.objects.exists()


def test_the_counting_clerk_cannot_verify(busy_session, clerk, supervisor):
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    with pytest.raises(CloseoutError, match="Only a supervisor"):
        services.verify_session(session=busy_session, by=clerk)
    # A supervisor who opened and counted their own drawer cannot verify it either.
    from payments.models import Drawer

    own = payment_services.open_drawer_session(
        drawer=Drawer.objects.create(code="D2", name="Window 2"),
        opening_float=D("50.00"),
        clerk=supervisor,
    )
    services.count_drawer(session=own, counted=counted("50.00"), by=supervisor)
    with pytest.raises(CloseoutError, match="other than the person who counted"):
        services.verify_session(session=own, by=supervisor)


def test_supervisor_recount_becomes_the_count_of_record(busy_session, clerk, supervisor):
    services.count_drawer(
        session=busy_session, counted=counted("135.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    verification = services.verify_session(
        session=busy_session,
        by=supervisor,
        recount=counted("140.00", ("25.00", 1), cards=("30.00", 1)),
    )
    assert verification.count.kind == "verification"
    assert verification.count.counted_by == supervisor
    assert verification.count.total_over_short == D("0.00")
    assert DrawerCount.objects.filter(session=busy_session).count() == 2


def test_cash_drop_is_witnessed_and_lowers_expected_cash(busy_session, clerk, supervisor):
    drop = services.record_cash_drop(
        session=busy_session,
        amount=D("100.00"),
        witness=supervisor,
        by=clerk,
        idempotency_key=uuid.uuid4(),
    )
    assert drop.witnessed_by == supervisor
    assert queries.expected_for(busy_session)["cash"] == D("40.00")
    with pytest.raises(CloseoutError, match="more cash than this drawer has taken in"):
        services.record_cash_drop(
            session=busy_session,
            amount=D("40.01"),
            witness=supervisor,
            by=clerk,
            idempotency_key=uuid.uuid4(),
        )
    with pytest.raises(CloseoutError, match="must be a supervisor"):
        services.record_cash_drop(
            session=busy_session,
            amount=D("1.00"),
            witness=make_user(role="Clerk"),
            by=clerk,
            idempotency_key=uuid.uuid4(),
        )
    key = uuid.uuid4()
    services.record_cash_drop(
        session=busy_session, amount=D("10.00"), witness=supervisor, by=clerk, idempotency_key=key
    )
    services.record_cash_drop(
        session=busy_session, amount=D("10.00"), witness=supervisor, by=clerk, idempotency_key=key
    )
    assert CashDrop.objects.count() == 2


def _verified_day(busy_session, clerk, supervisor):
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    services.verify_session(session=busy_session, by=supervisor)
    return busy_session.business_date


def _prepare_the_bag(day, bag_number, supervisor):
    """The bag for a verified busy day: $40 cash, $25 in checks."""
    return services.prepare_deposit(
        business_date=day,
        bag_number=bag_number,
        cash_total=D("40.00"),
        check_total=D("25.00"),
        by=supervisor,
    )


def _bank_the_day(day, bag_number, supervisor, other_supervisor):
    """The bag for a verified busy day, prepared and counted again."""
    deposit = _prepare_the_bag(day, bag_number, supervisor)
    return services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit))


def test_deposit_must_agree_with_the_verified_counts(
    busy_session, clerk, supervisor, other_supervisor
):
    day = _verified_day(busy_session, clerk, supervisor)
    due = queries.deposit_due(day)
    assert (due.cash, due.checks, due.item_count) == (D("40.00"), D("25.00"), 1)
    with pytest.raises(CloseoutError, match=r"cash keyed \$45.00, counted \$40.00"):
        services.prepare_deposit(
            business_date=day,
            bag_number="B-1",
            cash_total=D("45.00"),
            check_total=D("25.00"),
            by=supervisor,
        )
    deposit = _prepare_the_bag(day, "B-1", supervisor)
    with pytest.raises(CloseoutError, match="Dual control"):
        services.verify_deposit(deposit=deposit, by=supervisor, **counted_in(deposit))
    assert (
        services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit)).status
        == "verified"
    )


def test_day_closes_only_when_everything_is_done(busy_session, clerk, supervisor, other_supervisor):
    day = busy_session.business_date
    with pytest.raises(CloseoutError, match="still open"):
        services.close_day(business_date=day, by=supervisor)
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    with pytest.raises(CloseoutError, match="not verified"):
        services.close_day(business_date=day, by=supervisor)
    services.verify_session(session=busy_session, by=supervisor)
    batch = payment_services.open_mail_batch(
        channel="mail", control_count=1, control_total=D("10.00"), clerk=clerk
    )
    with pytest.raises(CloseoutError, match="not posted"):
        services.close_day(business_date=day, by=supervisor)
    MailBatch.objects.filter(pk=batch.pk)  # keyed and posted below
    payment_services.key_batch_item(
        batch=batch,
        account=make_account(),
        kind="check",
        amount=D("10.00"),
        number="77",
        clerk=clerk,
    )
    payment_services.post_mail_batch(batch=batch, clerk=clerk)
    with pytest.raises(CloseoutError, match="bank deposit"):
        services.close_day(business_date=day, by=supervisor)
    deposit = services.prepare_deposit(
        business_date=day,
        bag_number="B-7",
        cash_total=D("40.00"),
        check_total=D("35.00"),
        by=supervisor,
    )
    services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit))
    closed = services.close_day(business_date=day, by=supervisor)
    assert closed.is_closed
    assert AuditEvent.objects.filter(action="business_day.close", actor=supervisor).exists()


def test_a_closed_day_sends_new_postings_to_the_next_business_day(
    busy_session, clerk, supervisor, other_supervisor, pay
):
    day = _verified_day(busy_session, clerk, supervisor)
    _bank_the_day(day, "B-2", supervisor, other_supervisor)
    services.close_day(business_date=day, by=supervisor)
    with transaction.atomic():
        assert business_day.posting_date() == business_day.add_business_days(
            day + __import__("datetime").timedelta(days=1), 0
        )
    phone = pay(make_user(role="Clerk"), "12.00", card("12.00"), channel="phone")
    assert phone.business_date > day
    assert phone.ledger_entry.business_date == phone.business_date


def test_reopening_is_for_admins_with_a_reason(
    busy_session, clerk, supervisor, other_supervisor, admin_user
):
    day = _verified_day(busy_session, clerk, supervisor)
    _bank_the_day(day, "B-3", supervisor, other_supervisor)
    services.close_day(business_date=day, by=supervisor)
    with pytest.raises(CloseoutError, match="Only an Admin"):
        services.reopen_day(business_date=day, reason="late check", by=supervisor)
    with pytest.raises(CloseoutError, match="Say why"):
        services.reopen_day(business_date=day, reason=" ", by=admin_user)
    services.reopen_day(business_date=day, reason="Bank returned the bag", by=admin_user)
    assert BusinessDay.objects.get(date=day).status == "open"
    assert AuditEvent.objects.get(action="business_day.reopen").reason == "Bank returned the bag"


def test_change_fund_tracks_floats_out_in_open_drawers(session, clerk, admin_user):
    from payments.closeout.models import ChangeFundMovement

    ChangeFundMovement.objects.create(amount=D("2000.00"), memo="Fund", recorded_by=admin_user)
    fund = queries.change_fund()
    assert (fund.established, fund.floats_out, fund.in_safe) == (
        D("2000.00"),
        D("100.00"),
        D("1900.00"),
    )
    services.count_drawer(session=session, counted=counted("100.00"), by=clerk)
    assert queries.change_fund().in_safe == D("2000.00")  # the float is back in the safe


def test_a_recount_to_the_expected_amount_does_not_hide_the_first_shortage(
    busy_session, clerk, supervisor
):
    services.count_drawer(
        session=busy_session, counted=counted("90.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    with pytest.raises(CloseoutError, match="not yet given a reason"):
        services.verify_session(session=busy_session, by=supervisor)
    services.explain_over_short(
        count=DrawerCount.objects.get(kind="recount"), reason="Miscounted the twenties", by=clerk
    )
    with pytest.raises(CloseoutError, match="add your note"):
        services.verify_session(session=busy_session, by=supervisor)
    services.verify_session(session=busy_session, by=supervisor, note="Watched the recount")


def test_cash_drop_error_does_not_reveal_what_the_drawer_should_hold(
    busy_session, clerk, supervisor
):
    with pytest.raises(CloseoutError) as error:
        services.record_cash_drop(
            session=busy_session,
            amount=D("500.00"),
            witness=supervisor,
            by=clerk,
            idempotency_key=uuid.uuid4(),
        )
    assert "$" not in str(error.value)


def test_day_cannot_close_when_money_was_verified_after_the_deposit(
    busy_session, clerk, supervisor, other_supervisor, pay
):
    from payments.models import Drawer

    day = _verified_day(busy_session, clerk, supervisor)
    _bank_the_day(day, "B-9", supervisor, other_supervisor)
    late_clerk = make_user(role="Clerk")
    late = payment_services.open_drawer_session(
        drawer=Drawer.objects.create(code="D9", name="Late"),
        opening_float=D("0.00"),
        clerk=late_clerk,
    )
    pay(late_clerk, "500.00", cash("500.00"))
    services.count_drawer(session=late, counted=counted("500.00"), by=late_clerk)
    services.verify_session(session=late, by=supervisor)
    with pytest.raises(CloseoutError, match="no longer matches"):
        services.close_day(business_date=day, by=supervisor)


def test_a_day_still_to_come_cannot_be_closed(supervisor):
    from datetime import timedelta

    from utilityclerk import business_day
    from utilityclerk.core.models import BusinessDay

    tomorrow = business_day.today() + timedelta(days=1)
    with pytest.raises(services.CloseoutError, match="has not come yet"):
        services.close_day(business_date=tomorrow, by=supervisor)
    assert not BusinessDay.objects.filter(date=tomorrow, status="closed").exists()


def test_a_float_cannot_be_more_than_the_safe_holds(drawer, clerk, admin_user):
    from payments.closeout.models import ChangeFundMovement
    from payments.services import PaymentError

    ChangeFundMovement.objects.create(amount=D("2000.00"), memo="Fund", recorded_by=admin_user)
    with pytest.raises(PaymentError, match=re.escape("holds $2,000.00")):
        payment_services.open_drawer_session(
            drawer=drawer, opening_float=D("99999999999.00"), clerk=clerk
        )
    assert payment_services.open_drawer_session(
        drawer=drawer, opening_float=D("2000.00"), clerk=clerk
    )


def test_a_closed_days_change_fund_stays_as_it_was_at_the_close(session, clerk, supervisor):
    from django.utils import timezone

    from payments.closeout.models import ChangeFundMovement
    from payments.models import Drawer
    from tests.factories import make_user
    from utilityclerk import business_day
    from utilityclerk.core.models import BusinessDay

    ChangeFundMovement.objects.create(amount=D("2000.00"), memo="Fund", recorded_by=supervisor)
    services.count_drawer(session=session, counted=counted("100.00"), by=clerk)
    BusinessDay.objects.filter(date=business_day.today()).update(
        status="closed", closed_at=timezone.now(), closed_by=supervisor
    )
    day = BusinessDay.objects.get(date=business_day.today())
    # The next morning a drawer opens with a float, for the next business day.
    payment_services.open_drawer_session(
        drawer=Drawer.objects.create(code="D2", name="Window 2"),
        opening_float=D("100.00"),
        clerk=make_user(role="Clerk"),
    )
    assert queries.change_fund().in_safe == D("1900.00")
    assert queries.day_board(day.date).change_fund.in_safe == D("2000.00")


def test_a_deposit_is_verified_by_a_second_count_that_matches(
    busy_session, clerk, supervisor, other_supervisor
):
    day = _verified_day(busy_session, clerk, supervisor)
    deposit = _prepare_the_bag(day, "B-1", supervisor)
    with pytest.raises(services.CloseoutError, match="does not match bag B-1"):
        services.verify_deposit(
            deposit=deposit, by=other_supervisor, cash_total=D("35.00"), check_total=D("25.00")
        )
    deposit.refresh_from_db()
    assert deposit.status != "verified"
    verified = services.verify_deposit(
        deposit=deposit, by=other_supervisor, cash_total=D("40"), check_total=D("25.00")
    )
    assert verified.status == "verified"
