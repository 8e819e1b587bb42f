"""Report filters. Each report's form is made from these fields, so a date range reads and
checks the same everywhere; cleaned_data is what the report's query receives."""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import validate_email

from accounts.models import (
    AccountStatus,
    AdjustmentReason,
    CustomerClass,
    EntryKind,
    Utility,
)
from accounts.models.contact import ContactCategory, PartyType
from payments.models import Channel, Drawer, PaymentStatus, TenderKind
from utilityclerk import business_day
from utilityclerk.forms import DateField
from workorders.models import Crew, Vendor, WorkOrderKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _any(choices, label="Any"):
    return [("", label), *choices]


def _users():
    return get_user_model().objects.filter(is_active=True).order_by("username")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.get_username()


class ReportForm(forms.Form):
    """Base: a report form is valid with no input at all when every field has a default."""

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name, field in self.fields.items():
            if not field.required and name not in (data or {}):
                continue
            field.widget.attrs.setdefault("autocomplete", "off")


PERIODS = [
    ("", "The dates below"),
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("last_7", "The last 7 days"),
    ("last_30", "The last 30 days"),
    ("this_month", "This month so far"),
    ("last_month", "Last month"),
]


def period_bounds(period: str, today):
    """A period named in words, as dates: a saved report of "last month" means the month
    before the day it runs."""
    first_of_month = today.replace(day=1)
    match period:
        case "today":
            return today, today
        case "yesterday":
            return today - timedelta(days=1), today - timedelta(days=1)
        case "last_7":
            return today - timedelta(days=6), today
        case "last_30":
            return today - timedelta(days=29), today
        case "this_month":
            return first_of_month, today
        case "last_month":
            end = first_of_month - timedelta(days=1)
            return end.replace(day=1), end
    return None


class DateRangeForm(ReportForm):
    period = forms.ChoiceField(label="Period", choices=PERIODS, required=False)
    start = DateField(label="From", widget=DATE, required=False)
    end = DateField(label="To", widget=DATE, required=False)
    default_days = 30
    max_days = 3 * 366

    def clean(self):
        data = super().clean()
        today = business_day.today()
        bounds = period_bounds(data.get("period") or "", today)
        if bounds and not self.errors:
            data["start"], data["end"] = bounds
        if not self.errors:
            data["end"] = data.get("end") or today
            data["start"] = data.get("start") or data["end"] - timedelta(days=self.default_days)
            if data["start"] > data["end"]:
                self.add_error("end", "The end date must be on or after the start date.")
            elif self.max_days and (data["end"] - data["start"]).days > self.max_days:
                self.add_error("start", f"Choose at most {self.max_days // 366} years.")
        return data


