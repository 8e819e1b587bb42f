"""Places on the account page and in search that other apps fill in.

Apps register from their AppConfig.ready():
  account_tab("payments", "Payments", "payments/partials/_tab_payments.html", context_fn,
              permission="payments.view_payment", order=30)
  account_action("Take payment", "payments:take", permission="payments.add_payment",
                 accesskey="p", order=10)
  account_action("Stop service", "workorders:stop", ..., statuses=["active", "collections"])
  account_action("Request refund", "refunds:request", ..., when=lambda summary: ...)
  search_provider(fn)   # fn(query) -> list[SearchHit], asked before the account search
  final_read_hook(fn)   # fn(order=, by=): a stop's final read is in (billing's final bill)
  header_panel("collections/partials/_header_status.html", context_fn, permission=..., order=10)
                        # a panel in the account header; context_fn(request, account) -> dict
                        # or None (nothing to show); one or two queries (the page budget is 10)
  account_annotations(fn)  # fn() -> {name: expression}: subqueries of the page's own account
                        # query, read by a header panel as account.<name> (no query of its own)
  work_order_completed(fn)  # fn(order=, by=) inside the completion's transaction, once
  payment_posted(fn)    # fn(payment) after the payment commits (payments calls it)
  receipt_notes(fn)     # fn(payment) -> list[str]: lines a receipt prints (when service returns)
  work_order_links(fn)  # fn(order) -> list[(label, url)]: links on the crew's order screen
  shutoff_ground("backflow", "Backflow test overdue", provider)
                        # a reason other than non-payment for the shut-off list (below)
  shutoff_ground_listener(fn)  # fn(*, account_ids, by): such a reason may have cleared

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
    # Offered only when when(summary) is true for the header's AccountSummary (balance,
    # aging), which the page has already read: no query. Request refund needs a credit.
    when: Callable | None = None


@dataclass(frozen=True)
class SearchHit:
    """A non-account result (receipt, work order, permit): where it goes and what it says."""

    kind: str
    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class HeaderPanel:
    template: str
    context: Callable
    permission: str | None = None
    order: int = 50


_tabs: dict[str, AccountTab] = {}
_header_panels: dict[str, HeaderPanel] = {}
_work_order_completed: list[Callable] = []
_payment_posted: list[Callable] = []
_receipt_notes: list[Callable] = []
_work_order_links: list[Callable] = []
_actions: list[AccountAction] = []
_search_providers: list[Callable[[str], list[SearchHit]]] = []
_final_read_hooks: list[Callable] = []


def account_tab(slug, label, template, context, *, permission=None, order=50):
    _tabs[slug] = AccountTab(slug, label, template, context, permission, order)


def account_action(
    label,
    url_name,
    *,
    permission=None,
    accesskey="",
    order=50,
    dialog=False,
    statuses=None,
    when=None,
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
                when,
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


def actions_for(user, account=None, summary=None) -> list[AccountAction]:
    """The actions this user may take, on this account as it stands when one is given (and
    its header summary, for actions offered only on a balance such as a credit)."""
    return sorted(
        (
            a
            for a in _actions
            if (a.permission is None or user.has_perm(a.permission))
            and (account is None or a.statuses is None or account.status in a.statuses)
            and (summary is None or a.when is None or a.when(summary))
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


def final_read_done(*, order, by) -> None:
    """Inside the completion's transaction, after the services stop and before a transfer
    carries the balance: the final bill lands on the old account first."""
    for fn in _final_read_hooks:
        fn(order=order, by=by)


# Header panels and listeners -------------------------------------------------------------


def header_panel(template, context, *, permission=None, order=50):
    _header_panels[template] = HeaderPanel(template, context, permission, order)


def header_panels_for(request, account) -> list[tuple[str, dict]]:
    """(template, context) of each panel this user may see that has something to show."""
    panels = []
    for panel in sorted(_header_panels.values(), key=lambda p: (p.order, p.template)):
        if panel.permission and not request.user.has_perm(panel.permission):
            continue
        context = panel.context(request, account)
        if context is not None:
            panels.append((panel.template, context))
    return panels


# Figures the account page reads off the account's own row: an app registers
# fn() -> {name: expression} and its header panel then reads account.<name> with no query of
# its own (the deposit held; the page's budget is 10).
_account_annotations: list[Callable] = []


def account_annotations(fn):
    if fn not in _account_annotations:
        _account_annotations.append(fn)


def annotations_for_account_page() -> dict:
    annotations: dict = {}
    for fn in _account_annotations:
        annotations.update(fn())
    return annotations


def _add(listeners: list, fn) -> None:
    if fn not in listeners:
        listeners.append(fn)


def work_order_completed(fn):
    _add(_work_order_completed, fn)


def payment_posted(fn):
    _add(_payment_posted, fn)


def receipt_notes(fn):
    _add(_receipt_notes, fn)


def notify_payment_posted(payment) -> None:
    for fn in _payment_posted:
        fn(payment)


def receipt_notes_for(payment) -> list[str]:
    return [line for fn in _receipt_notes for line in fn(payment)]


def work_order_links(fn):
    _add(_work_order_links, fn)


def work_order_links_for(order) -> list[tuple[str, str]]:
    return [link for fn in _work_order_links for link in fn(order)]


# Account notices, contact actions, and what happens elsewhere that a higher app follows ---
# (issue #16: disputes registers into each; any other app may too.)


@dataclass(frozen=True)
class AccountNotice:
    """A line for the account header and the payment dialog ("$84.97 under dispute: ...")."""

    badge: str
    text: str
    url: str = ""


@dataclass(frozen=True)
class ContactAction:
    label: str
    url_name: str  # reversed with the contact's id
    permission: str | None = None


_notice_providers: list[Callable] = []
_contact_actions: list[ContactAction] = []
_work_order_listeners: list[Callable] = []
_adjustment_listeners: list[Callable] = []


def account_notice(provider):
    """provider(account) -> list[AccountNotice]; one query at most (the page budget is 10)."""
    if provider not in _notice_providers:
        _notice_providers.append(provider)


def notices_for(account) -> list[AccountNotice]:
    notices: list[AccountNotice] = []
    for provider in _notice_providers:
        notices.extend(provider(account))
    return notices


def contact_action(label, url_name, *, permission=None):
    if not any(a.url_name == url_name for a in _contact_actions):
        _contact_actions.append(ContactAction(label, url_name, permission))


def contact_actions_for(user) -> list[ContactAction]:
    return [a for a in _contact_actions if a.permission is None or user.has_perm(a.permission)]


def work_order_listener(listener):
    """listener(*, order, event, by), event "completed" or "cancelled": called inside the
    transaction that completes or cancels the order, once."""
    if listener not in _work_order_listeners:
        _work_order_listeners.append(listener)


def work_order_finished(*, order, event: str, by) -> None:
    """Called by the work-order services; `work_order_completed` listeners hear completions."""
    for listener in _work_order_listeners:
        listener(order=order, event=event, by=by)
    if event == "completed":
        for fn in _work_order_completed:
            fn(order=order, by=by)


def adjustment_listener(listener):
    """listener(*, request, by): an adjustment request was approved or rejected (inside the
    transaction that decided it)."""
    if listener not in _adjustment_listeners:
        _adjustment_listeners.append(listener)


def adjustment_decided(*, request, by) -> None:
    for listener in _adjustment_listeners:
        listener(request=request, by=by)


# Reasons other than non-payment to shut service off (issue #17: a backflow test overdue) ---
# The app that knows the reason registers it; the collections work's shut-off list reads
# every one, names it on the list, and still honours each protection (life support, a
# medical certificate, a weather hold, a dispute, an arrangement, the days and hours).


@dataclass(frozen=True)
class ShutoffGround:
    name: str  # "backflow": keys are kept as "backflow:<the provider's key>"
    label: str  # "Backflow test overdue": how the list counts these
    # provider(day) -> (sql, params), or None when the policy has it switched off. The SQL
    # selects rows of (account_id, reason, key): an account that may be shut off on `day`
    # for this reason, the reason in words for the list and the crew, and a key naming the
    # occasion ("<device>:<due date>"): one disconnection per key, however often the list
    # is approved. Set-based: one statement for every account.
    provider: Callable


_shutoff_grounds: dict[str, ShutoffGround] = {}
_shutoff_ground_listeners: list[Callable] = []


def shutoff_ground(name: str, label: str, provider) -> None:
    _shutoff_grounds[name] = ShutoffGround(name, label, provider)


def unregister_shutoff_ground(name: str) -> None:
    _shutoff_grounds.pop(name, None)


def shutoff_grounds() -> list[ShutoffGround]:
    return sorted(_shutoff_grounds.values(), key=lambda g: g.name)


def shutoff_ground_listener(fn) -> None:
    """fn(*, account_ids, by), after the commit of something that may have cleared a ground
    (a passing backflow test): the shut-off work reconnects or calls off a disconnection."""
    _add(_shutoff_ground_listeners, fn)


def shutoff_ground_cleared(*, account_ids, by) -> None:
    for fn in _shutoff_ground_listeners:
        fn(account_ids=list(account_ids), by=by)
