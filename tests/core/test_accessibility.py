"""axe over the main screens, so the accessibility fixes stay fixed: search results (the
listbox, the Pay link, the search landmarks), the account page, the take-payment dialog, the
receipt, the drawer and its count, the day board and the field tablet."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from payments.models import Drawer
from tests.a11y import assert_accessible
from tests.factories import make_account, make_customer, make_user, post_bill
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_main_counter_screens_pass_axe(page, sign_in, clerk):
    Drawer.objects.create(code="D1", name="Window 1")
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    make_account(customer=make_customer(first_name="Ann", last_name="Reyes"))
    post_bill(account, "120.00", bill_date=business_day.today() - timedelta(days=40))
    sign_in(clerk)
    assert_accessible(page, "home")

    page.get_by_role("link", name="Drawer", exact=True).click()
    assert_accessible(page, "drawer, closed")
    page.get_by_role("combobox", name=re.compile(r"^Drawer")).select_option(label="D1 Window 1")
    page.get_by_label("Opening float counted").fill("100")
    page.get_by_label("Opening float counted").press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Drawer D1"))).to_be_visible()
    assert_accessible(page, "drawer, open")

    # The live list under the top bar's box.
    page.keyboard.press("/")
    page.keyboard.type("reyes")
    expect(page.locator("#search-results a.result").first).to_be_visible()
    assert_accessible(page, "search results list")
    page.goto("/search/?q=reyes")
    assert_accessible(page, "search page")

    page.goto(f"/accounts/{account.number}/")
    assert_accessible(page, "account page")
    page.keyboard.press("p")
    expect(page.get_by_label("Cash tendered")).to_be_focused()
    assert_accessible(page, "take-payment dialog")
    page.keyboard.type("150")
    page.keyboard.press("Enter")
    expect(page.locator("#dialog").get_by_role("heading", name="Payment posted")).to_be_visible()
    assert_accessible(page, "payment posted")
    receipt = page.locator("#dialog .take-done .figure").inner_text().split()[-1]
    page.goto(f"/payments/receipts/{receipt}/print/")
    assert_accessible(page, "receipt")
    page.goto(f"/payments/receipts/{receipt}/")
    assert_accessible(page, "payment page")

    page.get_by_role("link", name="Close drawer").click()
    assert_accessible(page, "blind count")


def test_supervisor_and_field_screens_pass_axe(page, sign_in, supervisor):
    sign_in(supervisor)
    assert_accessible(page, "supervisor home")
    page.goto("/closeout/day/")
    assert_accessible(page, "day board")
    page.goto("/accounts/adjustments/")
    assert_accessible(page, "adjustment queue")


def test_the_field_tablet_passes_axe(page, sign_in, clerk):
    from tests.workorders.helpers import start
    from workorders import services
    from workorders.models import Crew, CrewMember

    crew = Crew.objects.create(name="North crew")
    field = make_user("field", role="Field")
    CrewMember.objects.create(crew=crew, user=field)
    order = start(clerk).order
    services.schedule_work_order(order=order, crew=crew, by=clerk)
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(field)
    assert_accessible(page, "field list")
    page.goto(f"/workorders/field/{order.number}/")
    page.screenshot(path="/tmp/field-order.png", full_page=True)
    assert_accessible(page, "field order")
