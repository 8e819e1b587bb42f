import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import Account, EntryKind, LedgerEntry, Premise, Service
from accounts.queries import balance_of
from accounts.validation import street_without_type
from tests.factories import make_customer, make_premise, post_bill
from tests.workorders.helpers import active_account, complete, start
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent, Policy
from workorders import service_changes, services
from workorders.models import DepositRequirement, MeterRead, WorkOrder
from workorders.service_changes import ServiceChangeError
from workorders.services import WorkOrderError

pytestmark = pytest.mark.django_db
ADDRESS = {
    "house_number": "77",
    "street": "Pecan Dr",
    "unit": "",
    "city": "Cibolo",
    "state": "TX",
    "zip_code": "78108",
}


def test_start_for_a_new_customer_at_a_new_address(clerk):
    started = service_changes.start_service(
        new_customer={
            "first_name": "Ana",
            "last_name": "Reyes",
            "phone": "2105550199",
            "mail_street": "77 PECAN DR",
            "mail_city": "CIBOLO",
            "mail_state": "TX",
            "mail_zip": "78108",
        },
        address=ADDRESS,
        utilities=["water", "trash"],
        start_date=business_day.today(),
        by=clerk,
    )
    account = started.account
    assert account.status == "pending"
    assert account.customer.display_name == "Ana Reyes"
    assert account.premise.street == "PECAN DR"
    assert sorted(account.services.values_list("utility", "status")) == [
        ("trash", "pending"),
        ("water", "pending"),
    ]
    assert started.order.type_id == "turn_on"
    assert started.order.service.utility == "water"
    assert started.deposit.amount == Decimal("100.00")  # renter, no history: the minimum
    assert AuditEvent.objects.filter(
        action="workorder.raise", target_id=str(started.order.pk)
    ).exists()


def test_completing_the_turn_on_activates_services_and_account(clerk, crew):
    account = active_account(clerk, crew)
    assert account.status == "active"
    assert set(account.services.values_list("status", flat=True)) == {"active"}
    assert MeterRead.objects.get().value == Decimal("100")


def test_start_is_idempotent_on_its_form_key(clerk):
    key = uuid.uuid4()
    customer, premise = make_customer(), make_premise()
    first = start(clerk, customer=customer, premise=premise, idempotency_key=key)
    second = start(clerk, customer=customer, premise=premise, idempotency_key=key)
    assert first.account.pk == second.account.pk
    assert WorkOrder.objects.count() == 1


def _backdate_days(days: int) -> int:
    # A policy value other than the default, so the rule is shown to come from the policy.
    policy = Policy.current()
    policy.service_start_backdate_days = days
    policy.save()
    return days


def test_start_date_too_far_in_the_past_is_refused(clerk):
    days = _backdate_days(5)
    with pytest.raises(ServiceChangeError, match=f"at most {days} days in the past") as caught:
        start(clerk, start_date=business_day.today() - timedelta(days=days + 1))
    assert caught.value.field == "start_date"
    assert not Account.objects.exists()


def test_start_date_within_the_policy_is_accepted(clerk):
    days = _backdate_days(5)
    started = start(clerk, start_date=business_day.today() - timedelta(days=days))
    services = started.account.services.all()
    assert services and {service.start_date for service in services} == {
        business_day.today() - timedelta(days=days)
    }


def test_starting_a_utility_already_active_at_the_premise_is_refused(clerk, crew):
    account = active_account(clerk, crew)
    with pytest.raises(ServiceChangeError, match="Water is already active") as caught:
        start(clerk, premise=account.premise, utilities=["water"])
    assert caught.value.field == "utilities"
    assert Account.objects.count() == 1
    assert WorkOrder.objects.count() == 1


