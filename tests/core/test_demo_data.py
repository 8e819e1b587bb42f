import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.models import Account
from payments.models import Drawer
from utilityclerk.core.management.commands.load_demo_data import DEMO_PASSWORD, DEMO_USERS
from utilityclerk.core.models import Holiday
from workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_demo_data_gives_one_user_per_role_and_is_safe_to_rerun():
    call_command("load_demo_data", accounts=12, stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo_data", accounts=12, stdout=open("/dev/null", "w"))  # noqa: SIM115
    for username, _first, _last, role, _staff in DEMO_USERS:
        user = authenticate(
            RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD
        )
        assert user is not None, username
        assert user.groups.filter(name=role).exists()
    assert authenticate(
        RequestFactory().post("/login/"), username="admin", password=DEMO_PASSWORD
    ).is_staff
    assert Account.objects.count() == 12
    assert Drawer.objects.count() == 4
    assert Holiday.objects.exists()
    field = authenticate(RequestFactory().post("/login/"), username="field", password=DEMO_PASSWORD)
    assert field.crew_membership.crew.name == "North crew"
    # The field sign-in has a day's work; the board has one order still to schedule.
    assert WorkOrder.objects.count() == 3
    assert set(
        WorkOrder.objects.filter(crew__name="North crew").values_list("status", flat=True)
    ) == {"dispatched"}
    assert WorkOrder.objects.filter(status="open").count() == 1
