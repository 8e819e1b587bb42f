"""The refund screens: the account action (only with a credit), the request dialog and page,
the supervisor's queue, the refund's page with each decision, the check-request PDF; bad
input beside its field changing nothing; who may open what; query counts pinned."""

import io
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import EntryKind, LedgerEntry
from accounts.queries import balance_of
from payments.refunds import services
from payments.refunds.models import Refund, RefundStatus
from tests.factories import make_account, make_user
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal


def _form(account_credit="40.00", **extra):
    return {
        "amount": account_credit,
        "source": "credit_balance",
        "reason": "Overpaid the last bill",
        "payee_name": "Ana Reyes",
        "mailing_address": "450 ELM ST\nCIBOLO, TX 78108",
        "payee_reason": "",
        "idempotency_key": str(uuid.uuid4()),
        **extra,
    }


@pytest.fixture
def supervisor2_client(supervisor2):
    client = Client()
    client.force_login(supervisor2)
    return client


# The account page -----------------------------------------------------------------------


def test_the_account_offers_request_refund_only_with_a_credit(account, clerk_client):
    url = reverse("refunds:request", args=[account.number])
    page = clerk_client.get(reverse("accounts:detail", args=[account.number])).content.decode()
    assert f'href="{url}"' in page
    owing = make_account()
    page = clerk_client.get(reverse("accounts:detail", args=[owing.number])).content.decode()
    assert "Request refund" not in page


def test_the_account_page_stays_in_budget_with_the_action(
    account, clerk_client, django_assert_max_num_queries
):
    url = reverse("accounts:detail", args=[account.number])
    clerk_client.get(url)
    with django_assert_max_num_queries(10):
        assert clerk_client.get(url).status_code == 200


def test_the_refunds_tab_lists_the_accounts_refunds(account, clerk_client, request_refund):
    refund = request_refund(account, "12.34")
    response = clerk_client.get(
        reverse("accounts:tab", args=[account.number, "refunds"]),
        headers={"HX-Request": "true", "HX-Target": "tab-panel"},
    )
    page = response.content.decode()
    assert "$12.34" in page and reverse("refunds:detail", args=[refund.pk]) in page


# Requesting ------------------------------------------------------------------------------


