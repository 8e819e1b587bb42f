"""What refunds adds to the account page: the Request refund action (only while the account
has a credit balance) and a Refunds tab."""

from payments.refunds import queries


def has_credit(summary) -> bool:
    return summary.aging.balance < 0


def refunds_tab(request, account) -> dict:
    return {"refunds": queries.for_account(account.pk)}


def register():
    from accounts.extensions import account_action, account_tab

    account_action(
        "Request refund",
        "refunds:request",
        permission="refunds.add_refund",
        order=80,
        dialog=True,
        when=has_credit,
    )
    account_tab(
        "refunds",
        "Refunds",
        "refunds/partials/_tab_refunds.html",
        refunds_tab,
        permission="refunds.view_refund",
        order=85,
    )
