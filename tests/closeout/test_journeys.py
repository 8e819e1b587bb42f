import io
import re
import uuid
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from payments import services as payment_services
from payments.models import Drawer, Payment
from payments.tenders import TenderInput
from tests.factories import make_account, make_customer, make_user, post_bill
from utilityclerk import business_day
from utilityclerk.core.models import BusinessDay

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def take_payment(page, fields):
    page.keyboard.press("p")
    dialog = page.locator("#dialog")
    expect(page.get_by_label("Cash tendered")).to_be_focused()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Payment amount").press("Enter")
    expect(dialog.get_by_role("heading", name="Payment posted")).to_be_visible()
    # Done reloads the account page; its keyboard shortcuts work once the new page has loaded.
    with page.expect_navigation(wait_until="load"):
        dialog.get_by_role("link", name="Done").click()
    expect(page.locator("#dialog")).not_to_be_visible()


def test_clerk_closes_short_and_supervisors_balance_and_close_the_day(
    page, sign_in, clerk, supervisor
):
    second_supervisor = make_user("supervisor2", role="Supervisor")
    Drawer.objects.create(code="D1", name="Window 1")
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    post_bill(account, "200.00", bill_date=business_day.today())
    today = business_day.today()

    # Morning: the clerk opens a drawer with a $100 float and takes three payments.
    sign_in(clerk)
    page.get_by_role("link", name="Drawer", exact=True).click()
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("100")
    page.get_by_label("Opening float counted").press("Enter")
    page.goto(f"/accounts/{account.number}/")
    take_payment(page, {"Payment amount": "40.00", "Cash tendered": "50"})
    take_payment(page, {"Payment amount": "25.00", "Check amount": "25", "Check number": "1001"})
    take_payment(
        page,
        {
            "Payment amount": "30.00",
            "Card amount": "30",
            "Card last 4": "4242",
            "Authorization code": "OK7",
        },
    )

    # Evening: a blind count, $5 short in cash.
    page.get_by_role("link", name="Close drawer").click()
    expect(page.get_by_role("heading", name="Close and count drawer D1")).to_be_visible()
    page.wait_for_load_state("load")  # the live total's script has run
    expect(page.locator("main")).not_to_contain_text("140.00")
    page.get_by_label("$20 bills").fill("6")
    page.get_by_label("$10 bills").fill("1")
    page.get_by_label("$5 bills").fill("1")
    expect(page.locator("#cash-counted")).to_have_text("$135.00")
    page.get_by_label("Checks: how many").fill("1")
    page.get_by_label("Checks: total").fill("25.00")
    page.get_by_label("Money orders: how many").fill("0")
    page.get_by_label("Money orders: total").fill("0")
    page.get_by_label("Card slips: how many").fill("1")
    page.get_by_label("Card slips: total").fill("30")
    page.get_by_role("button", name="Submit count").click()
    expect(page.locator("#total-over-short")).to_have_text("-$5.00")
    page.get_by_label("Why is the drawer over or short?").fill(
        "Gave $5 too much change on a $50 bill"
    )
    page.get_by_role("button", name="Record reason").click()
    expect(page.locator("#messages")).to_contain_text("Reason recorded")
    page.get_by_role("button", name="Sign out").click()

    # The supervisor verifies the drawer and prepares the deposit.
    sign_in(supervisor)
    page.get_by_role("link", name="Day board").click()
    page.get_by_role("link", name="Verify", exact=True).click()
    expect(page.locator("main")).to_contain_text("Gave $5 too much change")
    page.get_by_role("button", name="Verify drawer").click()
    expect(page.locator("#messages")).to_contain_text("Drawer D1 verified")
    expect(page.locator("#deposit-due-cash")).to_have_text("$35.00")
    page.get_by_label("Bag number").fill("BAG-1127")
    page.get_by_label("Cash in the bag").fill("35")
    page.get_by_label("Checks and money orders in the bag").fill("25.00")
    page.get_by_role("button", name="Prepare deposit").click()
    expect(page.locator("#messages")).to_contain_text("Deposit prepared")
    page.get_by_role("button", name="Sign out").click()

    # A second supervisor verifies the bag (dual control) and closes the day.
    sign_in(second_supervisor)
    page.get_by_role("link", name="Day board").click()
    # A second count, not a signature: blind (nothing on the board says what to find), and a
    # bag counted short is not verified.
    expect(page.locator("#deposit-due-cash")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("cash $35.00")
    page.get_by_label("Cash you counted in the bag").fill("30")
    page.get_by_label("Checks and money orders you counted").fill("25.00")
    page.get_by_role("button", name=re.compile("Verify deposit")).click()
    expect(page.locator("#id_cash_total_error")).to_contain_text("does not match bag BAG-1127")
    page.get_by_label("Cash you counted in the bag").fill("35")
    page.get_by_label("Checks and money orders you counted").fill("25.00")
    page.get_by_role("button", name=re.compile("Verify deposit")).click()
    expect(page.locator("#messages")).to_contain_text("verified")
    expect(page.locator("#close-checklist")).not_to_contain_text("To do")
    page.get_by_label("I have checked the list").check()
    page.get_by_role("button", name="Close business day").click()
    expect(page.locator("#messages")).to_contain_text("Business day closed")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    report = page.request.get(
        page.get_by_role("link", name=re.compile("Daily cash and vault report")).get_attribute(
            "href"
        )
    )
    assert report.ok and report.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.body())).pages)
    # The figures the supervisor signs for: what was taken, the drawer $5 short, the bag.
    flat = " ".join(text.split())
    for figure in [
        "Receipts 3",
        "Taken (all tenders) $95.00",
        "Over / short -$5.00",
        "Bank deposit $60.00",
        "Cash $40.00 $135.00",
        "Checks $25.00 $25.00",
        "Cards $30.00 $30.00",
        "D1 clerk Verified $100.00 $0.00 $195.00 $190.00 -$5.00 supervisor",
        "Cash due to the bank (counted cash less floats, plus drops) $35.00",
        "Deposit bag BAG-1127: prepared by supervisor, verified by supervisor2 $60.00",
    ]:
        assert figure in flat, figure
    assert BusinessDay.objects.get(date=today).is_closed

    # A later payment cannot be dated to the closed day: it goes to the next business day.
    later = payment_services.take_payment(
        account=account,
        amount=Decimal("5.00"),
        tenders=[
            TenderInput(kind="card", amount=Decimal("5.00"), card_last4="1111", card_auth_code="Z9")
        ],
        clerk=clerk,
        idempotency_key=uuid.uuid4(),
        channel="phone",
    )
    assert later.business_date > today
    assert Payment.objects.filter(business_date=today).count() == 3
