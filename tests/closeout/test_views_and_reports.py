import io
import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from pypdf import PdfReader

from payments.closeout import queries, services
from payments.closeout.models import BankDeposit, DrawerCount
from tests.closeout.conftest import card, cash, check, counted_in
from tests.closeout.test_services import counted
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db
D = Decimal


CASH_DUE = "Cash due to the bank (counted cash less floats, plus drops)"


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def money_after(label, text):
    match = re.search(re.escape(label) + r"\s*(-?\$[\d,]+\.\d{2})", text)
    assert match, f"{label!r} not in PDF"
    return D(match.group(1).replace("$", "").replace(",", ""))


@pytest.fixture
def busy_session(session, clerk, pay):
    pay(clerk, "40.00", cash("50.00"))
    pay(clerk, "25.00", check("25.00"))
    pay(clerk, "30.00", card("30.00"))
    return session


def count_post(**overrides):
    data = {f"qty_{c}": "0" for c in (10000, 5000, 2000, 1000, 500, 200, 100, 50, 25, 10, 5, 1)}
    data.update(
        {
            "check_count": "1",
            "check_total": "25.00",
            "money_order_count": "0",
            "money_order_total": "0",
            "card_slip_count": "1",
            "card_total": "30.00",
        }
    )
    data["idempotency_key"] = str(uuid.uuid4())
    data.update(overrides)
    return data


def test_count_page_is_blind(clerk_client, busy_session):
    html = clerk_client.get(f"/closeout/sessions/{busy_session.pk}/count/").content.decode()
    assert "$100 bills" in html
    assert "140.00" not in html  # what the drawer should hold is not shown before the count
    # Asking for the result before counting sends the clerk back to the count.
    assert clerk_client.get(f"/closeout/sessions/{busy_session.pk}/")["Location"].endswith(
        "/count/"
    )


def test_count_then_the_comparison_appears(clerk_client, busy_session):
    response = clerk_client.post(
        f"/closeout/sessions/{busy_session.pk}/count/",
        count_post(qty_2000="6", qty_1000="1", qty_500="1"),
    )
    assert response.status_code == 302
    html = clerk_client.get(response["Location"]).content.decode()
    assert 'id="total-over-short">-$5.00<' in html
    assert "The drawer is over or short" in html


