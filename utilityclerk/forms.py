"""Form fields shared by every app: money as clerks type it, and the idempotency key."""

import re
import unicodedata
import uuid
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone

from utilityclerk.money import MoneyError, parse_money


class AmountInput(forms.TextInput):
    """A text box for money: right-aligned, and the numeric keypad on tablets."""

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "class": "amount", "autocomplete": "off", **(attrs or {})}
        )


class MoneyField(forms.Field):
    """An amount as a clerk types it, parsed by the one money parser into a Decimal."""

    widget = AmountInput
    MAX_TYPED_LENGTH = 32

    def __init__(self, *, allow_negative=False, allow_zero=False, maximum=None, **kwargs):
        self.allow_negative = allow_negative
        self.allow_zero = allow_zero
        self.maximum = maximum  # a Decimal, or a callable giving one (a policy value)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", self.MAX_TYPED_LENGTH)

    def to_python(self, value):
        value = (value or "").strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        value = ascii_digits(value)
        if len(value) > self.MAX_TYPED_LENGTH:
            raise forms.ValidationError("That amount is too long.", code="money")
        maximum = self.maximum() if callable(self.maximum) else self.maximum
        try:
            return parse_money(
                value,
                allow_negative=self.allow_negative,
                allow_zero=self.allow_zero,
                maximum=maximum,
            )
        except MoneyError as error:
            raise forms.ValidationError(str(error), code="money") from error

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}"
        return value


class IdempotencyKeyField(forms.UUIDField):
    """Hidden key minted when the form is shown; a resubmission carries the same key."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("initial", uuid.uuid4)
        super().__init__(**kwargs)
        self.error_messages["required"] = "This form has expired; open it again."
        self.error_messages["invalid"] = "This form has expired; open it again."


# Dates ----------------------------------------------------------------------------------
# Every date a person types or an address carries is checked here, against a window that
# makes sense for it: a year 1 or 9999 is a typo and overflows date arithmetic; a bank
# deposit for a day still to come blocks that day's real one.

EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def _resolve(bound):
    return bound() if callable(bound) else bound


def check_date(day: date, *, earliest=None, latest=None) -> date:
    """The day, or a ValidationError saying which window it missed. `earliest` and `latest`
    are dates or callables giving one (today is read when the check runs)."""
    lowest = max(_resolve(earliest) or EARLIEST, EARLIEST)
    highest = min(_resolve(latest) or LATEST, LATEST)
    if EARLIEST <= day <= LATEST and lowest <= day <= highest:
        return day
    if (lowest, highest) == (EARLIEST, LATEST):
        raise forms.ValidationError("Enter a date between 1900 and 2199.", code="date_range")
    if day > highest:
        raise forms.ValidationError(
            f"{day:%m/%d/%Y} is too late: the latest is {highest:%m/%d/%Y}.", code="date_range"
        )
    raise forms.ValidationError(
        f"{day:%m/%d/%Y} is too early: the earliest is {lowest:%m/%d/%Y}.", code="date_range"
    )


def parse_day(value: str, *, earliest=None, latest=None) -> date:
    """A date given in an address (/closeout/day/2026-03-15/), checked like a typed one."""
    try:
        day = date.fromisoformat(ascii_digits(value or "").strip())
    except ValueError as error:
        raise forms.ValidationError(
            "That is not a date: write it like 2026-03-15.", code="invalid"
        ) from error
    return check_date(day, earliest=earliest, latest=latest)


class DateField(forms.DateField):
    """A date a person means: years 1900-2199 at most, and the field's own window (its
    `earliest` and `latest`: dates, or callables such as business_day.today)."""

    def __init__(self, *, earliest=None, latest=None, **kwargs):
        self.earliest = earliest
        self.latest = latest
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(ascii_digits(value))

    def validate(self, value):
        super().validate(value)
        if value:
            check_date(value, earliest=self.earliest, latest=self.latest)


class DateTimeField(forms.DateTimeField):
    """A moment a person gives (when a customer called), in its field's window of days."""

    def __init__(self, *, earliest=None, latest=None, **kwargs):
        self.earliest = earliest
        self.latest = latest
        super().__init__(**kwargs)

    def to_python(self, value):
        return super().to_python(ascii_digits(value))

    def validate(self, value):
        super().validate(value)
        if value:
            check_date(timezone.localtime(value).date(), earliest=self.earliest, latest=self.latest)


# Digits and text as they come in ------------------------------------------------------
#
# A phone typed on an Arabic keyboard (Arabic-Indic digits) or full-width on a Japanese one
# means the same ten digits: where a field means digits they are written ASCII before
# anything is stored or searched. Where a field means ASCII letters and digits (an
# authorisation code) anything else is refused.

_ANY_DIGIT = re.compile(r"\d")  # every Unicode decimal digit (category Nd)


def ascii_digits(text):
    """The text with every decimal digit of any script written 0-9; other characters kept."""
    if not isinstance(text, str) or text.isascii():
        return text
    return _ANY_DIGIT.sub(lambda m: str(unicodedata.decimal(m.group())), text)


class DigitsField(forms.CharField):
    """Text where a digit is meant (phone, ZIP, house number, check number): digits of any
    script are written 0-9 before the form's own checks see them."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value))


class IntegerField(forms.IntegerField):
    """A count or an id: digits of any script read as 0-9, and nothing else."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value))


class DecimalField(forms.DecimalField):
    def to_python(self, value):
        return super().to_python(ascii_digits(value))


class ModelChoiceField(forms.ModelChoiceField):
    """A record picked by its id (a user, a crew): the id read as ASCII digits."""

    def to_python(self, value):
        return super().to_python(ascii_digits(value))


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def clean(self, value):
        if isinstance(value, list | tuple):
            value = [ascii_digits(v) for v in value]
        return super().clean(value)


_ASCII_CODE = re.compile(r"[A-Za-z0-9]*")


def validate_ascii_code(value: str) -> None:
    """A code a machine printed (an authorisation code, a bag number): letters A-Z and
    digits only. ÄÖÜ is no card terminal's code."""
    if value and not _ASCII_CODE.fullmatch(value):
        raise forms.ValidationError(
            "Use only the letters A-Z and the digits 0-9, as printed.", code="ascii_code"
        )


class AsciiCodeField(DigitsField):
    default_validators = [validate_ascii_code]


# Control characters (\x01, ESC, DEL) and the bidirectional overrides and isolates
# (U+202A-U+202E, U+2066-U+2069) make a name print as something else, or repaint a terminal
# that shows a log. They are taken out of every value a request brings in (see
# core.middleware.CleanTextMiddleware); tab and line breaks stay for notes.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(value: str) -> str:
    """The text without control characters or bidi overrides."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value