def test_the_dialog_fills_in_the_credit_and_the_payee(account, clerk_client):
    response = clerk_client.get(
        reverse("refunds:request", args=[account.number]), headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page  # the fragment for the dialog
    assert 'value="100.00"' in page
    assert 'value="Ana Reyes"' in page
    assert "450 ELM ST\nCIBOLO, TX 78108</textarea>" in page


def test_a_request_posts_and_goes_to_the_refund(account, clerk_client):
    response = clerk_client.post(reverse("refunds:request", args=[account.number]), _form())
    refund = Refund.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("refunds:detail", args=[refund.pk])
    assert (refund.amount, refund.status, refund.payee_reason) == (
        D("40.00"),
        RefundStatus.REQUESTED,
        "",
    )


def test_the_same_form_twice_requests_once(account, clerk_client):
    data = _form()
    clerk_client.post(reverse("refunds:request", args=[account.number]), data)
    clerk_client.post(reverse("refunds:request", args=[account.number]), data)
    assert Refund.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "100.01"}, "amount", "more than the account&#x27;s credit balance"),
        ({"amount": "abc"}, "amount", "Enter an amount in dollars and cents"),
        ({"amount": "0"}, "amount", "must be more than $0.00"),
        ({"reason": ""}, "reason", "This field is required"),
        ({"payee_name": "Landlord LLC"}, "payee_reason", "say why"),
        ({"mailing_address": "PO BOX 9"}, "payee_reason", "say why"),
        ({"idempotency_key": "nope"}, None, "This form has expired"),
    ],
)
def test_bad_input_is_said_beside_the_field_and_changes_nothing(
    account, clerk_client, changes, field, message
):
    response = clerk_client.post(
        reverse("refunds:request", args=[account.number]), _form(**changes)
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    if field:
        assert f'id="id_{field}_error"' in page
    assert not Refund.objects.exists()
    assert balance_of(account.pk) == D("-100.00")


def test_bad_input_in_the_dialog_answers_200_for_htmx(account, clerk_client):
    response = clerk_client.post(
        reverse("refunds:request", args=[account.number]),
        _form(amount="500.00"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "credit balance" in response.content.decode()


def test_a_clerk_request_with_htmx_redirects_the_page(account, clerk_client):
    response = clerk_client.post(
        reverse("refunds:request", args=[account.number]),
        _form(),
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == reverse("refunds:detail", args=[Refund.objects.get().pk])


# The queue and decisions ------------------------------------------------------------------


def test_the_queue_lists_what_waits_with_the_balance(
    account, request_refund, supervisor_client, supervisor
):
    mine = request_refund(account, "10.00", by=supervisor)
    theirs = request_refund(account, "20.00")
    page = supervisor_client.get(reverse("refunds:queue")).content.decode()
    assert f'id="refund-{theirs.pk}"' in page and f'id="refund-{mine.pk}"' in page
    assert page.count("Approve</button>") == 1  # not on their own request
    assert "Your request: another supervisor decides it." in page
    assert "-$100.00" in page


def test_the_queue_query_count_is_pinned(
    account, request_refund, supervisor_client, django_assert_max_num_queries
):
    for _ in range(3):
        request_refund(make_account_with_credit(), "5.00")
    supervisor_client.get(reverse("refunds:queue"))
    # Session, user, permissions (2), the refunds with their accounts, the balances.
    with django_assert_max_num_queries(7):
        assert supervisor_client.get(reverse("refunds:queue")).status_code == 200


def make_account_with_credit():
    from tests.factories import post_credit

    account = make_account()
    post_credit(account, "50.00", on=business_day.today())
    return account


def test_approve_from_the_queue(account, request_refund, supervisor_client):
    refund = request_refund(account, "100.00")
    response = supervisor_client.post(
        reverse("refunds:approve", args=[refund.pk]), {"next": "queue"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("refunds:queue")
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED
    assert balance_of(account.pk) == D("0.00")
    # A second click changes nothing and says who was first.
    response = supervisor_client.post(reverse("refunds:approve", args=[refund.pk]), follow=True)
    assert "already approved" in response.content.decode()
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_a_clerk_cannot_approve_by_url(account, request_refund, clerk_client):
    refund = request_refund(account, by=make_user(role="Clerk"))
    assert clerk_client.post(reverse("refunds:approve", args=[refund.pk])).status_code == 403
    assert clerk_client.get(reverse("refunds:queue")).status_code == 403
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_own_request_refused_by_url_changes_nothing(
    account, request_refund, supervisor_client, supervisor
):
    refund = request_refund(account, by=supervisor)
    response = supervisor_client.post(reverse("refunds:approve", args=[refund.pk]), follow=True)
    assert "Someone other than the requester" in response.content.decode()
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_reject_needs_a_reason_beside_the_box(account, request_refund, supervisor_client):
    refund = request_refund(account)
    response = supervisor_client.post(
        reverse("refunds:reject", args=[refund.pk]), {"next": "queue", "reject-reason": ""}
    )
    assert response.status_code == 400
    assert f'id="reject-reason-{refund.pk}-error"' in response.content.decode()
    response = supervisor_client.post(
        reverse("refunds:reject", args=[refund.pk]),
        {"reject-reason": "Owes on another account"},
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert (refund.status, refund.decision_note) == (
        RefundStatus.REJECTED,
        "Owes on another account",
    )


def test_the_requester_cancels_on_the_refund_page(account, request_refund, clerk_client):
    refund = request_refund(account)
    page = clerk_client.get(reverse("refunds:detail", args=[refund.pk])).content.decode()
    assert "Cancel the request" in page and "Approve and post" not in page
    response = clerk_client.post(
        reverse("refunds:cancel", args=[refund.pk]), {"cancel-reason": "Asked in error"}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.CANCELLED


def test_another_clerk_cannot_cancel(account, request_refund):
    refund = request_refund(account)
    other = Client()
    other.force_login(make_user(role="Clerk"))
    response = other.post(reverse("refunds:cancel", args=[refund.pk]), {"cancel-reason": "x"})
    assert response.status_code == 403
    refund.refresh_from_db()
    assert refund.status == RefundStatus.REQUESTED


def test_void_and_cashed_on_the_refund_page(account, request_refund, supervisor, supervisor_client):
    refund = services.approve_refund(refund=request_refund(account, "100.00"), by=supervisor)
    url = reverse("refunds:detail", args=[refund.pk])
    page = supervisor_client.get(url).content.decode()
    assert refund.check_request_number in page and "Void the refund" in page
    response = supervisor_client.post(
        reverse("refunds:void", args=[refund.pk]), {"void-reason": ""}
    )
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    tomorrow = business_day.today().replace(year=business_day.today().year + 1)
    response = supervisor_client.post(
        reverse("refunds:cashed", args=[refund.pk]), {"cashed_on": tomorrow.isoformat()}
    )
    assert response.status_code == 400 and "too late" in response.content.decode()
    response = supervisor_client.post(
        reverse("refunds:void", args=[refund.pk]), {"void-reason": "Returned by the post office"}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.status == RefundStatus.VOIDED
    assert balance_of(account.pk) == D("-100.00")


def test_record_the_check_cashed(account, request_refund, supervisor, supervisor_client):
    refund = services.approve_refund(refund=request_refund(account), by=supervisor)
    today = business_day.today()
    response = supervisor_client.post(
        reverse("refunds:cashed", args=[refund.pk]), {"cashed_on": today.isoformat()}
    )
    assert response.status_code == 302
    refund.refresh_from_db()
    assert refund.cashed_on == today
    page = supervisor_client.get(reverse("refunds:detail", args=[refund.pk])).content.decode()
    assert f"Check cashed {today:%m/%d/%Y}" in page and "Void the refund" not in page
    supervisor_client.post(reverse("refunds:cashed", args=[refund.pk]), {"cashed_on": ""})
    refund.refresh_from_db()
    assert refund.cashed_on is None


def test_the_refund_page_query_count_is_pinned(
    account, request_refund, supervisor, supervisor_client, django_assert_max_num_queries
):
    refund = services.approve_refund(refund=request_refund(account), by=supervisor)
    url = reverse("refunds:detail", args=[refund.pk])
    supervisor_client.get(url)
    with django_assert_max_num_queries(8):
        assert supervisor_client.get(url).status_code == 200


def test_the_request_page_query_count_is_pinned(
    account, clerk_client, django_assert_max_num_queries
):
    url = reverse("refunds:request", args=[account.number])
    clerk_client.get(url)
    with django_assert_max_num_queries(8):
        assert clerk_client.get(url).status_code == 200


def test_the_check_request_pdf(account, request_refund, supervisor, clerk_client):
    refund = request_refund(account, "100.00")
    assert clerk_client.get(reverse("refunds:check_request", args=[refund.pk])).status_code == 404
    refund = services.approve_refund(refund=refund, by=supervisor)
    response = clerk_client.get(reverse("refunds:check_request", args=[refund.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert refund.check_request_number in text
    assert "$100.00" in text and "Ana Reyes" in text and "450 ELM ST" in text


# Who may open what ----------------------------------------------------------------------


@pytest.fixture
def role_clients(db):
    clients = {}
    for role in ("Clerk", "Supervisor", "Admin", "Field"):
        client = Client()
        client.force_login(make_user(role=role, is_staff=role == "Admin"))
        clients[role] = client
    return clients


def test_the_url_permission_matrix(account, request_refund, supervisor, role_clients):
    refund = services.approve_refund(refund=request_refund(account, "30.00"), by=supervisor)
    pages = {
        reverse("refunds:queue"): {"Clerk": 403, "Supervisor": 200, "Admin": 403, "Field": 403},
        reverse("refunds:request", args=[account.number]): {
            "Clerk": 200,
            "Supervisor": 200,
            "Admin": 403,
            "Field": 403,
        },
        reverse("refunds:detail", args=[refund.pk]): {
            "Clerk": 200,
            "Supervisor": 200,
            "Admin": 200,
            "Field": 403,
        },
        reverse("refunds:check_request", args=[refund.pk]): {
            "Clerk": 200,
            "Supervisor": 200,
            "Admin": 200,
            "Field": 403,
        },
    }
    for url, expected in pages.items():
        got = {role: client.get(url).status_code for role, client in role_clients.items()}
        assert got == expected, url
    posts = {
        "refunds:approve": {"Clerk": 403, "Admin": 403, "Field": 403},
        "refunds:reject": {"Clerk": 403, "Admin": 403, "Field": 403},
        "refunds:void": {"Clerk": 403, "Admin": 403, "Field": 403},
        "refunds:cashed": {"Clerk": 403, "Admin": 403, "Field": 403},
        "refunds:cancel": {"Admin": 403, "Field": 403},
    }
    for name, expected in posts.items():
        url = reverse(name, args=[refund.pk])
        got = {role: role_clients[role].post(url).status_code for role in expected}
        assert got == expected, name
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED


def test_home_says_how_many_refunds_wait(account, request_refund, supervisor_client):
    request_refund(account, "10.00")
    home = supervisor_client.get(reverse("home")).content.decode()
    assert reverse("refunds:waiting") in home
    page = supervisor_client.get(reverse("refunds:waiting")).content.decode()
    assert "1 refund waiting for approval" in page
