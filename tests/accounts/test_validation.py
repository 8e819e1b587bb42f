import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from accounts.validation import (
    account_number_for,
    account_number_problem,
    format_account_number,
    normalize_house_number,
    normalize_phone,
    normalize_state,
    normalize_street,
    normalize_unit,
    normalize_zip,
)


@pytest.mark.parametrize(
    ("sequence", "shown"),
    [(1000002, "1000002-4"), (1000000, "1000000-8"), (1000001, "1000001-6"), (1, "0000001-8")],
)
def test_known_account_numbers(sequence, shown):
    # Worked by hand: 1000002 -> digits doubled from the right 2*2=4, 0, 0, 0, 0, 0, 1*2=2;
    # 4 + 2 = 6, and 10 - 6 = 4.
    assert format_account_number(account_number_for(sequence)) == shown


@given(st.integers(min_value=1, max_value=9_999_999))
def test_check_digit_agrees_with_an_independent_luhn(n):
    number = account_number_for(n)
    assert number[-1] == luhn.calc_check_digit(number[:-1])
    assert luhn.is_valid(number)


@given(st.integers(min_value=1, max_value=9_999_999))
def test_check_digit_round_trip(n):
    number = account_number_for(n)
    assert len(number) == 8
    assert account_number_problem(number) is None
    assert format_account_number(number) == f"{number[:7]}-{number[7]}"


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(min_value=1, max_value=9))
def test_any_single_wrong_check_digit_is_caught(n, shift):
    number = account_number_for(n)
    wrong = number[:7] + str((int(number[7]) + shift) % 10)
    assert not luhn.is_valid(wrong)
    problem = account_number_problem(wrong)
    assert "wrong check digit" in problem
    assert format_account_number(wrong) in problem  # the search offers the right one


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(min_value=0, max_value=5))
def test_swapping_adjacent_digits_is_caught(n, i):
    number = account_number_for(n)
    swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
    if swapped != number and {number[i], number[i + 1]} != {"0", "9"}:
        assert account_number_problem(swapped) is not None


@pytest.mark.parametrize(
    "typed", ["(210) 555-0100", "210.555.0100", "+1 210 555 0100", "2105550100"]
)
def test_phone_typed_any_way(typed):
    assert normalize_phone(typed) == "2105550100"


@pytest.mark.parametrize("typed", ["555-0100", "(110) 555-0100", "210 055 0100", "call me"])
def test_bad_phone_refused(typed):
    with pytest.raises(ValidationError, match="10-digit US phone"):
        normalize_phone(typed)


def test_zip_and_state():
    assert normalize_zip("78108") == "78108"
    assert normalize_zip("78108-1234") == "78108-1234"
    with pytest.raises(ValidationError):
        normalize_zip("7810")
    with pytest.raises(ValidationError):
        normalize_zip("00000")  # no such ZIP: a placeholder typed to get past the box
    assert normalize_state("tx") == "TX"
    with pytest.raises(ValidationError):
        normalize_state("XX")


def test_address_normalisation():
    assert normalize_street("north Main street") == "N MAIN ST"
    assert normalize_street("N. Main St.") == "N MAIN ST"
    assert normalize_unit("Apt 4b") == "4B"
    assert normalize_unit("#12") == "12"


@pytest.mark.parametrize("typed", ["Apt. 101", "apt 101", "Unit #101", "# 101", "No. 101", "101"])
def test_a_unit_is_one_unit_however_it_is_written(typed):
    assert normalize_unit(typed) == "101"


@pytest.mark.parametrize("typed", ["123A", "123 a", "123-A", " 123a "])
def test_a_house_number_with_a_letter_is_one_house_number(typed):
    assert normalize_house_number(typed) == "123A"
