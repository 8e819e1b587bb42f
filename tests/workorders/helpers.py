"""Small builders for work-order tests: real services, sensible defaults."""

from datetime import timedelta
from decimal import Decimal

from tests.factories import make_customer, make_premise
from utilityclerk import business_day
from workorders import service_changes, services


def start(
    by,
    *,
    customer=None,
    premise=None,
    utilities=("water", "sewer", "trash"),
    start_date=None,
    **extra,
):
    return service_changes.start_service(
        customer=customer or make_customer(),
        premise=premise or make_premise(),
        utilities=list(utilities),
        start_date=start_date or business_day.today(),
        by=by,
        **extra,
    )


def complete(order, by, *, crew=None, read="100", **extra):
    if order.status == "open":
        services.schedule_work_order(order=order, crew=crew, by=by)
    order.refresh_from_db()
    return services.complete_work_order(
        order=order, read=Decimal(read) if read is not None else None, by=by, **extra
    )


def active_account(by, crew, **kwargs):
    """An account whose turn-on is done: services and account active, first read 100."""
    started = start(by, **kwargs)
    complete(started.order, by, crew=crew)
    started.account.refresh_from_db()
    return started.account


def yesterday():
    return business_day.today() - timedelta(days=1)
