import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import Account
from tests.factories import make_user
from workorders.models import Crew, CrewMember, MeterRead, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/workorders-{}.png"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/login/"))


def test_start_complete_and_transfer(page, sign_in, clerk):
    crew = Crew.objects.create(name="North crew")
    tech = make_user("tech", role="Field", first_name="Frank")
    CrewMember.objects.create(crew=crew, user=tech)

    # A clerk starts service for a new customer at a new address.
    sign_in(clerk)
    page.get_by_role("link", name="Start service").click()
    page.get_by_label("First name").fill("Ana")
    page.get_by_label("Last name").fill("Reyes")
    page.get_by_label("Phone", exact=True).fill("(210) 555-0199")
    # Bills go to the service address, left ticked: no mailing address to type.
    expect(page.get_by_label("Mail bills to the service address")).to_be_checked()
    page.get_by_label("House number").fill("77")
    page.locator("#id_premise-street").fill("Pecan Dr")
    page.locator("#id_premise-zip_code").fill("78108")
    page.screenshot(path=SHOTS.format("start"), full_page=True)
    page.get_by_label("Notes for the crew").press("Enter")
    expect(page.get_by_text("Deposit required: $100.00")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Pending")
    account = Account.objects.get()
    assert account.customer.mailing_address_lines == ["77 PECAN DR", "CIBOLO, TX 78108"]
    turn_on = WorkOrder.objects.get(account=account)

    # The board: tick the turn-on and dispatch it to the crew.
    page.get_by_role("link", name="Work orders", exact=True).click()
    page.get_by_label(f"Tick {turn_on.number}").check()
    page.locator("#bulk-form").get_by_label("Crew").select_option(label="North crew")
    page.screenshot(path=SHOTS.format("board"), full_page=True)
    page.get_by_role("button", name="Dispatch").click()
    expect(page.get_by_text("1 order dispatched.")).to_be_visible()
    sign_out(page)

    # The crew member completes it from the tablet with a read.
    page.set_viewport_size({"width": 800, "height": 1100})
    sign_in(tech)
    page.get_by_role("link", name="My crew's orders").click()
    page.screenshot(path=SHOTS.format("field"), full_page=True)
    page.get_by_role("link", name=re.compile("77 PECAN DR")).click()
    page.get_by_label("Meter read").fill("1042")
    page.screenshot(path=SHOTS.format("field-complete"), full_page=True)
    page.get_by_label("Meter read").press("Enter")
    expect(page.get_by_text(f"{turn_on.number} completed.")).to_be_visible()
    expect(page.get_by_text("Nothing to do.")).to_be_visible()
    # The read the crew typed is on record, against the order, by them.
    read = MeterRead.objects.get(work_order=turn_on)
    assert (read.value, read.taken_by, read.rollover) == (Decimal("1042"), tech, False)
    # And nothing else is open to them.
    assert page.goto(f"/accounts/{account.number}/").status == 403
    sign_out(page)

    # The account is active; the clerk transfers the customer to another address.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(clerk)
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("h1 .badge")).to_have_text("Active")
    page.get_by_role("link", name=re.compile("Transfer service")).click()
    page.get_by_label("House number").fill("9")
    page.locator("#id_premise-street").fill("Elm St")
    page.locator("#id_premise-zip_code").fill("78108")
    page.screenshot(path=SHOTS.format("transfer"), full_page=True)
    page.get_by_role("button", name="Transfer service").click()
    expect(page.get_by_text("Transfer raised")).to_be_visible()
    new = Account.objects.exclude(pk=account.pk).get()
    stop = WorkOrder.objects.get(account=account, type_id="final_read")
    start = WorkOrder.objects.get(account=new, type_id="turn_on")
    page.get_by_role("link", name="Work orders", exact=True).click()
    board = page.locator("table.wo-board")
    expect(board.get_by_role("link", name=stop.number)).to_be_visible()
    expect(board.get_by_role("link", name=start.number)).to_be_visible()
    page.screenshot(path=SHOTS.format("board-after"), full_page=True)
    board.get_by_role("link", name=stop.number).click()
    page.screenshot(path=SHOTS.format("detail"), full_page=True)
    # The final read's page shows the crew's read as the last one on the meter.
    read_on = f"{read.read_on:%m/%d/%Y}"
    expect(page.locator("dd", has_text="last read")).to_have_text(
        re.compile(rf"Water · last read 1042 on {re.escape(read_on)}")
    )
    page.goto(f"/accounts/{account.number}/workorders/")
    page.screenshot(path=SHOTS.format("account-tab"), full_page=True)
    # The old account's tab: the turn-on completed on the day of the read, the final read
    # waiting for the crew.
    rows = page.locator("#tab-panel tbody tr, main tbody tr")
    turn_on_row = rows.filter(has=page.get_by_role("link", name=turn_on.number))
    expect(turn_on_row.locator("td").nth(2)).to_have_text("Completed")
    expect(turn_on_row.locator("td").nth(5)).to_have_text(read_on)
    stop_row = rows.filter(has=page.get_by_role("link", name=stop.number))
    expect(stop_row.locator("td").nth(5)).to_have_text("—")


def test_stop_service_dialog_from_the_account_page(page, sign_in, clerk):
    from tests.workorders.helpers import active_account

    account = active_account(clerk, Crew.objects.create(name="North crew"))
    sign_in(clerk)
    page.goto(f"/accounts/{account.number}/")
    page.locator("main").click()
    page.keyboard.press("o")
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Stop date")).to_be_focused()
    dialog.get_by_label("Why is the service stopping?").select_option(label="Property sold")
    dialog.get_by_label("Forwarding street (for the final bill)").fill("88 Live Oak Dr")
    dialog.get_by_label("Forwarding city").fill("Schertz")
    dialog.get_by_label("Forwarding state").fill("TX")
    dialog.get_by_label("Forwarding ZIP").fill("78154")
    page.screenshot(path=SHOTS.format("stop-dialog"), full_page=True)
    dialog.get_by_role("button", name="Raise the final read").click()
    expect(page.get_by_text(re.compile(r"Final read WO-\d+ raised"))).to_be_visible()
    assert WorkOrder.objects.filter(account=account, type_id="final_read").exists()
