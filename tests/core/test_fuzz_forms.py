"""Every form that takes a POST, fed hostile values by hypothesis: never a server error, and
a refused submission changes nothing in the database.

The URLs come from the resolver (the same walk as test_url_permissions), so a form added
later is fuzzed too once the world below has a record for its address; its fields are read
from the page that shows it, or, for a form posted from another page, from every field name
the project's forms know.
"""

import os
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django import forms
from django.contrib import messages
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import services as account_services
from accounts.contacts import services as contact_services
from payments import services as payment_services
from payments.closeout.services import CountInput, count_drawer
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.core.test_url_permissions import ALL_URLS
from tests.factories import make_user, post_bill
from tests.workorders.helpers import active_account
from utilityclerk import business_day
from workorders import services as order_services
from workorders.models import Crew

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "-0.00",
    "1e309",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "0.001",
    "1,000,000.005",
    "$5",
    "\x00",
    "a\x00b",
    "\x1b[31mred",
    "\u202eevil",
    "\u0661\u0662\u0663",
    "\uff19\uff19",
    "\u00bd",
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "12/31/1899",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "4111 1111 1111 1111",
    "x" * 5000,
    "987654",
    str(uuid.UUID(int=0)),
]

EXAMPLES = int(
    os.environ.get("HYPOTHESIS_EXAMPLES", "5")
)  # per form; HYPOTHESIS_EXAMPLES=200 for a long run
# Tables a request may write without changing anything a person did: the session (idle
# sign-out renews it), and failed password checks (a cash drop's witness) that the lock-out
# counts.
NOT_SNAPSHOT = {
    "django_session",
    "core_loginfailure",
    "axes_accessattempt",
    "axes_accessfailurelog",
    "axes_accesslog",
}


def snapshot() -> dict[str, int]:
    """Rows written so far in this test's transaction, per table (PostgreSQL counts every
    insert, update and delete of the open transaction): one cheap query."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return {table: n for table, n in cursor.fetchall() if table not in NOT_SNAPSHOT}


class World:
    """One of each record a form's address can name, made through the real services."""

    def __init__(self):
        self.clerk = make_user("fuzz-clerk", role="Clerk")
        self.supervisor = make_user("fuzz-supervisor", role="Supervisor")
        crew = Crew.objects.create(name="Fuzz crew")
        self.crew = crew
        self.account = active_account(self.clerk, crew)
        self.customer = self.account.customer
        self.bill = post_bill(
            self.account, Decimal("64.20"), bill_date=business_day.today() - timedelta(days=5)
        )
        drawer = Drawer.objects.create(code="F1", name="Fuzz 1")
        payment_services.open_drawer_session(
            drawer=drawer, opening_float=Decimal("100.00"), clerk=self.supervisor
        )
        self.payment = payment_services.take_payment(
            account=self.account,
            amount=Decimal("20.00"),
            tenders=[TenderInput(kind="check", amount=Decimal("20.00"), number="101")],
            clerk=self.supervisor,
            idempotency_key=uuid.uuid4(),
        )
        # A clerk's counted drawer, for the supervisor to verify.
        clerk_drawer = Drawer.objects.create(code="F2", name="Fuzz 2")
        self.clerk_session = payment_services.open_drawer_session(
            drawer=clerk_drawer, opening_float=Decimal("50.00"), clerk=self.clerk
        )
        count_drawer(
            session=self.clerk_session,
            counted=CountInput(denominations={Decimal("1.00"): 50}),
            by=self.clerk,
        )
        self.batch = payment_services.open_mail_batch(
            channel="mail", control_count=2, control_total=Decimal("30.00"), clerk=self.supervisor
        )
        self.item = payment_services.key_batch_item(
            batch=self.batch,
            account=self.account,
            kind="check",
            amount=Decimal("10.00"),
            number="55",
            clerk=self.supervisor,
        )
        self.order = order_services.raise_work_order(
            kind="leak_check", premise=self.account.premise, account=self.account, by=self.clerk
        )
        self.contact = contact_services.log_contact(
            by=self.clerk,
            channel="phone",
            party_type="customer",
            party_name="Ana Ruiz",
            category="billing_question",
            subject="High bill",
            account=self.account,
            follow_up_on=business_day.today() + timedelta(days=2),
        )
        self.adjustment = account_services.post_adjustment(
            account=self.account,
            amount=Decimal("-400.00"),
            reason_code="leak_credit",
            memo="Leak",
            by=self.clerk,
        )

    def kwargs(self, key: str, found: dict) -> dict | None:
        namespace = key.split(":", 1)[0]
        pks = {
            "accounts": self.customer.pk,
            "contacts": self.contact.pk,
            "payments": self.batch.pk,
            "closeout": self.clerk_session.pk,
        }
        if key in ("accounts:approve_adjustment", "accounts:reject_adjustment"):
            pks["accounts"] = self.adjustment.pk
        orders_by_number = namespace == "workorders" and key not in (
            "workorders:start_for_account",
            "workorders:stop",
            "workorders:transfer",
        )
        values = {
            "number": self.order.number if orders_by_number else self.account.number,
            "receipt": self.payment.receipt,
            "bill_number": str(self.bill.number),
            "tab": "ledger",
            "day": business_day.today().isoformat(),
            "item_pk": self.item.pk,
            "pk": pks.get(namespace),
        }
        out = {}
        for name in found:
            if values.get(name) is None:
                return None  # nothing in the world for this address yet
            out[name] = values[name]
        return out


