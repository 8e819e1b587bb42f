from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.factories import make_account, make_customer, make_premise

UTILITIES = ("water", "sewer", "trash", "stormwater")


@pytest.fixture
def rates(db):
    from billing.rates import load_demo_rates

    load_demo_rates()


@pytest.fixture
def route(rates):
    from billing.models import Cycle, Route

    cycle = Cycle.objects.create(code="3", name="Cycle 3", read_day=21)
    return Route.objects.create(cycle=cycle, code="3A", name="North")


def history_read(point, on, value, *, use=None, days=None, kind="actual", status="ok", problem=""):
    from billing.models import MeterReading

    return MeterReading.objects.create(
        service_point=point,
        read_on=on,
        value=Decimal(value),
        kind=kind,
        source="history",
        status=status,
        problem=problem,
        use=None if use is None else Decimal(use),
        days=days,
    )


@pytest.fixture
def make_metered_account(route):
    """An active account on the route with water, sewer, trash and stormwater, a 5/8" meter,
    and a monthly read history of `monthly` gallons ending on `last_read`."""
    from accounts.models import Service, ServicePoint
    from billing.models import Meter, PremiseBilling

    counter = iter(range(1, 10_000))

    def make(
        *,
        utilities=UTILITIES,
        start=date(2025, 10, 21),
        last_read=date(2026, 10, 21),
        monthly=5400,
        first_value=10_000,
        eru="1.0",
        customer_class="residential",
        billed_through=None,
        walk=None,
    ):
        customer = make_customer(customer_class=customer_class, last_name=f"Reader{next(counter)}")
        premise = make_premise()
        account = make_account(customer=customer, premise=premise)
        services = {}
        for utility in utilities:
            services[utility] = Service.objects.create(
                account=account,
                premise=premise,
                utility=utility,
                rate_code={
                    "water": "RES-W",
                    "sewer": "RES-S",
                    "trash": "RES-T",
                    "stormwater": "RES-SW",
                }[utility],
                start_date=start,
                status="active",
            )
        point = ServicePoint.objects.create(
            premise=premise, utility="water", meter_number=f"M{premise.pk}"
        )
        Meter.objects.create(service_point=point, size="5/8", dials=7)
        PremiseBilling.objects.create(
            premise=premise, route=route, walk_order=walk or premise.pk, eru=Decimal(eru)
        )
        value, on = first_value, start
        history_read(point, on, value, kind="initial")
        from utilityclerk.business_day import add_months

        month = 1
        while (nxt := add_months(start, month)) <= last_read:
            history_read(point, nxt, value + monthly, use=monthly, days=(nxt - on).days)
            value, on, month = value + monthly, nxt, month + 1
        if billed_through is not None:
            from accounts.services import BillLineInput, post_bill
            from billing.models import BilledPeriod

            bill = post_bill(
                account=account,
                period_start=start,
                period_end=billed_through,
                bill_date=billed_through,
                lines=[BillLineInput(utility="water", description="History", amount=Decimal("50"))],
            )
            BilledPeriod.objects.create(
                account=account, period=(start, billed_through + timedelta(days=1)), bill=bill
            )
        account.point = point
        account.services_by_utility = services
        return account

    return make
