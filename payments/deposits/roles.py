"""Who may do what with deposits. Clerks take deposits (through the payment dialog), set them
in instalments and record letters of credit; supervisors also waive or reduce them, release
letters of credit, run the deposit runs and the deposit reports. (utilityclerk/roles.py
explains the shape.)"""

ROLE_PERMISSIONS = {
    "Clerk": [
        "deposits.view_depositentry",
        "deposits.view_instalmentplan",
        "deposits.add_instalmentplan",
        "deposits.view_letterofcredit",
        "deposits.add_letterofcredit",
        "deposits.view_depositwaiver",
    ],
    "Supervisor": [
        "deposits.waive_deposit",
        "deposits.change_letterofcredit",
        "deposits.run_deposit_runs",
        "deposits.run_deposit_reports",
    ],
    "Admin": [
        "deposits.view_depositentry",
        "deposits.view_instalmentplan",
        "deposits.view_depositinstalment",
        "deposits.view_letterofcredit",
        "deposits.view_depositwaiver",
    ],
}

NAVIGATION = [
    (26, "Deposits", "deposits:home", "deposits.view_depositentry"),
]

# What each URL needs (utilityclerk/roles.py explains; one line per URL).
URL_PERMISSIONS = {
    "deposits:home": "deposits.view_depositentry",
    "deposits:start_run": "deposits.run_deposit_runs",
    "deposits:instalments": "deposits.add_instalmentplan",
    "deposits:waive": "deposits.waive_deposit",
    "deposits:security": "deposits.add_letterofcredit",
    "deposits:release": "deposits.change_letterofcredit",
}
