ROLE_PERMISSIONS = {
    "Clerk": [
        "workorders.view_workorder",
        "workorders.add_workorder",
        "workorders.assign_workorder",
        "workorders.complete_workorder",
        "workorders.cancel_workorder",
        "workorders.start_stop_service",
        "workorders.view_crew",
        "workorders.view_vendor",
        "workorders.view_meterread",
    ],
    "Supervisor": [
        "workorders.view_vendor_scorecard",
    ],
    # Crew members see their crew's orders and complete them; nothing else (no accounts.*).
    "Field": [
        "workorders.complete_own_crew_orders",
    ],
    "Admin": [
        *(
            f"workorders.{action}_{model}"
            for model in ("crew", "crewmember", "vendor", "workordertype")
            for action in ("view", "add", "change")
        ),
        "workorders.delete_crewmember",
        "workorders.view_workorder",
        "workorders.view_meterread",
        "workorders.view_depositrequirement",
        "workorders.view_workorderstatuschange",
        "workorders.view_vendor_scorecard",
    ],
}

NAVIGATION = [
    (15, "Start service", "workorders:start", "workorders.start_stop_service"),
    (40, "Work orders", "workorders:board", "workorders.view_workorder"),
    (41, "My crew's orders", "workorders:field", "workorders.complete_own_crew_orders"),
    (70, "Vendors", "workorders:vendors", "workorders.view_vendor_scorecard"),
]

# What each URL needs (utilityclerk/roles.py explains; one line per URL).
URL_PERMISSIONS = {
    "workorders:board": "workorders.view_workorder",
    "workorders:bulk": "workorders.assign_workorder",
    "workorders:field": "workorders.complete_own_crew_orders",
    "workorders:field_order": "workorders.complete_own_crew_orders",
    "workorders:vendors": "workorders.view_vendor_scorecard",
    "workorders:scorecard_pdf": "workorders.view_vendor_scorecard",
    "workorders:start": "workorders.start_stop_service",
    "workorders:start_for_account": "workorders.start_stop_service",
    "workorders:stop": "workorders.start_stop_service",
    "workorders:transfer": "workorders.start_stop_service",
    "workorders:detail": "workorders.view_workorder",
    "workorders:assign": "workorders.assign_workorder",
    "workorders:dispatch": "workorders.assign_workorder",
    "workorders:send_back": "workorders.assign_workorder",
    "workorders:cancel": "workorders.cancel_workorder",
    # Clerks complete any order (a vendor phoning in); crew members their crew's.
    "workorders:complete": (
        "workorders.complete_workorder",
        "workorders.complete_own_crew_orders",
    ),
    "workorders:sheet": "workorders.view_workorder",
}
