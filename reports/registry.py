"""The reports this app registers in the catalogue (see reports.catalogue for the API)."""

from accounts.models import Utility
from reports import forms, gl, queries
from reports.catalogue import Column, LinkedReport, Report, register_link, register_report

MONEY = "money"
AGING_COLUMNS = [
    Column("balance", "Balance", MONEY, total=True),
    Column("current", "Current", MONEY, total=True),
    Column("days_1_30", "1–30", MONEY, total=True),
    Column("days_31_60", "31–60", MONEY, total=True),
    Column("days_61_90", "61–90", MONEY, total=True),
    Column("days_over_90", "Over 90", MONEY, total=True),
    Column("past_due", "Past due", MONEY, total=True),
]


def register() -> None:
    register_report(
        Report(
            code="payments",
            area="cash",
            title="Payments by day, channel, tender and clerk",
            permission="reports.run_cash_reports",
            form=forms.PaymentsForm,
            query=queries.payments_by_day,
            columns=[
                Column("day", "Day", "date"),
                Column("channel", "Channel"),
                Column("tender", "Tender"),
                Column("clerk", "Clerk"),
                Column("payments", "Payments", "int", total=True),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="The ledger's payment entries of the same days, less those "
            "voided the same day, plus customer deposits taken (the deposit ledger) and permit "
            "fees; for one day, the daily cash report's receipts total.",
            default_sort="day",
            description="Voided payments are left out; a payment returned later counts on "
            "the day it was taken. A payment in two tenders counts under each.",
        )
    )
    register_report(
        Report(
            code="voids_returns",
            area="cash",
            title="Voids and returns",
            permission="reports.run_cash_reports",
            form=forms.VoidsReturnsForm,
            query=queries.voids_and_returns,
            columns=[
                Column("receipt", "Receipt"),
                Column("undone_on", "Undone on", "date"),
                Column("taken_on", "Taken on", "date"),
                Column("what", "Void or return"),
                Column("account", "Account", "account"),
                Column("taken_by", "Taken by"),
                Column("undone_by", "Undone by"),
                Column("reason", "Reason"),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="The ledger's reversals of payment entries dated in the period, "
            "with the deposit ledger's reversals of deposits taken on those receipts.",
            default_sort="undone_on",
            landscape=True,
        )
    )
    register_report(
        Report(
            code="adjustments",
            few_rows=True,
            area="accounts",
            title="Adjustments by reason and approver",
            permission="reports.run_cash_reports",
            form=forms.AdjustmentsForm,
            query=queries.adjustments_by_reason,
            columns=[
                Column("reason", "Reason"),
                Column("approver", "Approved by"),
                Column("entries", "Entries", "int", total=True),
                Column("debits", "Debits", MONEY, total=True),
                Column("credits", "Credits", MONEY, total=True),
                Column("net", "Net", MONEY, total=True),
            ],
            reconciles_with="The ledger's adjustment entries (debit and credit) dated in the "
            "period.",
            default_sort="reason",
        )
    )
    register_report(
        Report(
            code="aging_summary",
            few_rows=True,
            area="accounts",
            title="Aging summary by customer class",
            permission="reports.run_account_reports",
            form=forms.AgingForm,
            query=queries.aging_summary,
            columns=[
                Column("customer_class", "Class"),
                Column("accounts_owing", "Accounts owing", "int", total=True),
                *AGING_COLUMNS,
            ],
            reconciles_with="The sum of every account's ledger balance on the as-of date "
            "(credits pay the oldest charges first, as on the account page).",
            default_sort="customer_class",
            landscape=True,
        )
    )
    register_report(
        Report(
            code="aging_detail",
            area="accounts",
            title="Aging detail by account",
            permission="reports.run_account_reports",
            form=forms.AgingDetailForm,
            query=queries.aging_detail,
            columns=[
                Column("account", "Account", "account"),
                Column("customer", "Customer"),
                Column("customer_class", "Class"),
                Column("status", "Status"),
                *AGING_COLUMNS,
            ],
            reconciles_with="The aging summary with the same filters; each account's balance "
            "is its ledger's sum on the as-of date.",
            default_sort="past_due",
            default_desc=True,
            landscape=True,
        )
    )
    register_report(
        Report(
            code="customer_counts",
            few_rows=True,
            area="accounts",
            title="Customers and accounts by class, status and utility",
            permission="reports.run_account_reports",
            form=forms.CustomerCountsForm,
            query=queries.customer_counts,
            columns=[
                Column("customer_class", "Class"),
                Column("status", "Account status"),
                Column("customers", "Customers", "int", total=True),
                Column("accounts", "Accounts", "int", total=True),
                *(Column(u, label, "int", total=True) for u, label in Utility.choices),
            ],
            reconciles_with="The number of accounts on file (Accounts column) and of "
            "customers (a customer with accounts in two statuses counts in each row).",
            default_sort="customer_class",
            description="Utility columns count the accounts with that utility active.",
            landscape=True,
        )
    )
    register_report(
        Report(
            code="work_orders",
            few_rows=True,
            area="workorders",
            title="Work-order backlog and turnaround by type, crew and vendor",
            permission="reports.run_workorder_reports",
            form=forms.WorkOrdersForm,
            query=queries.work_orders,
            columns=[
                Column("type", "Type"),
                Column("assignee_kind", "Crew or vendor"),
                Column("assigned_to", "Assigned to"),
                Column("open", "Still to do", "int", total=True),
                Column("overdue", "Overdue", "int", total=True),
                Column("completed", "Completed", "int", total=True),
                Column("on_time", "On time", "int", total=True),
                Column("median_days", "Median days", "decimal"),
            ],
            reconciles_with="The work-order board's count of orders still to do; completed "
            "orders by their completion date.",
            default_sort="type",
            description="Still to do and overdue are as of now; completed, on time and the "
            "median days (raised to completed) are for the period.",
        )
    )
    register_report(
        Report(
            code="vendor_scorecard",
            area="workorders",
            title="Vendor scorecard",
            permission="workorders.view_vendor_scorecard",
            form=forms.VendorScorecardForm,
            query=queries.vendor_scorecard,
            columns=[
                Column("vendor", "Vendor"),
                Column("trade", "Trade"),
                Column("agreed_days", "Agreed days", "int"),
                Column("completed", "Completed", "int", total=True),
                Column("on_time", "On time", "int", total=True),
                Column("on_time_share", "On time %", "pct"),
                Column("median_days", "Median days", "decimal"),
                Column("call_backs", "Call-backs", "int", total=True),
                Column("cost", "Cost", MONEY, total=True),
                Column("average_cost", "Average cost", MONEY),
            ],
            reconciles_with="The vendors page's scorecard for the same period (the same query).",
            default_sort="vendor",
            landscape=True,
        )
    )
    register_report(
        Report(
            code="contacts",
            area="contacts",
            title="Contacts by party type and topic",
            permission="accounts.view_contact_report",
            form=forms.ContactsForm,
            query=queries.contacts_by_party,
            columns=[
                Column("party_type", "Party type"),
                Column("topic", "Topic"),
                Column("contacts", "Contacts", "int", total=True),
                Column("open", "Open", "int", total=True),
                Column("closed", "Closed", "int", total=True),
                Column("referred", "Referred", "int", total=True),
            ],
            reconciles_with="The contact report's total for the same days.",
            default_sort="contacts",
            default_desc=True,
        )
    )
    register_report(
        Report(
            code="audit_trail",
            area="audit",
            title="Audit trail for an account or a user",
            permission="reports.run_audit_reports",
            form=forms.AuditTrailForm,
            query=queries.audit_trail,
            columns=[
                Column("at", "When"),
                Column("actor", "Who"),
                Column("action", "Action"),
                Column("record_type", "Record type"),
                Column("record", "Record"),
                Column("before", "Before", sortable=False),
                Column("after", "After", sortable=False),
                Column("reason", "Reason", sortable=False),
            ],
            reconciles_with="The history on the account page and the audit trail in the "
            "admin (the same events).",
            default_sort="at",
            default_desc=True,
            landscape=True,
        )
    )
    register_report(
        Report(
            code="ledger",
            area="ledger",
            title="Ledger entries",
            permission="reports.export_ledger",
            form=forms.LedgerExportForm,
            query=queries.ledger_entries,
            columns=[
                Column("entry", "Entry", "int"),
                Column("day", "Day", "date"),
                Column("account", "Account", "account"),
                Column("kind", "Kind"),
                Column("reference", "Reference"),
                Column("memo", "Memo", sortable=False),
                Column("posted_by", "Posted by"),
                Column("amount", "Amount", MONEY, total=True),
            ],
            reconciles_with="The sum of the ledger's entries for the days: the change in "
            "all accounts' balances.",
            default_sort="entry",
            landscape=True,
            description="For a long period export CSV: it streams every row.",
        )
    )
    register_report(
        Report(
            code="gl_journal",
            few_rows=True,
            area="ledger",
            title="General-ledger journal for a day",
            permission="reports.export_ledger",
            form=forms.DayForm,
            query=gl.gl_journal_query,
            columns=[
                Column("gl_account", "GL account"),
                Column("gl_account_name", "Name"),
                Column("debit", "Debit", MONEY, total=True),
                Column("credit", "Credit", MONEY, total=True),
            ],
            reconciles_with="Debits equal credits; the receivable line is the day's change "
            "in all accounts' balances. The finance system's file: Reports › GL journal.",
            default_sort="gl_account",
        )
    )
    for link in [
        LinkedReport(
            code="closeout.daily_cash",
            area="cash",
            title="Daily cash and vault report (PDF)",
            permission="closeout.close_business_day",
            url_name="closeout:today",
            reconciles_with="The drawers' counts and the bank deposit of the day.",
            description="From the day board.",
        ),
        LinkedReport(
            code="closeout.drawer",
            area="cash",
            title="Drawer close-out (PDF)",
            permission="closeout.close_business_day",
            url_name="closeout:today",
            reconciles_with="The session's receipts, float and cash drops.",
            description="From each drawer session on the day board.",
        ),
        LinkedReport(
            code="closeout.deposit_slip",
            area="cash",
            title="Bank deposit slip (PDF)",
            permission="closeout.close_business_day",
            url_name="closeout:today",
            reconciles_with="The verified drawers' counted cash and checks.",
            description="From the day board once the deposit is prepared.",
        ),
        LinkedReport(
            code="contacts.report",
            area="contacts",
            title="Contact report: category, party type and channel (PDF, CSV)",
            permission="accounts.view_contact_report",
            url_name="contacts:report",
            reconciles_with="Contacts logged in the period.",
        ),
        LinkedReport(
            code="reports.gl_file",
            area="ledger",
            title="GL journal file for the finance system (CSV)",
            permission="reports.export_ledger",
            url_name="reports:gl",
            reconciles_with="Debits equal credits, checked before the file is written.",
            description="One per closed business day, regenerated identically.",
        ),
    ]:
        register_link(link)