def test_an_address_typed_without_its_street_type_is_the_premise_already_served(clerk, crew):
    account = active_account(clerk, crew)
    premise = account.premise
    typed = {
        "house_number": premise.house_number.lower(),
        "street": street_without_type(premise.street).title(),  # "2411 N Main", no "St"
        "unit": "",
        "city": "Cibolo",
        "state": "TX",
        "zip_code": premise.zip_code,
    }
    with pytest.raises(ServiceChangeError, match="Water is already active"):
        service_changes.start_service(
            customer=make_customer(),
            address=typed,
            utilities=["water"],
            start_date=business_day.today(),
            by=clerk,
        )
    assert Premise.objects.count() == 1


def test_starting_a_utility_already_being_started_is_refused(clerk):
    first = start(clerk)
    with pytest.raises(ServiceChangeError, match="already being started"):
        start(clerk, premise=first.account.premise, utilities=["sewer"])


# Deposits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("customer_class", "owner", "average", "expected"),
    [
        ("residential", True, "90.00", "0.00"),
        ("residential", False, None, "100.00"),
        ("residential", False, "40.00", "100.00"),
        ("residential", False, "80.00", "160.00"),
        ("commercial", False, None, "150.00"),
        ("commercial", False, "300.00", "600.00"),
        ("government", False, "300.00", "0.00"),
    ],
)
def test_required_deposit_by_class(clerk, customer_class, owner, average, expected):
    premise = make_premise()
    if average:
        previous = start(clerk, premise=premise).account
        today = business_day.today()
        for months in (1, 2, 3):
            post_bill(previous, average, bill_date=today - timedelta(days=30 * months))
    customer = make_customer(customer_class=customer_class)
    rule = service_changes.required_deposit(customer, premise, owner_with_proof=owner)
    assert rule.amount == Decimal(expected)


def test_the_deposit_is_recorded_on_the_account(clerk):
    started = start(clerk, customer=make_customer(customer_class="commercial"))
    requirement = DepositRequirement.objects.get(account=started.account)
    assert requirement.amount == Decimal("150.00")
    assert requirement.work_order == started.order
    assert "Commercial" in requirement.rule


# Stop ------------------------------------------------------------------------------------


def test_stop_raises_a_final_read_due_on_the_stop_date(clerk, crew):
    account = active_account(clerk, crew)
    stop_date = business_day.add_business_days(business_day.today(), 5)
    order = service_changes.stop_service(account=account, stop_date=stop_date, by=clerk)
    assert order.type_id == "final_read"
    assert order.due_date == stop_date
    assert order.requested_for == stop_date


def test_completing_the_final_read_stops_services_and_finals_the_account(clerk, crew):
    account = active_account(clerk, crew)
    order = service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)
    complete(order, clerk, crew=crew, read="180")
    account.refresh_from_db()
    assert account.status == "final"
    assert set(account.services.values_list("status", flat=True)) == {"stopped"}
    assert set(account.services.values_list("end_date", flat=True)) == {business_day.today()}
    assert MeterRead.objects.filter(work_order=order).get().value == Decimal("180")


def test_a_second_stop_while_one_is_on_order_is_refused(clerk, crew):
    account = active_account(clerk, crew)
    first = service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)
    with pytest.raises(ServiceChangeError, match=f"already on order: {first.number}"):
        service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)


def test_stopping_a_pending_account_is_refused(clerk):
    started = start(clerk)
    with pytest.raises(ServiceChangeError, match="cancel its turn-on"):
        service_changes.stop_service(
            account=started.account, stop_date=business_day.today(), by=clerk
        )


# Transfer --------------------------------------------------------------------------------


