"""A busy, closed business day made through the real services: counter payments in cash,
check, card and split tenders, a phone payment, a void, a returned check with its fee,
adjustments within the clerk limit and approved above it, contacts and work orders; then the
drawer counted (a dollar short), verified, the bag prepared and verified, the day closed."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import services as account_services
from accounts.contacts import services as contact_services
from payments import services as payment_services
from payments.closeout import services as closeout
from payments.closeout.services import CountInput
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account, make_customer, make_user, post_bill
from utilityclerk import business_day
from workorders import services as work_orders
from workorders.models import Crew, Vendor

D = Decimal


def tender(kind, amount, **extra):
    if kind == "check":
        extra.setdefault("number", "1001")
    if kind == "card":
        extra.setdefault("card_last4", "4242")
        extra.setdefault("card_auth_code", "A1B2C3")
    return TenderInput(kind=kind, amount=D(amount), **extra)


@pytest.fixture
def other_supervisor(db):
    return make_user("supervisor2", role="Supervisor")


@pytest.fixture
def accounts(db):
    today = business_day.today()
    made = []
    for i, (first, last, klass) in enumerate(
        [
            ("Ana", "Reyes", "residential"),
            ("Bo", "Chen", "residential"),
            ("Cy", "Diaz", "commercial"),
            ("Di", "Evans", "government"),
        ]
    ):
        account = make_account(
            customer=make_customer(first_name=first, last_name=last, customer_class=klass)
        )
        post_bill(account, f"{80 + i * 10}.00", bill_date=today - timedelta(days=45))
        post_bill(account, f"{40 + i}.00", bill_date=today - timedelta(days=5), utility="sewer")
        made.append(account)
    return made


def pay(account, amount, tenders, clerk, channel="counter"):
    return payment_services.take_payment(
        account=account,
        amount=D(amount),
        tenders=tenders,
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
        channel=channel,
    )


@pytest.fixture
def busy_day(accounts, clerk, supervisor, other_supervisor):
    """Everything that happened on today's business day; returns what the tests check."""
    today = business_day.today()
    drawer = Drawer.objects.create(code="D1", name="Window 1")
    session = payment_services.open_drawer_session(
        drawer=drawer, opening_float=D("100.00"), clerk=clerk
    )
    a, b, c, d = accounts
    paid = [
        pay(a, "50.00", [tender("cash", "60.00")], clerk),
        pay(b, "45.00", [tender("check", "45.00")], clerk),
        pay(c, "30.00", [tender("card", "30.00")], clerk),
        pay(d, "70.00", [tender("cash", "20.00"), tender("check", "50.00", number="2002")], clerk),
    ]
    phone = pay(a, "12.50", [tender("card", "12.50")], clerk, channel="phone")
    voided = pay(b, "15.00", [tender("cash", "15.00")], clerk)
    payment_services.void_payment(payment=voided, reason="Keyed twice", supervisor=supervisor)
    returned = paid[1]
    payment_services.record_returned_payment(payment=returned, reason="NSF", supervisor=supervisor)
    account_services.post_adjustment(
        account=a, amount=D("-10.00"), reason_code="leak_credit", memo="Leak", by=clerk
    )
    request = account_services.post_adjustment(
        account=c, amount=D("-120.00"), reason_code="billing_error", memo="Misbilled", by=clerk
    )
    account_services.approve_adjustment(request=request, by=supervisor)
    account_services.post_adjustment(
        account=d, amount=D("25.00"), reason_code="unbilled_service", memo="Missed", by=supervisor
    )
    for party, category in [
        ("elected_official", "complaint"),
        ("elected_official", "complaint"),
        ("customer", "billing_question"),
        ("agency", "permit"),
    ]:
        contact_services.log_contact(
            by=clerk,
            channel="phone",
            party_type=party,
            party_name="Council member Ruiz" if party != "customer" else "Ana Reyes",
            category=category,
            subject="About a street",
        )
    crew = Crew.objects.create(name="North crew")
    vendor = Vendor.objects.create(name="Alamo Meter Testing", trade="Meters", turnaround_days=10)
    order = work_orders.raise_work_order(kind="re_read", premise=a.premise, account=a, by=clerk)
    work_orders.schedule_work_order(order=order, crew=crew, on=today, by=clerk)
    work_orders.complete_work_order(order=order, by=clerk, notes="Read was right")
    test = work_orders.raise_work_order(kind="meter_test", premise=b.premise, account=b, by=clerk)
    work_orders.schedule_work_order(order=test, vendor=vendor, on=today, by=clerk)
    work_orders.raise_work_order(kind="leak_check", premise=c.premise, account=c, by=clerk)

    # Close-out: expected cash 100 float + 50 + 20 = 170, counted 169 (a dollar short);
    # checks 45 + 50 = 95 (the returned check was in the drawer that day); cards 30.
    count = closeout.count_drawer(
        session=session,
        counted=CountInput(
            denominations={D("1.00"): 169},
            check_total=D("95.00"),
            check_count=2,
            card_total=D("30.00"),
            card_slip_count=1,
        ),
        by=clerk,
    )
    closeout.explain_over_short(count=count, reason="Gave a dollar too much change", by=clerk)
    closeout.verify_session(session=session, by=supervisor, note="Short a dollar, explained")
    deposit = closeout.prepare_deposit(
        business_date=today,
        bag_number="BAG-1",
        cash_total=D("69.00"),
        check_total=D("95.00"),
        by=supervisor,
    )
    closeout.verify_deposit(
        deposit=deposit, by=other_supervisor, cash_total=D("69.00"), check_total=D("95.00")
    )
    closeout.close_day(business_date=today, by=supervisor)
    return {
        "today": today,
        "session": session,
        "voided": voided,
        "returned": returned,
        "phone": phone,
        "accounts": accounts,
        "crew": crew,
        "vendor": vendor,
    }
