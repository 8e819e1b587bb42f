"""A refund end to end in Chromium: an account with a credit, the clerk requests its refund
from the account page, the second supervisor approves it from the queue, and the register
shows it with its check-request number; the account's balance is square."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from payments.refunds.models import Refund
from tests.a11y import assert_accessible
from tests.factories import make_account, make_customer, make_user, post_bill, post_credit
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def overpaid():
    account = make_account(customer=make_customer(first_name="Grace", last_name="Okafor"))
    today = business_day.today()
    post_bill(account, "64.10", bill_date=today - timedelta(days=25))
    post_credit(account, "150.00", on=today - timedelta(days=2))
    return account


def test_clerk_requests_a_refund_and_supervisor2_approves_it(
    page, sign_in, browser, live_server, clerk, overpaid
):
    sign_in(clerk)
    page.goto(f"/accounts/{overpaid.number}/")
    expect(page.locator("#account-balance")).to_contain_text("-$85.90")
    page.get_by_role("link", name="Request refund").click()
    dialog = page.locator("#dialog")
    expect(dialog.locator("#refund-credit")).to_have_text("$85.90")
    expect(page.get_by_label("Amount to refund")).to_have_value("85.90")
    expect(page.get_by_label("Pay to")).to_have_value("Grace Okafor")
    assert_accessible(page, "refund request dialog", "#dialog")
    page.get_by_label("Why it is refunded").fill("Paid the bill twice")
    # Another payee without a reason is refused beside the field.
    page.get_by_label("Pay to").fill("Okafor Family Trust")
    page.get_by_role("button", name="Request refund").click()
    expect(page.locator("#id_payee_reason_error")).to_contain_text("say why")
    page.get_by_label("Pay to").fill("Grace Okafor")
    page.get_by_role("button", name="Request refund").click()
    expect(page).to_have_url(re.compile(r"/refunds/\d+/$"))
    expect(page.locator("#refund-status")).to_have_text("Waiting for approval")
    assert Refund.objects.count() == 1

    # The second supervisor, in a browser of their own.
    supervisor2 = make_user("supervisor2", role="Supervisor", first_name="Marcus", last_name="Hale")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    try:
        boss = context.new_page()
        boss.goto("/login/")
        boss.get_by_label("Username").fill(supervisor2.username)
        from tests.factories import DEFAULT_PASSWORD

        boss.get_by_label("Password").fill(DEFAULT_PASSWORD)
        boss.get_by_role("button", name="Sign in").click()
        boss.get_by_role("link", name="Refunds", exact=True).click()
        row = boss.locator("tbody tr").filter(has_text=overpaid.display_number)
        expect(row).to_contain_text("$85.90")
        assert_accessible(boss, "refund queue")
        boss.once("dialog", lambda d: d.accept())
        row.get_by_role("button", name="Approve").click()
        expect(boss.locator("#messages")).to_contain_text("approved: check request CR-")
        refund = Refund.objects.get()
        assert refund.status == "approved"
        expect(boss.locator("tbody tr").filter(has_text=overpaid.display_number)).to_have_count(0)

        boss.goto("/reports/run/refunds.register/?period=today")
        table = boss.locator("table").filter(has_text="Check request")
        expect(table).to_contain_text(refund.check_request_number)
        expect(table).to_contain_text("Grace Okafor")
        expect(table).to_contain_text("$85.90")
    finally:
        context.close()

    page.goto(f"/accounts/{overpaid.number}/")
    expect(page.locator("#account-balance")).to_have_text("$0.00")
    expect(page.get_by_role("link", name="Request refund")).to_have_count(0)
