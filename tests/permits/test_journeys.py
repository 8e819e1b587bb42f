"""A contractor's hydrant meter, end to end in Chromium: intake at the counter, the fee and
deposit through the drawer, review, issue, the meter out and back, the refund due."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from payments.models import Drawer, PaymentLine
from permits.models import Contractor, HydrantCheckout, HydrantMeter, Permit, RefundDue
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = "/tmp/permits-{}.png"


def test_a_contractors_hydrant_meter_from_intake_and_payment_to_return_and_refund(
    page, sign_in, clerk
):
    Drawer.objects.create(code="D1", name="Window 1")
    today = business_day.today()
    Contractor.objects.create(
        company="Bexar Underground Utilities LLC",
        license_number="TX-UC-40417",
        license_expires=today + timedelta(days=200),
    )
    HydrantMeter.objects.create(meter_number="HM-101")

    sign_in(clerk)
    page.get_by_role("link", name="Drawer", exact=True).click()
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("100")
    page.get_by_label("Opening float counted").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Drawer D1"))).to_be_visible()

    # Intake: the type brings its questions and its fees.
    page.get_by_role("link", name="Permits", exact=True).click()
    page.get_by_role("link", name="New permit").click()
    page.get_by_label("Permit type").select_option("hydrant_meter")
    expect(page.get_by_label("Hydrant location")).to_be_visible()
    page.get_by_label("Days").fill("10")
    page.get_by_label("Days").press("Tab")
    expect(page.locator("#quote-deposit")).to_have_text("$1,500.00")
    expect(page.locator("#quote-fees")).to_have_text("$50.00")
    page.get_by_label("Hydrant location").fill("Borgfeld Rd at Main St")
    page.get_by_label("Use of water").fill("Dust control")
    page.locator("#id_contractor").select_option(
        label="Bexar Underground Utilities LLC (lic. TX-UC-40417)"
    )
    page.get_by_label("House number").fill("5120")
    page.get_by_label("Street").fill("Borgfeld Rd")
    page.get_by_label("ZIP").fill("78108")
    page.screenshot(path=SHOTS.format("intake"), full_page=True)
    page.get_by_label("ZIP").press("Enter")
    expect(page.locator("#permit-status")).to_have_text("Submitted")
    permit = Permit.objects.get()
    expect(page).to_have_url(re.compile(rf"/permits/{permit.number}/$"))
    expect(page.locator("#owed-total")).to_have_text("$1,550.00")

    # The fee and the deposit through the drawer: cash with change.
    page.get_by_label("Cash tendered").fill("1600")
    page.get_by_label("Cash tendered").press("Enter")
    expect(page.locator(".message-success")).to_contain_text("Change $50.00")
    expect(page.locator("#owed-total")).to_have_text("$0.00")
    lines = dict(PaymentLine.objects.values_list("purpose", "amount"))
    assert {k: str(v) for k, v in lines.items()} == {
        "permit_fee": "50.00",
        "permit_deposit": "1500.00",
    }

    # The counter check, then issue with conditions.
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#permit-status")).to_have_text("Approved")
    page.get_by_label("Conditions").fill("Use the backflow assembly on the hydrant at all times.")
    page.get_by_role("button", name="Issue permit").click()
    expect(page.locator("#permit-status")).to_have_text("Issued")
    expect(page.get_by_role("link", name="Permit PDF")).to_be_visible()

    # The meter goes out.
    page.locator("#id_meter").select_option(label="HM-101")
    page.get_by_label("Read out (gallons)").fill("1000")
    page.get_by_role("button", name="Check the meter out").click()
    expect(page.locator(".message-success")).to_contain_text("Meter HM-101 out")

    # Four days later it comes back having used 20,000 gallons.
    HydrantCheckout.objects.update(out_on=today - timedelta(days=4))
    page.reload()
    page.get_by_label("Read back (gallons)").fill("21000")
    page.get_by_role("button", name="Take the meter back").click()
    # 5 days: $25 + 4 x $5 = $45; water 20 x $5.95 = $119; deposit back 1,500 - 164.
    expect(page.locator("#settle-rental")).to_have_text("$45.00")
    expect(page.locator("#settle-water")).to_have_text("$119.00")
    expect(page.locator("#settle-deposit-back")).to_have_text("$1,336.00")
    expect(page.locator("#permit-status")).to_have_text("Closed")
    expect(page.locator("#refunds-due")).to_contain_text("$1,336.00")
    page.screenshot(path=SHOTS.format("returned"), full_page=True)
    assert list(RefundDue.objects.values_list("kind", "amount")) == [("deposit", 1336)]
