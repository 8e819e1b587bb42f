"""Parsing what clerks key into the payment screens."""

import re

from django import forms

from accounts.models import Account
from payments.models import Channel, Drawer, TenderKind
from payments.other_payments import field_name
from payments.queries import parse_receipt_number
from payments.tenders import CARD_NUMBER_MESSAGE, TenderInput, looks_like_card_number
from utilityclerk.forms import (
    AmountInput,
    AsciiCodeField,
    DigitsField,
    IdempotencyKeyField,
    IntegerField,
    MoneyField,
)
from utilityclerk.money import ZERO, format_money

# Fields never scanned for card numbers: the hidden key and the CSRF token are machine-made.
_NOT_SCANNED = {"csrfmiddlewaretoken", "idempotency_key"}


class CardNumberScrubbingForm(forms.Form):
    """Drops anything shaped like a full card number before validation, so it is neither
    passed on, stored, logged in an error report, nor echoed back into the page."""

    def __init__(self, data=None, *args, **kwargs):
        self.scrubbed: list[str] = []
        if data is not None:
            data = data.copy()
            for key in list(data.keys()):
                if key not in _NOT_SCANNED and any(
                    looks_like_card_number(v) for v in data.getlist(key)
                ):
                    data[key] = ""
                    self.scrubbed.append(key)
        super().__init__(data, *args, **kwargs)

    def clean(self):
        data = super().clean()
        for key in self.scrubbed:
            self.add_error(key if key in self.fields else None, CARD_NUMBER_MESSAGE)
        return data


