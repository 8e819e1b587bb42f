"""What disputes adds to the account page, the contact page, and what it follows elsewhere
(work orders finished, adjustments decided), registered from DisputesConfig.ready()."""

from django.urls import reverse

from accounts import extensions
from utilityclerk.money import format_money


def disputes_tab(request, account) -> dict:
    from collections_app.disputes import queries

    return {"cases": list(queries.cases_for_account(account.pk))}


def dispute_notice(account) -> list:
    """ "$84.97 under dispute: not due while it is reviewed" (one query)."""
    from collections_app.disputes import queries

    held = queries.disputed_amount(account.pk)
    if not held:
        return []
    return [
        extensions.AccountNotice(
            badge="Dispute",
            text=f"{format_money(held)} under dispute: not due while it is reviewed",
            url=reverse("accounts:tab", args=[account.number, "disputes"]),
        )
    ]


def register():
    from collections_app.disputes import services

    extensions.account_tab(
        "disputes",
        "Disputes",
        "disputes/partials/_tab_disputes.html",
        disputes_tab,
        permission="disputes.view_case",
        order=75,
    )
    extensions.account_action(
        "Dispute", "disputes:open", permission="disputes.add_case", accesskey="d", order=70
    )
    extensions.account_notice(dispute_notice)
    extensions.contact_action(
        "Open a dispute case", "disputes:open_from_contact", permission="disputes.add_case"
    )
    extensions.contact_action(
        "Refer to an agency", "disputes:refer_contact", permission="disputes.add_referral"
    )
    extensions.work_order_listener(services.on_work_order_finished)
    extensions.adjustment_listener(services.on_adjustment_decided)
    register_hold()


def register_hold():
    """What open cases hold comes off collections' collectible amount (its one place for
    holds): no late fee, notice or shut-off for a disputed amount."""
    from collections_app.collectible import register_hold
    from collections_app.disputes import queries

    register_hold("disputes", queries.HOLD_SQL)
