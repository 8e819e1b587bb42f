import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from payments.models import Drawer
from payments.services import open_drawer_session
from payments.tenders import TenderInput
from tests.factories import make_premise, make_user
from utilityclerk import business_day


@pytest.fixture
def crew(db):
    from workorders.models import Crew

    return Crew.objects.create(name="North crew")


@pytest.fixture
def field_user(crew):
    from workorders.models import CrewMember

    user = make_user("inspector", role="Field", first_name="Ines")
    CrewMember.objects.create(crew=crew, user=user)
    return user


@pytest.fixture
def field_client(field_user):
    from django.test import Client

    client = Client()
    client.force_login(field_user)
    return client


@pytest.fixture
def contractor(db):
    from permits.models import Contractor

    return Contractor.objects.create(
        company="Bexar Underground Utilities LLC",
        contact_name="Ray Salinas",
        phone="210-555-0141",
        email="ray@bexar-underground.example",
        license_number="TX-UC-40417",
        license_expires=business_day.today() + timedelta(days=300),
    )


@pytest.fixture
def expired_contractor(db):
    from permits.models import Contractor

    return Contractor.objects.create(
        company="Cibolo Creek Plumbing",
        license_number="TX-MP-11873",
        license_expires=business_day.today() - timedelta(days=1),
    )


@pytest.fixture
def site(db):
    return make_premise(house_number="900", street="FM 1103")


@pytest.fixture
def drawer_session(clerk):
    drawer = Drawer.objects.create(code="D9", name="Window 9")
    return open_drawer_session(drawer=drawer, opening_float=Decimal("100.00"), clerk=clerk)


@pytest.fixture
def meter(db):
    from permits.models import HydrantMeter

    return HydrantMeter.objects.create(meter_number="HM-101")


def ptype(code):
    from permits.models import PermitType

    return PermitType.objects.prefetch_related("fees", "review_steps").get(code=code)


@pytest.fixture
def submit(clerk, contractor, site, drawer_session):
    from permits import services

    def _submit(code="street_cut", *, by=None, **extra):
        kwargs = {"contractor": contractor, "premise": site, **extra}
        if "customer" in extra:
            kwargs.pop("contractor")
        return services.submit_permit(
            permit_type=ptype(code), by=by or clerk, idempotency_key=uuid.uuid4(), **kwargs
        )

    return _submit


def cash(amount):
    return TenderInput(kind="cash", amount=Decimal(amount))


def pay_all(permit, clerk, tenders=None):
    """Pay what the permit owes through the drawer, as the permit page does."""
    from payments.other_payments import take_payment_for
    from permits import queries

    owed = queries.balance(permit)
    total = owed["fee"] + owed["deposit"]
    return take_payment_for(
        reference=permit.number,
        lines={"permit_fee": owed["fee"], "permit_deposit": owed["deposit"]},
        tenders=tenders or [cash(total)],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )


def approve_all(permit, supervisor):
    from permits import services

    for review in list(permit.reviews.order_by("order")):
        services.decide_review(review=review, approve=True, reason="", by=supervisor)
    permit.refresh_from_db()
    return permit


def issued(permit, clerk, supervisor, conditions="Work 7 am to 6 pm."):
    from permits import services

    approve_all(permit, supervisor)
    pay_all(permit, clerk)
    services.issue_permit(permit=permit, conditions=conditions, by=clerk)
    permit.refresh_from_db()
    return permit
