from django import forms
from django.utils import timezone

from accounts.contacts import queries
from accounts.models import Contact
from accounts.models.contact import (
    ContactCategory,
    ContactChannel,
    ContactStatus,
    PartyType,
    Referral,
)
from utilityclerk import business_day
from utilityclerk.forms import DateField, DateTimeField, IdempotencyKeyField, ModelChoiceField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OWNER_REFUSED = "Choose a clerk or a supervisor to own the follow-up."


def _length(field: str, label: str) -> dict:
    limit = Contact._meta.get_field(field).max_length
    return {"max_length": f"The {label} can be at most {limit} characters (it has %(show_value)d)."}


def _limit(field: str) -> int:
    return Contact._meta.get_field(field).max_length


def _a_year_ago():
    return business_day.add_months(business_day.today(), -12)


def _a_year_ahead():
    return business_day.add_months(business_day.today(), 12)


class OwnerChoiceField(ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name() or user.get_username()


class ContactForm(forms.Form):
    """Log a contact. The fields a clerk fills on every call come first, in Tab order."""

    idempotency_key = IdempotencyKeyField()
    channel = forms.ChoiceField(
        label="Channel",
        choices=[("", "How did they reach us?"), *ContactChannel.choices],
        error_messages={"required": "Choose how they contacted us."},
    )
    party_type = forms.ChoiceField(
        label="Who",
        choices=[("", "Choose who it is"), *PartyType.choices],
        error_messages={"required": "Choose who contacted us."},
    )
    party_name = forms.CharField(
        label="Party name",
        max_length=_limit("party_name"),
        error_messages={
            "required": "Enter who contacted us.",
            **_length("party_name", "party name"),
        },
    )
    party_reach = forms.CharField(
        label="How to reach them",
        required=False,
        max_length=_limit("party_reach"),
        help_text="Phone, e-mail or address.",
        error_messages=_length("party_reach", "contact details"),
    )
    category = forms.ChoiceField(
        label="Category",
        choices=[("", "Choose a category"), *ContactCategory.choices],
        error_messages={"required": "Choose a category."},
    )
    subject = forms.CharField(
        label="Subject",
        max_length=_limit("subject"),
        error_messages={"required": "Enter the subject.", **_length("subject", "subject")},
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=_limit("notes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_length("notes", "notes"),
    )
    outcome = forms.CharField(
        label="Outcome",
        required=False,
        max_length=_limit("outcome"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What we told them or did.",
        error_messages=_length("outcome", "outcome"),
    )
    referred_to = forms.ChoiceField(label="Referred to", choices=Referral.choices, required=False)
    referral_note = forms.CharField(
        label="Referral detail",
        required=False,
        max_length=_limit("referral_note"),
        error_messages=_length("referral_note", "referral detail"),
    )
    follow_up_on = DateField(
        latest=_a_year_ahead,
        label="Follow up on",
        required=False,
        widget=DATE,
        help_text="Empty when settled during the contact.",
        error_messages={"invalid": "Enter the follow-up date as a date, like 2026-03-15."},
    )
    follow_up_owner = OwnerChoiceField(
        label="Follow-up owner",
        queryset=None,
        required=False,
        empty_label="Me",
        error_messages={"invalid_choice": OWNER_REFUSED},
    )
    # A letter answered late is logged within the year; a contact cannot come from tomorrow.
    contacted_at = DateTimeField(
        earliest=_a_year_ago,
        latest=business_day.today,
        label="When",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Change it for a letter or a message left earlier.",
        error_messages={"invalid": "Enter when as a date and time."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up_owner"].queryset = queries.follow_up_owners()
        self.fields["contacted_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["follow_up_on"].widget.attrs["min"] = business_day.today().isoformat()

    def clean_follow_up_on(self):
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < business_day.today():
            raise forms.ValidationError(
                "The follow-up date cannot be in the past; choose today or a later day."
            )
        return day

    def clean(self):
        data = super().clean()
        if (
            data.get("follow_up_owner")
            and not data.get("follow_up_on")
            and not self.has_error("follow_up_on")
        ):
            self.add_error("follow_up_on", "Give the follow-up a date.")
        return data


class CloseFollowUpForm(forms.Form):
    outcome = forms.CharField(
        label="Outcome",
        max_length=_limit("outcome"),
        widget=forms.Textarea(attrs={"rows": 3, "data-autofocus": ""}),
        help_text="What came of it: what we found, did or told them.",
        error_messages={"required": "Say what came of it.", **_length("outcome", "outcome")},
    )


class ReassignForm(forms.Form):
    owner = OwnerChoiceField(
        label="New owner",
        queryset=None,
        empty_label="Choose a clerk",
        error_messages={"required": "Choose who takes it over.", "invalid_choice": OWNER_REFUSED},
    )
    follow_up_on = DateField(
        latest=_a_year_ahead,
        label="Follow up on",
        required=False,
        widget=DATE,
        help_text="Leave empty to keep the date.",
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners if owners is not None else queries.follow_up_owners()

    def clean_follow_up_on(self):
        day = self.cleaned_data["follow_up_on"]
        if day is not None and day < business_day.today():
            raise forms.ValidationError("The follow-up date cannot be in the past.")
        return day


class AsOfForm(forms.Form):
    on = DateField(label="Due by", required=False, widget=DATE)


class ContactSearchForm(forms.Form):
    q = forms.CharField(
        label="Party or subject",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "data-autofocus": ""}),
    )
    category = forms.ChoiceField(
        label="Category", required=False, choices=[("", "Any"), *ContactCategory.choices]
    )
    party_type = forms.ChoiceField(
        label="Who", required=False, choices=[("", "Anyone"), *PartyType.choices]
    )
    channel = forms.ChoiceField(
        label="Channel", required=False, choices=[("", "Any"), *ContactChannel.choices]
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any"), *ContactStatus.choices]
    )
    start = DateField(label="From", required=False, widget=DATE)
    end = DateField(label="To", required=False, widget=DATE)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data


class ContactReportForm(forms.Form):
    start = DateField(
        label="From", widget=DATE, error_messages={"required": "Enter the first day."}
    )
    end = DateField(label="To", widget=DATE, error_messages={"required": "Enter the last day."})

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end date must be on or after the start date.")
        return data
