"""The deposit reports in the catalogue (screen, PDF, CSV): the deposit register (held per
account; its total is the deposit ledger's), the instalments due, and the letters of credit
and surety bonds expiring. The SQL is the deposits app's (payments.deposits.queries);
reports registers it, since payments sits below reports and may not import it."""

from datetime import timedelta

from django import forms

from accounts.models import CustomerClass
from payments.deposits import queries
from reports.catalogue import Column, Report, SqlQuery, register_report
from reports.forms import DATE, DateRangeForm, ReportForm, _any
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.forms import DateField, IntegerField

MONEY = "money"


class RegisterForm(ReportForm):
    as_of = DateField(
        label="As of", widget=DATE, required=False, help_text="Empty: today's business date."
    )
    customer_class = forms.ChoiceField(
        label="Customer class", choices=_any(CustomerClass.choices), required=False
    )
    include_returned = forms.BooleanField(
        label="Also accounts whose deposit was returned", required=False
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["as_of"] = data.get("as_of") or business_day.today()
        return data


class InstalmentsDueForm(DateRangeForm):
    default_days = 0
    unbilled_only = forms.BooleanField(label="Only those not yet billed", required=False)

    def clean(self):
        data = super().clean()
        if not self.errors and not self.data.get("start") and not data.get("period"):
            # By default: the year behind (what was billed) and the quarter ahead (every
            # instalment of a plan set up today).
            today = business_day.today()
            data["start"] = today - timedelta(days=365)
            data["end"] = today + timedelta(days=100)
        return data


class LettersForm(ReportForm):
    days = IntegerField(
        label="Expiring within (days)",
        required=False,
        min_value=0,
        max_value=3660,
        help_text="Empty: the policy's reminder days. Expired ones always show.",
    )

    def clean(self):
        data = super().clean()
        if not self.errors and data.get("days") is None:
            data["days"] = Policy.current().deposit_security_reminder_days
        return data


def _register(filters: dict) -> SqlQuery:
    sql, params = queries.register_sql(
        as_of=filters["as_of"],
        customer_class=filters.get("customer_class") or "",
        held_only=not filters.get("include_returned"),
    )
    return SqlQuery(sql, params)


def _instalments(filters: dict) -> SqlQuery:
    sql, params = queries.instalments_due(
        start=filters["start"], end=filters["end"], unbilled=bool(filters.get("unbilled_only"))
    )
    return SqlQuery(sql, params)


def _letters(filters: dict) -> SqlQuery:
    sql, params = queries.letters_expiring_sql(today=business_day.today(), days=filters["days"])
    return SqlQuery(sql, params)


def register() -> None:
    register_report(
        Report(
            code="deposits.register",
            area="deposits",
            title="Deposit register",
            permission="deposits.run_deposit_reports",
            form=RegisterForm,
            query=_register,
            columns=[
                Column("account", "Account", "account"),
                Column("customer", "Customer"),
                Column("customer_class", "Class"),
                Column("status", "Status"),
                Column("first_in", "First in", "date"),
                Column("collected", "Collected", MONEY, total=True),
                Column("billed", "Instalments billed", MONEY, total=True),
                Column("interest", "Interest", MONEY, total=True),
                Column("returned", "Applied or refunded", MONEY, total=True),
                Column("held", "Held", MONEY, total=True),
            ],
            reconciles_with="The deposit ledger's total through the same date: every deposit "
            "held (the Deposits page shows it for today).",
            default_sort="account",
            landscape=True,
            description="Held money, not revenue: what each account's deposit ledger sums to. "
            "Applied or refunded is what went back to the account or the customer.",
        )
    )
    register_report(
        Report(
            code="deposits.instalments_due",
            area="deposits",
            title="Deposit instalments due",
            permission="deposits.run_deposit_reports",
            form=InstalmentsDueForm,
            query=_instalments,
            columns=[
                Column("bill_on", "Bill on or after", "date"),
                Column("account", "Account", "account"),
                Column("customer", "Customer"),
                Column("instalment", "Instalment"),
                Column("status", "Status"),
                Column("amount", "Scheduled", MONEY, total=True),
                Column("billed", "Billed", MONEY, total=True),
            ],
            reconciles_with="Billed: the ledger's deposit-billed entries for those instalments "
            "(each is also an instalment-billed row of the deposit ledger).",
            default_sort="bill_on",
            description="Instalments of active plans (and any billed) by the day they fall due "
            "to be billed. A deposit paid ahead at the counter bills less than scheduled.",
        )
    )
    register_report(
        Report(
            code="deposits.letters_expiring",
            area="deposits",
            title="Letters of credit and surety bonds expiring",
            permission="deposits.view_letterofcredit",
            form=LettersForm,
            query=_letters,
            columns=[
                Column("expires_on", "Expires", "date"),
                Column("days_left", "Days left", "int"),
                Column("account", "Account", "account"),
                Column("customer", "Customer"),
                Column("kind", "What"),
                Column("issuer", "Issuer"),
                Column("number", "Number"),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="The Deposits page's renewal list (the same rule: not released, "
            "not replaced by a later one, on an open account).",
            default_sort="expires_on",
        )
    )
