from django import forms

from payments.refunds.models import RefundSource
from utilityclerk import business_day
from utilityclerk.forms import DateField, IdempotencyKeyField, MoneyField


class RequestRefundForm(forms.Form):
    amount = MoneyField(label="Amount to refund")
    source = forms.ChoiceField(
        label="Where the credit came from",
        choices=[
            (RefundSource.CREDIT_BALANCE, "An overpayment (credit balance)"),
            (RefundSource.DEPOSIT, "A deposit left over"),
        ],
        initial=RefundSource.CREDIT_BALANCE,
    )
    reason = forms.CharField(label="Why it is refunded", max_length=200)
    payee_name = forms.CharField(
        label="Pay to", max_length=120, help_text="The customer unless you change it."
    )
    mailing_address = forms.CharField(
        label="Mail the check to",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The account's mailing address unless you change it.",
    )
    payee_reason = forms.CharField(
        label="Why another payee or address",
        max_length=200,
        required=False,
        help_text="Needed only when the check goes to someone else or elsewhere.",
    )
    idempotency_key = IdempotencyKeyField()


REASON_LABELS = {
    "reject": "Why it is rejected",
    "cancel": "Why the request is cancelled",
    "void": "Why it is voided",
}


class ReasonForm(forms.Form):
    """Reject, cancel and void each need a reason for the audit trail."""

    reason = forms.CharField(label="Reason", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = REASON_LABELS.get(self.prefix, "Reason")


class CashedForm(forms.Form):
    cashed_on = DateField(
        label="Cashed on",
        required=False,
        latest=business_day.today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Empty: the check has not been cashed.",
    )
