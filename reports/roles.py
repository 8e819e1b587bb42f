"""Who runs which reports. Clerks prepare account and work-order reports on request;
supervisors also run the cash and audit reports, export the ledger and the GL journal, save
and schedule reports and watch the dashboard; an Admin keeps the GL chart and mapping.
(utilityclerk/roles.py explains the shape.)"""

ROLE_PERMISSIONS = {
    "Clerk": [
        "reports.run_account_reports",
        "reports.run_workorder_reports",
    ],
    "Supervisor": [
        "reports.run_cash_reports",
        "reports.run_audit_reports",
        "reports.export_ledger",
        "reports.save_reports",
        "reports.view_dashboard",
    ],
    "Admin": [
        *(f"reports.{action}_glaccount" for action in ("view", "add", "change")),
        *(f"reports.{action}_glmapping" for action in ("view", "add", "change", "delete")),
        "reports.view_savedreport",
        "reports.view_reportschedule",
        "reports.view_reportdelivery",
    ],
}

NAVIGATION = [
    (55, "Dashboard", "reports:dashboard", "reports.view_dashboard"),
    (80, "Reports", "reports:catalogue", "reports.run_account_reports"),
]

# The catalogue and a report's page open to anyone who may run some report; each report
# then checks its own permission (a report another app registers names its own).
ANY_REPORT = (
    "reports.run_account_reports",
    "reports.run_workorder_reports",
    "reports.run_cash_reports",
    "reports.run_audit_reports",
    "reports.export_ledger",
    "accounts.view_contact_report",
    "workorders.view_vendor_scorecard",
)

URL_PERMISSIONS = {
    "reports:statement": "accounts.view_account",
    "reports:catalogue": ANY_REPORT,
    "reports:run": ANY_REPORT,
    "reports:save": "reports.save_reports",
    "reports:saved": "reports.save_reports",
    "reports:schedule": "reports.save_reports",
    "reports:stop_schedule": "reports.save_reports",
    "reports:retry_delivery": "reports.save_reports",
    "reports:gl": "reports.export_ledger",
    "reports:dashboard": "reports.view_dashboard",
}