def test_transfer_raises_both_orders_and_carries_the_balance(clerk, crew):
    old = active_account(clerk, crew)
    post_bill(old, "64.10", bill_date=business_day.today() - timedelta(days=5))
    moved = service_changes.transfer_service(
        account=old, move_date=business_day.today(), address=ADDRESS, by=clerk
    )
    new = moved.started.account
    assert new.customer_id == old.customer_id
    assert new.premise.street == "PECAN DR"
    assert sorted(new.services.values_list("utility", flat=True)) == ["sewer", "trash", "water"]
    assert moved.stop_order.transfer_to == new
    assert moved.started.order.type_id == "turn_on"
    # Nothing moves until the final read is in.
    assert balance_of(new.pk) == 0
    complete(moved.stop_order, clerk, crew=crew, read="150")
    old.refresh_from_db()
    assert old.status == "final"
    assert balance_of(old.pk) == 0
    assert balance_of(new.pk) == Decimal("64.10")
    out = LedgerEntry.objects.get(account=old, kind=EntryKind.TRANSFER_OUT)
    into = LedgerEntry.objects.get(account=new, kind=EntryKind.TRANSFER_IN)
    assert (out.amount, into.amount) == (Decimal("-64.10"), Decimal("64.10"))
    # The debt keeps its own due date (the bill's), not the day of the transfer.
    assert into.due_date == old.bills.get().due_date
    assert out.reference == into.reference == moved.stop_order.number


def test_transfer_with_nothing_owed_posts_no_entries(clerk, crew):
    old = active_account(clerk, crew)
    moved = service_changes.transfer_service(
        account=old, move_date=business_day.today(), address=ADDRESS, by=clerk
    )
    complete(moved.stop_order, clerk, crew=crew, read="150")
    assert not LedgerEntry.objects.filter(kind__in=["transfer_in", "transfer_out"]).exists()


def test_transfer_to_the_same_address_is_refused(clerk, crew):
    old = active_account(clerk, crew)
    p = old.premise
    same = {
        "house_number": p.house_number,
        "street": p.street,
        "unit": p.unit,
        "city": p.city,
        "state": p.state,
        "zip_code": p.zip_code,
    }
    with pytest.raises(ServiceChangeError, match="same as the old one"):
        service_changes.transfer_service(
            account=old, move_date=business_day.today(), address=same, by=clerk
        )
    assert WorkOrder.objects.count() == 1


def test_transfer_is_idempotent_on_its_form_key(clerk, crew):
    old = active_account(clerk, crew)
    key = uuid.uuid4()
    for _ in range(2):
        moved = service_changes.transfer_service(
            account=old,
            move_date=business_day.today(),
            address=ADDRESS,
            by=clerk,
            idempotency_key=key,
        )
    assert Account.objects.count() == 2
    assert WorkOrder.objects.filter(type_id="final_read").count() == 1
    assert moved.started.order.type_id == "turn_on"


# Completion rules ------------------------------------------------------------------------


def test_completing_without_a_required_read_is_refused(clerk, crew):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    with pytest.raises(WorkOrderError, match="Enter the water meter read") as caught:
        services.complete_work_order(order=order, by=clerk)
    assert caught.value.field == "read"
    order.refresh_from_db()
    assert order.status == "scheduled"
    assert not MeterRead.objects.exists()


def test_a_read_lower_than_the_last_needs_the_rollover_flag(clerk, crew):
    account = active_account(clerk, crew)  # first read 100
    order = service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    with pytest.raises(WorkOrderError, match="lower than the last read 100") as caught:
        services.complete_work_order(order=order, read=Decimal("42"), by=clerk)
    assert caught.value.field == "read"
    order.refresh_from_db()
    account.refresh_from_db()
    assert (order.status, account.status) == ("scheduled", "active")
    assert MeterRead.objects.count() == 1
    services.complete_work_order(order=order, read=Decimal("42"), rollover=True, by=clerk)
    assert MeterRead.objects.get(work_order=order).rollover


def test_completing_a_cancelled_order_is_refused(clerk, crew):
    order = start(clerk).order
    services.cancel_work_order(order=order, reason="Customer moved elsewhere", by=clerk)
    with pytest.raises(WorkOrderError, match="cancelled order cannot be completed"):
        services.complete_work_order(order=order, read=Decimal("5"), by=clerk)
    assert not MeterRead.objects.exists()