def _all_form_field_names() -> list[str]:
    import workorders.forms  # noqa: F401

    names, stack = set(), [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in {"accounts", "payments", "workorders", "reports"}:
            names.update(getattr(cls, "base_fields", {}))
    return sorted(names)


_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.IGNORECASE)


def _field_names(client, path) -> list[str]:
    response = client.get(path)
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        names = sorted(set(_FIELD.findall(response.content.decode())) - {"csrfmiddlewaretoken"})
        if names:
            return names
    return _all_form_field_names()


def _refused(response) -> bool:
    queued = getattr(response.wsgi_request, "_messages", None)
    levels = [m.level for m in getattr(queued, "_queued_messages", [])]
    if messages.SUCCESS in levels:
        return False
    if response.status_code >= 400 or messages.ERROR in levels:
        return True
    body = response.content.decode(errors="replace") if response.status_code == 200 else ""
    return 'class="field-error"' in body or 'class="form-errors"' in body


@pytest.fixture
def world(db):
    return World()


def _client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_every_post_form_survives_hostile_input(world):
    from django.urls import reverse

    supervisor = _client_for(world.supervisor)
    fuzzed = []
    for key, (_route, found) in ALL_URLS:
        if key.startswith("admin:") or key in ("login", "logout") or "/" in key or "." in key:
            continue  # the admin has its own forms; unnamed routes take no form
        kwargs = world.kwargs(key, found)
        if kwargs is None:
            continue
        path = reverse(key, kwargs=kwargs) if found else reverse(key)
        if supervisor.post(path, {}).status_code == 405:
            continue  # not a form
        if supervisor.get(path).get("Content-Type") == "application/pdf":
            continue  # a document, not a form
        names = _field_names(supervisor, path)
        fuzzed.append(key)
        _fuzz(supervisor, path, names)
    # The forms that matter most are among those fuzzed.
    for key in (
        "accounts:new",
        "accounts:adjust",
        "accounts:add_note",
        "accounts:customer_edit",
        "payments:take",
        "payments:batch_add_item",
        "payments:void",
        "contacts:log",
        "workorders:complete",
        "workorders:stop",
        "closeout:verify",
        "closeout:prepare_deposit",
    ):
        assert key in fuzzed, key


def _fuzz(client, path, names):
    value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.fixed_dictionaries({}, optional={n: value for n in names}), htmx=st.booleans())
    def post(data, htmx):
        before = snapshot()
        headers = {"HX-Request": "true"} if htmx else {}
        response = client.post(path, data, headers=headers)
        assert response.status_code < 500, (path, data, response.status_code)
        if _refused(response):
            after = snapshot()
            changed = [t for t in after if after[t] != before.get(t)]
            assert not changed, f"{path} refused {data!r} but changed {changed}"

    post()


def test_the_snapshot_sees_a_write(db):
    """The fuzz's check can fail: a write in the test's transaction shows in the snapshot."""
    before = snapshot()
    make_user("written")
    after = snapshot()
    assert after["auth_user"] > before.get("auth_user", 0)


def test_a_refusal_is_recognised(world):
    client = _client_for(world.supervisor)
    response = client.post(f"/accounts/{world.account.number}/adjust/", {"amount": "abc"})
    assert _refused(response)
    response = client.post(
        f"/accounts/{world.account.number}/notes/add/", {"text": "Called about the bill"}
    )
    assert not _refused(response)
