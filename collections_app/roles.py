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
