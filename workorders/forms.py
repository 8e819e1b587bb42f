import re

from django import forms

from accounts.forms import MailingAddressMixin
from accounts.models import Utility, UtilityOffering
from accounts.services import MAILING_FIELDS
from utilityclerk import business_day
from utilityclerk.forms import (
    DateField,
    DecimalField,
    IdempotencyKeyField,
    IntegerField,
    MoneyField,
    ascii_digits,
)
from workorders.models import WorkOrderKind, WorkOrderStatus
from workorders.service_changes import STOP_REASONS

DATE = forms.DateInput(attrs={"type": "date"})


class UtilitiesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Utility.choices, label="Utilities", **kwargs)
        self.error_messages["required"] = "Choose at least one utility."


class StartServiceForm(forms.Form):
    utilities = UtilitiesField()
    start_date = DateField(label="Start date", widget=DATE)
    owner_with_proof = forms.BooleanField(
        required=False,
        label="Residential owner with proof of ownership (no deposit)",
    )
    instructions = forms.CharField(
        required=False,
        max_length=300,
        label="Notes for the crew",
        help_text="Gate code, dog, meter location…",
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, customer_class=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start_date"].initial = business_day.today
        # What the city provides, and what it starts for this class of customer (Admin:
        # Utilities offered).
        self.fields["utilities"].choices = UtilityOffering.offered_choices()
        self.fields["utilities"].initial = UtilityOffering.defaults_for(customer_class)


class CustomerChoiceForm(forms.Form):
    """New customer, or the one the clerk came from (customer page or account page)."""

    customer = IntegerField(required=False, widget=forms.HiddenInput)


class StopServiceForm(MailingAddressMixin, forms.Form):
    """The stop date, why, and where the final bill goes (it becomes the mailing address)."""

    stop_date = DateField(label="Stop date", widget=DATE)
    reason = forms.ChoiceField(
        label="Why is the service stopping?", choices=[("", "Choose…"), *STOP_REASONS]
    )
    mail_street = forms.CharField(max_length=120, label="Forwarding street (for the final bill)")
    mail_unit = forms.CharField(max_length=20, required=False, label="Forwarding unit")
    mail_city = forms.CharField(max_length=60, label="Forwarding city")
    mail_state = forms.CharField(max_length=2, label="Forwarding state")
    mail_zip = forms.CharField(max_length=10, label="Forwarding ZIP")
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stop_date"].initial = business_day.today
        self.fields["stop_date"].widget.attrs["data-autofocus"] = ""
        self.fields["reason"].error_messages["required"] = "Choose why the service stops."

    def forwarding_address(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in MAILING_FIELDS}


class TransferForm(forms.Form):
    move_date = DateField(label="Stop date at the old address", widget=DATE)
    start_date = DateField(
        label="Start date at the new address",
        widget=DATE,
        required=False,
        help_text="Blank: the same day.",
    )
    utilities = UtilitiesField()
    owner_with_proof = forms.BooleanField(
        required=False, label="Owner with proof of ownership at the new address (no deposit)"
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["move_date"].initial = business_day.today
        self.fields["utilities"].choices = UtilityOffering.offered_choices()


def _id_choices(rows, blank):
    return [("", blank), *((str(r.pk), r.name + ("" if r.active else " (inactive)")) for r in rows)]


STATUS_FILTER_CHOICES = [
    ("todo", "Still to do"),
    *WorkOrderStatus.choices,
    ("all", "All"),
]


class BoardFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False, label="Status")
    type = forms.ChoiceField(
        choices=[("", "All types"), *WorkOrderKind.choices], required=False, label="Type"
    )
    crew = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Crew")
    vendor = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Vendor")
    due_by = DateField(required=False, label="Due by", widget=DATE)
    overdue = forms.BooleanField(required=False, label="Overdue only")

    def __init__(self, *args, crews=(), vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["crew"].choices = _id_choices(crews, "Any crew")
        self.fields["vendor"].choices = _id_choices(vendors, "Any vendor")


class AssignForm(forms.Form):
    crew = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Crew")
    vendor = forms.TypedChoiceField(coerce=int, empty_value=None, required=False, label="Vendor")
    scheduled_for = DateField(required=False, label="Scheduled for", widget=DATE)

    def __init__(self, *args, crews=(), vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Inactive crews and vendors are still offered, so choosing one gets a clear refusal
        # rather than a silently missing option.
        self.fields["crew"].choices = _id_choices(crews, "Choose a crew")
        self.fields["vendor"].choices = _id_choices(vendors, "or a vendor")
        self.crews = {c.pk: c for c in crews}
        self.vendors = {v.pk: v for v in vendors}

    def clean(self):
        data = super().clean()
        if data.get("crew") and data.get("vendor"):
            self.add_error("vendor", "Choose a crew or a vendor, not both.")
        return data

    def assignee(self):
        return self.crews.get(self.cleaned_data.get("crew")), self.vendors.get(
            self.cleaned_data.get("vendor")
        )


class BulkForm(AssignForm):
    action = forms.ChoiceField(
        choices=[("schedule", "Schedule"), ("dispatch", "Dispatch")], label="Action"
    )
    orders = forms.TypedMultipleChoiceField(coerce=int, label="Orders")

    def __init__(self, *args, order_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["orders"].choices = [(str(pk), str(pk)) for pk in order_ids]
        self.fields["orders"].error_messages["required"] = "Tick the orders to act on first."
        self.fields["orders"].error_messages["invalid_choice"] = "Tick the orders to act on first."


READ_DIGITS = re.compile(r"\d+(\.\d{1,2})?")


class CompleteForm(forms.Form):
    read = DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        label="Meter read",
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "class": "amount"}
        ),
    )
    rollover = forms.BooleanField(required=False, label="Meter rolled over (read is past 9999…)")
    high_read_checked = forms.BooleanField(
        required=False, label="I checked the dials: this high read is right"
    )
    done_on = DateField(label="Done on", widget=DATE)
    notes = forms.CharField(
        required=False, max_length=2000, label="Notes", widget=forms.Textarea(attrs={"rows": 3})
    )
    cost = MoneyField(required=False, allow_zero=True, label="Vendor's cost")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = business_day.today
        self.fields["read"].error_messages["min_value"] = "A meter read cannot be negative."
        self.fields["read"].error_messages["invalid"] = "Enter the read as digits, like 10234."

    def clean_read(self):
        # DecimalField takes "12e3"; a meter shows digits, so only digits (and a decimal
        # part, for meters that have one) are a read.
        raw = ascii_digits(self.data.get(self.add_prefix("read")) or "").replace(",", "").strip()
        if raw and not READ_DIGITS.fullmatch(raw):
            raise forms.ValidationError(self.fields["read"].error_messages["invalid"])
        return self.cleaned_data["read"]


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is it cancelled?")


class SendBackForm(forms.Form):
    note = forms.CharField(max_length=200, label="Why could it not be done?")


class MonthForm(forms.Form):
    month = DateField(
        label="Month",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
