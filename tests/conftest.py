import os
from pathlib import Path

import pytest

# The browser tests drive Playwright's sync API, which runs an event loop in this thread;
# Django's ORM refuses to run beside one unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run bin/test, which installs Debian's chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    in_flight = set()
    page.on("request", lambda r: in_flight.add(r))
    page.on("requestfinished", lambda r: in_flight.discard(r))
    page.on("requestfailed", lambda r: in_flight.discard(r))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    # Let the requests the page still has in flight (the top bar's drawer status, a poll)
    # finish before the database is emptied for the next test: a server thread still reading
    # while the tables are truncated deadlocks with the truncation on a slow machine.
    for _ in range(100):
        if not in_flight:
            break
        page.wait_for_timeout(50)
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign a user in through the real login form."""
    from tests.factories import DEFAULT_PASSWORD

    def _sign_in(user, password=DEFAULT_PASSWORD):
        page.goto("/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        return page

    return _sign_in


@pytest.fixture
def clerk(db):
    from tests.factories import make_user

    return make_user("clerk", role="Clerk")


@pytest.fixture
def supervisor(db):
    from tests.factories import make_user

    return make_user("supervisor", role="Supervisor")


@pytest.fixture
def admin_user(db):
    from tests.factories import make_user

    return make_user("administrator", role="Admin", is_staff=True)


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def supervisor_client(supervisor):
    # A client of its own, so a test can act as a clerk and a supervisor side by side.
    from django.test import Client

    client = Client()
    client.force_login(supervisor)
    return client
