"""Search to printed receipt with no wasted key: `/`, the number, Enter, `p`, the cash, Enter
(posts), Enter (prints in place), Esc (back to search). The journey counts the keys and fails
if the count grows."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from payments.models import Drawer, Payment
from payments.services import open_drawer_session
from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Keys pressed besides the number and the cash typed.
ACTIONS = ["/", "Enter", "p", "Enter", "Enter", "Escape"]


def test_search_to_printed_receipt_in_four_actions(page, sign_in, clerk):
    drawer = Drawer.objects.create(code="D1", name="Window 1")
    open_drawer_session(drawer=drawer, opening_float=Decimal("100"), clerk=clerk)
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    post_bill(account, "94.24", bill_date=business_day.today())
    sign_in(clerk)
    page.wait_for_load_state("load")
    pressed = []

    def press(key):
        pressed.append(key)
        page.keyboard.press(key)

    press("/")
    page.keyboard.type(account.display_number)
    press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{account.number}/$"))
    page.wait_for_load_state("load")
    press("p")
    # The amount due is prefilled; focus is on Cash tendered.
    expect(page.get_by_label("Payment amount")).to_have_value("94.24")
    expect(page.get_by_label("Cash tendered")).to_be_focused()
    page.keyboard.type("100")
    expect(page.locator("#change-due")).to_have_text("$5.76")
    press("Enter")
    dialog = page.locator("#dialog")
    expect(dialog.get_by_role("heading", name="Payment posted")).to_be_visible()
    expect(page.locator("#print-receipt")).to_be_focused()
    press("Enter")
    payment = Payment.objects.get()
    expect(dialog.locator("#dialog-receipt #receipt-number")).to_have_text(payment.receipt)
    press("Escape")
    # Back to search, on the page behind the dialog reloaded with the payment counted.
    expect(page.locator("#global-search-input")).to_be_focused()
    expect(page.locator("#account-balance")).to_have_text("$0.00")

    assert pressed == ACTIONS, pressed
    assert len(page.context.pages) == 1  # printed in place: no tab left to close
    payment.refresh_from_db()
    assert payment.amount == payment.balance_before == Decimal("94.24")
    assert payment.change_given == Decimal("5.76")
    assert payment.print_count == 1
