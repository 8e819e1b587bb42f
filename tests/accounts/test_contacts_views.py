import csv
import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from accounts.contacts import services
from accounts.models import Contact
from accounts.models.contact import ContactCategory, ContactChannel, PartyType
from tests.factories import make_account, make_customer, make_user
from utilityclerk import business_day
from utilityclerk.core.models import AuditEvent

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def log(by, **overrides):
    data = {
        "channel": "phone",
        "party_type": "elected_official",
        "party_name": "Council Member Ana Ruiz",
        "category": "outage_leak",
        "subject": "Water running down Pfeil Rd",
        **overrides,
    }
    return services.log_contact(by=by, **data)


def form_data(**overrides):
    return {
        "idempotency_key": "6f1c1d57-8a1f-4c39-9d4e-2f6d8f1f0a11",
        "channel": "phone",
        "party_type": "elected_official",
        "party_name": "Council Member Ana Ruiz",
        "party_reach": "(210) 555-0142",
        "category": "outage_leak",
        "subject": "Water running down Pfeil Rd",
        "notes": "Near the park entrance, since this morning.",
        "outcome": "",
        "referred_to": "public_works",
        "referral_note": "Street crew on call",
        "follow_up_on": (business_day.today() + timedelta(days=1)).isoformat(),
        "follow_up_owner": "",
        "contacted_at": "",
        **overrides,
    }


@pytest.fixture
def account():
    return make_account(customer=make_customer(first_name="Robert", last_name="Johnson"))


# Permissions ----------------------------------------------------------------------------


def urls_for(contact, account):
    return {
        "search": "/contacts/",
        "log": "/contacts/new/",
        "log_for_account": f"/contacts/account/{account.number}/new/",
        "my_follow_ups": "/contacts/follow-ups/",
        "detail": f"/contacts/{contact.pk}/",
        "customer": f"/contacts/customer/{account.customer_id}/",
        "close": f"/contacts/{contact.pk}/close/",
        "board": "/contacts/follow-ups/board/",
        "report": "/contacts/report/",
    }


