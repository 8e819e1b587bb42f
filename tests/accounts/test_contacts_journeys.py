import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.contacts import services
from accounts.models import Contact
from utilityclerk import business_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_logs_a_council_members_call_and_it_comes_due_tomorrow(page, sign_in, clerk):
    tomorrow = business_day.today() + timedelta(days=1)
    sign_in(clerk)
    # The queue arrives after the page: nothing yet.
    expect(page.get_by_role("heading", name="My follow-ups")).to_be_visible()
    expect(page.get_by_text("Nothing due today.")).to_be_visible()

    # "c" opens the log form in the dialog, from the keyboard.
    page.locator("main h1").click()
    page.keyboard.press("c")
    dialog = page.locator("#dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Channel")).to_be_focused()
    dialog.get_by_label("Channel").select_option("phone")
    dialog.get_by_label("Who").select_option("elected_official")
    dialog.get_by_label("Party name").fill("Council Member Ana Ruiz")
    dialog.get_by_label("How to reach them").fill("(210) 555-0142")
    dialog.get_by_label("Category").select_option("outage_leak")
    dialog.get_by_label("Referred to").select_option("public_works")
    dialog.get_by_label("Follow up on").fill(tomorrow.isoformat())
    subject = dialog.get_by_label("Subject")
    subject.fill("Water running down Pfeil Rd by the park")
    subject.press("Enter")

    # Back on the home page: logged, and upcoming (not due) in the clerk's queue.
    expect(page.get_by_text("Contact from Council Member Ana Ruiz logged")).to_be_visible()
    expect(dialog).to_be_hidden()
    upcoming = page.get_by_role("table", name=re.compile("Upcoming"))
    expect(upcoming).to_contain_text("Water running down Pfeil Rd by the park")
    expect(upcoming).to_contain_text(tomorrow.strftime("%m/%d/%Y"))
    expect(page.get_by_text("Nothing due today.")).to_be_visible()
    contact = Contact.objects.get()
    assert contact.account is None and contact.follow_up_owner == clerk
    assert contact.follow_up_on == tomorrow and contact.status == "open"

    # When the date comes, it is due: the queue as of tomorrow.
    page.get_by_role("link", name="Look ahead").click()
    page.get_by_label("Due by").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Show").click()
    due = page.get_by_role("table", name=re.compile("Due"))
    expect(due).to_contain_text("Water running down Pfeil Rd by the park")
    expect(due).to_contain_text("Council Member Ana Ruiz")


def test_clerk_closes_a_follow_up_due_today_from_home(page, sign_in, clerk):
    services.log_contact(
        by=clerk,
        channel="mail",
        party_type="agency",
        party_name="Guadalupe County Health",
        category="complaint",
        subject="Letter about the boil-water notice",
        follow_up_on=business_day.today(),
    )
    sign_in(clerk)
    due = page.get_by_role("table", name=re.compile("Due"))
    expect(due).to_contain_text("Letter about the boil-water notice")
    due.get_by_role("link", name="Close…").click()
    dialog = page.locator("#dialog")
    outcome = dialog.get_by_label("Outcome")
    expect(outcome).to_be_focused()
    dialog.get_by_role("button", name="Close follow-up").click()
    expect(dialog.get_by_text("Say what came of it.")).to_be_visible()
    outcome.fill("Called back; notice lifted on Friday.")
    dialog.get_by_role("button", name="Close follow-up").click()
    expect(page.get_by_text("Follow-up for Guadalupe County Health closed.")).to_be_visible()
    expect(page.get_by_text("Nothing due today.")).to_be_visible()
    assert Contact.objects.get().outcome == "Called back; notice lifted on Friday."