@pytest.mark.parametrize(
    ("value", "message"), [("-1", "cannot be negative"), ("1.5", "whole bills or coins")]
)
def test_negative_or_fractional_quantities_are_refused_beside_the_field(
    clerk_client, busy_session, value, message
):
    response = clerk_client.post(
        f"/closeout/sessions/{busy_session.pk}/count/", count_post(qty_2000=value)
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_qty_2000_error"' in html
    assert message in html
    assert not DrawerCount.objects.exists()


@pytest.mark.parametrize("field", ["check_count", "money_order_count", "card_slip_count"])
def test_an_impossible_number_of_items_is_refused_beside_the_field(
    clerk_client, busy_session, field
):
    response = clerk_client.post(
        f"/closeout/sessions/{busy_session.pk}/count/", count_post(**{field: "99999999999999"})
    )
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not DrawerCount.objects.exists()


def test_the_drop_witness_box_locks_out_password_guessing(clerk_client, busy_session, supervisor):
    from axes.models import AccessAttempt
    from django.db.models import Sum

    def drop(password):
        return clerk_client.post(
            f"/closeout/sessions/{busy_session.pk}/drop/",
            {
                "amount": "10.00",
                "witness_username": supervisor.username,
                "witness_password": password,
                "idempotency_key": str(uuid.uuid4()),
            },
        )

    for _ in range(5):
        drop("guess")
    failures = AccessAttempt.objects.filter(username=supervisor.username)
    assert failures.aggregate(n=Sum("failures_since_start"))["n"] == 5
    # Locked out now, even with the right password, here and on the sign-in page.
    html = drop(DEFAULT_PASSWORD).content.decode()
    assert "Too many failed sign-ins" in html
    assert not busy_session.cash_drops.exists()
    sign_in = Client().post(
        "/login/", {"username": supervisor.username, "password": DEFAULT_PASSWORD}
    )
    assert sign_in.status_code == 200  # refused, not redirected in
    assert "Too many failed sign-ins" in sign_in.content.decode()


def test_clerk_cannot_see_the_day_board_or_verify(clerk_client, busy_session):
    assert clerk_client.get("/closeout/day/").status_code == 403
    assert clerk_client.get(f"/closeout/sessions/{busy_session.pk}/verify/").status_code == 403


def test_another_clerk_cannot_see_a_drawer(busy_session):
    from tests.factories import make_user

    other = Client()
    other.force_login(make_user(role="Clerk"))
    assert other.get(f"/closeout/sessions/{busy_session.pk}/count/").status_code == 403


def test_day_board_within_query_budget(supervisor_client, busy_session, clerk, supervisor, pay):
    from payments import services as payment_services
    from payments.models import Drawer
    from tests.budgets import assert_flat_budget
    from tests.closeout.conftest import card, cash, check
    from tests.factories import make_account, make_user

    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )

    def a_busy_day():
        # Nine more windows: every tender, counts, a void, a returned check, cash drops,
        # and a posted mail batch.
        for n in range(2, 11):
            teller = make_user(f"teller{n}", role="Clerk")
            drawer = Drawer.objects.create(code=f"D{n}", name=f"Window {n}")
            session = payment_services.open_drawer_session(
                drawer=drawer, opening_float=Decimal("100.00"), clerk=teller
            )
            paid = [
                pay(teller, "40.00", cash("50.00")),
                pay(teller, "25.00", check("25.00", number=f"2{n}00")),
                pay(teller, "30.00", card("30.00")),
            ]
            if n == 3:
                payment_services.void_payment(
                    payment=paid[0], reason="Wrong account", supervisor=supervisor
                )
            if n == 4:
                payment_services.record_returned_payment(
                    payment=paid[1], reason="NSF", supervisor=supervisor
                )
            if n == 5:
                services.record_cash_drop(
                    session=session,
                    amount=Decimal("20.00"),
                    witness=supervisor,
                    by=teller,
                    idempotency_key=uuid.uuid4(),
                )
            if n % 2 == 0:
                services.count_drawer(
                    session=session,
                    counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)),
                    by=teller,
                )
        batch = payment_services.open_mail_batch(
            channel="mail", control_count=3, control_total=Decimal("60.00"), clerk=clerk
        )
        for i in range(3):
            payment_services.key_batch_item(
                batch=batch,
                account=make_account(),
                kind="check",
                amount=Decimal("20.00"),
                number=f"90{i}",
                clerk=clerk,
            )
        payment_services.post_mail_batch(batch=batch, clerk=clerk)

    response = assert_flat_budget(
        supervisor_client, "/closeout/day/", add_rows=a_busy_day, budget=25
    )
    assert response.content.decode().count(">Verify<") >= 5


def _close_the_day(busy_session, clerk, supervisor, other_supervisor):
    deposit = _prepare_the_deposit(busy_session, clerk, supervisor)
    services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit))
    return deposit.business_date


def _prepare_the_deposit(busy_session, clerk, supervisor):
    services.count_drawer(
        session=busy_session, counted=counted("135.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    count = DrawerCount.objects.get()
    services.explain_over_short(count=count, reason="Short $5 in change", by=clerk)
    services.verify_session(session=busy_session, by=supervisor)
    return services.prepare_deposit(
        business_date=busy_session.business_date,
        bag_number="BAG-42",
        cash_total=D("35.00"),
        check_total=D("25.00"),
        by=supervisor,
    )


def test_the_bag_stays_blind_to_the_supervisor_still_to_count_it(
    supervisor_client, busy_session, clerk, supervisor, other_supervisor
):
    day = _prepare_the_deposit(busy_session, clerk, supervisor).business_date
    counter = Client()
    counter.force_login(other_supervisor)

    # The preparer sees what is due and what went into the bag, on the board and the report.
    board = supervisor_client.get(f"/closeout/day/{day}/").content.decode()
    assert 'id="deposit-due-cash">$35.00' in board and "deposit-slip.pdf" in board
    mine = pdf_text(supervisor_client.get(f"/closeout/day/{day}/report.pdf"))
    assert money_after(CASH_DUE, mine) == D("35.00")

    # The second counter sees neither, nor can open the slip, until the bag is verified.
    board = counter.get(f"/closeout/day/{day}/").content.decode()
    assert "deposit-due-cash" not in board and "deposit-slip.pdf" not in board
    theirs = pdf_text(counter.get(f"/closeout/day/{day}/report.pdf"))
    assert "Cash due to the bank" not in theirs and "$60.00" not in theirs
    assert "counted blind, not shown" in theirs
    slip = counter.get(f"/closeout/day/{day}/deposit-slip.pdf", follow=True)
    assert slip["Content-Type"].startswith("text/html")
    assert "count the bag and verify it first" in slip.content.decode()

    deposit = BankDeposit.objects.get()
    services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit))
    after = pdf_text(counter.get(f"/closeout/day/{day}/report.pdf"))
    assert money_after(CASH_DUE, after) == D("35.00")
    assert "BAG-42" in pdf_text(counter.get(f"/closeout/day/{day}/deposit-slip.pdf"))


