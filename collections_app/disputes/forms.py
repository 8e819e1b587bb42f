from django import forms

from accounts.models import AdjustmentReason
from collections_app.disputes.models import (
    DOCUMENT_MAX_BYTES,
    Agency,
    AppealDecision,
    CaseKind,
    DocumentKind,
    InvestigationStep,
    Outcome,
    PartyType,
    ReceivedVia,
)
from collections_app.disputes.services import CREDIT_REASONS
from utilityclerk.forms import DateField, IdempotencyKeyField, MoneyField
from utilityclerk.money import format_money


class OpenCaseForm(forms.Form):
    kind = forms.ChoiceField(label="About", choices=[("", "Choose…"), *CaseKind.choices])
    bill = forms.TypedChoiceField(label="Bill", required=False, coerce=int, empty_value=None)
    charge = forms.TypedChoiceField(label="Charge", required=False, coerce=int, empty_value=None)
    amount = MoneyField(
        label="Amount disputed",
        required=False,
        help_text="Never more than the bill or charge. None for a service problem.",
    )
    words = forms.CharField(
        label="In the customer's own words",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    received_via = forms.ChoiceField(label="Came in by", choices=ReceivedVia.choices)
    party_type = forms.ChoiceField(label="Raised by", choices=PartyType.choices)
    party_name = forms.CharField(
        label="Official or agency",
        required=False,
        max_length=120,
        help_text="Their name, when raised on the customer's behalf.",
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, bills=(), charges=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bills = {b.pk: b for b in bills}
        self.charges = {c.pk: c for c in charges}
        self.fields["bill"].choices = [("", "—")] + [
            (b.pk, f"{b.number} · {b.bill_date:%m/%d/%Y} · {format_money(b.total)}") for b in bills
        ]
        self.fields["charge"].choices = [("", "—")] + [
            (
                c.pk,
                f"{c.get_kind_display()} · {c.business_date:%m/%d/%Y} · {format_money(c.amount)}",
            )
            for c in charges
        ]

    def clean_bill(self):
        pk = self.cleaned_data.get("bill")
        return self.bills.get(pk) if pk else None

    def clean_charge(self):
        pk = self.cleaned_data.get("charge")
        return self.charges.get(pk) if pk else None


class AcknowledgeForm(forms.Form):
    how = forms.CharField(
        label="How the customer was told",
        max_length=120,
        help_text="Letter mailed, call, e-mail.",
    )


class NoteForm(forms.Form):
    text = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class InvestigateForm(forms.Form):
    step = forms.ChoiceField(label="Step", choices=InvestigationStep.choices)
    instructions = forms.CharField(label="For the crew", required=False, max_length=200)


class DocumentForm(forms.Form):
    file = forms.FileField(label="File (PDF, JPEG or PNG, at most 10 MB)")
    kind = forms.ChoiceField(
        label="What it is",
        choices=[c for c in DocumentKind.choices if c[0] != DocumentKind.OUTCOME_LETTER],
    )
    note = forms.CharField(label="Note", required=False, max_length=200)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > DOCUMENT_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the most is "
                f"{DOCUMENT_MAX_BYTES // 1024 // 1024} MB."
            )
        return upload


class LeakForm(forms.Form):
    bills = forms.TypedMultipleChoiceField(
        label="Bills the leak ran up", coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, bills=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.bill_rows = {b.pk: b for b in bills}
        self.fields["bills"].choices = [
            (b.pk, f"{b.number} · {b.bill_date:%m/%d/%Y} · {format_money(b.total)}") for b in bills
        ]

    def chosen_bills(self):
        return [self.bill_rows[pk] for pk in self.cleaned_data.get("bills", [])]


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose…"), *Outcome.choices])
    reason = forms.CharField(
        label="Reason (goes in the letter)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    credit = MoneyField(label="Credit to give", required=False)
    credit_reason = forms.ChoiceField(
        label="Credit for",
        choices=[(c, AdjustmentReason(c).label) for c in CREDIT_REASONS],
        required=False,
    )


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label="The customer's grounds", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    hearing_on = DateField(label="Hearing date", widget=forms.DateInput(attrs={"type": "date"}))
    officer = forms.CharField(label="Hearing officer", max_length=120)


class DecideAppealForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[("", "Choose…"), *AppealDecision.choices]
    )
    note = forms.CharField(
        label="Reasons (go in the letter)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    credit = MoneyField(label="Credit the decision gives", required=False)


class ReferForm(forms.Form):
    agency = forms.ModelChoiceField(label="Refer to", queryset=Agency.objects.filter(active=True))
    reason = forms.CharField(label="Why", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    follow_up_on = DateField(label="Follow up on", widget=forms.DateInput(attrs={"type": "date"}))


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Their answer", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReportForm(forms.Form):
    start = DateField(label="Opened from", widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="to", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "The end is before the start.")
        return data
