"""Form fields shared by every app: money as clerks type it, and the idempotency key."""

import uuid
from datetime import date
from decimal import Decimal

from django import forms

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


class DateField(forms.DateField):
    """A date a person means: years 1900-2199. Anything further out is a typo (0001-01-01,
    9999-12-31) and would overflow date arithmetic."""

    EARLIEST = date(1900, 1, 1)
    LATEST = date(2199, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value and not (self.EARLIEST <= value <= self.LATEST):
            raise forms.ValidationError("Enter a date between 1900 and 2199.", code="date_range")
