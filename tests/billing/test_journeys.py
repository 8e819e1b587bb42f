"""Key a route's reads -> run -> proof -> approve -> post -> the bill on the account -> print."""

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from accounts.models import Bill
from tests.runs_helpers import run_worker
from utilityclerk import business_day
from utilityclerk.business_day import add_months

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = "/tmp/billing-{}.png"


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile("/login/"))


def test_reads_to_printed_bills(page, sign_in, clerk, supervisor, make_metered_account, route):
    today = business_day.today()
    billed = today - timedelta(days=30)
    first = make_metered_account(
        start=add_months(billed, -12), last_read=billed, billed_through=billed, walk=1
    )
    second = make_metered_account(
        start=add_months(billed, -12), last_read=billed, billed_through=billed, walk=2
    )
    last = {a.pk: a.point.readings.order_by("-read_on").first().value for a in (first, second)}

    # The clerk keys the route in walking order: Enter moves on, Enter on the last saves.
    sign_in(clerk)
    page.get_by_role("link", name="Meter reads").click()
    page.get_by_role("link", name=route.code, exact=True).click()
    # Enter moves to the next field once the page's script has run: wait for it, as a slow
    # machine may show the fields first.
    page.wait_for_load_state("load")
    first_field = page.locator(f"#id_read-{first.point.pk}")
    first_field.fill(str(int(last[first.pk] + 5400)))
    first_field.press("Enter")
    second_field = page.locator(f"#id_read-{second.point.pk}")
    expect(second_field).to_be_focused()
    second_field.fill(str(int(last[second.pk] + 6100)))
    page.screenshot(path=SHOTS.format("route"), full_page=True)
    second_field.press("Enter")
    expect(page.get_by_text(f"2 reads saved on route {route.code}.")).to_be_visible()

    # The proof runs in the background worker; nothing posts yet.
    page.get_by_role("link", name="Bill runs").click()
    page.get_by_label("Cycle").select_option(label=str(route.cycle))
    page.get_by_role("button", name="Start proof").click()
    page.wait_for_url(re.compile(r"/runs/\d+/"))
    run_url = page.url
    run_worker()
    page.reload()
    expect(page.locator(".badge").first).to_have_text("Proof ready for review")
    expect(page.get_by_text("Use (tiers)").first).to_be_visible()
    page.screenshot(path=SHOTS.format("proof"), full_page=True)
    assert Bill.objects.filter(period_end=today).count() == 0
    sign_out(page)

    # A supervisor approves; the worker posts.
    sign_in(supervisor)
    page.goto(run_url)
    page.get_by_role("button", name="Approve and post").click()
    run_worker()
    page.goto(run_url)
    expect(page.locator(".badge").first).to_have_text("Posted")
    bills = {b.account_id: b for b in Bill.objects.filter(period_end=today)}
    assert set(bills) == {first.pk, second.pk}

    # The print file: every bill of the run as a PDF.
    page.get_by_role("link", name=re.compile("Open the draft bills")).click()
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Print file part 1")).click()
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(Path(download.value.path()).read_bytes())).pages
    )
    for account in (first, second):
        bill = bills[account.pk]
        assert account.display_number in text and f"Total this bill ${bill.total:,.2f}" in text

    # The bill on the account, explained line by line.
    page.goto(f"/accounts/{first.number}/bills/")
    expect(page.get_by_role("link", name=bills[first.pk].number)).to_be_visible()
    page.goto(f"/accounts/{first.number}/usage/")
    page.screenshot(path=SHOTS.format("usage"), full_page=True)
    page.get_by_role("link", name="Explain this bill").first.click()
    expect(
        page.get_by_text("4,200 gal 1,200 gal to 7,000 gal at $5.95 per 1,000 gal")
    ).to_be_visible()
    page.screenshot(path=SHOTS.format("explain"), full_page=True)
