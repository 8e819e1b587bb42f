"""The field tablet: what the crew needs at the meter, and the new read checked against the
ones before it (high, low, rollover) before the order completes."""

from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.models import ServicePoint
from tests.factories import make_premise
from tests.workorders.helpers import start
from utilityclerk import business_day
from workorders import services
from workorders.models import MeterRead

pytestmark = pytest.mark.django_db


@pytest.fixture
def metered(clerk, crew):
    """A turn-on at a premise whose water meter read 1,000 sixty days ago and 1,300 thirty
    days ago: ten a day, as a rule."""
    premise = make_premise(house_number="77", street="PECAN DR", hazard_note="Loose dog")
    point = ServicePoint.objects.create(
        premise=premise, utility="water", meter_number="M-55021", meter_location="Left of drive"
    )
    today = business_day.today()
    MeterRead.objects.create(service_point=point, value=1000, read_on=today - timedelta(days=60))
    MeterRead.objects.create(service_point=point, value=1300, read_on=today - timedelta(days=30))
    started = start(clerk, premise=premise, utilities=["water"])
    services.schedule_work_order(order=started.order, crew=crew, by=clerk)
    return started.order


def test_the_tablet_shows_meter_location_hazard_and_previous_read(field_client, metered):
    html = field_client.get(f"/workorders/field/{metered.number}/").content.decode()
    assert "<strong>M-55021</strong>" in html
    assert 'id="field-meter-location">Left of drive<' in html
    assert "Loose dog" in html
    assert 'id="field-previous-read"><strong>1300</strong>' in html


def test_a_high_read_is_asked_about_before_the_order_completes(field_client, metered):
    url = f"/workorders/{metered.number}/complete/"
    today = business_day.today().isoformat()
    html = field_client.post(url, {"read": "2500", "done_on": today}).content.decode()
    assert "The read 2,500 is high" in html
    assert "I checked the dials: this high read is right" in html
    metered.refresh_from_db()
    assert metered.status == "scheduled"
    field_client.post(url, {"read": "2500", "done_on": today, "high_read_checked": "on"})
    metered.refresh_from_db()
    assert metered.status == "completed"
    assert MeterRead.objects.get(work_order=metered).value == Decimal("2500")


def test_a_usual_read_completes_at_once(field_client, metered):
    field_client.post(
        f"/workorders/{metered.number}/complete/",
        {"read": "1600", "done_on": business_day.today().isoformat()},
    )
    metered.refresh_from_db()
    assert metered.status == "completed"


def test_a_low_read_still_needs_the_rollover_flag(field_client, metered):
    html = field_client.post(
        f"/workorders/{metered.number}/complete/",
        {"read": "12", "done_on": business_day.today().isoformat()},
    ).content.decode()
    assert "lower than the last read 1,300" in html
