"""At 1024x768 (the counter's small screens) the take-payment dialog fits: Post is on screen
without scrolling."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_take_payment_dialog_fits_1024_by_768(page, sign_in, clerk):
    account = make_account(customer=make_customer(first_name="Ana", last_name="Reyes"))
    post_bill(account, "94.24", bill_date=business_day.today() - timedelta(days=40))
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in(clerk)
    page.goto(f"/accounts/{account.number}/")
    page.wait_for_load_state("load")
    page.keyboard.press("p")
    post = page.locator("#take-submit")
    expect(post).to_be_visible()
    page.screenshot(path="/tmp/take-dialog-1024.png")
    box = post.bounding_box()
    assert box["y"] + box["height"] <= 768, box
    scroll = page.evaluate(
        "() => { const d = document.getElementById('dialog'); return [d.scrollHeight, d.clientHeight]; }"
    )
    assert scroll[0] <= scroll[1], scroll  # nothing hidden below the dialog's fold
