"""A deposit end to end in Chromium: a clerk starts service for a new customer, takes the
deposit at the counter (one key from the account page), sees it held; the service is stopped
and the final bill applies the deposit; the credit it leaves is refunded, approved by another
supervisor."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Account, LedgerEntry
from accounts.queries import balance_of
from payments.deposits import queries
from tests.a11y import assert_accessible
from tests.billing.conftest import rates, route  # noqa: F401 - fixtures the final bill needs
from tests.factories import DEFAULT_PASSWORD, make_user
from utilityclerk import business_day
from workorders import services as work_orders
from workorders.models import Crew, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/deposits-{}.png"


def complete(order, clerk, crew, read):
    work_orders.schedule_work_order(order=order, crew=crew, on=business_day.today(), by=clerk)
    work_orders.dispatch_work_order(order=order, by=clerk)
    work_orders.complete_work_order(order=order, by=clerk, read=Decimal(read))


def test_start_take_the_deposit_stop_and_refund_what_the_final_bill_leaves(
    page,
    sign_in,
    browser,
    live_server,
    clerk,
    route,  # noqa: F811
):
    from payments.models import Drawer

    Drawer.objects.create(code="D1", name="Window 1")
    crew = Crew.objects.create(name="North crew")
    sign_in(clerk)

    # The clerk opens a drawer, then starts service for a new customer.
    page.get_by_role("link", name="Drawer", exact=True).click()
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("100")
    page.get_by_label("Opening float counted").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Drawer D1"))).to_be_visible()
    page.get_by_role("link", name="Start service").click()
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Villarreal")
    page.get_by_label("Phone", exact=True).fill("(210) 555-0142")
    page.get_by_label("House number").fill("310")
    page.locator("#id_premise-street").fill("Pecan Dr")
    page.locator("#id_premise-zip_code").fill("78108")
    page.get_by_label("Notes for the crew").press("Enter")
    expect(page.get_by_text("Deposit required: $100.00")).to_be_visible()
    account = Account.objects.get()
    expect(page.locator("#deposit-required")).to_have_text("Required: $100.00 (not yet collected)")
    page.screenshot(path=SHOTS.format("after-start"), full_page=True)

    # "e" takes the deposit: the dialog has it filled in and the cursor in Cash tendered.
    page.locator("main").click()
    page.keyboard.press("e")
    dialog = page.locator("#dialog")
    expect(dialog.get_by_label("Deposit")).to_have_value("100.00")
    expect(dialog.get_by_label("Cash tendered")).to_be_focused()
    assert_accessible(page, "payment dialog with a deposit", "#dialog")
    dialog.get_by_label("Cash tendered").fill("120")
    expect(dialog.locator("#change-due")).to_have_text("$20.00")
    page.screenshot(path=SHOTS.format("take-deposit"), full_page=True)
    dialog.get_by_label("Cash tendered").press("Enter")
    expect(dialog.get_by_role("heading", name="Payment posted")).to_be_visible()
    expect(dialog.locator("#done-deposit")).to_have_text("$100.00")
    expect(dialog.locator("#change-given")).to_have_text("$20.00")
    dialog.get_by_role("link", name="Done").click()

    # Held: the header, and the Deposit tab's ledger.
    expect(page.locator("#account-deposit-held")).to_have_text("$100.00")
    expect(page.locator("#account-balance")).to_have_text("$0.00")
    expect(page.locator("#deposit-required")).to_have_text("Required: $100.00 (met)")
    page.get_by_role("tab", name="Deposit").click()
    expect(page.locator("#deposit-ledger")).to_contain_text("Collected")
    assert_accessible(page, "deposit tab")
    page.screenshot(path=SHOTS.format("held"), full_page=True)

    # The crew turns the water on; later the customer moves out.
    complete(WorkOrder.objects.get(account=account, type_id="turn_on"), clerk, crew, "1000")
    page.goto(f"/accounts/{account.number}/")
    page.locator("main").click()
    page.keyboard.press("o")
    stop = page.get_by_role("dialog")
    stop.get_by_label("Stop date").fill(business_day.today().isoformat())
    stop.get_by_label("Why is the service stopping?").select_option(label="Moving out of the city")
    stop.get_by_label("Forwarding street (for the final bill)").fill("88 Live Oak Dr")
    stop.get_by_label("Forwarding city").fill("Schertz")
    stop.get_by_label("Forwarding state").fill("TX")
    stop.get_by_label("Forwarding ZIP").fill("78154")
    stop.get_by_role("button", name="Raise the final read").click()
    expect(page.get_by_text(re.compile(r"Final read WO-\d+ raised"))).to_be_visible()
    complete(WorkOrder.objects.get(account=account, type_id="final_read"), clerk, crew, "3500")

    # The final bill, with the deposit applied: what is left is a credit.
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("h1 .badge")).to_have_text("Final")
    applied = LedgerEntry.objects.get(account=account, kind="deposit_applied")
    assert applied.amount == Decimal("-100.00")
    credit = -balance_of(account.pk)
    assert Decimal("0") < credit < Decimal("100")
    assert queries.figures(account.pk).held == Decimal("0.00")
    expect(page.locator("#account-deposit-held")).to_have_text("$0.00")
    expect(page.locator("#deposit-returned")).to_contain_text("applied to the final bill")
    expect(page.locator("#account-balance")).to_have_text(f"-${credit}")
    ledger = page.locator("#tab-panel")
    expect(ledger).to_contain_text("Deposit applied")
    expect(ledger).to_contain_text("Deposit applied to final bill")
    page.screenshot(path=SHOTS.format("final-bill"), full_page=True)

    # The clerk requests the refund of the credit; another supervisor approves it.
    page.get_by_role("link", name="Request refund").click()
    refund = page.locator("#dialog")
    expect(refund.get_by_label("Amount to refund")).to_have_value(f"{credit}")
    refund.get_by_label("Where the credit came from").select_option(label="A deposit left over")
    refund.get_by_label("Why it is refunded").fill("Deposit left over after the final bill")
    refund.get_by_role("button", name="Request refund").click()
    expect(page.locator("#refund-status")).to_have_text("Waiting for approval")

    boss = make_user("supervisor2", role="Supervisor", first_name="Marcus", last_name="Hale")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        other = context.new_page()
        other.goto("/login/")
        other.get_by_label("Username").fill(boss.username)
        other.get_by_label("Password").fill(DEFAULT_PASSWORD)
        other.get_by_role("button", name="Sign in").click()
        other.get_by_role("link", name="Refunds", exact=True).click()
        row = other.locator("tbody tr").filter(has_text=account.display_number)
        other.once("dialog", lambda d: d.accept())
        row.get_by_role("button", name="Approve").click()
        expect(other.locator("#messages")).to_contain_text("approved: check request CR-")
    finally:
        context.close()
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("#account-balance")).to_have_text("$0.00")
    assert account.refunds.get().source == "deposit"
