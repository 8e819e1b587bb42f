import io
import re
import uuid
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.models import LedgerEntry
from payments import services
from payments.models import Drawer, DrawerSession, Payment, Tender
from tests.factories import make_account, make_user
from tests.payments.conftest import cash, check
from utilityclerk.core.models import Policy

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def form(**overrides):
    data = {
        "amount": "120.00",
        "channel": "counter",
        "cash_tendered": "140",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# Take-payment dialog ---------------------------------------------------------------------


def test_dialog_defaults_to_the_balance_and_shows_past_due(
    clerk_client, session, account, django_assert_max_num_queries
):
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        response = clerk_client.get(f"/payments/take/{account.number}/", headers=HX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'value="120.00"' in html
    assert 'id="pay-past-due" class="negative">$80.00<' in html
    assert 'inputmode="decimal"' in html


def test_take_payment_page_without_htmx(clerk_client, session, account):
    response = clerk_client.get(f"/payments/take/{account.number}/")
    assert b"<html" in response.content
    assert b"Post payment" in response.content


def test_account_page_offers_take_payment_on_p_and_a_payments_tab(
    clerk_client, account, session, django_assert_max_num_queries
):
    services.take_payment(
        account=account,
        amount=Decimal("10"),
        tenders=[cash("10")],
        clerk=session.opened_by,
        idempotency_key=uuid.uuid4(),
    )
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert re.search(r'hx-target="#dialog-body" data-shortcut="p"[^>]*>Take payment', html)
    assert 'id="tab-payments"' in html
    with django_assert_max_num_queries(10):
        tab = clerk_client.get(
            f"/accounts/{account.number}/payments/", headers={**HX, "HX-Target": "tab-panel"}
        )
    assert Payment.objects.get().receipt.encode() in tab.content


def test_cash_payment_posts_and_shows_the_receipt_in_the_dialog(clerk_client, session, account):
    response = clerk_client.post(f"/payments/take/{account.number}/", form(), headers=HX)
    payment = Payment.objects.get()
    html = response.content.decode()
    assert payment.receipt in html
    assert 'id="change-given">$20.00<' in html
    assert payment.change_given == Decimal("20.00")


def test_post_without_htmx_redirects_to_the_payment(clerk_client, session, account):
    response = clerk_client.post(f"/payments/take/{account.number}/", form())
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/receipts/{payment.receipt}/"


def test_split_tender_through_the_form(clerk_client, session, account):
    clerk_client.post(
        f"/payments/take/{account.number}/",
        form(
            amount="120",
            cash_tendered="30",
            check_amount="50",
            check_number="2231",
            card_amount="50",
            card_last4="4242",
            card_auth_code="ok123",
        ),
    )
    tenders = {t.kind: t for t in Tender.objects.all()}
    assert tenders["cash"].amount == Decimal("20.00")
    assert tenders["check"].number == "2231"
    assert tenders["card"].card_auth_code == "OK123"
    assert Payment.objects.get().change_given == Decimal("10.00")


def test_resubmitting_the_same_form_posts_once(clerk_client, session, account):
    data = form()
    first = clerk_client.post(f"/payments/take/{account.number}/", data)
    second = clerk_client.post(f"/payments/take/{account.number}/", data)
    assert first["Location"] == second["Location"]
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "0"}, "amount", "more than $0.00"),
        ({"amount": "-5"}, "amount", "cannot be negative"),
        ({"amount": "ten"}, "amount", "dollars and cents"),
        ({"amount": "100000.01", "cash_tendered": "100000.01"}, "amount", "largest payment taken"),
        ({"cash_tendered": "100"}, "cash_tendered", "less than the $120.00 due in cash"),
        (
            {"cash_tendered": None, "check_amount": "100", "check_number": "1"},
            "check_amount",
            "add up to $100.00",
        ),
        (
            {"cash_tendered": None, "check_amount": "130", "check_number": "1"},
            "check_amount",
            "give no change",
        ),
        ({"cash_tendered": None}, "cash_tendered", "Enter how the customer pays"),
        ({"check_number": "55"}, "check_amount", "Enter the check amount"),
        (
            {
                "cash_tendered": None,
                "card_amount": "120",
                "card_last4": "42",
                "card_auth_code": "X1",
            },
            "card_last4",
            "last four digits",
        ),
        ({"memo": "4111 1111 1111 1111"}, "memo", "full card number"),
        (
            {
                "cash_tendered": None,
                "card_amount": "120",
                "card_last4": "4111111111111111",
                "card_auth_code": "X1",
            },
            "card_last4",
            "full card number",
        ),
    ],
)
def test_bad_input_shows_the_message_beside_the_field_and_posts_nothing(
    clerk_client, session, account, data, field, message
):
    response = clerk_client.post(f"/payments/take/{account.number}/", form(**data), headers=HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert not Payment.objects.exists()
    assert not LedgerEntry.objects.filter(kind="payment").exists()


def test_a_card_number_is_not_echoed_back(clerk_client, session, account):
    response = clerk_client.post(
        f"/payments/take/{account.number}/",
        form(memo="4111-1111-1111-1111", check_number="5500 0000 0000 0004"),
        headers=HX,
    )
    html = response.content.decode()
    # The numbers as typed, or any long run of them (a random token may hold "4111" alone).
    assert "4111-1111" not in html and "1111-1111" not in html and "5500 0000" not in html
    assert "41111111" not in html and "55000000" not in html


def test_no_open_session_is_a_clear_message(clerk_client, account):
    response = clerk_client.post(f"/payments/take/{account.number}/", form(), headers=HX)
    assert b"Open your drawer before taking a counter payment" in response.content
    assert b"You have no drawer open" in response.content
    assert not Payment.objects.exists()


def test_closed_account_is_a_clear_message(clerk_client, session):
    closed = make_account(status="closed")
    response = clerk_client.post(
        f"/payments/take/{closed.number}/", form(amount="10", cash_tendered="10"), headers=HX
    )
    assert b"is closed and cannot take payments" in response.content
    assert not Payment.objects.exists()
    # So neither the account page nor search offers to take one.
    page = clerk_client.get(f"/accounts/{closed.number}/").content.decode()
    assert 'data-shortcut="p"' not in page
    results = clerk_client.get(
        "/search/", {"q": closed.number}, headers={"HX-Request": "true"}
    ).content.decode()
    assert closed.display_number in results and ">Pay</a>" not in results


def test_cash_only_account_refuses_a_check_beside_the_field(clerk_client, session, account):
    from datetime import timedelta

    from utilityclerk import business_day

    account.customer.cash_only_until = business_day.today() + timedelta(days=90)
    account.customer.save()
    response = clerk_client.post(
        f"/payments/take/{account.number}/",
        form(cash_tendered=None, check_amount="120", check_number="9"),
        headers=HX,
    )
    html = response.content.decode()
    assert 'id="id_check_amount_error"' in html
    assert "cash only until" in html
    assert not Payment.objects.exists()


def test_change_due_is_computed_as_the_clerk_types(clerk_client):
    html = clerk_client.get("/payments/change-due/?amount=42.50&cash_tendered=50").content.decode()
    assert "$7.50" in html
    html = clerk_client.get(
        "/payments/change-due/?amount=42.50&cash_tendered=20&check_amount=10"
    ).content.decode()
    assert "less than" in html
    assert clerk_client.get("/payments/change-due/?amount=4").content.strip() == b""


# Permissions ---------------------------------------------------------------------------


def test_user_without_a_role_is_refused_everywhere(client, account):
    client.force_login(make_user("nobody"))
    for url in [
        f"/payments/take/{account.number}/",
        "/payments/drawer/",
        "/payments/receipts/",
        "/payments/batches/",
        "/payments/change-due/",
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/payments/take/{account.number}/", form()).status_code == 403
    assert not Payment.objects.exists()


def test_clerk_cannot_void_or_record_a_return(clerk_client, session, account, clerk):
    payment = services.take_payment(
        account=account,
        amount=Decimal("10"),
        tenders=[check("10")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    assert clerk_client.get(f"/payments/receipts/{payment.receipt}/void/").status_code == 403
    assert (
        clerk_client.post(
            f"/payments/receipts/{payment.receipt}/void/", {"reason": "x"}
        ).status_code
        == 403
    )
    assert (
        clerk_client.post(
            f"/payments/receipts/{payment.receipt}/returned/", {"reason": "x"}
        ).status_code
        == 403
    )
    payment.refresh_from_db()
    assert payment.status == "posted"


def test_signed_out_user_is_sent_to_login(client, account):
    response = client.get(f"/payments/take/{account.number}/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# Drawer --------------------------------------------------------------------------------


def test_clerk_opens_a_drawer_from_the_drawer_page(clerk_client, drawer, clerk):
    page = clerk_client.get("/payments/drawer/")
    assert b"Open a drawer" in page.content
    response = clerk_client.post(
        "/payments/drawer/", {"drawer": drawer.pk, "opening_float": "150.00"}
    )
    assert response.status_code == 302
    assert DrawerSession.objects.get().opened_by == clerk


def test_drawer_page_bad_float_beside_the_field(clerk_client, drawer):
    response = clerk_client.post("/payments/drawer/", {"drawer": drawer.pk, "opening_float": "abc"})
    assert b'id="id_opening_float_error"' in response.content
    assert not DrawerSession.objects.exists()


def test_drawer_already_open_by_someone_else(clerk_client, drawer):
    services.open_drawer_session(
        drawer=drawer, opening_float=Decimal("0"), clerk=make_user("other", role="Clerk")
    )
    response = clerk_client.post("/payments/drawer/", {"drawer": drawer.pk, "opening_float": "10"})
    assert b'id="id_drawer_error"' in response.content
    assert b"already open by other" in response.content


def test_drawer_page_shows_expected_totals_within_budget(
    clerk_client, session, account, clerk, django_assert_max_num_queries
):
    for i in range(5):
        services.take_payment(
            account=account,
            amount=Decimal("10"),
            tenders=[cash("10")],
            clerk=clerk,
            idempotency_key=uuid.uuid4(),
        )
    services.take_payment(
        account=account,
        amount=Decimal("25"),
        tenders=[check("25")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get("/payments/drawer/").content.decode()
    # Blind close: the clerk's drawer page lists the payments but not what the drawer should hold.
    assert "R1" in html
    assert "$200.00" not in html
    assert "expected-cash" not in html


def test_navigation_offers_the_drawer_to_clerks(clerk_client):
    html = clerk_client.get("/").content.decode()
    assert 'href="/payments/drawer/"' in html
    assert 'href="/payments/receipts/"' in html


# Receipts, search, void ----------------------------------------------------------------


@pytest.fixture
def payment(session, account, clerk):
    return services.take_payment(
        account=account,
        amount=Decimal("120.00"),
        tenders=[check("50.00", "7781"), cash("100.00")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )


def test_receipt_page_original_then_reprint(clerk_client, payment, django_assert_max_num_queries):
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        shown = clerk_client.get(f"/payments/receipts/{payment.receipt}/print/").content.decode()
    assert payment.receipt in shown
    assert 'id="receipt-amount">$120.00<' in shown
    assert 'id="receipt-change">$30.00<' in shown
    # Looking at the page is not a print: only Print counts a copy.
    clerk_client.get(f"/payments/receipts/{payment.receipt}/print/")
    payment.refresh_from_db()
    assert payment.print_count == 0
    url = f"/payments/receipts/{payment.receipt}/printed/"
    first = clerk_client.post(url, headers=HX).content.decode()
    assert "REPRINT" not in first and payment.receipt in first
    second = clerk_client.post(url, headers=HX).content.decode()
    assert "REPRINT (copy 2)" in second


def test_the_first_pdf_after_opening_the_print_page_is_the_original(clerk_client, payment):
    clerk_client.get(f"/payments/receipts/{payment.receipt}/print/")
    response = clerk_client.get(f"/payments/receipts/{payment.receipt}/pdf/")
    assert "REPRINT" not in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()


def test_receipt_says_where_the_payment_leaves_the_customer(clerk_client, payment, account):
    # $120.00 owed ($80.00 of it past due); $120.00 paid: nothing left.
    html = clerk_client.get(f"/payments/receipts/{payment.receipt}/print/").content.decode()
    assert 'id="receipt-balance-before">$120.00<' in html
    assert 'id="receipt-balance-after">$0.00<' in html
    assert "receipt-next-due" not in html and "receipt-credit" not in html


def pdf_words(response) -> str:
    return " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())


def test_receipt_names_the_next_due_date_when_something_is_left(
    clerk_client, session, account, pay
):
    partial = pay(account, "100.00")  # the $80.00 past due is paid; $20.00 of the new bill left
    newer = account.bills.order_by("-bill_date").first()
    text = pdf_words(clerk_client.get(f"/payments/receipts/{partial.receipt}/pdf/"))
    assert "Balance before $120.00" in text
    assert "Balance after $20.00" in text
    assert f"Next due {newer.due_date:%m/%d/%Y}" in text


def test_receipt_says_the_credit_an_overpayment_leaves(clerk_client, session, account, pay):
    over = pay(account, "125.47")
    text = pdf_words(clerk_client.get(f"/payments/receipts/{over.receipt}/pdf/"))
    assert "Balance after $5.47 credit" in text
    assert "leaves a credit of $5.47" in text


def test_receipt_pdf_numbers_match_the_database(clerk_client, payment):
    response = clerk_client.get(f"/payments/receipts/{payment.receipt}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert payment.receipt in text
    assert f"${payment.amount:,.2f}" in text
    assert f"${payment.change_given:,.2f}" in text
    for tender in payment.tenders.all():
        shown = tender.amount_tendered if tender.amount_tendered is not None else tender.amount
        assert f"${shown:,.2f}" in text
    assert "REPRINT" not in text
    again = clerk_client.get(f"/payments/receipts/{payment.receipt}/pdf/")
    assert "REPRINT" in PdfReader(io.BytesIO(again.content)).pages[0].extract_text()


def test_search_finds_a_receipt_number(clerk_client, payment):
    for query in (payment.receipt, payment.receipt.lower(), str(payment.receipt_number)):
        html = clerk_client.get(f"/search/?q={query}", headers=HX).content.decode()
        assert f'href="/payments/receipts/{payment.receipt}/"' in html, query


def test_search_by_account_number_offers_take_payment(clerk_client, account):
    html = clerk_client.get(f"/search/?q={account.number}", headers=HX).content.decode()
    assert f'href="/payments/take/{account.number}/"' in html


def test_receipt_lookup(clerk_client, payment):
    response = clerk_client.get(f"/payments/receipts/?receipt={payment.receipt}")
    assert response["Location"] == f"/payments/receipts/{payment.receipt}/"
    missing = clerk_client.get("/payments/receipts/?receipt=R999")
    assert b'id="id_receipt_error"' in missing.content


def test_supervisor_voids_through_the_dialog(supervisor_client, payment, session):
    detail = supervisor_client.get(f"/payments/receipts/{payment.receipt}/").content.decode()
    assert f'href="/payments/receipts/{payment.receipt}/void/"' in detail
    empty = supervisor_client.post(
        f"/payments/receipts/{payment.receipt}/void/", {"reason": ""}, headers=HX
    )
    assert b'id="id_reason_error"' in empty.content
    response = supervisor_client.post(
        f"/payments/receipts/{payment.receipt}/void/", {"reason": "Wrong account"}, headers=HX
    )
    assert response["HX-Redirect"] == f"/payments/receipts/{payment.receipt}/"
    payment.refresh_from_db()
    assert payment.status == "voided"
    assert session.expected_by_tender()["cash"] == Decimal("150.00")
    receipt = supervisor_client.get(f"/payments/receipts/{payment.receipt}/print/").content.decode()
    assert 'id="void-mark">VOID<' in receipt


def test_supervisor_records_a_returned_check(supervisor_client, payment):
    response = supervisor_client.post(
        f"/payments/receipts/{payment.receipt}/returned/", {"reason": "NSF"}
    )
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.status == "returned"
    assert (
        LedgerEntry.objects.get(kind="returned_payment_fee").amount
        == Policy.current().returned_payment_fee
    )


def test_unknown_receipt_is_404(clerk_client, db):
    assert clerk_client.get("/payments/receipts/R1/").status_code == 404
    assert clerk_client.get("/payments/receipts/nonsense/").status_code == 404


def test_admin_manages_drawers(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/payments/drawer/add/", {"code": "D7", "name": "Drive-up", "active": "on"}
    )
    assert response.status_code == 302
    assert Drawer.objects.filter(code="D7").exists()


def test_full_page_form_swaps_its_own_panel(clerk_client, session, account):
    page = clerk_client.get(f"/payments/take/{account.number}/").content.decode()
    assert 'id="take-panel"' in page and 'hx-target="#take-panel"' in page
    again = clerk_client.post(
        f"/payments/take/{account.number}/",
        form(amount="0"),
        headers={**HX, "HX-Target": "take-panel"},
    )
    assert b'hx-target="#take-panel"' in again.content


def test_a_split_payment_returns_only_the_check_or_card_that_came_back(
    supervisor_client, session, account, pay
):
    from tests.payments.conftest import card, cash, check

    payment = pay(account, "125.00", [cash("40.00"), check("60.00"), card("25.00")])
    url = f"/payments/receipts/{payment.receipt}/returned/"
    # Which one? It must be said: nothing is reversed until it is.
    asked = supervisor_client.post(url, {"reason": "NSF"})
    assert asked.status_code == 200
    assert 'id="id_tender_error"' in asked.content.decode()
    assert not LedgerEntry.objects.filter(kind="reversal").exists()
    the_check = payment.tenders.get(kind="check")
    assert supervisor_client.post(url, {"reason": "NSF", "tender": the_check.pk}).status_code == 302
    payment.refresh_from_db()
    assert payment.reversal_entry.amount == Decimal("60.00")  # not the card, not the cash
    board = supervisor_client.get("/closeout/day/").content.decode()
    assert "$60.00" in board and "of $125.00" in board


def test_the_receipt_page_offers_only_what_would_work(supervisor_client, session, account, pay):
    from tests.payments.conftest import card

    cash_payment = pay(account, "20.00")
    html = supervisor_client.get(f"/payments/receipts/{cash_payment.receipt}/").content.decode()
    assert "Void <kbd>v</kbd>" in html
    assert "Returned (NSF)" not in html  # cash does not bounce
    card_payment = pay(account, "30.00", [card("30.00")])
    session.status = "closed"  # counted
    session.save(update_fields=["status"])
    html = supervisor_client.get(f"/payments/receipts/{card_payment.receipt}/").content.decode()
    assert "Void <kbd>v</kbd>" not in html
    assert 'id="no-void">Void: The drawer it was taken in is already counted' in html
    # ...and says what to do instead, offering it.
    assert "post an adjustment on it" in html and "refund the credit it leaves" in html
    assert f'id="adjust-instead" href="/accounts/{account.number}/adjust/"' in html
    assert "Returned (NSF)" in html
