import re

import pytest
from playwright.sync_api import expect

from payments.models import Drawer, Payment
from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/payments-{}.png"


def take_payment(page, fields, *, shot=None):
    # Done reloads the account page; its keyboard shortcuts work once the page has loaded.
    page.wait_for_load_state("load")
    page.keyboard.press("p")
    dialog = page.locator("#dialog")
    expect(dialog.get_by_role("heading", name=re.compile("Take payment"))).to_be_visible()
    # The amount due is prefilled: the clerk starts in Cash tendered.
    expect(page.get_by_label("Cash tendered")).to_be_focused()
    for label, value in fields.items():
        page.get_by_label(label).fill(value)
    if "Cash tendered" in fields:
        expect(page.locator("#change-due")).not_to_be_empty()
    if shot:
        page.screenshot(path=SHOTS.format(shot))
    page.get_by_label("Payment amount").press("Enter")
    expect(dialog.get_by_role("heading", name="Payment posted")).to_be_visible()
    return dialog


def test_clerk_takes_cash_check_and_split_payments_and_supervisor_voids_one(
    page, sign_in, clerk, supervisor
):
    Drawer.objects.create(code="D1", name="Window 1")
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    post_bill(account, "120.00", bill_date=business_day.today())

    # Open the drawer with a counted float.
    sign_in(clerk)
    page.get_by_role("link", name="Drawer", exact=True).click()
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("150")
    page.get_by_label("Opening float counted").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Drawer D1"))).to_be_visible()

    # Find the account from the search box.
    page.locator("main").click()
    page.keyboard.press("/")
    page.keyboard.type("Reyes")
    expect(page.locator("#search-results a.result").first).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{account.number}/"))

    # Cash with change: the dialog shows the change as the clerk types.
    dialog = take_payment(page, {"Payment amount": "50.00", "Cash tendered": "60"}, shot="dialog")
    expect(page.locator("#change-due")).to_have_count(0)
    expect(dialog.locator("#change-given")).to_have_text("$10.00")
    page.screenshot(path=SHOTS.format("done"))
    first = Payment.objects.get()
    # Print prints in place: the receipt as this copy prints comes into the dialog.
    dialog.get_by_role("button", name=re.compile("Print receipt")).click()
    receipt = dialog.locator("#dialog-receipt")
    expect(receipt.locator("#receipt-number")).to_have_text(first.receipt)
    expect(receipt.locator("#receipt-change")).to_have_text("$10.00")
    expect(receipt.locator("#reprint-mark")).to_have_count(0)
    page.emulate_media(media="print")
    page.screenshot(path=SHOTS.format("receipt"), full_page=True)
    page.emulate_media(media="screen")
    first.refresh_from_db()
    assert first.print_count == 1
    dialog.get_by_role("link", name="Done").click()
    expect(page.locator("#account-balance")).to_have_text("$70.00")

    # Check.
    take_payment(page, {"Payment amount": "30.00", "Check amount": "30.00", "Check number": "1001"})
    page.locator("#dialog").get_by_role("link", name="Done").click()
    expect(page.locator("#account-balance")).to_have_text("$40.00")

    # Split tender: check, card and cash with change.
    dialog = take_payment(
        page,
        {
            "Payment amount": "40.00",
            "Check amount": "20",
            "Check number": "1002",
            "Card amount": "10",
            "Card last 4": "4242",
            "Authorization code": "a1b2",
            "Cash tendered": "20",
        },
        shot="split",
    )
    expect(dialog.locator("#change-given")).to_have_text("$10.00")
    dialog.get_by_role("link", name="Done").click()
    expect(page.locator("#account-balance")).to_have_text("$0.00")
    page.get_by_role("tab", name="Payments", exact=True).click()
    expect(page.locator("#tab-panel tbody tr")).to_have_count(3)
    page.screenshot(path=SHOTS.format("tab"), full_page=True)

    # The supervisor voids the check payment from the receipt lookup.
    page.get_by_role("button", name="Sign out").click()
    sign_in(supervisor)
    check_payment = Payment.objects.get(tenders__number="1001")
    page.get_by_role("link", name="Receipts", exact=True).click()
    page.get_by_label("Receipt number").fill(check_payment.receipt)
    page.get_by_label("Receipt number").press("Enter")
    expect(page.get_by_role("heading", name=re.compile(check_payment.receipt))).to_be_visible()
    # Shortcuts work once the page's script has run (the heading can show before it does).
    page.wait_for_load_state("load")
    page.keyboard.press("v")
    expect(page.get_by_label("Reason")).to_be_focused()
    page.get_by_label("Reason").fill("Customer paid the wrong account")
    page.screenshot(path=SHOTS.format("void"))
    page.get_by_label("Reason").press("Enter")
    expect(page.locator("h1 .badge")).to_have_text("Voided")
    check_payment.refresh_from_db()
    assert check_payment.status == "voided"
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("#account-balance")).to_have_text("$30.00")


def test_a_fast_clerk_keeps_the_field_they_moved_to(page, sign_in, clerk):
    """The dialog's first field takes focus once, as the dialog arrives: a clerk who has
    already moved on to the tender must not have the tender's digits land in the amount."""
    Drawer.objects.create(code="D1", name="Window 1")
    account = make_account()
    post_bill(account, "80.00", bill_date=business_day.today())
    sign_in(clerk)
    page.goto(f"/accounts/{account.number}/")
    amount, cash = page.get_by_label("Payment amount"), page.get_by_label("Cash tendered")

    # The amount due is prefilled and the clerk starts in Cash tendered; Shift+Tab goes back
    # to the amount, offered selected: what the clerk keys replaces it.
    page.keyboard.press("p")
    expect(cash).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(amount).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("75.5")
    expect(amount).to_have_value("75.5")
    page.keyboard.press("Escape")
    expect(page.locator("#dialog")).not_to_be_visible()

    # A slow settle makes the race certain: the clerk is in the tender the moment the dialog
    # arrives, while its settle is still 400 ms away.
    page.evaluate("htmx.config.defaultSettleDelay = 400")
    page.evaluate("""() => new Promise(arrived => {
        document.addEventListener("htmx:afterSwap", () => arrived(), {once: true});
        document.dispatchEvent(new KeyboardEvent("keydown", {key: "p", bubbles: true}));
    })""")
    cash.focus()
    page.keyboard.type("100")
    page.wait_for_timeout(600)  # past the settle
    page.keyboard.type(".00")
    expect(cash).to_be_focused()
    expect(cash).to_have_value("100.00")
    expect(amount).to_have_value("80.00")
    expect(page.locator("#change-due")).to_have_text("$20.00")
