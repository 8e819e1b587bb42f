"""Places on the account page and in search that other apps fill in.

Apps register from their AppConfig.ready():
  account_tab("payments", "Payments", "payments/partials/_tab_payments.html", context_fn,
              permission="payments.view_payment", order=30)
  account_action("Take payment", "payments:take", permission="payments.add_payment",
                 accesskey="p", order=10)
  account_action("Stop service", "workorders:stop", ..., statuses=["active", "collections"])
  search_provider(fn)   # fn(query) -> list[SearchHit], asked before the account search
  final_read_hook(fn)   # fn(order=, by=): a stop's final read is in (billing's final bill)
  work_order_hook(fn)   # fn(order=, by=): any work order completed (billing takes its read)

A tab's context_fn(request, account) returns the template's context (keep it to one or two
queries: the page budget is 10). An action's URL is reversed with the account number.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AccountTab:
    slug: str
    label: str
    template: str
    context: Callable
    permission: str | None = None
    order: int = 50


@dataclass(frozen=True)
class AccountAction:
    label: str
    url_name: str
    permission: str | None = None
    accesskey: str = ""
    order: int = 50
    # An action that opens a dialog loads its form into #dialog with HTMX.
    dialog: bool = False
    # Account statuses the action applies to (None: all). Stop service is not offered on
    # an account whose service never started, nor any service change on a closed one.
    statuses: frozenset[str] | None = None


@dataclass(frozen=True)
class SearchHit:
    """A non-account result (receipt, work order, permit): where it goes and what it says."""

    kind: str
    title: str
    detail: str
    url: str


_tabs: dict[str, AccountTab] = {}
_actions: list[AccountAction] = []
_search_providers: list[Callable[[str], list[SearchHit]]] = []
_final_read_hooks: list[Callable] = []
_work_order_hooks: list[Callable] = []


def account_tab(slug, label, template, context, *, permission=None, order=50):
    _tabs[slug] = AccountTab(slug, label, template, context, permission, order)


def account_action(
    label, url_name, *, permission=None, accesskey="", order=50, dialog=False, statuses=None
):
    if not any(a.url_name == url_name for a in _actions):
        _actions.append(
            AccountAction(
                label,
                url_name,
                permission,
                accesskey,
                order,
                dialog,
                frozenset(statuses) if statuses is not None else None,
            )
        )


def search_provider(provider):
    if provider not in _search_providers:
        _search_providers.append(provider)


def tabs_for(user) -> list[AccountTab]:
    return sorted(
        (t for t in _tabs.values() if t.permission is None or user.has_perm(t.permission)),
        key=lambda t: (t.order, t.slug),
    )


def tab(slug) -> AccountTab | None:
    return _tabs.get(slug)


def actions_for(user, account=None) -> list[AccountAction]:
    """The actions this user may take, on this account as it stands when one is given."""
    return sorted(
        (
            a
            for a in _actions
            if (a.permission is None or user.has_perm(a.permission))
            and (account is None or a.statuses is None or account.status in a.statuses)
        ),
        key=lambda a: (a.order, a.label),
    )


def search_other_records(query: str) -> list[SearchHit]:
    hits: list[SearchHit] = []
    for provider in _search_providers:
        hits.extend(provider(query))
    return hits


def final_read_hook(fn):
    if fn not in _final_read_hooks:
        _final_read_hooks.append(fn)


def work_order_hook(fn):
    if fn not in _work_order_hooks:
        _work_order_hooks.append(fn)


def final_read_done(*, order, by) -> None:
    """Inside the completion's transaction, after the services stop and before a transfer
    carries the balance: the final bill lands on the old account first."""
    for fn in _final_read_hooks:
        fn(order=order, by=by)


def work_order_done(*, order, by) -> None:
    for fn in _work_order_hooks:
        fn(order=order, by=by)
