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

# The screens (queue, request, detail) and their URL classification follow in the next commit.
NAVIGATION: list = []
URL_PERMISSIONS: dict = {}
