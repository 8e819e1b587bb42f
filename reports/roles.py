"""Who runs which reports. Clerks prepare account and work-order reports on request;
supervisors also run the cash and audit reports, export the ledger and the GL journal, save
and schedule reports and watch the dashboard; an Admin keeps the GL chart and mapping."""

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
