from django import forms

from payments.closeout.models import DENOMINATIONS
from payments.closeout.services import CountInput
from utilityclerk.core import signin
from utilityclerk.forms import IdempotencyKeyField, IntegerField, MoneyField


def denomination_field_name(value) -> str:
    return f"qty_{int(value * 100)}"


MOST_ITEMS = 10_000  # more checks or slips than any drawer holds in a day: a slip of the keys


def _item_count(label: str, what: str) -> IntegerField:
    # Blank and required, never prefilled with 0: a count that forgot the checks must not
    # submit as "no checks". A 0 is typed on purpose.
    return IntegerField(
        label=label,
        min_value=0,
        max_value=MOST_ITEMS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
        error_messages={
            "required": f"Count the {what}: type 0 if there are none.",
            "invalid": "Count whole items, like 12.",
            "min_value": "A count cannot be negative.",
            "max_value": f"More than {MOST_ITEMS:,}? Check the count.",
        },
    )


def _total(label: str, what: str) -> MoneyField:
    field = MoneyField(label=label, allow_zero=True)
    field.error_messages["required"] = f"Add up the {what}: type 0 if there are none."
    return field


class CountForm(forms.Form):
    """A blind count: quantity of each bill and coin, then checks, money orders and cards.
    Whole numbers only; the live total is shown by static/js/closeout.js, the server counts."""

    check_count = _item_count("Checks: how many", "checks")
    check_total = _total("Checks: total", "checks")
    money_order_count = _item_count("Money orders: how many", "money orders")
    money_order_total = _total("Money orders: total", "money orders")
    card_slip_count = _item_count("Card slips: how many", "card slips")
    card_total = _total("Card slips: total", "card slips")
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        denominations = {}
        for value, label in DENOMINATIONS:
            denominations[denomination_field_name(value)] = IntegerField(
                label=label,
                min_value=0,
                max_value=100_000,
                initial=0,
                widget=forms.NumberInput(
                    attrs={
                        "inputmode": "numeric",
                        "class": "qty",
                        "data-value": f"{value:.2f}",
                        "min": 0,
                        "step": 1,
                    }
                ),
                error_messages={
                    "invalid": "Count whole bills or coins, like 12.",
                    "min_value": "A count cannot be negative.",
                    "max_value": "More than 100,000? Check the count.",
                },
            )
        # Denominations first, in Tab order, then the non-cash totals.
        self.fields = {**denominations, **self.fields}

    @property
    def denomination_fields(self):
        return [self[denomination_field_name(value)] for value, _ in DENOMINATIONS]

    @property
    def other_fields(self):
        return [
            self[name]
            for name in self.fields
            if not name.startswith("qty_") and name != "idempotency_key"
        ]

    def to_input(self) -> CountInput:
        data = self.cleaned_data
        return CountInput(
            denominations={
                value: data[denomination_field_name(value)] or 0 for value, _ in DENOMINATIONS
            },
            check_count=data["check_count"] or 0,
            check_total=data["check_total"],
            money_order_count=data["money_order_count"] or 0,
            money_order_total=data["money_order_total"],
            card_slip_count=data["card_slip_count"] or 0,
            card_total=data["card_total"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Why is the drawer over or short?", max_length=300)


class VerifyForm(forms.Form):
    note = forms.CharField(label="Supervisor's note", max_length=300, required=False)
    recounted = forms.BooleanField(
        label="I recounted the drawer myself (enter my count below)", required=False
    )


class CashDropForm(forms.Form):
    amount = MoneyField(label="Cash dropped to the safe")
    witness_username = forms.CharField(label="Witnessing supervisor's username", max_length=150)
    witness_password = forms.CharField(
        label="Witness's password", widget=forms.PasswordInput(render_value=False), max_length=128
    )
    idempotency_key = IdempotencyKeyField()

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        username, password = data.get("witness_username"), data.get("witness_password")
        if username and password:
            # The witness signs in here: the same lock-out as the sign-in page, or this box
            # would be a way to guess a supervisor's password without limit.
            checked = signin.check_password(self.request, username=username, password=password)
            witness = checked.user
            if checked.locked_out:
                self.add_error(
                    "witness_password",
                    "Too many failed sign-ins for this user: try again later, or ask another "
                    "supervisor to witness.",
                )
                return data
            if witness is None:
                self.add_error(
                    "witness_password", "The witness's username or password is not right."
                )
            data["witness"] = witness
        return data


class DepositForm(forms.Form):
    bag_number = forms.CharField(label="Bag number", max_length=30)
    cash_total = MoneyField(label="Cash in the bag", allow_zero=True)
    check_total = MoneyField(label="Checks and money orders in the bag", allow_zero=True)


class VerifyDepositForm(forms.Form):
    """What the second supervisor counted in the bag, typed before it is compared."""

    cash_total = MoneyField(label="Cash you counted in the bag", allow_zero=True)
    check_total = MoneyField(label="Checks and money orders you counted", allow_zero=True)


class ReopenForm(forms.Form):
    reason = forms.CharField(label="Why reopen the day?", max_length=300)
