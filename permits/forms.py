"""Parsing what clerks and inspectors key into the permit screens."""

from django import forms

from accounts.forms import PremiseAddressMixin
from accounts.models import Account
from accounts.models.customer import PremiseType
from payments.forms import TakePaymentForm
from permits.models import (
    Contractor,
    HydrantMeter,
    PermitKind,
    PermitStatus,
    PermitType,
)
from utilityclerk.forms import DateField, IdempotencyKeyField

DATE = forms.DateInput(attrs={"type": "date"})


class DeskFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("open", "Open (not ended)"),
            ("expiring", "Issued, expiring soon"),
            ("", "Any status"),
            *PermitStatus.choices,
        ],
        required=False,
        label="Status",
    )
    permit_type = forms.ChoiceField(required=False, label="Type")
    q = forms.CharField(required=False, max_length=100, label="Number, street or contractor")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["permit_type"].choices = [("", "Any type"), *PermitKind.choices]


class IntakeForm(PremiseAddressMixin, forms.Form):
    """Type, site, applicant and the type's own questions. Built for the chosen type: its
    sizes, whether it asks for days, and its details become fields."""

    permit_type = forms.ModelChoiceField(
        queryset=PermitType.objects.filter(active=True),
        label="Permit type",
        empty_label="Choose a type",
    )
    applicant = forms.ChoiceField(
        choices=[("contractor", "Contractor"), ("customer", "Customer (by account)")],
        initial="contractor",
        widget=forms.RadioSelect,
        label="Applicant",
    )
    contractor = forms.ModelChoiceField(
        queryset=Contractor.objects.all(), required=False, label="Contractor", empty_label="Choose"
    )
    account_number = forms.CharField(
        max_length=12, required=False, label="Customer's account number"
    )
    house_number = forms.CharField(max_length=12, label="House number")
    street = forms.CharField(max_length=100, label="Street")
    unit = forms.CharField(max_length=20, required=False, label="Unit")
    city = forms.CharField(max_length=60, label="City", initial="CIBOLO")
    state = forms.CharField(max_length=2, label="State", initial="TX")
    zip_code = forms.CharField(max_length=10, label="ZIP")
    premise_type = forms.ChoiceField(
        choices=PremiseType.choices,
        label="Premise type (if new construction)",
        initial=PremiseType.SINGLE_FAMILY,
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, permit_type: PermitType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.permit_type = permit_type
        self.detail_names: list[tuple[str, str]] = []
        if permit_type is None:
            return
        fees = list(permit_type.fees.all())
        sizes = [f.size for f in fees if f.basis == "by_size"]
        if sizes:
            self.fields["size"] = forms.ChoiceField(
                choices=[("", "Choose a size"), *((s, s) for s in sizes)], label="Size"
            )
        if any(f.basis == "per_day" for f in fees):
            self.fields["days"] = forms.IntegerField(
                min_value=1,
                max_value=365,
                label="Days"
                + (
                    " (expected; charged for the days out)"
                    if permit_type.per_day_settled_at_return
                    else ""
                ),
            )
        for i, label in enumerate(permit_type.details_asked):
            name = f"detail_{i}"
            self.fields[name] = forms.CharField(max_length=200, label=label, required=True)
            self.detail_names.append((name, label))

    def clean(self):
        data = super().clean()
        if data.get("applicant") == "contractor" and not data.get("contractor"):
            self.add_error("contractor", "Choose the contractor.")
        if data.get("applicant") == "customer":
            digits = "".join(ch for ch in data.get("account_number", "") if ch.isdigit())
            account = (
                Account.objects.select_related("customer").filter(number=digits).first()
                if digits
                else None
            )
            if account is None:
                self.add_error("account_number", "No account has that number.")
            else:
                data["customer"] = account.customer
        return data

    def details(self) -> dict:
        return {label: self.cleaned_data.get(name, "") for name, label in self.detail_names}


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("deny", "Deny")], widget=forms.RadioSelect
    )
    reason = forms.CharField(max_length=300, required=False, label="Reason (needed to deny)")


class IssueForm(forms.Form):
    conditions = forms.CharField(
        max_length=2000,
        required=False,
        label="Conditions",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Printed on the permit: hours, traffic control, inspection calls…",
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=200, label="Why is it withdrawn?")


