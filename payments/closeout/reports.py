"""The three close-out documents. Each is built from stored rows only (payments, counts with
their expected snapshot, drops, the deposit), so a day's reports give the same numbers after
the day is closed."""

from datetime import date

from payments.closeout import queries
from payments.closeout.models import BankDeposit
from payments.models import DrawerSession
from utilityclerk.money import ZERO
from utilityclerk.pdf import render_pdf


def drawer_closeout_pdf(session: DrawerSession, *, by) -> bytes:
    line = next(
        li for li in queries.sessions_of_day(session.business_date) if li.session.pk == session.pk
    )
    receipts = list(queries.receipts_of_session(session))
    return render_pdf(
        "closeout/pdf/drawer_closeout.html",
        {
            "line": line,
            "session": line.session,
            "count": line.count_of_record,
            "receipts": receipts,
            "voids": [p for p in receipts if p.status == "voided"],
        },
        generated_by=by,
    )


def daily_cash_pdf(business_date: date, *, by) -> bytes:
    board = queries.day_board(business_date)
    counted = {"cash": ZERO, "check": ZERO, "money_order": ZERO, "card": ZERO}
    for line in board.sessions:
        if line.count_of_record:
            counted["cash"] += line.count_of_record.cash_total
            counted["check"] += line.count_of_record.check_total
            counted["money_order"] += line.count_of_record.money_order_total
            counted["card"] += line.count_of_record.card_total
    return render_pdf(
        "closeout/pdf/daily_cash.html",
        {
            "board": board,
            "tender_total": sum(board.tenders.values(), ZERO),
            "channel_total": sum(board.payments_by_channel.values(), ZERO),
            "counted": counted,
            "bag_totals_shown": board.deposit is None or board.deposit.totals_shown_to(by),
        },
        generated_by=by,
    )


def deposit_slip_pdf(deposit: BankDeposit, *, by) -> bytes:
    due = queries.deposit_due(deposit.business_date)
    return render_pdf(
        "closeout/pdf/deposit_slip.html", {"deposit": deposit, "due": due}, generated_by=by
    )
