import contextlib
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import (
    AdjustmentReason,
    Customer,
    CustomerKind,
    PreferredContact,
)
from accounts.models.customer import PremiseType, unit_shown
from accounts.services import MAILING_FIELDS, AccountError, premise_key_on_file, premise_lookup
from accounts.validation import (
    format_phone,
    normalize_phone,
    normalize_state,
    normalize_zip,
)
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.forms import (
    AmountInput,
    DateField,
    IdempotencyKeyField,
    MoneyField,
    ascii_digits,
)


class MailingAddressMixin:
    def clean_mail_state(self):
        return normalize_state(self.cleaned_data["mail_state"])

    def clean_mail_zip(self):
        return normalize_zip(self.cleaned_data["mail_zip"])


class CustomerForm(MailingAddressMixin, forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "kind",
            "customer_class",
            "first_name",
            "last_name",
            "organisation_name",
            "phone",
            "alt_phone",
            "email",
            "preferred_contact",
            "language",
            "mail_street",
            "mail_unit",
            "mail_city",
            "mail_state",
            "mail_zip",
            "identity_checked_how",
            "medical_certificate_until",
            "life_support",
            "cash_only_until",
        ]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "alt_phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "medical_certificate_until": forms.DateInput(attrs={"type": "date"}),
            "cash_only_until": forms.DateInput(attrs={"type": "date"}),
            "mail_state": forms.TextInput(attrs={"size": 2, "maxlength": 2}),
        }
        help_texts = {
            "identity_checked_how": "Record only the kind of document, never its number.",
            "phone": "",
        }
        labels = {"email": "E-mail"}

    # The flags that hold back shut-off or refuse checks: a supervisor's decision.
    PROTECTION_FIELDS = ["medical_certificate_until", "life_support", "cash_only_until"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not user.has_perm("accounts.change_customer_protections"):
            for name in self.PROTECTION_FIELDS:
                del self.fields[name]
        # Widen the phone inputs: clerks type (210) 555-0100, which is longer than 10 digits.
        for name in ("phone", "alt_phone"):
            self.fields[name].max_length = 20
            self.fields[name].validators = []
            self.fields[name].widget.attrs["maxlength"] = 20
            # Shown as clerks read and type it, (210) 555-0100, not as stored.
            if self.initial.get(name):
                self.initial[name] = format_phone(self.initial[name])

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])

    @staticmethod
    def _days_a_protection_may_run(name) -> int:
        """From the policy: a medical certificate for its days and renewals, cash only for
        its months. A date beyond is a mistyped year; a date gone by protects nothing."""
        policy = Policy.current()
        if name == "medical_certificate_until":
            return policy.medical_certificate_days * (1 + policy.medical_certificate_renewals)
        today = business_day.today()
        return (business_day.add_months(today, policy.cash_only_months) - today).days

    def _protection_until(self, name):
        until = self.cleaned_data[name]
        if until is None or (self.instance.pk and until == getattr(self.instance, name)):
            return until  # unchanged: an old date may stand until a supervisor lifts it
        today = business_day.today()
        latest = today + timedelta(days=self._days_a_protection_may_run(name))
        if until < today:
            raise ValidationError(
                f"That date has passed: leave it blank, or give {today:%m/%d/%Y} or later."
            )
        if until > latest:
            raise ValidationError(f"At most {latest:%m/%d/%Y} (check the year).")
        return until

    def clean_medical_certificate_until(self):
        return self._protection_until("medical_certificate_until")

    def clean_cash_only_until(self):
        return self._protection_until("cash_only_until")

    def clean_alt_phone(self):
        return normalize_phone(self.cleaned_data["alt_phone"])

    def clean(self):
        data = super().clean()

        # A field that already has an error (too long, not a phone) keeps that one message:
        # "enter the first name" beside a name that was typed would contradict the clerk.
        def missing(name):
            return name not in self.errors and not (data.get(name) or "").strip()

        if data.get("kind") == CustomerKind.ORGANISATION:
            if missing("organisation_name"):
                self.add_error("organisation_name", "Enter the organisation's name.")
        else:
            if missing("first_name"):
                self.add_error("first_name", "Enter the first name.")
            if missing("last_name"):
                self.add_error("last_name", "Enter the last name.")
        # What the preferred way of reaching the customer needs, and only that: a customer who
        # prefers mail may have neither phone nor e-mail, and can still move house.
        preferred = data.get("preferred_contact")
        if preferred in (PreferredContact.PHONE, PreferredContact.TEXT) and missing("phone"):
            self.add_error("phone", "Enter a phone number, or choose another preferred contact.")
        if preferred == PreferredContact.EMAIL and missing("email"):
            self.add_error("email", "Enter an e-mail address, or choose another preferred contact.")
        return data