def test_user_without_a_role_is_refused_everywhere(client, clerk, account):
    contact = log(clerk, follow_up_on=business_day.today())
    client.force_login(make_user())
    for name, url in urls_for(contact, account).items():
        assert client.get(url).status_code == 403, name
    assert client.post(f"/contacts/{contact.pk}/reassign/").status_code == 403


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get("/contacts/follow-ups/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_clerk_reaches_the_clerk_screens_but_not_the_supervisors(clerk_client, clerk, account):
    contact = log(clerk, follow_up_on=business_day.today())
    urls = urls_for(contact, account)
    for name in (
        "search",
        "log",
        "log_for_account",
        "my_follow_ups",
        "detail",
        "customer",
        "close",
    ):
        assert clerk_client.get(urls[name]).status_code == 200, name
    assert clerk_client.get(urls["board"]).status_code == 403
    assert clerk_client.get(urls["report"]).status_code == 403
    assert clerk_client.post(f"/contacts/{contact.pk}/reassign/").status_code == 403


def test_supervisor_reaches_board_and_report(supervisor_client):
    assert supervisor_client.get("/contacts/follow-ups/board/").status_code == 200
    assert supervisor_client.get("/contacts/report/").status_code == 200


def test_clerk_cannot_close_another_clerks_follow_up(clerk_client):
    contact = log(make_user(role="Clerk"), follow_up_on=business_day.today())
    assert clerk_client.get(f"/contacts/{contact.pk}/close/").status_code == 403
    response = clerk_client.post(f"/contacts/{contact.pk}/close/", {"outcome": "Done"})
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.status == "open"


def test_navigation_shows_follow_ups_board_only_to_supervisors(clerk_client, supervisor_client):
    assert b'href="/contacts/follow-ups/board/"' not in clerk_client.get("/contacts/").content
    assert b'href="/contacts/"' in clerk_client.get("/contacts/").content
    assert b'href="/contacts/follow-ups/board/"' in supervisor_client.get("/contacts/").content


# Logging --------------------------------------------------------------------------------


def test_account_page_offers_log_contact_with_shortcut_c(clerk_client, account):
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert f'href="/contacts/account/{account.number}/new/"' in html
    assert 'data-shortcut="c"' in html
    assert 'hx-target="#dialog-body"' in html


def test_log_dialog_is_prefilled_from_the_account(clerk_client, account):
    html = clerk_client.get(
        f"/contacts/account/{account.number}/new/", headers=HTMX
    ).content.decode()
    assert "<html" not in html
    assert 'value="Robert Johnson"' in html
    assert '<option value="customer" selected>' in html
    assert "data-close-dialog" in html


def test_logging_from_the_account_dialog_saves_and_returns_to_the_contacts_tab(
    clerk_client, clerk, account
):
    response = clerk_client.post(
        f"/contacts/account/{account.number}/new/",
        form_data(party_type="customer", party_name="Robert Johnson", in_dialog="1"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"/accounts/{account.number}/contacts/"
    contact = Contact.objects.get()
    assert contact.account == account and contact.customer_id == account.customer_id
    assert contact.follow_up_owner == clerk and contact.status == "open"
    assert contact.referred_to == "public_works"


def test_logging_from_home_without_an_account(clerk_client, clerk):
    response = clerk_client.post("/contacts/new/", form_data())
    assert response.status_code == 302 and response["Location"] == "/"
    contact = Contact.objects.get()
    assert contact.account is None and contact.party_type == "elected_official"
    assert contact.follow_up_on == business_day.today() + timedelta(days=1)
    page = clerk_client.get("/").content.decode()
    assert "Council Member Ana Ruiz logged" in page


def test_double_submit_logs_once(clerk_client):
    clerk_client.post("/contacts/new/", form_data())
    clerk_client.post("/contacts/new/", form_data())
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"party_name": ""}, "party_name", "Enter who contacted us."),
        ({"channel": ""}, "channel", "Choose how they contacted us."),
        ({"party_type": ""}, "party_type", "Choose who contacted us."),
        ({"category": ""}, "category", "Choose a category."),
        (
            {"follow_up_on": "2020-01-02"},
            "follow_up_on",
            "The follow-up date cannot be in the past; choose today or a later day.",
        ),
        ({"follow_up_on": "not a date"}, "follow_up_on", "Enter the follow-up date as a date"),
        (
            {"party_name": "x" * 130},
            "party_name",
            "The party name can be at most 120 characters (it has 130).",
        ),
        (
            {"subject": "y" * 250},
            "subject",
            "The subject can be at most 200 characters (it has 250).",
        ),
    ],
)
def test_bad_input_shows_message_beside_the_field_and_saves_nothing(
    clerk_client, overrides, field, message
):
    response = clerk_client.post("/contacts/new/", form_data(**overrides), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error">{message}' in html
    assert "data-autofocus" in html.split(f'name="{field}"')[1].split(">")[0]
    assert not Contact.objects.exists()


def test_owner_without_the_role_is_refused_with_a_message(clerk_client):
    nobody = make_user()
    response = clerk_client.post("/contacts/new/", form_data(follow_up_owner=str(nobody.pk)))
    html = response.content.decode()
    assert 'id="id_follow_up_owner_error">Choose a clerk or a supervisor' in html
    assert not Contact.objects.exists()


def test_owner_may_be_another_clerk(clerk_client):
    other = make_user("bea", role="Clerk")
    clerk_client.post("/contacts/new/", form_data(follow_up_owner=str(other.pk)))
    assert Contact.objects.get().follow_up_owner == other


# Queues ---------------------------------------------------------------------------------


def test_home_loads_my_follow_ups_with_htmx_and_a_link(clerk_client):
    html = clerk_client.get("/").content.decode()
    assert 'hx-get="/contacts/follow-ups/"' in html
    assert 'hx-trigger="load"' in html
    assert '<a href="/contacts/follow-ups/">My follow-ups</a>' in html
    assert 'href="/contacts/new/"' in html


def test_home_and_what_it_loads_stay_within_budget_on_a_busy_day(
    supervisor_client, supervisor, clerk
):
    import uuid
    from decimal import Decimal

    from accounts.models import AdjustmentReason
    from accounts.services import post_adjustment
    from tests.budgets import assert_flat_budget

    today = business_day.today()
    log(supervisor, subject="Due today", follow_up_on=today)
    log(supervisor, subject="Next week", follow_up_on=today + timedelta(days=7))

    def busy():
        # Accounts, follow-ups due and coming, and clerks' adjustments over the limit waiting.
        for n in range(20):
            account = make_account()
            log(supervisor, subject=f"Call back {n}", follow_up_on=today + timedelta(days=n % 3))
            post_adjustment(
                account=account,
                amount=Decimal("75.00"),
                reason_code=AdjustmentReason.values[0],
                memo=f"Leak credit {n}",
                by=clerk,
                idempotency_key=uuid.uuid4(),
            )

    def more():
        busy()
        busy()  # a second helping, so every page below is measured on a few and on many

    pages = [
        ("/", {}),
        ("/contacts/follow-ups/", {"headers": {**HTMX, "HX-Current-URL": "http://testserver/"}}),
        ("/accounts/adjustments/waiting/", {"headers": HTMX}),
        ("/accounts/adjustments/", {}),
    ]
    busy()
    for n, (url, extra) in enumerate(pages):
        assert_flat_budget(
            supervisor_client, url, add_rows=more if n == 0 else busy, budget=10, **extra
        )


def test_my_follow_ups_fragment_shows_due_and_upcoming(
    clerk_client, clerk, django_assert_max_num_queries
):
    today = business_day.today()
    log(clerk, subject="Due today about Main St", follow_up_on=today)
    log(clerk, subject="Next week about Oak St", follow_up_on=today + timedelta(days=7))
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        response = clerk_client.get(
            "/contacts/follow-ups/", headers={**HTMX, "HX-Current-URL": "http://testserver/"}
        )
    html = response.content.decode()
    assert "<html" not in html
    due, upcoming = html.split('id="follow-ups-upcoming"')
    assert "Due today about Main St" in due and "Next week about Oak St" in upcoming
    assert "?next=/" in due


def test_looking_ahead_shows_what_will_be_due(clerk_client, clerk):
    next_week = business_day.today() + timedelta(days=7)
    log(clerk, subject="Next week about Oak St", follow_up_on=next_week)
    html = clerk_client.get(f"/contacts/follow-ups/?on={next_week.isoformat()}").content.decode()
    due = html.split('id="follow-ups-upcoming"')[0]
    assert "Next week about Oak St" in due


def test_owner_closes_from_the_queue_with_an_outcome(clerk_client, clerk):
    contact = log(clerk, follow_up_on=business_day.today())
    response = clerk_client.post(
        f"/contacts/{contact.pk}/close/",
        {"outcome": "Public Works patched it", "next": "/"},
        headers=HTMX,
    )
    assert response["HX-Redirect"] == "/"
    contact.refresh_from_db()
    assert contact.status == "closed" and contact.outcome == "Public Works patched it"


def test_closing_without_an_outcome_says_so(clerk_client, clerk):
    contact = log(clerk, follow_up_on=business_day.today())
    html = clerk_client.post(f"/contacts/{contact.pk}/close/", {"outcome": ""}).content.decode()
    assert 'id="id_outcome_error">Say what came of it.' in html
    contact.refresh_from_db()
    assert contact.status == "open"


def test_close_refuses_an_outside_next_url(clerk_client, clerk):
    contact = log(clerk, follow_up_on=business_day.today())
    response = clerk_client.post(
        f"/contacts/{contact.pk}/close/", {"outcome": "Done", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_board_lists_open_follow_ups_by_owner(supervisor_client, clerk):
    from tests.budgets import assert_flat_budget

    other = make_user("bea", role="Clerk", first_name="Bea", last_name="Alvarez")
    for _ in range(3):
        log(clerk, follow_up_on=business_day.today())
    log(other, subject="Bea's call", follow_up_on=business_day.today())

    def many_owners():
        for n in range(12):
            owner = make_user(f"owner{n}", role="Clerk", first_name="Zed", last_name=f"Z{n:02d}")
            for days in range(3):
                log(owner, follow_up_on=business_day.today() + timedelta(days=days))

    html = assert_flat_budget(
        supervisor_client, "/contacts/follow-ups/board/", add_rows=many_owners, budget=10
    ).content.decode()
    assert html.count('class="reassign-form"') == 4 + 12 * 3
    # Owners sort by last name; the clerk fixture has none, so it comes before Alvarez.
    assert html.index(f'id="queue-of-{clerk.pk}"') < html.index(f'id="queue-of-{other.pk}"')


def test_supervisor_reassigns_from_the_board(supervisor_client, clerk):
    other = make_user("bea", role="Clerk")
    contact = log(clerk, follow_up_on=business_day.today())
    later = business_day.today() + timedelta(days=2)
    response = supervisor_client.post(
        f"/contacts/{contact.pk}/reassign/",
        {"owner": str(other.pk), "follow_up_on": later.isoformat()},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.follow_up_owner == other and contact.follow_up_on == later
    assert AuditEvent.objects.filter(action="contact.reassign").count() == 1


def test_reassign_to_a_user_without_the_role_is_refused_beside_the_field(supervisor_client, clerk):
    contact = log(clerk, follow_up_on=business_day.today())
    nobody = make_user()
    response = supervisor_client.post(
        f"/contacts/{contact.pk}/reassign/", {"owner": str(nobody.pk)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="owner-{contact.pk}-error">Choose a clerk or a supervisor' in html
    contact.refresh_from_db()
    assert contact.follow_up_owner == clerk


def test_reassign_to_a_past_date_is_refused(supervisor_client, clerk, supervisor):
    contact = log(clerk, follow_up_on=business_day.today())
    response = supervisor_client.post(
        f"/contacts/{contact.pk}/reassign/",
        {"owner": str(supervisor.pk), "follow_up_on": "2020-01-01"},
    )
    assert response.status_code == 400
    assert b"cannot be in the past" in response.content
    contact.refresh_from_db()
    assert contact.follow_up_owner == clerk


# History and search ---------------------------------------------------------------------


def test_account_contacts_tab_lists_the_accounts_contacts(
    clerk_client, clerk, account, django_assert_max_num_queries
):
    for i in range(5):
        log(
            clerk,
            party_type="customer",
            party_name="Robert Johnson",
            subject=f"Call {i}",
            account=account,
        )
    log(clerk, subject="Not this account")
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        fragment = clerk_client.get(
            f"/accounts/{account.number}/contacts/", headers={**HTMX, "HX-Target": "tab-panel"}
        )
    html = fragment.content.decode()
    assert html.count("Call ") == 5 and "Not this account" not in html
    with django_assert_max_num_queries(10):
        page = clerk_client.get(f"/accounts/{account.number}/contacts/")
    assert b'id="tab-contacts"' in page.content


def test_customer_contact_history_spans_their_accounts(clerk_client, clerk, account):
    second = make_account(customer=account.customer)
    log(clerk, party_type="customer", party_name="Robert Johnson", subject="First", account=account)
    log(clerk, party_type="customer", party_name="Robert Johnson", subject="Second", account=second)
    html = clerk_client.get(f"/contacts/customer/{account.customer_id}/").content.decode()
    assert "First" in html and "Second" in html
    assert second.display_number in html
    fragment = clerk_client.get(f"/contacts/customer/{account.customer_id}/", headers=HTMX)
    assert b"<html" not in fragment.content
    assert second.display_number.encode() in fragment.content


def test_contact_search_page_filters_and_stays_within_budget(
    clerk_client, clerk, django_assert_max_num_queries
):
    log(clerk, subject="Pothole on Pfeil Rd", category="complaint")
    log(clerk, subject="High bill question", category="high_bill", party_name="Maria Johnson")
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get("/contacts/?q=pfeil").content.decode()
    assert "Pothole on Pfeil Rd" in html and "High bill question" not in html
    html = clerk_client.get("/contacts/?category=high_bill", headers=HTMX).content.decode()
    assert "<html" not in html and "High bill question" in html and "Pothole" not in html


def test_contact_search_with_bad_dates_says_why(clerk_client):
    html = clerk_client.get("/contacts/?start=2026-05-02&end=2026-05-01").content.decode()
    assert "The end date must be on or after the start date." in html


def test_global_search_finds_contacts(clerk_client, clerk):
    contact = log(clerk, subject="Pothole on Pfeil Rd")
    html = clerk_client.get("/search/?q=pfeil", headers=HTMX).content.decode()
    assert f'href="/contacts/{contact.pk}/"' in html


def test_contact_detail_shows_history_and_close_form_to_owner(
    clerk_client, clerk, django_assert_max_num_queries
):
    contact = log(clerk, follow_up_on=business_day.today(), referred_to="public_works")
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Public Works (streets, drainage)" in html
    assert "Close follow-up" in html
    assert "Contact: log" in html


# Report ---------------------------------------------------------------------------------


@pytest.fixture
def month_of_contacts(clerk):
    import random

    from django.utils import timezone

    rng = random.Random(7)
    now = timezone.now()
    contacts = []
    for i in range(40):
        contact = log(
            clerk,
            contacted_at=now - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 8)),
            channel=rng.choice(ContactChannel.values),
            party_type=rng.choice(PartyType.values),
            category=rng.choice(ContactCategory.values),
            follow_up_on=business_day.today() if i % 3 else None,
        )
        contacts.append(contact)
    for contact in contacts[::4]:
        if contact.is_open:
            services.close_follow_up(contact=contact, outcome="Done", by=clerk)
    log(clerk, contacted_at=now - timedelta(days=60))  # outside the range
    return contacts


def expected_counts(start, end, field):
    from accounts.contacts.queries import local_day_bounds

    start_at, end_at = local_day_bounds(start, end)
    in_range = Contact.objects.filter(contacted_at__gte=start_at, contacted_at__lt=end_at)
    values = [value for value, _label in Contact._meta.get_field(field).choices]
    return {value: in_range.filter(**{field: value}).count() for value in values}, in_range.count()


def test_report_pdf_counts_match_the_database(supervisor_client, month_of_contacts):
    end = business_day.today()
    start = end - timedelta(days=30)
    response = supervisor_client.get(
        f"/contacts/report/?start={start.isoformat()}&end={end.isoformat()}&format=pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    sections = re.split(r"By category|By party type|By channel", text)
    assert len(sections) == 4
    for section, (field, choices) in zip(
        sections[1:],
        [("category", ContactCategory), ("party_type", PartyType), ("channel", ContactChannel)],
        strict=True,
    ):
        expected, total = expected_counts(start, end, field)
        for value, label in choices.choices:
            match = re.search(rf"^{re.escape(label)} (\d+) (\d+) (\d+) (\d+) ", section, re.M)
            assert match, f"{label} missing from the PDF"
            assert int(match[1]) == expected[value], label
        assert re.search(rf"^All {total} ", section, re.M)
    assert total == 40


def test_report_csv_matches_the_database(supervisor_client, month_of_contacts):
    import statistics

    end = business_day.today()
    start = end - timedelta(days=30)
    response = supervisor_client.get(
        f"/contacts/report/?start={start.isoformat()}&end={end.isoformat()}&format=csv"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    for field in ("category", "party_type", "channel"):
        expected, _total = expected_counts(start, end, field)
        got = {r["code"]: int(r["contacts"]) for r in rows if r["breakdown"] == field}
        assert got == expected
    total_row = next(r for r in rows if r["breakdown"] == "total")
    assert int(total_row["contacts"]) == 40
    closed = [c for c in Contact.objects.filter(status="closed") if c.contacted_at.date() >= start]
    hours = statistics.median((c.closed_at - c.contacted_at).total_seconds() / 3600 for c in closed)
    assert total_row["median_hours_to_close"] == f"{hours:.1f}"
    assert int(total_row["open"]) == Contact.objects.filter(status="open").count()


def test_report_form_refuses_reversed_dates(supervisor_client):
    html = supervisor_client.get("/contacts/report/?start=2026-05-02&end=2026-05-01").content
    assert b"The end date must be on or after the start date." in html
