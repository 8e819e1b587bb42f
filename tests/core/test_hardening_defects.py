"""The defects found by trying the app hard (issue 12), each pinned by a test."""

import uuid
from datetime import timedelta

import pytest

from payments import services as payment_services
from payments.closeout.models import BankDeposit
from payments.models import Drawer
from payments.tenders import TenderInput
from tests.factories import make_account
from utilityclerk import business_day
from utilityclerk.core.models import BusinessDay

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


# HTTP 500s -------------------------------------------------------------------------------


@pytest.mark.parametrize("current_url", ["http://[::1", "http://[", "http://x:99999999/"])
def test_follow_ups_with_a_broken_current_url_header(clerk_client, current_url):
    response = clerk_client.get(
        "/contacts/follow-ups/", headers={**HTMX, "HX-Current-URL": current_url}
    )
    assert response.status_code == 200
    # The close links return to this page, not to the broken address.
    assert b"[::1" not in response.content


@pytest.fixture
def open_session(clerk):
    drawer = Drawer.objects.create(code="D9", name="Window 9")
    session = payment_services.open_drawer_session(
        drawer=drawer, opening_float=business_day_amount("100.00"), clerk=clerk
    )
    payment_services.take_payment(
        account=make_account(),
        amount=business_day_amount("20.00"),
        tenders=[TenderInput(kind="cash", amount=business_day_amount("20.00"))],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    return session


def business_day_amount(text):
    from decimal import Decimal

    return Decimal(text)


def test_verify_page_of_a_drawer_not_yet_counted(supervisor_client, open_session):
    response = supervisor_client.get(f"/closeout/sessions/{open_session.pk}/verify/")
    assert response.status_code != 500
    # Nothing to verify before the clerk has counted: said, not shown as a comparison.
    assert response.status_code in (200, 302)


def test_verify_post_on_a_drawer_not_yet_counted_changes_nothing(supervisor_client, open_session):
    response = supervisor_client.post(
        f"/closeout/sessions/{open_session.pk}/verify/", {"note": "ok"}, follow=True
    )
    assert response.status_code == 200
    open_session.refresh_from_db()
    assert open_session.status == "open"
    assert b"not been counted" in response.content


# Dates in addresses and forms ------------------------------------------------------------


def _tomorrow():
    return business_day.today() + timedelta(days=1)


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31", "tomorrow"])
def test_no_deposit_for_a_day_out_of_range(supervisor_client, day):
    day = _tomorrow().isoformat() if day == "tomorrow" else day
    response = supervisor_client.post(
        f"/closeout/day/{day}/deposit/",
        {"bag_number": "B1", "cash_total": "0.00", "check_total": "0.00"},
        follow=True,
    )
    assert response.status_code == 200
    assert not BankDeposit.objects.exists()
    assert b"too late" in response.content or b"too early" in response.content


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "9999-12-31"])
def test_no_close_for_a_day_out_of_range(supervisor_client, day):
    response = supervisor_client.post(f"/closeout/day/{day}/close/", follow=True)
    assert response.status_code == 200
    assert not BusinessDay.objects.filter(status="closed").exists()
    assert b"too late" in response.content or b"too early" in response.content


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "tomorrow"])
def test_the_day_board_of_a_day_out_of_range_says_so(supervisor_client, day):
    day = _tomorrow().isoformat() if day == "tomorrow" else day
    response = supervisor_client.get(f"/closeout/day/{day}/", follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "too late" in content or "too early" in content or "not a date" in content


def test_yesterday_s_board_still_opens(supervisor_client):
    yesterday = business_day.today() - timedelta(days=1)
    response = supervisor_client.get(f"/closeout/day/{yesterday.isoformat()}/")
    assert response.status_code == 200


def _contact(**overrides):
    return {
        "idempotency_key": str(uuid.uuid4()),
        "channel": "phone",
        "party_type": "customer",
        "party_name": "Ana Ruiz",
        "category": "billing_question",
        "subject": "High bill",
        **overrides,
    }


@pytest.mark.parametrize("when", ["0001-01-01T09:00", "9999-12-31T09:00", "1900-01-01T09:00"])
def test_a_contact_dated_out_of_range_is_refused(clerk_client, when):
    from accounts.models import Contact

    response = clerk_client.post("/contacts/new/", _contact(contacted_at=when))
    assert response.status_code == 200
    assert not Contact.objects.exists()
    assert b"too early" in response.content or b"too late" in response.content


def test_a_contact_from_last_week_is_taken(clerk_client):
    from accounts.models import Contact

    last_week = business_day.today() - timedelta(days=7)
    clerk_client.post("/contacts/new/", _contact(contacted_at=f"{last_week.isoformat()}T09:00"))
    assert Contact.objects.get().contacted_at.date() == last_week


def test_a_follow_up_years_ahead_is_refused(clerk_client):
    from accounts.models import Contact

    response = clerk_client.post("/contacts/new/", _contact(follow_up_on="2199-12-31"))
    assert response.status_code == 200
    assert not Contact.objects.exists()


# Digits of any script, where a digit is meant -------------------------------------------

ARABIC_PHONE = "(\u0662\u0661\u0660) \u0665\u0665\u0665-\u0660\u0661\u0662\u0663"  # (210) 555-0123
FULL_WIDTH_4242 = "\uff14\uff12\uff14\uff12"


def test_a_phone_in_arabic_indic_digits_is_stored_in_ascii():
    from accounts.forms import CustomerForm
    from accounts.models import Customer

    customer = Customer(first_name="Ana", last_name="Ruiz")
    form = CustomerForm(
        {
            "kind": "person",
            "customer_class": "residential",
            "first_name": "Ana",
            "last_name": "Ruiz",
            "phone": ARABIC_PHONE,
            "preferred_contact": "phone",
            "language": "en",
            "mail_street": "1 OAK ST",
            "mail_city": "CIBOLO",
            "mail_state": "TX",
            "mail_zip": "\u0667\u0668\u0661\u0660\u0668",
        },
        instance=customer,
    )
    form.is_valid()
    assert form.cleaned_data.get("phone") == "2105550123", form.errors
    assert form.cleaned_data.get("mail_zip") == "78108", form.errors


def test_a_phone_typed_in_arabic_indic_digits_finds_the_customer(clerk_client):
    from tests.factories import make_customer

    account = make_account(customer=make_customer(phone="2105550123"))
    response = clerk_client.get("/search/", {"q": ARABIC_PHONE})
    assert account.number.encode() in response.content or (
        response.status_code == 302 and account.number in response["Location"]
    )


def test_a_house_number_and_zip_in_other_digits_are_ascii():
    from accounts.forms import PremiseForm

    form = PremiseForm(
        {
            "house_number": "\u0661\u0662\u0663",
            "street": "OAK ST",
            "city": "CIBOLO",
            "state": "TX",
            "zip_code": "\uff17\uff18\uff11\uff10\uff18",
            "premise_type": "single_family",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["house_number"] == "123"
    assert form.cleaned_data["zip_code"] == "78108"


def _card_form(**card):
    from django.http import QueryDict

    from payments.forms import TakePaymentForm

    data = QueryDict(mutable=True)
    data.update(
        {
            "amount": "30.00",
            "channel": "counter",
            "card_amount": "30.00",
            "idempotency_key": str(uuid.uuid4()),
            **card,
        }
    )
    return TakePaymentForm(data)


def test_card_last_four_in_full_width_digits_is_stored_in_ascii():
    form = _card_form(card_last4=FULL_WIDTH_4242, card_auth_code="A1B2C3")
    assert form.is_valid(), form.errors
    assert form.tenders()[0].card_last4 == "4242"


@pytest.mark.parametrize("code", ["\u00c4\u00d6\u00dc", "A1\u00df2", "\u0661\u0662X"])
def test_an_authorisation_code_is_ascii_letters_and_digits(code):
    form = _card_form(card_last4="4242", card_auth_code=code)
    if code.startswith("\u0661"):
        assert form.is_valid(), form.errors
        assert form.tenders()[0].card_auth_code == "12X"
    else:
        assert not form.is_valid()
        assert "card_auth_code" in form.errors


def test_counts_controls_reads_and_ids_read_digits_of_any_script(clerk):
    from payments.closeout.forms import CountForm
    from payments.forms import BatchControlsForm
    from workorders.forms import CompleteForm

    controls = BatchControlsForm({"control_count": "\u0661\u0662", "control_total": "\uff15.00"})
    assert controls.is_valid(), controls.errors
    assert controls.cleaned_data["control_count"] == 12
    count = CountForm({"check_count": "\u0663", "idempotency_key": str(uuid.uuid4())})
    count.is_valid()
    assert count.cleaned_data["check_count"] == 3
    complete = CompleteForm({"read": "\u0661\u0660\u0662\u0663\u0664", "done_on": "2026-01-05"})
    complete.is_valid()
    assert str(complete.cleaned_data["read"]) == "10234"
    from accounts.contacts.forms import ReassignForm

    reassign = ReassignForm({"owner": ascii_to_arabic(str(clerk.pk))})
    assert reassign.is_valid(), reassign.errors
    assert reassign.cleaned_data["owner"] == clerk


def ascii_to_arabic(digits: str) -> str:
    return "".join(chr(0x0660 + int(d)) for d in digits)


# Control characters and bidi overrides ---------------------------------------------------

HOSTILE = "Ma\x01ria\x1b[31m \u202eJohn\x7fson\u2066\u0085"


def test_control_characters_are_taken_out_of_a_note(clerk_client):
    from accounts.models import AccountNote

    account = make_account()
    clerk_client.post(f"/accounts/{account.number}/notes/add/", {"text": f"Line one\n{HOSTILE}"})
    assert AccountNote.objects.get().text == "Line one\nMaria[31m Johnson"


def test_control_characters_are_taken_out_of_a_contact(clerk_client):
    from accounts.models import Contact

    clerk_client.post("/contacts/new/", _contact(party_name=HOSTILE, notes=f"a\tb\r\n{HOSTILE}"))
    contact = Contact.objects.get()
    assert contact.party_name == "Maria[31m Johnson"
    assert contact.notes == "a\tb\r\nMaria[31m Johnson"


def test_control_characters_are_taken_out_of_a_search(clerk_client):
    response = clerk_client.get("/search/", {"q": "\u202e\x1bsmith"})
    assert response.status_code in (200, 302)
    assert "\u202e".encode() not in response.content


def test_a_customer_name_keeps_its_accents_and_loses_its_controls(clerk_client):
    from tests.factories import make_customer

    customer = make_customer()
    account = make_account(customer=customer)
    data = {
        "kind": "person",
        "customer_class": customer.customer_class,
        "first_name": "Jos\u00e9\x1b",
        "last_name": "N\u00fa\u00f1ez\u202e",
        "phone": "(210) 555-0100",
        "preferred_contact": "mail",
        "language": customer.language or "en",
        "mail_street": "1 OAK ST",
        "mail_city": "CIBOLO",
        "mail_state": "TX",
        "mail_zip": "78108",
    }
    clerk_client.post(f"/accounts/customers/{customer.pk}/edit/", data)
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Jos\u00e9", "N\u00fa\u00f1ez"), account


# Permissions -----------------------------------------------------------------------------


def test_an_admin_cannot_add_notes_to_an_account(client, admin_user):
    from accounts.models import AccountNote

    account = make_account()
    client.force_login(admin_user)
    response = client.post(f"/accounts/{account.number}/notes/add/", {"text": "hello"})
    assert response.status_code == 403
    assert not AccountNote.objects.exists()


# Silent refusals get a message ------------------------------------------------------------


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_an_adjustment_with_a_bad_form_key_says_so(clerk_client):
    from accounts.models import LedgerEntry

    account = make_account()
    before = LedgerEntry.objects.count()
    response = clerk_client.post(
        f"/accounts/{account.number}/adjust/",
        {
            "direction": "credit",
            "amount": "5.00",
            "reason_code": "leak_credit",
            "memo": "Leak",
            "idempotency_key": "not-a-key",
        },
    )
    assert LedgerEntry.objects.count() == before
    assert b"This form has expired; open it again." in response.content


def test_a_send_back_of_an_open_order_says_so(clerk, supervisor_client):
    from tests.workorders.helpers import start

    order = start(clerk).order
    response = supervisor_client.post(
        f"/workorders/{order.number}/send-back/", {"note": "Dog in yard"}, follow=True
    )
    order.refresh_from_db()
    assert order.status == "open"
    assert b"is not out with a crew; nothing to send back." in response.content


def test_a_bulk_action_with_no_order_that_exists_says_so(supervisor_client):
    from workorders.models import Crew

    crew = Crew.objects.create(name="North")
    response = supervisor_client.post(
        "/workorders/bulk/",
        {"action": "dispatch", "orders": ["99999999"], "crew": crew.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert _messages(response), "a bulk action that did nothing must say so"


def test_a_second_deposit_for_a_day_says_so(supervisor_client, supervisor):
    from datetime import timedelta
    from decimal import Decimal

    from payments.closeout.models import BankDeposit

    day = business_day.today() - timedelta(days=1)
    BankDeposit.objects.create(
        business_date=day,
        bag_number="B1",
        cash_total=Decimal("0.00"),
        check_total=Decimal("0.00"),
        item_count=0,
        prepared_by=supervisor,
    )
    response = supervisor_client.post(
        f"/closeout/day/{day.isoformat()}/deposit/",
        {"bag_number": "B2", "cash_total": "0.00", "check_total": "0.00"},
        follow=True,
    )
    assert BankDeposit.objects.count() == 1
    assert b"prepared already" in response.content


# Headers and probes ------------------------------------------------------------------------

SECURITY_HEADERS = [
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "Cross-Origin-Opener-Policy",
]


@pytest.mark.parametrize("redirect", [False, True])
def test_an_unknown_host_is_refused_with_the_security_headers(client, settings, redirect):
    settings.SECURE_SSL_REDIRECT = redirect
    response = client.get("/login/", headers={"host": "evil.example"})
    assert response.status_code == 400
    for header in SECURITY_HEADERS:
        assert header in response, header


def test_healthz_answers_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


def test_healthz_answers_the_load_balancer_probing_by_address(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", headers={"host": "10.0.0.7:8000"})
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "Content-Security-Policy" in response
    assert client.get("/", headers={"host": "10.0.0.7:8000"}).status_code == 400


@pytest.mark.parametrize("next_url", ["0", "example", "javascript:alert(1)", "//evil.example/"])
def test_closing_a_follow_up_with_a_strange_next_goes_home(clerk_client, clerk, next_url):
    """Found by the fuzz test: next=0 was taken for a URL name and failed with a 500."""
    from accounts.contacts import services as contact_services

    contact = contact_services.log_contact(
        by=clerk,
        channel="phone",
        party_type="customer",
        party_name="Ana Ruiz",
        category="billing_question",
        subject="High bill",
        follow_up_on=business_day.today() + timedelta(days=1),
    )
    response = clerk_client.post(
        f"/contacts/{contact.pk}/close/", {"outcome": "Explained the bill", "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_database_that_does_not_answer_is_a_503_saying_to_send_the_form_again():
    from django.db import connection
    from django.test import Client

    client = Client(raise_request_exception=False)
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        response = client.post("/login/", {"username": "clerk", "password": "x" * 12})
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert b"send the form again" in response.content
    assert b"never taken twice" in response.content
