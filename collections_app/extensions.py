"""What collections adds to the account page, to work-order completion and to payments."""

from accounts.models import AccountStatus
from collections_app import queries, services


def header_status(request, account) -> dict | None:
    """The collection status at a glance, in two queries; nothing when there is none."""
    status = queries.collection_status(account.pk)
    return {"status": status} if status.shows else None


def register():
    from accounts.extensions import (
        account_action,
        account_tab,
        header_panel,
        payment_posted,
        receipt_notes,
        shutoff_ground_listener,
        work_order_completed,
        work_order_links,
    )

    account_tab(
        "collections",
        "Collections",
        "collections/partials/_tab_collections.html",
        queries.collections_tab,
        permission="collections.view_notice",
        order=60,
    )
    header_panel(
        "collections/partials/_header_status.html",
        header_status,
        permission="collections.view_notice",
        order=10,
    )
    account_action(
        "Arrangement",
        "collections:arrangement",
        permission="collections.add_arrangement",
        accesskey="a",
        order=60,
        statuses=[AccountStatus.ACTIVE],
    )
    account_action(
        "Promise to pay",
        "collections:promise",
        permission="collections.add_promise",
        accesskey="w",
        order=61,
        statuses=[AccountStatus.ACTIVE],
    )
    work_order_completed(services.on_work_order_completed)
    payment_posted(services.on_payment_posted)
    receipt_notes(services.receipt_notes)
    work_order_links(services.work_order_links)
    shutoff_ground_listener(services.on_shutoff_ground_cleared)

    from collections_app import run_kinds

    run_kinds.register()
