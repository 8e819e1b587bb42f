"""What permits adds to the account page, to search and to the drawer's lines."""

from permits import queries


def permits_tab(request, account) -> dict:
    # One query: the permits at the account's premise (its site), newest first.
    return {"permits": queries.permits_for_premise(account.premise_id), "account": account}


def register():
    from accounts.extensions import account_action, account_tab, search_provider, shutoff_ground
    from payments.other_payments import register_purpose

    account_tab(
        "permits",
        "Permits",
        "permits/partials/_tab_permits.html",
        permits_tab,
        permission="permits.view_permit",
        order=60,
    )
    account_action(
        "New permit",
        "permits:intake_for_account",
        permission="permits.add_permit",
        order=60,
    )
    search_provider(queries.search_permits)
    register_purpose(queries.PURPOSE["fee"], "Permit fees")
    register_purpose(queries.PURPOSE["deposit"], "Permit deposits")
    # By policy (off by default) an overdue backflow test can put the account on the
    # collections work's shut-off list, which names the reason.
    shutoff_ground("backflow", "Backflow test overdue", queries.backflow_shutoff_ground)
