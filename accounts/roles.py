ROLE_PERMISSIONS = {
    "Clerk": [
        "accounts.view_customer",
        "accounts.add_customer",
        "accounts.change_customer",
        "accounts.view_premise",
        "accounts.add_premise",
        "accounts.view_account",
        "accounts.add_account",
        "accounts.change_account",
        "accounts.view_service",
        "accounts.view_ledgerentry",
        "accounts.view_bill",
        "accounts.add_accountnote",
        "accounts.post_adjustment",
    ],
    "Supervisor": [
        "accounts.approve_adjustment",
        "accounts.change_customer_protections",
        "accounts.view_adjustmentrequest",
    ],
    "Admin": [
        *(
            f"accounts.{action}_{model}"
            for model in ("customer", "premise", "servicepoint", "account", "service")
            for action in ("view", "add", "change")
        ),
        "accounts.view_ledgerentry",
        "accounts.view_bill",
        "accounts.view_billline",
        "accounts.view_accountnote",
        "accounts.view_adjustmentrequest",
        "accounts.view_utilityoffering",
        "accounts.change_utilityoffering",
    ],
}

NAVIGATION = [
    (10, "New account", "accounts:new", "accounts.add_account"),
    (60, "Adjustments", "accounts:adjustment_queue", "accounts.approve_adjustment"),
]

# Contact log and follow-ups (issue #7) -------------------------------------------------
# Clerks log contacts and close their own follow-ups; supervisors see every open follow-up
# by owner, reassign and close any of them, and run the contact report.
ROLE_PERMISSIONS["Clerk"] += [
    "accounts.view_contact",
    "accounts.add_contact",
    "accounts.close_own_follow_up",
]
ROLE_PERMISSIONS["Supervisor"] += [
    "accounts.manage_follow_ups",
    "accounts.view_contact_report",
]
ROLE_PERMISSIONS["Admin"] += ["accounts.view_contact"]
NAVIGATION += [
    (45, "Contacts", "contacts:search", "accounts.view_contact"),
    (65, "Follow-ups", "contacts:board", "accounts.manage_follow_ups"),
]

# What each URL needs (utilityclerk/roles.py explains; one line per URL).
URL_PERMISSIONS = {
    "search": "accounts.view_account",
    "accounts:new": "accounts.add_account",
    "accounts:adjustment_queue": "accounts.approve_adjustment",
    "accounts:adjustments_waiting": "accounts.approve_adjustment",
    "accounts:approve_adjustment": "accounts.approve_adjustment",
    "accounts:reject_adjustment": "accounts.approve_adjustment",
    "accounts:customer": "accounts.view_account",
    "accounts:customer_edit": "accounts.change_customer",
    "accounts:detail": "accounts.view_account",
    "accounts:tab": "accounts.view_account",
    "accounts:bill": "accounts.view_account",
    "accounts:adjust": "accounts.post_adjustment",
    "accounts:add_note": "accounts.add_accountnote",
    "accounts:mailing_address": "accounts.change_account",
    "contacts:search": "accounts.view_contact",
    "contacts:log": "accounts.add_contact",
    "contacts:log_for_account": "accounts.add_contact",
    "contacts:my_follow_ups": "accounts.view_contact",
    "contacts:board": "accounts.manage_follow_ups",
    "contacts:customer": "accounts.view_contact",
    "contacts:report": "accounts.view_contact_report",
    "contacts:detail": "accounts.view_contact",
    "contacts:close": "accounts.close_own_follow_up",
    "contacts:reassign": "accounts.manage_follow_ups",
}