def test_cancelling_a_turn_on_ends_the_start_and_frees_the_premise(clerk):
    first = start(clerk)
    services.cancel_work_order(order=first.order, reason="Customer changed mind", by=clerk)
    first.account.refresh_from_db()
    assert first.account.status == "closed"
    assert set(first.account.services.values_list("status", flat=True)) == {"stopped"}
    again = start(clerk, premise=first.account.premise)
    assert again.account.status == "pending"


def test_completing_an_unscheduled_order_is_refused(clerk):
    order = start(clerk).order
    with pytest.raises(WorkOrderError, match="not scheduled yet"):
        services.complete_work_order(order=order, read=Decimal("5"), by=clerk)


def test_assigning_to_an_inactive_vendor_is_refused(clerk, vendor):
    vendor.active = False
    vendor.save()
    order = start(clerk).order
    with pytest.raises(WorkOrderError, match="not an active vendor") as caught:
        services.schedule_work_order(order=order, vendor=vendor, by=clerk)
    assert caught.value.field == "vendor"
    order.refresh_from_db()
    assert (order.status, order.vendor_id) == ("open", None)


def test_work_done_in_the_future_is_refused(clerk, crew):
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    with pytest.raises(WorkOrderError, match="future"):
        services.complete_work_order(
            order=order,
            read=Decimal("5"),
            done_on=business_day.today() + timedelta(days=1),
            by=clerk,
        )


def test_turn_on_cannot_activate_a_utility_taken_meanwhile(clerk, crew):
    from tests.factories import make_account

    started = start(clerk, utilities=["water"])
    services.schedule_work_order(order=started.order, crew=crew, by=clerk)
    # Water went active on another account at the premise behind this order's back (admin).
    other = make_account(premise=started.account.premise)
    Service.objects.create(
        account=other,
        premise=other.premise,
        utility="water",
        rate_code="W-RES",
        start_date=other.opened_on,
        status="active",
    )
    with pytest.raises(WorkOrderError, match="already active at the premise on another account"):
        services.complete_work_order(order=started.order, read=Decimal("5"), by=clerk)
    started.order.refresh_from_db()
    assert started.order.status == "scheduled"
    assert Service.objects.get(account=started.account).status == "pending"
    assert not MeterRead.objects.exists()


def test_disconnect_and_reconnect_switch_the_service(clerk, crew):
    account = active_account(clerk, crew)
    water = account.services.get(utility="water")
    cut = services.raise_work_order(
        kind="disconnect", premise=account.premise, account=account, service=water, by=clerk
    )
    complete(cut, clerk, crew=crew, read="120")
    water.refresh_from_db()
    assert water.status == "stopped"
    assert account.services.get(utility="sewer").status == "active"
    back = services.raise_work_order(
        kind="reconnect", premise=account.premise, account=account, service=water, by=clerk
    )
    complete(back, clerk, crew=crew, read="120")
    water.refresh_from_db()
    assert (water.status, water.end_date) == ("active", None)


def test_account_page_shows_the_deposit_the_start_requires(clerk_client, db):
    from decimal import Decimal

    from tests.factories import make_account
    from workorders.models import DepositRequirement

    account = make_account(status="pending")
    DepositRequirement.objects.create(
        account=account, amount=Decimal("150.00"), rule="Renter: at least $100"
    )
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert 'id="deposit-required">Required: $150.00 (not yet collected)<' in html


def test_a_transferred_debt_keeps_its_age(db, clerk):
    from datetime import timedelta
    from decimal import Decimal

    from accounts import queries
    from tests.factories import make_account, post_charge
    from utilityclerk import business_day
    from workorders import service_changes
    from workorders.models import WorkOrder

    today = business_day.today()
    old, new = make_account(), make_account()
    post_charge(old, "300.00", on=today - timedelta(days=120), due=today - timedelta(days=100))
    post_charge(old, "40.00", on=today)
    order = WorkOrder.objects.filter(account=old).first()
    service_changes.carry_balance(
        old=old, new=new, order=order or type("O", (), {"number": "WO-TEST"})(), by=clerk
    )
    aging = queries.aging_for_account(new.pk, as_of=today)
    assert aging.balance == Decimal("340.00")
    assert aging.days_over_90 == Decimal("300.00")
    assert aging.current == Decimal("40.00")
    assert queries.balance_of(old.pk) == Decimal("0.00")


