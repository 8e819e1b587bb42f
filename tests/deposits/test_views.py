"""The screens: the account header's deposit line within the page's budget, the payment
dialog's deposit field, the receipt, the dialogs (errors beside their fields, nothing
changed), the Deposits page and who may see what."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts.queries import balance_of
from payments.deposits import queries, runs, services
from payments.deposits.models import DepositWaiver, InstalmentPlan, LetterOfCredit
from payments.models import Payment
from tests.budgets import assert_flat_budget
from tests.deposits.conftest import require
from tests.factories import make_account, make_user, post_bill
from utilityclerk import business_day

pytestmark = pytest.mark.django_db
D = Decimal
HX = {"HX-Request": "true"}


def take(client, account, **data):
    form = {"channel": "counter", "idempotency_key": str(uuid.uuid4()), **data}
    return client.post(f"/payments/take/{account.number}/", form, headers=HX)


# The account header ----------------------------------------------------------------------------


def test_the_header_says_what_is_required_and_offers_to_take_it(clerk_client, account):
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert 'id="deposit-required">Required: $100.00 (not yet collected)<' in html
    assert re.search(r'id="take-deposit"[^>]*data-shortcut="e"', html)
    assert "In instalments" in html
    assert "Waive or reduce" not in html  # a supervisor's
    assert 'id="account-deposit-held">$0.00<' in html


def test_the_header_shows_the_deposit_held_and_unpaid_instalments(
    clerk_client, account, clerk, supervisor, pay
):
    services.set_up_instalments(account=account, instalments=3, by=clerk)
    runs.post_instalments(business_day.today(), by=supervisor)
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert 'id="account-deposit-held">$33.34<' in html
    assert "$33.34 of the $33.34 held is billed in instalments and not yet paid" in html
    assert re.search(r'id="deposit-plan">Instalments: \$66\.66 still to bill \(2 of 3\)', html)
    pay(account, amount="33.34")
    html = clerk_client.get(f"/accounts/{account.number}/").content.decode()
    assert "not yet paid" not in html


def test_the_account_page_stays_within_its_budget(clerk_client, account, clerk, supervisor, pay):
    """Ten queries for the page, the deposit line's figures among them (no query of its own),
    however much deposit history the account has."""

    def more_history():
        services.set_up_instalments(account=account, instalments=3, by=clerk)
        runs.post_instalments(business_day.today(), by=supervisor)
        pay(account, amount="10.00", deposit="20.00")
        for _ in range(5):
            post_bill(account, "30.00", bill_date=business_day.today())

    html = assert_flat_budget(
        clerk_client, f"/accounts/{account.number}/", add_rows=more_history, budget=10
    ).content.decode()
    assert 'id="deposit-status"' in html


def test_the_deposit_tab_lists_the_ledger_with_what_is_held(
    clerk_client, account, pay, django_assert_max_num_queries
):
    pay(account, deposit="60.00")
    pay(account, deposit="40.00")
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        fragment = clerk_client.get(
            f"/accounts/{account.number}/deposit/", headers={**HX, "HX-Target": "tab-panel"}
        )
    html = fragment.content.decode()
    assert "<html" not in html
    assert "held $100.00" in html
    assert html.count('class="deposit-collected"') == 2


def test_field_staff_see_no_deposits(client, account):
    client.force_login(make_user("tech", role="Field"))
    assert client.get("/deposits/").status_code == 403
    assert client.get(f"/deposits/{account.number}/instalments/").status_code == 403


# The payment dialog -------------------------------------------------------------------------------


def test_take_the_deposit_opens_the_dialog_with_the_deposit_alone(
    clerk_client, account, session, django_assert_max_num_queries
):
    post_bill(account, "45.00", bill_date=business_day.today())
    clerk_client.get("/")
    with django_assert_max_num_queries(10):
        html = clerk_client.get(
            f"/payments/take/{account.number}/?for=deposit", headers=HX
        ).content.decode()
    assert re.search(r'name="purpose_deposit" value="100.00"', html)
    assert not re.search(r'name="amount" value=', html)
    assert "$100.00 still owed as a security deposit." in html
    # The plain Take payment offers both: the balance and the deposit still owed.
    html = clerk_client.get(f"/payments/take/{account.number}/", headers=HX).content.decode()
    assert 'name="amount" value="45.00"' in html and 'value="100.00"' in html


def test_the_dialog_posts_one_receipt_for_both(clerk_client, account, session):
    post_bill(account, "45.00", bill_date=business_day.today())
    response = take(
        clerk_client, account, amount="45.00", purpose_deposit="100.00", cash_tendered="150"
    )
    html = response.content.decode()
    payment = Payment.objects.get()
    assert payment.amount == D("145.00") and payment.change_given == D("5.00")
    assert 'id="done-on-account">$45.00<' in html and 'id="done-deposit">$100.00<' in html
    receipt = clerk_client.get(f"/payments/receipts/{payment.receipt}/print/").content.decode()
    assert 'id="receipt-on-account">$45.00<' in receipt
    assert 'id="receipt-deposit">$100.00<' in receipt
    assert 'id="receipt-amount">$145.00<' in receipt
    assert "is held as your security deposit" in receipt
    assert queries.figures(account.pk).held == D("100.00") and balance_of(account.pk) == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"purpose_deposit": "100.01", "cash_tendered": "101"},
            "purpose_deposit",
            "At most $100.00",
        ),
        ({"purpose_deposit": "-5", "cash_tendered": "5"}, "purpose_deposit", "cannot be negative"),
        (
            {"amount": "0", "purpose_deposit": "0", "cash_tendered": "5"},
            "amount",
            "more than $0.00",
        ),
        (
            {"purpose_deposit": "100", "cash_tendered": "90"},
            "cash_tendered",
            "less than the $100.00",
        ),
    ],
)
def test_bad_deposit_amounts_are_refused_beside_their_field(
    clerk_client, account, session, data, field, message
):
    response = take(clerk_client, account, **data)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(rf'id="id_{field}_error">[^<]*{re.escape(message)}', html), html[:3000]
    assert not Payment.objects.exists()


def test_change_due_counts_the_deposit(clerk_client, account):
    html = clerk_client.get(
        "/payments/change-due/",
        {"amount": "0", "purpose_deposit": "100.00", "cash_tendered": "120"},
    ).content.decode()
    assert "$20.00" in html


def test_an_account_owing_no_deposit_shows_no_deposit_field(clerk_client, session):
    account = make_account()
    html = clerk_client.get(f"/payments/take/{account.number}/", headers=HX).content.decode()
    assert "purpose_deposit" not in html


# The dialogs ------------------------------------------------------------------------------------


def test_instalments_are_set_up_from_the_dialog(clerk_client, account):
    url = f"/deposits/{account.number}/instalments/"
    assert "3 months" in clerk_client.get(url, headers=HX).content.decode()
    response = clerk_client.post(
        url, {"instalments": "2", "idempotency_key": str(uuid.uuid4())}, headers=HX
    )
    assert response["HX-Redirect"] == f"/accounts/{account.number}/"
    assert InstalmentPlan.objects.get().instalment_count == 2


def test_a_bad_instalment_count_is_refused_beside_the_field(clerk_client, account):
    response = clerk_client.post(
        f"/deposits/{account.number}/instalments/",
        {"instalments": "7", "idempotency_key": str(uuid.uuid4())},
        headers=HX,
    )
    assert 'id="id_instalments_error"' in response.content.decode()
    assert not InstalmentPlan.objects.exists()


def test_only_a_supervisor_opens_the_waiver(clerk_client, supervisor_client, account):
    url = f"/deposits/{account.number}/waive/"
    assert clerk_client.get(url).status_code == 403
    assert clerk_client.post(url, {"required": "0", "reason": "x"}).status_code == 403
    response = supervisor_client.post(
        url,
        {
            "required": "0.00",
            "reason": "Hardship, letter on file",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    assert DepositWaiver.objects.get().required_after == D("0.00")


def test_a_waiver_without_a_reason_changes_nothing(supervisor_client, account):
    response = supervisor_client.post(
        f"/deposits/{account.number}/waive/",
        {"required": "50", "reason": "", "idempotency_key": str(uuid.uuid4())},
    )
    assert 'id="id_reason_error"' in response.content.decode()
    assert not DepositWaiver.objects.exists()


def test_a_letter_of_credit_from_the_dialog(clerk_client, commercial):
    expires = business_day.today() + timedelta(days=200)
    response = clerk_client.post(
        f"/deposits/{commercial.number}/security/",
        {
            "kind": "letter_of_credit",
            "issuer": "First Texas Bank",
            "number": "LC-88",
            "amount": "300",
            "expires_on": expires.isoformat(),
            "idempotency_key": str(uuid.uuid4()),
        },
        headers=HX,
    )
    assert response.status_code == 200 and response["HX-Redirect"]
    assert LetterOfCredit.objects.get().expires_on == expires
    html = clerk_client.get(f"/accounts/{commercial.number}/").content.decode()
    assert 'id="deposit-security"' in html and "(met)" in html


def test_a_letter_already_expired_is_refused_beside_the_date(clerk_client, commercial):
    response = clerk_client.post(
        f"/deposits/{commercial.number}/security/",
        {
            "kind": "letter_of_credit",
            "issuer": "First Texas Bank",
            "amount": "300",
            "expires_on": business_day.today().isoformat(),
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert 'id="id_expires_on_error"' in response.content.decode()
    assert not LetterOfCredit.objects.exists()


# The Deposits page --------------------------------------------------------------------------------


def test_the_deposits_page_lists_renewals_and_instalments_within_budget(
    supervisor_client, commercial, account, clerk
):
    def more():
        for n in range(4):
            other = make_account(customer=commercial.customer)
            require(other, "300.00")
            services.record_security(
                account=other,
                kind="surety_bond",
                issuer=f"Surety {n}",
                amount=D("300"),
                expires_on=business_day.today() + timedelta(days=10 + n),
                by=clerk,
            )
            renter = make_account()
            require(renter, "100.00")
            services.set_up_instalments(account=renter, instalments=2, by=clerk)

    html = assert_flat_budget(supervisor_client, "/deposits/", add_rows=more, budget=10)
    text = html.content.decode()
    assert len(re.findall(r"Surety \d", text)) == 4
    assert 'id="deposit-run-form"' in text


def test_a_clerk_sees_the_page_but_not_the_runs(clerk_client):
    html = clerk_client.get("/deposits/").content.decode()
    assert "deposit-run-form" not in html
    assert clerk_client.post("/deposits/runs/start/", {"kind": "review"}).status_code == 403


def test_starting_a_run_opens_its_page_and_bad_input_is_refused(supervisor_client):
    response = supervisor_client.post(
        "/deposits/runs/start/", {"kind": "review", "day": business_day.today().isoformat()}
    )
    assert response.status_code == 302 and "/runs/" in response["Location"]
    bad = supervisor_client.post("/deposits/runs/start/", {"kind": "instalments", "day": ""})
    assert bad.status_code == 400
    assert 'id="id_day_error"' in bad.content.decode()
    year = supervisor_client.post(
        "/deposits/runs/start/", {"kind": "interest", "year": str(business_day.today().year)}
    )
    assert 'id="id_year_error"' in year.content.decode()


def test_an_account_number_that_is_no_account_is_a_404(clerk_client):
    assert clerk_client.get("/deposits/99999999/instalments/").status_code == 404
    assert make_user("x") is not None


def test_the_receipt_pdf_shows_both_parts(clerk_client, account, session, pay):
    import io

    from pypdf import PdfReader

    post_bill(account, "45.00", bill_date=business_day.today())
    payment = pay(account, amount="45.00", deposit="100.00")
    response = clerk_client.get(f"/payments/receipts/{payment.receipt}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert re.search(r"On the account \$45\.00", text)
    assert re.search(r"Customer deposits \(held\) \$100\.00", text)
    assert re.search(r"Paid \$145\.00", text)
    assert re.search(r"Balance after \$0\.00", text)
