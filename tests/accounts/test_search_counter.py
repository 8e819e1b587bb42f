"""Search as a counter clerk uses it: what each result owes, badges, the misses a clerk
would not expect, card numbers kept out, and the 403 log line."""

import logging
from datetime import timedelta
from decimal import Decimal

import pytest

from accounts import queries
from tests.factories import make_account, make_customer, post_bill
from utilityclerk import business_day
from utilityclerk.cards import RedactCardNumbers, contains_card_number

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
CARD = "4111 1111 1111 1111"  # Luhn-valid test card


@pytest.fixture
def williams():
    customer = make_customer(first_name="Michael", last_name="Williams", phone="3616333470")
    account = make_account(customer=customer)
    today = business_day.today()
    post_bill(account, "60.00", bill_date=today - timedelta(days=50))
    post_bill(account, "40.00", bill_date=today - timedelta(days=5))
    return account


def test_results_show_balance_past_due_and_badges(clerk_client, williams):
    customer = williams.customer
    customer.cash_only_until = business_day.today() + timedelta(days=30)
    customer.save(update_fields=["cash_only_until"])
    closed = make_account(customer=customer, status="final")
    result = {r.number: r for r in queries.search("williams").results}
    assert result[williams.number].aging.balance == Decimal("100.00")
    assert result[williams.number].aging.past_due == Decimal("60.00")
    assert result[closed.number].badges == ["Final", "Cash only"]
    html = clerk_client.get("/search/?q=williams", headers=HX).content.decode()
    assert 'class="result-balance">$100.00<' in html
    assert 'class="result-past-due">$60.00<' in html
    assert '<span class="badge badge-flag">Final</span>' in html
    assert '<span class="badge badge-flag">Cash only</span>' in html


def test_a_misspelt_first_name_alone_finds_the_customer(williams):
    assert williams.number in [r.number for r in queries.search("Mcihael").results]


@pytest.mark.parametrize("typed", ["3470", "ending 3470", "633-3470", "6333470"])
def test_the_last_4_or_7_digits_of_a_phone_find_the_customer(williams, typed):
    results = queries.search(typed).results
    assert williams.number in [r.number for r in results], typed
    assert next(r for r in results if r.number == williams.number).matched == "Phone ending"


def test_a_bill_number_written_with_a_hash_finds_its_account(williams):
    bill = williams.bills.first()
    assert queries.search(f"#{bill.number}").results[0].number == williams.number


def test_a_card_number_typed_into_search_is_refused_and_not_echoed(clerk_client, williams):
    for typed in (CARD, CARD.replace(" ", "")):
        response = clerk_client.get("/search/", {"q": typed})
        html = response.content.decode()
        assert "looks like a full card number" in html
        assert "4111" not in html
    # The same digits failing the Luhn check are no card: searched as usual.
    assert (
        "looks like a full card number"
        not in clerk_client.get("/search/", {"q": "4111111111111112"}).content.decode()
    )


def test_a_card_number_in_the_receipt_lookup_is_refused_and_not_echoed(clerk_client):
    html = clerk_client.get("/payments/receipts/", {"receipt": CARD}).content.decode()
    assert "looks like a full card number" in html
    assert "4111" not in html
    assert "This field is required" not in html


def test_card_numbers_never_reach_a_log_line():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"GET /search/?q=%s HTTP/1.1" 200',
        (CARD,),
        None,
    )
    RedactCardNumbers().filter(record)
    assert not contains_card_number(record.getMessage())
    assert "[card number removed]" in record.getMessage()
    # Every handler the app configured carries the filter.
    handlers = logging.getLogger("django.server").handlers + logging.getLogger().handlers
    assert handlers and all(
        any(isinstance(f, RedactCardNumbers) for f in h.filters)
        for h in handlers
        if not type(h).__module__.startswith("_pytest")
    )


def test_a_403_is_logged_as_one_line(client, caplog):
    from tests.factories import make_user

    client.force_login(make_user("field9", role="Field"))
    handler = logging.getLogger("django.request").handlers or logging.getLogger().handlers
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/payments/drawer/").status_code == 403
    record = next(r for r in caplog.records if getattr(r, "status_code", None) == 403)
    for h in handler:
        for f in h.filters:
            f.filter(record)
    assert record.exc_info is None
    assert record.getMessage().startswith("Forbidden")


def test_contacts_tab_says_no_contacts_once(clerk_client, williams):
    html = clerk_client.get(f"/accounts/{williams.number}/contacts/").content.decode()
    assert html.count("No contacts logged") == 1