class PermitPaymentForm(TakePaymentForm):
    """The tenders for a permit's fees and deposit: the amount is what the permit owes."""

    amount = None
    channel = None


class ScheduleInspectionForm(forms.Form):
    on = DateField(label="Inspection date", widget=DATE)
    crew = forms.ModelChoiceField(queryset=None, label="Crew", empty_label="Choose a crew")

    def __init__(self, *args, crews=(), **kwargs):
        super().__init__(*args, **kwargs)
        from workorders.models import Crew

        self.fields["crew"].queryset = Crew.objects.filter(active=True)


class InspectionResultForm(forms.Form):
    result = forms.ChoiceField(
        choices=[("pass", "Pass"), ("fail", "Fail")], widget=forms.RadioSelect, label="Result"
    )
    notes = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Notes"
    )
    photo = forms.FileField(
        required=False,
        label="Photo (JPEG or PNG, up to 5 MB)",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    reinspect_on = DateField(
        required=False, widget=DATE, label="Re-inspection date (when it fails)"
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == "fail":
            if not (data.get("notes") or "").strip():
                self.add_error("notes", "Say what failed.")
            if not data.get("reinspect_on") and "reinspect_on" not in self.errors:
                self.add_error("reinspect_on", "A failed inspection needs a re-inspection date.")
        return data


class CheckoutForm(forms.Form):
    meter = forms.ModelChoiceField(
        queryset=HydrantMeter.objects.filter(active=True),
        label="Hydrant meter",
        empty_label="Choose a meter",
    )
    out_read = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=0, label="Read out (gallons)"
    )


class ReturnForm(forms.Form):
    return_read = forms.DecimalField(
        min_value=0, max_digits=12, decimal_places=0, label="Read back (gallons)"
    )


class BackflowDeviceForm(forms.Form):
    device_type = forms.CharField(max_length=40, label="Device type (RPZ, DCVA, PVB…)")
    size = forms.CharField(max_length=10, label="Size")
    serial = forms.CharField(max_length=40, label="Serial")
    location = forms.CharField(max_length=100, required=False, label="Location at the premise")
    next_test_due = DateField(widget=DATE, label="Next test due")


class BackflowTestForm(forms.Form):
    tested_on = DateField(widget=DATE, label="Tested on")
    tester_name = forms.CharField(max_length=80, label="Tester")
    tester_certification = forms.CharField(max_length=40, label="Tester's certification number")
    result = forms.ChoiceField(
        choices=[("pass", "Pass"), ("fail", "Fail")], widget=forms.RadioSelect, label="Result"
    )
    readings = forms.CharField(max_length=200, required=False, label="Readings (psid)")


class WillServeForm(PremiseAddressMixin, forms.Form):
    house_number = forms.CharField(max_length=12, required=False, label="House number")
    street = forms.CharField(max_length=100, required=False, label="Street")
    zip_code = forms.CharField(max_length=10, required=False, label="ZIP")
    parcel = forms.CharField(max_length=40, required=False, label="Parcel number (if no address)")
    requested_by = forms.CharField(max_length=120, label="Requested by")
    utilities = forms.CharField(max_length=100, label="Utilities", initial="Water, sewer")
    project = forms.CharField(max_length=200, label="Project (units, use, demand)")

    def clean_house_number(self):
        value = self.cleaned_data["house_number"].strip()
        return super().clean_house_number() if value else ""

    def clean_zip_code(self):
        value = self.cleaned_data["zip_code"].strip()
        return super().clean_zip_code() if value else ""


class LetterDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("issue", "Service is available: issue the letter"), ("deny", "Not available")],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(max_length=300, required=False, label="Note (printed; needed to deny)")


class ReportForm(forms.Form):
    start = DateField(widget=DATE, label="From")
    end = DateField(widget=DATE, label="To")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data


class RefundCheckForm(forms.Form):
    """Who a permit's refund check goes to: the applicant unless the clerk changes it."""

    payee_name = forms.CharField(label="Pay to", max_length=120)
    mailing_address = forms.CharField(
        label="Mail the check to", max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )
    idempotency_key = IdempotencyKeyField()