class PremiseAddressMixin:
    def clean_house_number(self):
        value = ascii_digits(self.cleaned_data["house_number"]).strip()
        if not value[:1].isdigit():
            raise ValidationError("A house number starts with a digit, like 123 or 123A.")
        return value

    def clean_state(self):
        return normalize_state(self.cleaned_data["state"])

    def clean_zip_code(self):
        return normalize_zip(self.cleaned_data["zip_code"])


class PremiseForm(PremiseAddressMixin, forms.Form):
    house_number = forms.CharField(max_length=12, label="House number")
    street = forms.CharField(max_length=100, label="Street")
    unit = forms.CharField(max_length=20, required=False, label="Unit")
    city = forms.CharField(max_length=60, label="City")
    state = forms.CharField(max_length=2, label="State", widget=forms.TextInput(attrs={"size": 2}))
    zip_code = forms.CharField(max_length=10, label="ZIP")
    premise_type = forms.ChoiceField(choices=PremiseType.choices, label="Premise type")


class ConfirmDuplicatesForm(forms.Form):
    confirm_duplicates = forms.BooleanField(
        required=False,
        label="I checked the possible duplicates: create a new customer and account anyway",
    )


class MailingAddressForm(MailingAddressMixin, forms.Form):
    mail_street = forms.CharField(max_length=120, label="Mailing street")
    mail_unit = forms.CharField(max_length=20, required=False, label="Mailing unit")
    mail_city = forms.CharField(max_length=60, label="Mailing city")
    mail_state = forms.CharField(max_length=2, label="Mailing state")
    mail_zip = forms.CharField(max_length=10, label="Mailing ZIP")


class AdjustmentForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[
            ("credit", "Credit (lowers the balance)"),
            ("debit", "Debit (raises the balance)"),
        ],
        widget=forms.RadioSelect,
        initial="credit",
    )
    amount = MoneyField(label="Amount", widget=AmountInput(attrs={"data-autofocus": ""}))
    reason_code = forms.ChoiceField(
        choices=[("", "Choose a reason"), *AdjustmentReason.choices], label="Reason"
    )
    memo = forms.CharField(max_length=200, label="Memo")
    idempotency_key = IdempotencyKeyField()

    def signed_amount(self):
        amount = self.cleaned_data["amount"]
        return -amount if self.cleaned_data["direction"] == "credit" else amount


class NoteForm(forms.Form):
    text = forms.CharField(max_length=2000, label="Note", widget=forms.Textarea(attrs={"rows": 3}))


class RejectAdjustmentForm(forms.Form):
    note = forms.CharField(max_length=200, label="Why is it rejected?")


class StatementForm(forms.Form):
    start = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        today = business_day.today()
        if data.get("end") and data["end"] > today:
            # Aged on a day still to come, every bill would read as long overdue.
            self.add_error("end", f"A statement runs to today ({today:%m/%d/%Y}) at the latest.")
        elif data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data


def premise_data(form: PremiseForm) -> dict:
    return {k: form.cleaned_data[k] for k in PremiseForm.base_fields}


MAIL_AT_SERVICE_ADDRESS = "mail_at_service_address"


def mailing_at_service_address(data, *, customer_prefix="customer", premise_prefix="premise"):
    """A new customer's form data with the mailing address copied from the service address
    beside it, when the clerk left "Mail bills to the service address" ticked (most
    customers get their mail where they get their water). Unticked, the data is as typed."""
    if data is None or not data.get(MAIL_AT_SERVICE_ADDRESS):
        return data
    data = data.copy()

    def typed(name):
        return data.get(f"{premise_prefix}-{name}", "").strip()

    # Written as the service address is kept, or as the premise on file it names:
    # "2411 n main" is mailed to 2411 N MAIN ST.
    key = premise_lookup(
        house_number=typed("house_number"),
        street=typed("street"),
        unit=typed("unit"),
        zip_code=typed("zip_code"),
    )
    with contextlib.suppress(AccountError):  # two streets of that name: asked beside the street
        key = premise_key_on_file(key)
    house, street, unit = key["house_number"], key["street"], key["unit"]
    data[f"{customer_prefix}-mail_street"] = f"{house} {street}".strip()
    data[f"{customer_prefix}-mail_unit"] = unit_shown(unit).strip()
    data[f"{customer_prefix}-mail_city"] = typed("city").upper()
    data[f"{customer_prefix}-mail_state"] = typed("state")
    data[f"{customer_prefix}-mail_zip"] = typed("zip_code")
    return data


def new_customer_context(request, customer_form) -> dict:
    """What the new-customer fields partial needs beside the form."""
    return {
        "customer_form": customer_form,
        "mail_fields": MAILING_FIELDS,
        # Ticked on a fresh form; on a re-rendered one, as the clerk left it.
        "mail_at_service": request.method != "POST"
        or bool(request.POST.get(MAIL_AT_SERVICE_ADDRESS)),
    }
