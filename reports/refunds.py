"""The refund reports in the catalogue: the register for the city's accounts-payable system
and the unclaimed-property list. Their SQL is payments.refunds.queries' own; this module
only gives it the catalogue's form, columns and wording (reports sits above payments)."""

from django import forms

from payments.refunds import queries
from payments.refunds.models import RefundSource
from reports import reconcile
from reports.catalogue import Column, Report, SqlQuery, register_report
from reports.forms import DATE, DateRangeForm, ReportForm, _any
from utilityclerk import business_day
from utilityclerk.forms import DateField

MONEY = "money"
PERMISSION = "reports.run_cash_reports"


class RefundRegisterForm(DateRangeForm):
    source = forms.ChoiceField(
        label="Refund of", choices=_any(RefundSource.choices), required=False
    )


class UnclaimedRefundsForm(ReportForm):
    as_of = DateField(
        label="As of",
        widget=DATE,
        required=False,
        latest=business_day.today,
        help_text="Empty: today.",
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["as_of"] = data.get("as_of") or business_day.today()
        return data


def register_sql(filters: dict) -> SqlQuery:
    return SqlQuery(*queries.register_sql(filters))


def unclaimed_sql(filters: dict) -> SqlQuery:
    return SqlQuery(*queries.unclaimed_sql(filters))


PAYEE_COLUMNS = [
    Column("payee", "Payee"),
    Column("address", "Address", sortable=False),
    Column("account", "Account", "account"),
    Column("permit", "Permit"),
]


def register() -> None:
    register_report(
        Report(
            code="refunds.register",
            area="deposits",
            title="Refund register (accounts payable)",
            permission=PERMISSION,
            form=RefundRegisterForm,
            query=register_sql,
            columns=[
                Column("check_request", "Check request"),
                Column("approved_on", "Approved", "date"),
                *PAYEE_COLUMNS,
                Column("source", "Refund of"),
                Column("reason", "Reason", sortable=False),
                Column("status", "Status now"),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="The ledger's refund entries dated in the period, plus permit "
            "refunds approved in it (a permit's money is not on an account's ledger).",
            default_sort="check_request",
            landscape=True,
            description="Every refund approved in the period, one check each; its CSV is the "
            "file for the city's accounts-payable system. A refund voided since stays listed "
            "with its status, so accounts payable can stop the check.",
        )
    )
    register_report(
        Report(
            code="refunds.unclaimed",
            area="deposits",
            title="Unclaimed refund checks (unclaimed property)",
            permission=PERMISSION,
            form=UnclaimedRefundsForm,
            query=unclaimed_sql,
            columns=[
                Column("check_request", "Check request"),
                Column("approved_on", "Approved", "date"),
                Column("days_out", "Days out", "int"),
                *PAYEE_COLUMNS,
                Column("source", "Refund of"),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="Approved refunds not voided whose check is not recorded cashed, "
            "approved at least the policy's days (Refund unclaimed days) before the as-of date.",
            default_sort="approved_on",
            landscape=True,
            description="For the state's unclaimed-property report: the owner, last known "
            "address and amount of each refund check not cashed within the policy's days.",
        )
    )
    for check in RECONCILE_CHECKS:
        reconcile.register(check)


RECONCILE_CHECKS = [
    reconcile.Check(
        "every approved refund of an account is its REFUND entry on the ledger (same account, "
        "amount and check request), a voided one is reversed, and every REFUND entry is a refund",
        """
        SELECT r.check_request_number, r.status, r.amount, r.account_id, e.id AS entry,
               e.amount AS entry_amount, e.account_id AS entry_account, v.id AS reversal
        FROM refunds_refund r
        LEFT JOIN accounts_ledgerentry e ON e.id = r.ledger_entry_id
        LEFT JOIN accounts_ledgerentry v ON v.id = r.reversal_entry_id
        WHERE r.account_id IS NOT NULL AND r.status IN ('approved', 'voided')
          AND (%(day)s::date IS NULL OR r.approved_on = %(day)s::date)
          AND (e.id IS NULL OR e.kind <> 'refund' OR e.amount <> r.amount
               OR e.account_id <> r.account_id
               OR e.reference <> r.check_request_number
               OR (r.status = 'voided' AND (v.id IS NULL OR v.reverses_id <> e.id))
               OR (r.status = 'approved' AND r.reversal_entry_id IS NOT NULL))
        UNION ALL
        SELECT e.reference, 'no refund', e.amount, e.account_id, e.id, e.amount, e.account_id,
               NULL
        FROM accounts_ledgerentry e
        WHERE e.kind = 'refund'
          AND (%(day)s::date IS NULL OR e.business_date = %(day)s::date)
          AND NOT EXISTS (SELECT 1 FROM refunds_refund r WHERE r.ledger_entry_id = e.id)
        LIMIT 50
        """,
    ),
]
