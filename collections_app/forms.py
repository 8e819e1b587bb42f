from django import forms

from utilityclerk.core.models import Policy
from utilityclerk.forms import DateField, IdempotencyKeyField, MoneyField
from workorders.models import Crew, Vendor


class ArrangementForm(forms.Form):
    months = forms.TypedChoiceField(label="Months", coerce=int)
    override = forms.BooleanField(
        label="Allow a second arrangement within the policy's months (supervisor)",
        required=False,
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        longest = Policy.current().arrangement_max_months
        self.fields["months"].choices = [
            (m, f"{m} month{'s' if m > 1 else ''}") for m in range(1, longest + 1)
        ]
        self.fields["months"].initial = longest


class PromiseForm(forms.Form):
    amount = MoneyField(label="Will pay")
    pay_by = DateField(label="By", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Note", max_length=200, required=False)
    idempotency_key = IdempotencyKeyField()


class DayForm(forms.Form):
    day = DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))


class ApproveForm(DayForm):
    crew = forms.ModelChoiceField(
        label="Crew",
        queryset=Crew.objects.filter(active=True),
        required=False,
        empty_label="Leave on the board to schedule",
    )


class RunForm(ApproveForm):
    agency = forms.ModelChoiceField(
        label="Collection agency (write-offs)",
        queryset=Vendor.objects.filter(active=True),
        required=False,
        empty_label="None",
    )


class PeriodForm(forms.Form):
    start = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end comes after the start.")
        return data


class RecoveryForm(forms.Form):
    account = forms.CharField(label="Written-off account", max_length=20)
    gross = MoneyField(label="Recovered (gross)")
    reference = forms.CharField(label="Agency remittance", max_length=40, required=False)
    idempotency_key = IdempotencyKeyField()


class WeatherHoldForm(DayForm):
    reason = forms.CharField(label="Forecast or reason", max_length=200)