class TakePaymentForm(CardNumberScrubbingForm):
    amount = MoneyField(label="Payment amount", widget=AmountInput({"data-autofocus": True}))
    channel = forms.ChoiceField(
        label="Taken",
        choices=[
            (Channel.COUNTER.value, "At the counter"),
            (Channel.PHONE.value, "By phone (card)"),
        ],
        initial=Channel.COUNTER,
    )
    cash_tendered = MoneyField(label="Cash tendered", required=False)
    check_amount = MoneyField(label="Check amount", required=False)
    check_number = DigitsField(label="Check number", max_length=20, required=False)
    money_order_amount = MoneyField(label="Money order amount", required=False)
    money_order_number = DigitsField(label="Money order number", max_length=20, required=False)
    card_amount = MoneyField(label="Card amount", required=False)
    # No max length here: a browser would silently cut a full card number to its first four
    # digits. The server sees what was typed and refuses anything but four digits.
    card_last4 = DigitsField(
        label="Card last 4",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": 4}),
    )
    card_auth_code = AsciiCodeField(
        label="Authorization code",
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    memo = forms.CharField(label="Memo", max_length=200, required=False)
    idempotency_key = IdempotencyKeyField()
    # The large change the clerk was shown and confirmed; posted with the confirming Enter.
    change_confirmed = MoneyField(required=False, widget=forms.HiddenInput)

    TENDERS = [
        (TenderKind.CASH, "cash_tendered", None),
        (TenderKind.CHECK, "check_amount", "check_number"),
        (TenderKind.MONEY_ORDER, "money_order_amount", "money_order_number"),
        (TenderKind.CARD, "card_amount", None),
    ]

    def __init__(self, data=None, *args, purposes=(), **kwargs):
        """`purposes`: (AccountPurpose, PurposeOffer) pairs the account may pay beside its
        balance (a deposit still owed): a field each, and the payment may then put nothing
        on the balance itself."""
        super().__init__(data, *args, **kwargs)
        self.purposes = list(purposes)
        for purpose, offer in self.purposes:
            self.fields[field_name(purpose.code)] = MoneyField(
                label=purpose.field_label,
                required=False,
                allow_zero=True,
                help_text=offer.note,
                # The change due sums these with the amount (take form's hx-include).
                widget=AmountInput({"class": "amount purpose-amount"}),
            )
        if self.purposes and "amount" in self.fields:
            amount = self.fields["amount"]
            amount.required, amount.allow_zero = False, True
            amount.label = "On the account"

    def purpose_fields(self) -> list:
        """(bound field, offer) for each purpose, for the dialog."""
        return [(self[field_name(p.code)], offer) for p, offer in self.purposes]

    def purpose_amounts(self) -> dict:
        """What the clerk put to each purpose: {code: amount}, zeros left out."""
        data = self.cleaned_data
        return {
            purpose.code: data[field_name(purpose.code)]
            for purpose, _ in self.purposes
            if data.get(field_name(purpose.code))
        }

    def clean_card_last4(self):
        value = self.cleaned_data["card_last4"].strip()
        if value and not re.fullmatch(r"\d{4}", value):
            raise forms.ValidationError("Enter exactly the last four digits of the card.")
        return value

    def clean_card_auth_code(self):
        value = self.cleaned_data["card_auth_code"].strip().upper()
        if value and not (value.isascii() and value.isalnum()):
            raise forms.ValidationError("The authorization code is letters and digits only.")
        return value

    def clean(self):
        data = super().clean()
        # A number keyed without its amount: say which amount is missing, unless that field
        # already has its own error.
        for kind, amount_name, number_name in self.TENDERS:
            missing = number_name and data.get(number_name) and not data.get(amount_name)
            if missing and amount_name not in self.errors:
                self.add_error(amount_name, f"Enter the {kind.label.lower()} amount.")
        card_details = data.get("card_last4") or data.get("card_auth_code")
        if card_details and not data.get("card_amount") and "card_amount" not in self.errors:
            self.add_error("card_amount", "Enter the card amount.")
        if self.purposes:
            for purpose, offer in self.purposes:
                name = field_name(purpose.code)
                value = data.get(name)
                if value and value > offer.most and name not in self.errors:
                    self.add_error(
                        name,
                        f"At most {format_money(offer.most)} of the "
                        f"{purpose.field_label.lower()} is still owed.",
                    )
            if "amount" not in self.errors and not any(
                self.errors.get(field_name(p.code)) for p, _ in self.purposes
            ):
                data["amount"] = data.get("amount") or ZERO
                if data["amount"] + sum(self.purpose_amounts().values(), ZERO) <= ZERO:
                    self.add_error("amount", "The amount must be more than $0.00.")
        return data

    def tenders(self) -> list[TenderInput]:
        data = self.cleaned_data
        tenders = []
        for kind, amount_name, number_name in self.TENDERS:
            if data.get(amount_name):
                tenders.append(
                    TenderInput(
                        kind=kind.value,
                        amount=data[amount_name],
                        number=data.get(number_name, "") if number_name else "",
                        card_last4=data.get("card_last4", "") if kind == TenderKind.CARD else "",
                        card_auth_code=data.get("card_auth_code", "")
                        if kind == TenderKind.CARD
                        else "",
                    )
                )
        return tenders


class OpenDrawerForm(forms.Form):
    drawer = forms.ModelChoiceField(
        queryset=Drawer.objects.filter(active=True),
        empty_label="Choose a drawer",
        label="Drawer",
    )
    opening_float = MoneyField(label="Opening float counted", allow_zero=True)


class ReasonForm(CardNumberScrubbingForm):
    reason = forms.CharField(
        label="Reason", max_length=200, widget=forms.TextInput(attrs={"data-autofocus": True})
    )


class ReturnForm(ReasonForm):
    """What came back and why. Which check or card is asked only of a payment made with
    more than one."""

    tender = forms.TypedChoiceField(label="Which came back", coerce=int, required=False)

    def __init__(self, *args, payment, **kwargs):
        super().__init__(*args, **kwargs)
        returnable = payment.returnable_tenders()
        if len(returnable) > 1:
            self.fields["tender"].required = True
            self.fields["tender"].choices = [("", "Choose…")] + [
                (
                    t.pk,
                    f"{t.get_kind_display()}{f' #{t.number}' if t.number else ''}"
                    f"{f' ****{t.card_last4}' if t.card_last4 else ''} · {format_money(t.amount)}",
                )
                for t in returnable
            ]
        else:
            del self.fields["tender"]


class ReceiptLookupForm(CardNumberScrubbingForm):
    receipt = forms.CharField(label="Receipt number", max_length=40)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "receipt" in self.scrubbed:
            self.fields["receipt"].required = False  # the card-number message says it all

    def clean_receipt(self):
        if "receipt" in self.scrubbed:
            return None
        number = parse_receipt_number(self.cleaned_data["receipt"])
        if number is None:
            raise forms.ValidationError("Enter a receipt number, like R100234.")
        return number


class MailBatchForm(forms.Form):
    channel = forms.ChoiceField(
        label="Came by",
        choices=[(Channel.MAIL.value, "Mail"), (Channel.DROP_BOX.value, "Drop box")],
    )
    control_count = IntegerField(label="Control count", min_value=1, max_value=10000)
    control_total = MoneyField(label="Control total")


class BatchControlsForm(forms.Form):
    control_count = IntegerField(label="Control count", min_value=1, max_value=10000)
    control_total = MoneyField(label="Control total")


class BatchItemForm(CardNumberScrubbingForm):
    account = DigitsField(
        label="Account number",
        max_length=12,
        widget=forms.TextInput(attrs={"data-autofocus": True, "inputmode": "numeric"}),
    )
    kind = forms.ChoiceField(
        label="Tender",
        choices=[(TenderKind.CHECK.value, "Check"), (TenderKind.MONEY_ORDER.value, "Money order")],
    )
    amount = MoneyField(label="Amount")
    number = DigitsField(label="Check / MO number", max_length=20)

    def clean_account(self):
        digits = re.sub(r"\D", "", self.cleaned_data["account"])
        account = (
            Account.objects.select_related("customer").filter(number=digits).first()
            if len(digits) == 8
            else None
        )
        if account is None:
            raise forms.ValidationError("No account has that number; check the stub.")
        return account
