"""A permit's fee and deposit go through the drawer like any payment, and the drawer, the
count's result, the day board and the end-of-day reports show them on lines of their own."""

import io
import re
import uuid
from decimal import Decimal

import pytest
from pypdf import PdfReader

from payments import services as payment_services
from payments.models import PaymentLine
from payments.other_payments import purpose_totals, take_payment_for
from payments.tenders import PaymentError
from tests.factories import make_account, post_bill
from tests.permits.conftest import cash
from utilityclerk import business_day

pytestmark = pytest.mark.django_db


def _pdf(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _after(label, text):
    match = re.search(re.escape(label) + r"\s*(\$[\d,]+\.\d{2})", text)
    assert match, f"{label!r} not in {text[:400]}"
    return match.group(1)


@pytest.fixture
def day(clerk, submit, drawer_session):
    """An account payment of $80 and a hydrant permit's $50 fee and $1,500 deposit."""
    account = make_account()
    post_bill(account, "80.00", bill_date=business_day.today())
    payment_services.take_payment(
        account=account,
        amount=Decimal("80.00"),
        tenders=[cash("80.00")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    permit = submit("hydrant_meter", days=3)
    take_payment_for(
        reference=permit.number,
        lines={"permit_fee": Decimal("50.00"), "permit_deposit": Decimal("1500.00")},
        tenders=[cash("1550.00")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    return drawer_session


def test_purposes_are_totalled_for_the_session_and_the_day(day):
    expected = [
        ("Account payments", Decimal("80.00")),
        ("Customer deposits (held)", Decimal("0.00")),
        ("Permit fees", Decimal("50.00")),
        ("Permit deposits", Decimal("1500.00")),
    ]
    assert purpose_totals(session_id=day.pk) == expected
    assert purpose_totals(business_date=day.business_date) == expected


def test_the_drawer_shows_permit_fees_and_deposits_on_lines_of_their_own(clerk_client, day):
    html = clerk_client.get("/payments/drawer/").text
    assert re.search(r"Permit fees</td><td class=\"num\">\$50\.00", html)
    assert re.search(r"Permit deposits</td><td class=\"num\">\$1,500\.00", html)
    assert re.search(r"Total taken</td><td class=\"num\">\$1,630\.00", html)


def test_the_count_stays_blind_and_its_result_shows_the_lines(clerk_client, day):
    count_page = clerk_client.get(f"/closeout/sessions/{day.pk}/count/").text
    assert "Permit deposits" not in count_page and "1,500.00" not in count_page
    data = {f"qty_{c}": "0" for c in (10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1)}
    data.update(
        {
            "qty_10000": "17",  # $1,700 = the $100 float + $1,600 taken... less $30: short
            "check_count": "0",
            "check_total": "0",
            "money_order_count": "0",
            "money_order_total": "0",
            "card_slip_count": "0",
            "card_total": "0",
            "idempotency_key": str(uuid.uuid4()),
        }
    )
    response = clerk_client.post(f"/closeout/sessions/{day.pk}/count/", data)
    assert response.status_code == 302
    result = clerk_client.get(response["Location"]).text
    assert re.search(r"Permit deposits</td><td class=\"num\">\$1,500\.00", result)
    text = _pdf(clerk_client.get(f"/closeout/sessions/{day.pk}/closeout.pdf"))
    assert _after("Permit fees", text) == "$50.00"
    assert _after("Permit deposits", text) == "$1,500.00"


def test_the_day_board_and_the_daily_cash_report_show_the_lines(supervisor_client, day):
    board = supervisor_client.get("/closeout/day/").text
    assert re.search(r"Permit fees</td><td class=\"num\">\$50\.00", board)
    assert re.search(r"Account payments</td><td class=\"num\">\$80\.00", board)
    text = _pdf(supervisor_client.get(f"/closeout/day/{day.business_date.isoformat()}/report.pdf"))
    assert _after("Account payments", text) == "$80.00"
    assert _after("Permit fees", text) == "$50.00"
    assert _after("Permit deposits", text) == "$1,500.00"
    assert _after("Total taken", text) == "$1,630.00"


def test_a_permit_payment_posts_once_for_a_double_click(clerk, drawer_session):
    key = uuid.uuid4()
    kwargs = {
        "reference": "PM-1000001",
        "lines": {"permit_fee": Decimal("50.00")},
        "tenders": [cash("50.00")],
        "clerk": clerk,
        "idempotency_key": key,
    }
    assert take_payment_for(**kwargs).pk == take_payment_for(**kwargs).pk
    assert PaymentLine.objects.count() == 1


def test_a_permit_payment_needs_an_open_drawer_and_enough_tender(clerk, supervisor):
    with pytest.raises(PaymentError, match="Open your drawer"):
        take_payment_for(
            reference="PM-1000001",
            lines={"permit_fee": Decimal("50.00")},
            tenders=[cash("50.00")],
            clerk=supervisor,
            idempotency_key=uuid.uuid4(),
        )


def test_a_permit_payment_is_not_offered_a_void(clerk, supervisor, drawer_session):
    payment = take_payment_for(
        reference="PM-1000001",
        lines={"permit_fee": Decimal("50.00")},
        tenders=[cash("50.00")],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
    )
    refusal = payment_services.why_not_voidable(payment, supervisor, today=business_day.today())
    assert refusal and "refund on the permit" in refusal
    with pytest.raises(PaymentError, match="refund on the permit"):
        payment_services.void_payment(payment=payment, reason="Keyed twice", supervisor=supervisor)
    assert not payment_services.is_returnable(payment)


def test_the_receipt_names_the_permit_and_what_it_paid(clerk_client, day):
    line = PaymentLine.objects.select_related("payment").get(purpose="permit_deposit")
    html = clerk_client.get(f"/payments/receipts/{line.payment.receipt}/print/").text
    assert f"Permit deposits {line.reference}" in html
