import pytest

from tests.factories import make_user


@pytest.fixture
def crew(db):
    from workorders.models import Crew

    return Crew.objects.create(name="North crew")


@pytest.fixture
def field_user(crew):
    from workorders.models import CrewMember

    user = make_user("fieldtech", role="Field", first_name="Frank")
    CrewMember.objects.create(crew=crew, user=user)
    return user


@pytest.fixture
def field_client(field_user):
    from django.test import Client

    client = Client()
    client.force_login(field_user)
    return client


@pytest.fixture
def vendor(db):
    from workorders.models import Vendor

    return Vendor.objects.create(name="Alamo Meter Co", trade="Meter testing", turnaround_days=5)