class PaymentsForm(DateRangeForm):
    default_days = 0
    channel = forms.ChoiceField(choices=_any(Channel.choices), required=False)
    tender = forms.ChoiceField(choices=_any(TenderKind.choices), required=False)
    clerk = UserChoiceField(queryset=_users(), required=False, empty_label="Any")
    drawer = forms.ModelChoiceField(
        queryset=Drawer.objects.all(), required=False, empty_label="Any"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clerk"].queryset = _users()


class VoidsReturnsForm(DateRangeForm):
    status = forms.ChoiceField(
        label="What",
        choices=_any(
            [(PaymentStatus.VOIDED, "Voids"), (PaymentStatus.RETURNED, "Returns")], "Both"
        ),
        required=False,
    )
    clerk = UserChoiceField(queryset=_users(), required=False, empty_label="Any")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clerk"].queryset = _users()


class AdjustmentsForm(DateRangeForm):
    reason = forms.ChoiceField(choices=_any(AdjustmentReason.choices), required=False)
    approver = UserChoiceField(
        label="Approved by", queryset=_users(), required=False, empty_label="Any"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = _users()


class AgingForm(ReportForm):
    as_of = DateField(
        label="As of",
        widget=DATE,
        required=False,
        help_text="Empty: now, as the account page shows it.",
    )
    customer_class = forms.ChoiceField(
        label="Customer class", choices=_any(CustomerClass.choices), required=False
    )
    utility = forms.ChoiceField(label="Has utility", choices=_any(Utility.choices), required=False)


class AgingDetailForm(AgingForm):
    past_due_only = forms.BooleanField(label="Only accounts past due", required=False)


class CustomerCountsForm(ReportForm):
    customer_class = forms.ChoiceField(
        label="Customer class", choices=_any(CustomerClass.choices), required=False
    )
    status = forms.ChoiceField(
        label="Account status", choices=_any(AccountStatus.choices), required=False
    )
    utility = forms.ChoiceField(label="Has utility", choices=_any(Utility.choices), required=False)


class WorkOrdersForm(DateRangeForm):
    type = forms.ChoiceField(label="Type", choices=_any(WorkOrderKind.choices), required=False)
    crew = forms.ModelChoiceField(queryset=Crew.objects.all(), required=False, empty_label="Any")
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.all(), required=False, empty_label="Any"
    )

    def clean(self):
        data = super().clean()
        if data.get("crew") and data.get("vendor"):
            self.add_error("vendor", "Choose a crew or a vendor, not both.")
        return data


class VendorScorecardForm(DateRangeForm):
    vendor = forms.ModelChoiceField(
        queryset=Vendor.objects.all(), required=False, empty_label="Every vendor"
    )


class ContactsForm(DateRangeForm):
    party_type = forms.ChoiceField(
        label="Party type", choices=_any(PartyType.choices), required=False
    )
    category = forms.ChoiceField(
        label="Topic", choices=_any(ContactCategory.choices), required=False
    )


class AuditTrailForm(DateRangeForm):
    account = forms.CharField(
        label="Account number", required=False, max_length=20, help_text="Or choose a user."
    )
    user = UserChoiceField(label="User", queryset=_users(), required=False, empty_label="Any")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _users()

    def clean_account(self):
        from accounts.models import Account
        from accounts.validation import account_number_problem

        typed = (self.cleaned_data.get("account") or "").strip()
        if not typed:
            return None
        digits = "".join(ch for ch in typed if ch.isdigit())
        problem = account_number_problem(digits) if len(digits) == 8 else None
        if len(digits) != 8 or problem:
            raise forms.ValidationError(problem or "Type the 8-digit account number.")
        account = Account.objects.filter(number=digits).first()
        if account is None:
            raise forms.ValidationError("No account has that number.")
        return account

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("account") and not data.get("user"):
            self.add_error("account", "Type an account number or choose a user.")
        return data


class LedgerExportForm(DateRangeForm):
    """Every ledger row of a period, however long: the CSV streams."""

    default_days = 0
    max_days = None
    kind = forms.ChoiceField(
        label="Entry kind",
        choices=_any(EntryKind.choices),
        required=False,
    )


# Saved and scheduled reports ---------------------------------------------------------


class SaveReportForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name", help_text="Like “Council contacts, May”.")


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=[("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")]
    )
    format = forms.ChoiceField(
        label="Send as", choices=[("pdf", "PDF"), ("csv", "CSV")], initial="pdf"
    )
    recipients = forms.CharField(
        label="E-mail to",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One or more addresses, separated by commas or new lines.",
        max_length=2000,
    )
    first_on = DateField(label="First send on", widget=DATE)

    def clean_recipients(self):
        text = self.cleaned_data["recipients"]
        addresses = [a.strip() for a in text.replace("\n", ",").split(",") if a.strip()]
        if not addresses:
            raise forms.ValidationError("Type at least one e-mail address.")
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                bad.append(address)
        if bad:
            raise forms.ValidationError(f"Not an e-mail address: {', '.join(bad)}.")
        if len(addresses) > 50:
            raise forms.ValidationError("At most 50 addresses.")
        return addresses

    def clean_first_on(self):
        day = self.cleaned_data["first_on"]
        if day < business_day.today():
            raise forms.ValidationError("Choose today or a later day.")
        return day


class DayForm(ReportForm):
    day = DateField(label="Business day", widget=DATE, required=False)

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["day"] = data.get("day") or business_day.today()
        return data
