"""The contact log's places on the account page and in the global search."""

from django.urls import reverse

from accounts.contacts import queries
from accounts.extensions import SearchHit, account_action, account_tab, search_provider
from accounts.models import Account

SEARCH_HITS = 5


def contacts_tab(request, account: Account) -> dict:
    # One query: the account's latest contacts with who logged and who owns the follow-up.
    return {"contacts": queries.contacts_for_account(account.pk)}


def search_contacts(query: str) -> list[SearchHit]:
    """Contacts whose party or subject contains what was typed, for the global search."""
    if len(query.strip()) < 3:
        return []
    return [
        SearchHit(
            kind="Contact",
            title=f"{c.party_name}: {c.subject}",
            detail=f"{c.get_channel_display()} · {c.get_category_display()} · "
            f"{c.contacted_at:%m/%d/%Y} · {c.get_status_display()}",
            url=reverse("contacts:detail", args=[c.pk]),
        )
        for c in queries.search_contacts(text=query, limit=SEARCH_HITS)
    ]


def register():
    account_tab(
        "contacts",
        "Contacts",
        "accounts/contacts/partials/_tab_contacts.html",
        contacts_tab,
        permission="accounts.view_contact",
        order=70,
    )
    account_action(
        "Log contact",
        "contacts:log_for_account",
        permission="accounts.add_contact",
        accesskey="c",
        order=60,
        dialog=True,
    )
    search_provider(search_contacts)
