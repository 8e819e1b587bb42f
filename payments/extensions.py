"""What payments adds to the account page and to the global search."""

import re

from django.urls import reverse

from accounts.extensions import SearchHit
from accounts.models import AccountStatus
from payments import queries
from payments.models import Payment
from utilityclerk.money import format_money

_ACCOUNT_NUMBER = re.compile(r"^\d{7}[-\s]?\d$")


def payments_tab(request, account) -> dict:
    # Two queries: the payments and their tenders.
    return {"payments": queries.payments_for_account(account.pk)}


def search_receipts_and_payable_accounts(query: str) -> list[SearchHit]:
    """A receipt number finds its payment; an exact account number offers taking a payment
    straight from the result list."""
    hits = []
    number = queries.parse_receipt_number(query)
    if number is not None and (query.strip()[:1] in "Rr#" or len(str(number)) >= 5):
        payment = (
            Payment.objects.select_related("account__customer")
            .filter(receipt_number=number)
            .first()
        )
        if payment is not None:
            who = payment.account.customer.display_name if payment.account else ""
            hits.append(
                SearchHit(
                    kind="Receipt",
                    title=f"{payment.receipt} · {format_money(payment.amount)}",
                    detail=f"{payment.get_status_display()} · {payment.business_date:%m/%d/%Y} · {who}",
                    url=reverse("payments:payment", args=[payment.receipt]),
                )
            )
    return hits


def register():
    from accounts.extensions import account_action, account_tab, search_provider

    account_tab(
        "payments",
        "Payments",
        "payments/partials/_tab_payments.html",
        payments_tab,
        permission="payments.view_payment",
        order=30,
    )
    account_action(
        "Take payment",
        "payments:take",
        permission="payments.add_payment",
        accesskey="p",
        order=10,
        dialog=True,
        # A closed account takes no payments (services.take_payment refuses): no button.
        statuses=[s for s in AccountStatus.values if s != AccountStatus.CLOSED],
    )
    search_provider(search_receipts_and_payable_accounts)
