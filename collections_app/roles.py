ROLE_PERMISSIONS = {
    "Clerk": [
        "collections.view_notice",
        "collections.view_arrangement",
        "collections.add_arrangement",
        "collections.view_promise",
        "collections.add_promise",
        "collections.view_doorhanger",
        "collections.view_disconnection",
        "collections.view_weatherhold",
    ],
    "Supervisor": [
        "collections.view_writeoff",
        "collections.view_recovery",
        "collections.add_recovery",
        "collections.change_arrangement",
        "collections.override_arrangement",
        "collections.manage_shutoff",
        "collections.start_collections_run",
        "collections.approve_collections_run",
    ],
    "Admin": [
        "collections.view_notice",
        "collections.view_arrangement",
        "collections.view_promise",
        "collections.view_disconnection",
        "collections.view_weatherhold",
    ],
}

NAVIGATION = [
    (45, "Collections", "collections:worklist", "collections.view_notice"),
    (46, "Shut-off", "collections:shutoff", "collections.manage_shutoff"),
    (47, "Write-offs", "collections:write_offs", "collections.view_writeoff"),
]

URL_PERMISSIONS = {
    "collections:worklist": "collections.view_notice",
    "collections:notice_pdf": "collections.view_notice",
    "collections:notices_batch_pdf": "collections.view_notice",
    "collections:arrangement": "collections.add_arrangement",
    "collections:after_hours": "collections.add_arrangement",
    "collections:agreement_pdf": "collections.view_arrangement",
    "collections:promise": "collections.add_promise",
    "collections:shutoff": "collections.manage_shutoff",
    "collections:shutoff_pdf": "collections.manage_shutoff",
    "collections:shutoff_csv": "collections.manage_shutoff",
    "collections:weather_hold": "collections.manage_shutoff",
    "collections:door_hangers": "collections.manage_shutoff",
    "collections:approve": "collections.start_collections_run",
    "collections:start_run": "collections.start_collections_run",
    # A crew member sees their crew's orders; clerks and supervisors see every order.
    "collections:field_order": ("workorders.view_workorder", "workorders.complete_own_crew_orders"),
    "collections:write_offs": "collections.view_writeoff",
    "collections:write_off_report_csv": "collections.view_writeoff",
    "collections:referrals_csv": "collections.view_writeoff",
    "collections:recovery": "collections.add_recovery",
}
