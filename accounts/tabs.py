"""The account page's own tabs. Each returns its template context in one or two queries."""

from accounts import queries
from accounts.forms import NoteForm
from accounts.models import Account
from utilityclerk import audit

LEDGER_PAGE_SIZE = 50


MAX_OFFSET = 1_000_000


def _offset(request) -> int:
    value = request.GET.get("offset", "")
    return min(int(value), MAX_OFFSET) if value.isdigit() and len(value) < 12 else 0


def ledger(request, account: Account) -> dict:
    # Newest first, one page, with the balance after each entry computed over the whole ledger.
    # Fetch one row more than a page to know whether older entries exist, without a COUNT.
    offset = _offset(request)
    rows = list(
        queries.ledger_with_running_balance(account.pk).order_by("-business_date", "-id")[
            offset : offset + LEDGER_PAGE_SIZE + 1
        ]
    )
    return {
        "entries": rows[:LEDGER_PAGE_SIZE],
        "older_offset": offset + LEDGER_PAGE_SIZE if len(rows) > LEDGER_PAGE_SIZE else None,
        "newer_offset": max(offset - LEDGER_PAGE_SIZE, 0) if offset else None,
    }


def bills(request, account: Account) -> dict:
    return {"bills": account.bills.all()[:60]}


def services(request, account: Account) -> dict:
    return {"services": account.services.all().order_by("status", "utility")}


def notes(request, account: Account, form: NoteForm | None = None) -> dict:
    return {
        "notes": account.notes.select_related("written_by")[:100],
        "note_form": form or NoteForm(),
    }


def history(request, account: Account) -> dict:
    return {"events": audit.history_for(account, limit=100)}


def register():
    from accounts.extensions import account_action, account_tab

    account_tab("ledger", "Ledger", "accounts/partials/_tab_ledger.html", ledger, order=10)
    account_tab("bills", "Bills", "accounts/partials/_tab_bills.html", bills, order=20)
    account_tab("services", "Services", "accounts/partials/_tab_services.html", services, order=40)
    account_tab("notes", "Notes", "accounts/partials/_tab_notes.html", notes, order=80)
    account_tab(
        "history",
        "History",
        "accounts/partials/_tab_history.html",
        history,
        permission="core.view_audit_trail",
        order=90,
    )
    account_action(
        "Adjust", "accounts:adjust", permission="accounts.post_adjustment", accesskey="j", order=80
    )
    account_action("Statement PDF", "reports:statement", accesskey="s", order=90)