def test_reports_agree_with_the_database_and_stay_the_same_after_close(
    supervisor_client, busy_session, clerk, supervisor, other_supervisor
):
    day = _close_the_day(busy_session, clerk, supervisor, other_supervisor)
    before = pdf_text(supervisor_client.get(f"/closeout/day/{day}/report.pdf"))
    board = queries.day_board(day)
    assert money_after("Taken (all tenders)", before) == sum(board.tenders.values()) == D("95.00")
    assert money_after("Over / short", before) == D("-5.00")
    assert money_after(CASH_DUE, before) == D("35.00")
    assert "BAG-42" in before
    assert re.search(r"Page 1 of \d+", before)
    services.close_day(business_date=day, by=supervisor)
    after = pdf_text(supervisor_client.get(f"/closeout/day/{day}/report.pdf"))
    amounts = re.compile(r"-?\$[\d,]+\.\d{2}")
    assert amounts.findall(before) == amounts.findall(after)
    assert len(amounts.findall(after)) > 20


def test_drawer_closeout_pdf(clerk_client, busy_session, clerk, supervisor, other_supervisor):
    _close_the_day(busy_session, clerk, supervisor, other_supervisor)
    text = pdf_text(clerk_client.get(f"/closeout/sessions/{busy_session.pk}/closeout.pdf"))
    assert money_after("Opening float", text) == D("100.00")
    assert money_after("Cash counted", text) == D("135.00")
    assert "Short $5 in change" in text
    assert text.count(" R1") >= 3  # the three receipts are listed


def test_deposit_slip_pdf(supervisor_client, busy_session, clerk, supervisor, other_supervisor):
    day = _close_the_day(busy_session, clerk, supervisor, other_supervisor)
    text = pdf_text(supervisor_client.get(f"/closeout/day/{day}/deposit-slip.pdf"))
    assert money_after("Currency and coin", text) == D("35.00")
    assert money_after("Total deposit", text) == D("60.00")
    assert "BAG-42" in text


def test_deposit_form_shows_the_disagreement(supervisor_client, busy_session, clerk, supervisor):
    services.count_drawer(
        session=busy_session, counted=counted("140.00", ("25.00", 1), cards=("30.00", 1)), by=clerk
    )
    Client().force_login(supervisor)
    services.verify_session(session=busy_session, by=supervisor)
    response = supervisor_client.post(
        f"/closeout/day/{busy_session.business_date}/deposit/",
        {"bag_number": "B9", "cash_total": "41.00", "check_total": "25.00"},
    )
    assert response.status_code == 200
    assert b"does not agree with the verified counts" in response.content
    assert b'id="id_cash_total_error"' in response.content


def test_a_double_clicked_count_saves_one_count(clerk_client, busy_session):
    data = count_post(qty_2000="7")
    clerk_client.post(f"/closeout/sessions/{busy_session.pk}/count/", data)
    clerk_client.post(f"/closeout/sessions/{busy_session.pk}/count/", data)
    assert DrawerCount.objects.filter(session=busy_session).count() == 1


def test_admin_reaches_the_day_board_from_the_menu(client, admin_user):
    client.force_login(admin_user)
    html = client.get("/").content.decode()
    assert html.count('href="/closeout/day/"') == 1
    assert client.get("/closeout/day/").status_code == 200


