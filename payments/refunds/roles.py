"""Who may do what with refunds. A clerk requests a refund and sees it; a supervisor also
approves or rejects others' requests, voids an approved refund and records its check
cashed; the Admin sees refunds in the admin (money is never edited there)."""

ROLE_PERMISSIONS = {
    "Clerk": [
        "refunds.view_refund",
        "refunds.add_refund",
    ],
    "Supervisor": [
        "refunds.approve_refund",
    ],
    "Admin": [
        "refunds.view_refund",
    ],
}

NAVIGATION = [
    (53, "Refunds", "refunds:queue", "refunds.approve_refund"),
]

# What each URL needs (utilityclerk/roles.py explains; one line per URL).
URL_PERMISSIONS = {
    "refunds:queue": "refunds.approve_refund",
    "refunds:waiting": "refunds.approve_refund",
    "refunds:request": "refunds.add_refund",
    "refunds:detail": "refunds.view_refund",
    "refunds:approve": "refunds.approve_refund",
    "refunds:reject": "refunds.approve_refund",
    "refunds:cancel": "refunds.add_refund",
    "refunds:void": "refunds.approve_refund",
    "refunds:cashed": "refunds.approve_refund",
    "refunds:check_request": "refunds.view_refund",
}
