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

# What each URL needs (utilityclerk/roles.py explains; one line per URL). A clerk sees their
# own drawer's pages, a supervisor every drawer's; the day board is the supervisors' and the
# Admin's (who reopens days).
OWN_OR_ANY_DRAWER = ("closeout.add_drawercount", "closeout.verify_drawer")
DAY_BOARD = ("closeout.close_business_day", "core.reopen_business_day")
URL_PERMISSIONS = {
    "closeout:my_drawer": "closeout.add_drawercount",
    "closeout:session": OWN_OR_ANY_DRAWER,
    "closeout:count": "closeout.add_drawercount",
    "closeout:explain": "closeout.add_drawercount",
    "closeout:cash_drop": "closeout.add_cashdrop",
    "closeout:verify": "closeout.verify_drawer",
    "closeout:session_report": OWN_OR_ANY_DRAWER,
    "closeout:today": DAY_BOARD,
    "closeout:supervisor_home": DAY_BOARD,
    "closeout:day": DAY_BOARD,
    "closeout:prepare_deposit": "closeout.close_business_day",
    "closeout:close": "closeout.close_business_day",
    "closeout:reopen": "core.reopen_business_day",
    "closeout:daily_report": DAY_BOARD,
    "closeout:deposit_slip": DAY_BOARD,
    "closeout:verify_deposit": "closeout.close_business_day",
}
