import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.factories import make_account, make_customer, post_bill, post_credit
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def johnson():
    account = make_account(customer=make_customer(first_name="Robert", last_name="Johnson"))
    make_account(customer=make_customer(first_name="Alice", last_name="Smith"))
    today = business_day.today()
    post_bill(account, "120.00", bill_date=today - timedelta(days=70))  # due 50 days ago
    post_credit(account, "20.00", on=today - timedelta(days=30))
    post_bill(account, "80.00", bill_date=today - timedelta(days=5))  # not due yet
    return account


def test_clerk_finds_a_misspelled_name_and_reads_the_account(page, sign_in, clerk, johnson):
    sign_in(clerk)
    page.keyboard.press("/")
    page.keyboard.type("Jonson")
    result = page.locator("#search-results a.result").first
    expect(result).to_contain_text("Robert Johnson")
    expect(result).to_have_class(re.compile("active"))
    page.keyboard.press("ArrowDown")  # one result only: stays on it
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/accounts/{johnson.number}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Robert Johnson")
    expect(page.locator("#account-balance")).to_have_text("$180.00")
    expect(page.locator("#account-past-due")).to_have_text("$100.00")

    page.get_by_role("tab", name="Bills").click()
    expect(page.locator("#tab-panel")).to_contain_text("$80.00")
    expect(page.get_by_role("tab", name="Bills")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tab", name="Ledger")).to_have_attribute("aria-selected", "false")
    expect(page).to_have_url(re.compile(r"/bills/$"))
    page.get_by_role("tab", name="Ledger").click()
    ledger = page.locator("#tab-panel table")
    expect(ledger).to_contain_text("Payment")
    expect(ledger.locator("tbody tr").first).to_contain_text("$180.00")


def test_wrong_check_digit_is_explained_in_the_dropdown(page, sign_in, clerk, johnson):
    sign_in(clerk)
    wrong = johnson.number[:7] + str((int(johnson.number[7]) + 1) % 10)
    page.keyboard.press("/")
    page.keyboard.type(wrong)
    expect(page.locator("#search-results")).to_contain_text("wrong check digit")
    # The account it likely meant is shown, but not picked: Enter opens nothing, and the
    # row has no Pay link. Walking to it with the arrow keys is the clerk's own choice.
    guess = page.locator("#search-results a.result").first
    expect(guess).to_contain_text("Did you mean?")
    expect(guess).not_to_have_class(re.compile("active"))
    expect(page.locator("#search-results .pay-link")).to_have_count(0)
    page.keyboard.press("ArrowDown")
    expect(guess).to_have_class(re.compile("active"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{johnson.number}/$"))


def test_arrow_keys_move_between_the_account_tabs(page, sign_in, clerk, johnson, live_server):
    sign_in(clerk)
    page.goto(f"{live_server.url}/accounts/{johnson.number}/")
    page.get_by_role("tab", name="Ledger").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Bills")).to_be_focused()
    expect(page.get_by_role("tab", name="Bills")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tab-panel")).to_contain_text("$80.00")
    page.keyboard.press("Home")
    expect(page.get_by_role("tab", name="Ledger")).to_be_focused()


def test_enter_before_the_list_arrives_still_lands_on_the_account(page, sign_in, clerk, johnson):
    sign_in(clerk)
    # A scanner or a fast typist: the number and Enter, before the live list can come back.
    page.keyboard.press("/")
    page.keyboard.insert_text(johnson.display_number)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/accounts/{johnson.number}/$"))

    # A name with several accounts shows the search page, whose list the arrow keys walk.
    make_account(customer=make_customer(first_name="Rita", last_name="Johnson"))
    page.wait_for_load_state("load")  # "/" works once the page's script has run
    page.keyboard.press("/")
    page.keyboard.insert_text("johnson")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Search", exact=True)).to_be_visible()
    expect(page.get_by_label("Account, name, address, phone or e-mail")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    second = page.locator("main .search-results a.result").nth(1)
    expect(second).to_have_class(re.compile("active"))
    href = second.get_attribute("href")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))


def test_shortcuts_put_the_clerk_in_the_first_field_and_esc_comes_back(
    page, sign_in, clerk, johnson
):
    sign_in(clerk)
    page.goto(f"/accounts/{johnson.number}/")
    page.keyboard.press("c")
    expect(page.locator("#dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#dialog")).not_to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Log contact"))).to_be_focused()

    page.keyboard.press("s")
    expect(page.get_by_label("From")).to_be_focused()
    # A date still to come is refused beside its field, and focus goes to it.
    page.get_by_label("To").fill("2099-01-01")
    page.get_by_label("To").press("Enter")
    expect(page.get_by_text("runs to today")).to_be_visible()
    expect(page.get_by_label("To")).to_be_focused()


def test_the_mailing_address_is_asked_only_when_bills_go_elsewhere(page, sign_in, clerk):
    sign_in(clerk)
    page.goto("/accounts/new/")
    mail_at_service = page.get_by_label("Mail bills to the service address")
    expect(mail_at_service).to_be_checked()
    expect(page.get_by_label("Mailing street")).to_be_hidden()
    mail_at_service.uncheck()
    expect(page.get_by_label("Mailing street")).to_be_visible()
