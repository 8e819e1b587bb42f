"""Money: Decimal amounts in cents, and the one parser for what clerks type.

Every amount in the system is a `Decimal` with two places; floats never touch money.
"""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Digits with optional thousands separators in the right places, optional cents.
_AMOUNT = re.compile(
    r"^(?P<sign>-)?\$?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?(?:\.(?P<frac>[0-9]*))?$"
)


class MoneyError(ValueError):
    """An amount a clerk typed that cannot be accepted; the message is for the clerk."""


def quantize_money(value: Decimal | int | str) -> Decimal:
    """Round to cents, half up, the way a bill rounds. Refuses floats."""
    if isinstance(value, float):
        raise TypeError("money is never a float")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(
    text: str | None,
    *,
    allow_negative: bool = False,
    allow_zero: bool = True,
    maximum: Decimal | None = None,
) -> Decimal:
    """Parse what a clerk typed: `1234.5`, `1,234.50`, `$12`, ` 12 `, `-5.00` (if allowed).

    Raises MoneyError with a message fit to show beside the field.
    """
    raw = (text or "").strip().replace(" ", "")
    if not raw:
        raise MoneyError("Enter an amount.")
    if raw.startswith("$-"):
        raw = "-$" + raw[2:]
    match = _AMOUNT.match(raw)
    if not match or (match["int"] is None and not match["frac"]):
        raise MoneyError("Enter an amount in dollars and cents, like 1234.50.")
    if match["frac"] is not None and len(match["frac"]) > 2:
        raise MoneyError("An amount has at most two digits after the decimal point.")
    digits = (match["int"] or "0").replace(",", "") + "." + (match["frac"] or "0")
    try:
        amount = quantize_money(Decimal(digits))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise MoneyError("Enter an amount in dollars and cents, like 1234.50.") from exc
    if amount >= Decimal(10) ** (MONEY_MAX_DIGITS - MONEY_DECIMAL_PLACES):
        raise MoneyError("That amount is too large.")
    if match["sign"]:
        amount = -amount
    if amount < ZERO and not allow_negative:
        raise MoneyError("The amount cannot be negative.")
    if amount == ZERO and not allow_zero:
        raise MoneyError("The amount must be more than $0.00.")
    if maximum is not None and abs(amount) > maximum:
        raise MoneyError(f"The amount cannot be more than {format_money(maximum)}.")
    return amount


def format_money(amount: Decimal | None) -> str:
    """$1,234.50 or -$12.00, as printed on screens and documents."""
    if amount is None:
        return ""
    amount = quantize_money(amount)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"
