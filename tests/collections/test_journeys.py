"""A delinquent account through the whole of collections in the browser: the notice run,
the door hanger, the shut-off run and the disconnect in the field, then the payment at the
counter that raises the reconnect, and the receipt that says when service comes back."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from collections_app.models import DoorHanger, Notice, Reconnection
from payments.models import Drawer
from tests.collections.conftest import delinquent
from tests.factories import make_user
from tests.runs_helpers import run_worker
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from workorders.models import Crew, CrewMember, WorkOrder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/collections-{}.png"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/login/"))


def start_and_approve(page, *, shot):
    """On a run's page: the worker proves it, the supervisor approves, the worker posts."""
    expect(page).to_have_url(re.compile(r"/runs/\d+/"))
    run_worker()
    page.reload()
    expect(page.get_by_role("button", name=re.compile("Approve"))).to_be_visible()
    page.screenshot(path=SHOTS.format(shot), full_page=True)
    page.get_by_role("button", name=re.compile("Approve")).click()
    run_worker()
    page.reload()
    expect(page.get_by_text(re.compile("Posted", re.I)).first).to_be_visible()


def test_past_due_to_notice_door_hanger_disconnect_payment_and_reconnect(
    page, sign_in, clerk, supervisor
):
    # Disconnect the day after the notice, so the whole story fits in one test day.
    Policy.objects.update_or_create(pk=1, defaults={"disconnect_after_notice_days": 1})
    crew = Crew.objects.create(name="North crew")
    tech = make_user("tech", role="Field", first_name="Frank")
    CrewMember.objects.create(crew=crew, user=tech)
    Drawer.objects.create(code="D1", name="Window 1")
    account, _ = delinquent("300.00", days_past_due=12, first_name="Ava", last_name="Garcia")
    today = business_day.today()

    # The supervisor starts the notice run from the worklist, reads its proof, approves it.
    sign_in(supervisor)
    page.get_by_role("link", name="Collections", exact=True).click()
    page.get_by_label("Run").select_option(label="Past-due notices")
    page.get_by_role("button", name="Start: show the proof").click()
    start_and_approve(page, shot="notice-run")
    notice = Notice.objects.get(account=account)
    expect(page.get_by_role("link", name="Print the notices (one PDF)")).to_be_visible()

    # The worklist now lists Ava with her amount; the account header says what comes next.
    page.get_by_role("link", name="Collections", exact=True).click()
    expect(page.locator("#worklist")).to_contain_text("Ava Garcia")
    expect(page.locator("#worklist")).to_contain_text("$300.00")
    page.screenshot(path=SHOTS.format("worklist"), full_page=True)
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("#collection-status")).to_contain_text(
        f"Disconnect on {notice.disconnect_on:%m/%d/%Y}"
    )
    page.screenshot(path=SHOTS.format("header-noticed"), full_page=True)

    # Door hangers for today, to the crew.
    page.goto(f"/collections/door-hangers/?day={today.isoformat()}")
    expect(page.locator("#hanger-summary")).to_contain_text("1 to hang")
    page.locator("#hangers-form").get_by_label("Crew").select_option(label="North crew")
    page.screenshot(path=SHOTS.format("door-hangers"), full_page=True)
    page.get_by_role("button", name=re.compile("Start the door-hanger run")).click()
    start_and_approve(page, shot="door-hanger-run")
    hanger = DoorHanger.objects.get(account=account)
    sign_out(page)

    # The crew leaves the hanger and marks it delivered: the fee posts.
    page.set_viewport_size({"width": 800, "height": 1100})
    sign_in(tech)
    page.goto(f"/workorders/field/{hanger.work_order.number}/")
    page.get_by_role("button", name=f"Complete {hanger.work_order.number}").click()
    expect(page.get_by_text(f"{hanger.work_order.number} completed.")).to_be_visible()
    sign_out(page)

    # The shut-off list for the disconnect date: approved to the crew.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(supervisor)
    page.goto(f"/collections/shutoff/?day={notice.disconnect_on.isoformat()}")
    expect(page.locator("#shutoff-summary")).to_contain_text("1 to disconnect")
    page.locator("#approve-form").get_by_label("Crew").select_option(label="North crew")
    page.screenshot(path=SHOTS.format("shutoff"), full_page=True)
    page.get_by_role("button", name=re.compile("Start the shut-off run")).click()
    start_and_approve(page, shot="shutoff-run")
    order = WorkOrder.objects.get(account=account, type_id="disconnect")
    sign_out(page)

    # The crew: collect or disconnect, with what is due now (the bill and the hanger fee).
    page.set_viewport_size({"width": 800, "height": 1100})
    sign_in(tech)
    page.goto(f"/workorders/field/{order.number}/")
    page.get_by_role("link", name="Collect or disconnect: amount due now").click()
    expect(page.locator("#due-now")).to_have_text("$330.00 due now")
    page.screenshot(path=SHOTS.format("field-collect"), full_page=True)
    page.go_back()
    page.get_by_label("Meter read").fill("2040")
    page.get_by_label("Meter read").press("Enter")
    expect(page.get_by_text(f"{order.number} completed.")).to_be_visible()
    sign_out(page)

    # At the counter: the header says disconnected; paying what is due now reconnects.
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(clerk)
    page.get_by_role("link", name="Drawer", exact=True).click()
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("150")
    page.get_by_label("Opening float counted").press("Enter")
    page.goto(f"/accounts/{account.number}/")
    expect(page.locator("#collection-disconnected")).to_have_text("Disconnected")
    page.screenshot(path=SHOTS.format("header-disconnected"), full_page=True)
    page.wait_for_load_state("load")
    page.keyboard.press("p")
    dialog = page.locator("#dialog")
    # The amount owed is offered; the clerk starts in Cash tendered.
    expect(page.get_by_label("Cash tendered")).to_be_focused()
    page.get_by_label("Payment amount").fill("380.00")  # past due, hanger and reconnect fees
    page.get_by_label("Cash tendered").fill("400")
    page.get_by_label("Payment amount").press("Enter")
    expect(dialog.get_by_role("heading", name="Payment posted")).to_be_visible()
    reconnection = Reconnection.objects.get(account=account)
    assert reconnection.work_order.type_id == "reconnect"
    # The receipt prints in the dialog and says when service comes back.
    dialog.get_by_role("button", name=re.compile("Print receipt")).click()
    receipt = dialog.locator("#dialog-receipt")
    expect(receipt.locator(".receipt-note")).to_contain_text("Service will be reconnected")
    expect(receipt.locator(".receipt-note")).to_contain_text(reconnection.work_order.number)
    page.emulate_media(media="print")
    page.screenshot(path=SHOTS.format("receipt"), full_page=True)
    page.emulate_media(media="screen")
    dialog.get_by_role("link", name="Done").click()
    expect(page.locator("#collection-status")).to_contain_text(
        f"Reconnect {reconnection.work_order.number}"
    )
    page.screenshot(path=SHOTS.format("header-reconnect"), full_page=True)
    assert account.ledger_entries.filter(reason_code="door_hanger").get().amount == Decimal("30.00")
