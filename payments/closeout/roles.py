ROLE_PERMISSIONS = {
    "Clerk": [
        "closeout.add_drawercount",
        "closeout.add_cashdrop",
    ],
    "Supervisor": [
        "closeout.verify_drawer",
        "closeout.witness_cash_drop",
        "closeout.close_business_day",
        "closeout.view_drawercount",
        "closeout.view_bankdeposit",
    ],
    "Admin": [
        "core.reopen_business_day",
        "core.view_businessday",
        "closeout.view_drawercount",
        "closeout.view_bankdeposit",
        "closeout.view_cashdrop",
        "closeout.view_changefundmovement",
        "closeout.add_changefundmovement",
    ],
}

NAVIGATION = [
    (35, "Close drawer", "closeout:my_drawer", "closeout.add_drawercount"),
    (50, "Day board", "closeout:today", "closeout.close_business_day"),
    # Admins reopen closed days from the day board; supervisors reach it above.
    (51, "Day board", "closeout:today", "core.reopen_business_day"),
]
