"""Tender arithmetic and the card-number guard: pure functions, no database.

The rules: the tenders pay exactly the payment amount. Only cash gives change, so checks,
money orders and cards together may not exceed the payment; cash pays the rest, and what the
customer hands over beyond that rest comes back as change.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money

CASH, CHECK, MONEY_ORDER, CARD = "cash", "check", "money_order", "card"

# Thirteen or more digits in a run, spaces or dashes allowed between them: the shape of a
# full card number (PANs are 13-19 digits). Refused in every field so it is never stored.
_CARD_NUMBER = re.compile(r"\d(?:[ \-]?\d){12,}")


def looks_like_card_number(text) -> bool:
    return bool(text) and isinstance(text, str) and bool(_CARD_NUMBER.search(text))


CARD_NUMBER_MESSAGE = (
    "That looks like a full card number. Never key it: enter only the last four digits "
    "and the authorization code."
)


class PaymentError(DomainError):
    """A rule a payment broke; the message is for the clerk, `field` names the form field."""


class ChangeNeedsConfirmation(PaymentError):
    """The change due is above the policy's value: the clerk looks again and confirms it
    (one key) before the payment posts. `change` is the amount to confirm."""

    def __init__(self, change: Decimal):
        super().__init__(
            f"Change due is {format_money(change)}. Check the cash tendered, then press Enter "
            "to confirm and post.",
            "cash_tendered",
        )
        self.change = change


def amount_field(kind: str) -> str:
    """The take-payment form field a tender's amount was typed in."""
    return "cash_tendered" if kind == CASH else f"{kind}_amount"


@dataclass(frozen=True)
class TenderInput:
    """What the clerk keyed for one tender. For cash, `amount` is what was handed over."""

    kind: str
    amount: Decimal
    number: str = ""
    card_last4: str = ""
    card_auth_code: str = ""


@dataclass(frozen=True)
class TenderLine:
    kind: str
    amount: Decimal  # applied to the payment
    amount_tendered: Decimal | None = None  # cash only
    number: str = ""
    card_last4: str = ""
    card_auth_code: str = ""


@dataclass(frozen=True)
class Allocation:
    lines: list[TenderLine]
    change: Decimal


def allocate(amount: Decimal, tenders: list[TenderInput]) -> Allocation:
    """Check the tenders pay `amount` exactly (cash may be over-tendered) and split it."""
    amount = quantize_money(amount)
    if amount <= ZERO:
        raise PaymentError("The payment must be more than $0.00.", "amount")
    if not tenders:
        raise PaymentError(
            "Enter how the customer pays: cash tendered, a check, a money order or a card.",
            "cash_tendered",
        )
    kinds = [t.kind for t in tenders]
    for tender in tenders:
        if tender.kind not in (CASH, CHECK, MONEY_ORDER, CARD):
            raise PaymentError("Unknown kind of tender.")
        if kinds.count(tender.kind) > 1:
            raise PaymentError("Key each kind of tender once.", amount_field(tender.kind))
        if quantize_money(tender.amount) <= ZERO:
            raise PaymentError("A tender must be more than $0.00.", amount_field(tender.kind))
    others = [t for t in tenders if t.kind != CASH]
    cash = next((t for t in tenders if t.kind == CASH), None)
    others_total = quantize_money(sum((t.amount for t in others), ZERO))
    lines = [
        TenderLine(
            kind=t.kind,
            amount=quantize_money(t.amount),
            number=t.number,
            card_last4=t.card_last4,
            card_auth_code=t.card_auth_code,
        )
        for t in others
    ]
    if others_total > amount:
        raise PaymentError(
            f"Checks, money orders and cards give no change: they add up to "
            f"{format_money(others_total)}, more than the payment of {format_money(amount)}.",
            amount_field(others[-1].kind),
        )
    if cash is None:
        if others_total != amount:
            raise PaymentError(
                f"The tenders add up to {format_money(others_total)}; the payment is "
                f"{format_money(amount)}.",
                amount_field(others[-1].kind),
            )
        return Allocation(lines=lines, change=ZERO)
    due_in_cash = amount - others_total
    tendered = quantize_money(cash.amount)
    if due_in_cash == ZERO:
        raise PaymentError(
            "No cash is due: the other tenders already pay the whole amount.", "cash_tendered"
        )
    if tendered < due_in_cash:
        raise PaymentError(
            f"Cash tendered {format_money(tendered)} is less than the {format_money(due_in_cash)} "
            f"due in cash.",
            "cash_tendered",
        )
    lines.insert(0, TenderLine(kind=CASH, amount=due_in_cash, amount_tendered=tendered))
    return Allocation(lines=lines, change=tendered - due_in_cash)