def test_a_turn_on_cannot_be_completed_before_the_start_the_customer_asked_for(clerk, crew):
    from workorders.services import WorkOrderError

    started = start(clerk, start_date=business_day.today() + timedelta(days=30))
    with pytest.raises(WorkOrderError, match="cannot be completed before then"):
        complete(started.order, clerk, crew=crew)
    started.account.refresh_from_db()
    assert started.account.status == "pending"
    assert not started.account.services.filter(status="active").exists()


def test_a_rolled_over_meter_reads_lower_than_before(clerk, crew):
    from workorders.services import WorkOrderError

    account = active_account(clerk, crew)  # first read 100
    stop = service_changes.stop_service(account=account, stop_date=business_day.today(), by=clerk)
    with pytest.raises(WorkOrderError, match="rolled over reads lower"):
        complete(stop, clerk, crew=crew, read="150", rollover=True)


def test_a_stop_cannot_be_dated_before_the_service_started(clerk, crew):
    from accounts.models import Service

    account = active_account(clerk, crew)
    Service.objects.filter(account=account).update(start_date=business_day.today())
    with pytest.raises(ServiceChangeError, match="cannot be before it"):
        service_changes.stop_service(
            account=account, stop_date=business_day.today() - timedelta(days=1), by=clerk
        )


def test_mail_sent_to_the_home_left_follows_the_customer(clerk, crew):
    premise = make_premise(house_number="412", street="N MAIN ST", unit="4B")
    customer = make_customer(mail_street="412 N MAIN ST", mail_unit="#4B", mail_zip="78108")
    old = active_account(clerk, crew, customer=customer, premise=premise)
    moved = service_changes.transfer_service(
        account=old, move_date=business_day.today(), address=ADDRESS, by=clerk
    )
    new = moved.started.account
    new.refresh_from_db()
    assert new.mailing_address_lines[0] == f"{new.premise.house_number} PECAN DR"


def test_mail_sent_elsewhere_stays_where_the_customer_wants_it(clerk, crew):
    customer = make_customer(mail_street="PO BOX 77", mail_zip="78154")
    old = active_account(clerk, crew, customer=customer)
    moved = service_changes.transfer_service(
        account=old, move_date=business_day.today(), address=ADDRESS, by=clerk
    )
    new = moved.started.account
    new.refresh_from_db()
    assert new.mail_street == "PO BOX 77"


def test_a_started_service_bills_on_the_same_rate_codes_as_the_accounts_on_file(clerk):
    from accounts.demo_data import RATE_CODES

    started = start(clerk, utilities=("water", "trash"))
    codes = dict(started.account.services.values_list("utility", "rate_code"))
    assert codes == {"water": "RES-W", "trash": "RES-T"}
    assert codes == {u: RATE_CODES["residential"][u] for u in codes}


def test_a_date_years_ahead_is_taken_for_a_mistyped_year(clerk):
    with pytest.raises(ServiceChangeError, match="at most a year ahead"):
        start(clerk, start_date=business_day.today() + timedelta(days=5 * 365))
    assert not Account.objects.exists()


def test_a_move_cannot_be_dated_before_the_service_started(clerk, crew):
    from accounts.models import Service

    account = active_account(clerk, crew)
    Service.objects.filter(account=account).update(start_date=business_day.today())
    with pytest.raises(ServiceChangeError, match="cannot be before it") as refused:
        service_changes.transfer_service(
            account=account,
            move_date=business_day.today() - timedelta(days=1),
            address=ADDRESS,
            by=clerk,
        )
    assert refused.value.field == "move_date"
    assert Account.objects.count() == 1  # nothing started at the new address
