"""Parsing what clerks and supervisors key for deposits."""

from datetime import timedelta

from django import forms

from payments.deposits.models import SecurityKind
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.forms import DateField, IdempotencyKeyField, MoneyField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InstalmentsForm(forms.Form):
    instalments = forms.TypedChoiceField(label="Monthly instalments", coerce=int)
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        most = Policy.current().deposit_instalments_max
        self.fields["instalments"].choices = [(n, f"{n} months") for n in range(2, most + 1)]
        self.fields["instalments"].initial = most


class WaiveForm(forms.Form):
    required = MoneyField(
        label="Deposit required from now on",
        allow_zero=True,
        help_text="$0.00 waives it; less than now reduces it.",
    )
    reason = forms.CharField(label="Reason", max_length=200)
    idempotency_key = IdempotencyKeyField()


class SecurityForm(forms.Form):
    kind = forms.ChoiceField(label="What the customer gives", choices=SecurityKind.choices)
    issuer = forms.CharField(label="Issued by (bank or surety)", max_length=120)
    number = forms.CharField(label="Instrument number", max_length=40, required=False)
    amount = MoneyField(label="Amount")
    expires_on = DateField(
        label="Expires on",
        widget=DATE,
        earliest=lambda: business_day.today() + timedelta(days=1),
        latest=lambda: business_day.today() + timedelta(days=3660),
    )
    idempotency_key = IdempotencyKeyField()


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="Why is it released?", max_length=200)


class RunForm(forms.Form):
    kind = forms.ChoiceField(
        label="Run",
        choices=[
            ("instalments", "Bill deposit instalments due by the date"),
            ("review", "Review deposits held (credit or refund) as of the date"),
            ("interest", "Pay interest for the year"),
        ],
    )
    day = DateField(
        label="Date",
        widget=DATE,
        required=False,
        latest=lambda: business_day.today() + timedelta(days=31),
    )
    year = forms.TypedChoiceField(label="Year (interest)", coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A year is paid once it is over: its interest counts the days to 31 December.
        last_year = business_day.today().year - 1
        self.fields["year"].choices = [(y, str(y)) for y in range(last_year, last_year - 5, -1)]
        self.fields["year"].initial = last_year
        self.fields["day"].initial = business_day.today()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in ("instalments", "review") and not data.get("day") and "day" not in self.errors:
            self.add_error("day", "Enter the date the run is for.")
        if kind == "interest" and not data.get("year") and "year" not in self.errors:
            self.add_error("year", "Choose the year.")
        return data
