import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_signs_in_and_slash_focuses_search(page, sign_in, clerk):
    sign_in(clerk)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("clerk")
    page.locator("main").click()
    page.keyboard.press("/")
    # A combobox: the live result list below it is its listbox.
    search = page.get_by_role("combobox", name=re.compile("Search"))
    expect(search).to_be_focused()
    page.keyboard.type("Johnson")
    expect(search).to_have_value("Johnson")


def test_signed_out_visitor_is_sent_to_login(page, db):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_clerk_opening_admin_is_refused(page, sign_in, clerk):
    sign_in(clerk)
    page.goto("/admin/")
    expect(page.get_by_text("not authorized to access this page")).to_be_visible()
