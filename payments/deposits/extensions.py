"""What deposits adds to other apps: the deposit field of the payment dialog, the account
header's deposit line (figures read off the account page's own query), the Deposit tab,
the receipt's note, and the three background runs. Called once from DepositsConfig.ready()."""

from django.core.exceptions import ObjectDoesNotExist

from payments.deposits import queries, services
from payments.deposits.models import PURPOSE
from utilityclerk.money import format_money


def header_panel(request, account) -> dict | None:
    """The deposit held, what is still owed and how (instalments, a letter of credit), and
    the actions that collect it: no query (the figures came with the account)."""
    if not hasattr(account, "deposit_held"):
        return None
    figures = queries.Figures.of(account)
    try:
        requirement = account.deposit_requirement
    except ObjectDoesNotExist:
        requirement = None
    if not figures.shows and not (requirement and requirement.amount):
        return None
    return {
        "deposit": figures,
        "requirement": requirement,
        "open": account.status not in services.CLOSED,
    }


def receipt_notes(payment) -> list[str]:
    """A receipt that paid a deposit says what becomes of it (no query: the account's part
    came with the payment)."""
    if payment.account_id is None or not payment.other_amount:
        return []
    return [
        f"{format_money(payment.other_amount)} is held as your security deposit: it is not "
        "applied to your bill. It is returned after a year of good payment history, or "
        "applied to your final bill."
    ]


def register():
    from accounts.extensions import account_annotations, account_tab
    from accounts.extensions import header_panel as panel
    from accounts.extensions import receipt_notes as notes
    from payments.other_payments import AccountPurpose, register_account_purpose

    register_account_purpose(
        AccountPurpose(
            code=PURPOSE,
            label="Customer deposits (held)",
            field_label="Deposit",
            offer=services.offer,
            posted=services.collected,
            undone=services.undone,
        )
    )
    account_annotations(queries.figure_annotations)
    panel(
        "deposits/partials/_header_deposit.html",
        header_panel,
        permission="deposits.view_depositentry",
        order=20,
    )
    account_tab(
        "deposit",
        "Deposit",
        "deposits/partials/_tab_deposit.html",
        queries.deposit_tab,
        permission="deposits.view_depositentry",
        order=35,
    )
    notes(receipt_notes)

    from payments.deposits import run_kinds

    run_kinds.register()
