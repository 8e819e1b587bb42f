# Clerks key and import reads, work the exceptions queue and start a bill run (its proof);
# a supervisor approves the run before anything posts. Admins keep rates, cycles and meters.
ROLE_PERMISSIONS = {
    "Clerk": [
        "billing.view_meterreading",
        "billing.enter_reads",
        "billing.work_read_exceptions",
        "billing.start_bill_run",
        "billing.view_billrun",
    ],
    "Supervisor": [
        "billing.approve_bill_run",
    ],
    "Admin": [
        *(
            f"billing.{action}_{model}"
            for model in (
                "rateschedule",
                "rateversion",
                "ratecomponent",
                "cycle",
                "route",
                "premisebilling",
                "meter",
            )
            for action in ("view", "add", "change")
        ),
        "billing.delete_ratecomponent",
        "billing.view_meterreading",
        "billing.view_billrun",
    ],
}

NAVIGATION = [
    (50, "Meter reads", "billing:routes", "billing.enter_reads"),
    (52, "Read exceptions", "billing:exceptions", "billing.work_read_exceptions"),
    (55, "Bill runs", "billing:runs", "billing.start_bill_run"),
]

URL_PERMISSIONS = {
    "billing:routes": "billing.enter_reads",
    "billing:route_reads": "billing.enter_reads",
    "billing:import": "billing.enter_reads",
    "billing:exceptions": "billing.work_read_exceptions",
    "billing:work_exception": "billing.work_read_exceptions",
    "billing:runs": "billing.start_bill_run",
    "billing:run": "billing.start_bill_run",
    "billing:approve": "billing.approve_bill_run",
    "billing:print_file": "billing.start_bill_run",
    "billing:mailing_csv": "billing.start_bill_run",
    "billing:draft": "billing.start_bill_run",
    "billing:explain": "accounts.view_bill",
    "billing:bill_pdf": "accounts.view_bill",
}
