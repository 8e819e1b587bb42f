from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from utilityclerk.money import MoneyError, format_money, parse_money, quantize_money


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1234.5", "1234.50"),
        ("1,234.50", "1234.50"),
        ("$12", "12.00"),
        (" 12 ", "12.00"),
        ("0.07", "0.07"),
        (".5", "0.50"),
        ("12.", "12.00"),
        ("1,000,000", "1000000.00"),
    ],
)
def test_parses_what_clerks_type(typed, expected):
    assert parse_money(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter an amount."),
        ("abc", "dollars and cents"),
        ("12a", "dollars and cents"),
        ("1.234", "at most two digits"),
        ("1,23.00", "dollars and cents"),
        ("$", "dollars and cents"),
        ("12.5.1", "dollars and cents"),
        ("1e5", "dollars and cents"),
        ("NaN", "dollars and cents"),
    ],
)
def test_refuses_anything_else_with_a_clear_message(typed, message):
    with pytest.raises(MoneyError, match=message):
        parse_money(typed)


def test_negative_refused_unless_allowed():
    with pytest.raises(MoneyError, match="cannot be negative"):
        parse_money("-5.00")
    assert parse_money("-5.00", allow_negative=True) == Decimal("-5.00")
    assert parse_money("$-5", allow_negative=True) == Decimal("-5.00")


def test_zero_refused_when_not_allowed():
    with pytest.raises(MoneyError, match=r"more than \$0.00"):
        parse_money("0.00", allow_zero=False)


def test_over_the_configured_maximum_refused():
    with pytest.raises(MoneyError, match=r"cannot be more than \$100,000.00"):
        parse_money("100000.01", maximum=Decimal("100000.00"))
    assert parse_money("100000.00", maximum=Decimal("100000.00")) == Decimal("100000.00")


def test_quantize_rounds_half_up_and_refuses_float():
    assert quantize_money(Decimal("2.345")) == Decimal("2.35")
    assert quantize_money(Decimal("-2.345")) == Decimal("-2.35")
    with pytest.raises(TypeError):
        quantize_money(2.345)


def test_format_money():
    assert format_money(Decimal("1234.5")) == "$1,234.50"
    assert format_money(Decimal("-12")) == "-$12.00"


cents = st.integers(min_value=-(10**12 - 1), max_value=10**12 - 1).map(lambda c: Decimal(c) / 100)


@given(cents)
def test_formatted_amount_parses_back_exactly(amount):
    assert parse_money(format_money(amount), allow_negative=True) == amount


@given(cents)
def test_plain_amount_parses_back_exactly(amount):
    parsed = parse_money(str(amount), allow_negative=True)
    assert parsed == amount
    assert parsed.as_tuple().exponent == -2


@given(st.text(max_size=20))
def test_any_text_is_an_amount_or_a_money_error(text):
    try:
        result = parse_money(text, allow_negative=True)
    except MoneyError as error:
        assert str(error)
    else:
        assert result.as_tuple().exponent == -2