def test_the_count_page_is_not_offered_after_the_recount(clerk_client, busy_session, clerk):
    services.count_drawer(session=busy_session, counted=counted("140.00"), by=clerk)
    services.count_drawer(session=busy_session, counted=counted("140.00"), by=clerk)
    response = clerk_client.get(f"/closeout/sessions/{busy_session.pk}/count/")
    assert response.status_code == 302
    assert response["Location"] == f"/closeout/sessions/{busy_session.pk}/"


def test_a_pdf_name_keeps_only_safe_characters():
    from utilityclerk.pdf import pdf_response

    response = pdf_response(b"%PDF", 'deposit-<b>BAG "7"</b>.pdf')
    assert response["Content-Disposition"] == r'inline; filename="deposit-<b>BAG \"7\"<-b>.pdf"'
    response = pdf_response(b"%PDF", "../statement\r\nSet-Cookie: x.pdf", inline=False)
    assert (
        response["Content-Disposition"] == 'attachment; filename="..-statement-Set-Cookie: x.pdf"'
    )
    response = pdf_response(b"%PDF", "statement-Núñez.pdf")
    assert response["Content-Disposition"] == (
        "inline; filename*=utf-8''statement-N%C3%BA%C3%B1ez.pdf"
    )


def test_a_receipt_taken_after_the_close_says_the_day_it_is_posted_to(
    supervisor_client, supervisor, clerk, pay
):
    from django.utils import timezone

    from utilityclerk import business_day
    from utilityclerk.core.models import BusinessDay

    BusinessDay.objects.create(
        date=business_day.today(), status="closed", closed_at=timezone.now(), closed_by=supervisor
    )
    later = pay(clerk, "5.00", card("5.00"), channel="phone")
    assert later.business_date > business_day.today()
    html = supervisor_client.get(f"/payments/receipts/{later.receipt}/print/").content.decode()
    assert f'id="receipt-posted-to">{later.business_date:%m/%d/%Y}<' in html


def test_checks_money_orders_and_cards_are_blank_and_required(clerk_client, busy_session):
    html = clerk_client.get(f"/closeout/sessions/{busy_session.pk}/count/").content.decode()
    for name in ("check_count", "check_total", "money_order_count", "card_total"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert "value=" not in tag, tag
    # A count that forgot the checks does not submit as "no checks".
    response = clerk_client.post(
        f"/closeout/sessions/{busy_session.pk}/count/",
        count_post(qty_2000="7", check_count="", check_total=""),
    )
    assert response.status_code == 200
    assert "Count the checks: type 0 if there are none." in response.content.decode()
    assert not DrawerCount.objects.exists()


def test_after_the_one_recount_the_page_says_what_happens_next(clerk_client, busy_session):
    for _ in range(2):
        clerk_client.post(f"/closeout/sessions/{busy_session.pk}/count/", count_post(qty_2000="6"))
    html = clerk_client.get(f"/closeout/sessions/{busy_session.pk}/").content.decode()
    assert "your one recount is used" not in html
    assert "this count stands" in html and "a supervisor then verifies it" in html


def test_the_board_hides_drawer_and_tender_totals_from_the_supervisor_counting_the_bag(
    supervisor_client, busy_session, clerk, supervisor, other_supervisor
):
    day = _prepare_the_deposit(busy_session, clerk, supervisor).business_date
    counter = Client()
    counter.force_login(other_supervisor)
    # Expected $195.00 (float 100 + 95 taken), counted $190.00, short $5.00, cash taken $40.00.
    mine = supervisor_client.get(f"/closeout/day/{day}/").content.decode()
    assert "$195.00" in mine and "$190.00" in mine and "By tender" in mine
    theirs = counter.get(f"/closeout/day/{day}/").content.decode()
    for figure in ("$195.00", "$190.00", "-$5.00", "$40.00", "By tender"):
        assert figure not in theirs, figure
    assert 'id="totals-hidden"' in theirs
    report = pdf_text(counter.get(f"/closeout/day/{day}/report.pdf"))
    assert "Counted in drawers" not in report and "$190.00" not in report

    deposit = BankDeposit.objects.get()
    services.verify_deposit(deposit=deposit, by=other_supervisor, **counted_in(deposit))
    assert "$190.00" in counter.get(f"/closeout/day/{day}/").content.decode()
