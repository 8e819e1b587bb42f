from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import extensions
from accounts.contacts import queries, services
from accounts.contacts.forms import (
    AsOfForm,
    CloseFollowUpForm,
    ContactForm,
    ContactSearchForm,
    ReassignForm,
)
from accounts.contacts.services import ContactError
from accounts.models import Account, Contact, Customer
from utilityclerk import audit, business_day
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect

view_contacts = permission_required("accounts.view_contact", raise_exception=True)
add_contacts = permission_required("accounts.add_contact", raise_exception=True)
close_follow_ups = permission_required("accounts.close_own_follow_up", raise_exception=True)
manage_follow_ups = permission_required("accounts.manage_follow_ups", raise_exception=True)


def _focus_first_error(form):
    # The clerk's cursor lands on the first field to fix, so Tab and Enter carry on from there.
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["data-autofocus"] = ""
            return
    form.fields["channel"].widget.attrs["data-autofocus"] = ""


_go = htmx_redirect


def _next_url(request, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: "0" or "example" would be taken for a URL name and fail.
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, {request.get_host()}, request.is_secure()
    ):
        return url
    return default


def _logged_message(contact: Contact) -> str:
    if contact.follow_up_on:
        owner = contact.follow_up_owner
        return (
            f"Contact from {contact.party_name} logged. Follow-up on "
            f"{contact.follow_up_on:%a %m/%d/%Y} for {owner.get_full_name() or owner.get_username()}."
        )
    return f"Contact from {contact.party_name} logged and closed."


def _log(request, *, account: Account | None, initial: dict, done_url: str, post_url: str):
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.log_contact(by=request.user, account=account, **form.cleaned_data)
        except ContactError as error:
            show_on_form(form, error)
        else:
            messages.success(request, _logged_message(contact))
            return _go(request, done_url)
    _focus_first_error(form)
    context = {
        "form": form,
        "account": account,
        "post_url": post_url,
        "cancel_url": done_url,
        "in_dialog": bool(request.POST.get("in_dialog")),
    }
    if request.htmx and request.method == "POST":
        return render(request, "accounts/contacts/partials/_log_form.html", context)
    if request.htmx:
        return render(request, "accounts/contacts/partials/_log_dialog.html", context)
    return render(request, "accounts/contacts/log.html", context)


@add_contacts
def log_for_account(request, number):
    account = get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )
    customer = account.customer
    initial = {
        "party_type": "customer",
        "party_name": customer.display_name,
        "party_reach": customer.phone_display or customer.email,
    }
    return _log(
        request,
        account=account,
        initial=initial,
        done_url=reverse("accounts:tab", args=[account.number, "contacts"]),
        post_url=reverse("contacts:log_for_account", args=[account.number]),
    )


@add_contacts
def log_contact(request):
    """A request not tied to an account: an official asking about a street, an agency."""
    return _log(
        request,
        account=None,
        initial={},
        done_url=reverse("home"),
        post_url=reverse("contacts:log"),
    )


@view_contacts
def my_follow_ups(request):
    form = AsOfForm(request.GET or None)
    today = business_day.today()
    as_of = form.cleaned_data["on"] if form.is_valid() and form.cleaned_data["on"] else today
    queue = queries.my_follow_ups(request.user, today=as_of)
    # Closing a follow-up returns to the page the queue is shown on (home or this page).
    next_url = (request.htmx and request.htmx.current_url_abs_path) or request.get_full_path()
    context = {
        "queue": queue,
        "as_of_form": form,
        "looking_ahead": as_of != today,
        "next_url": next_url,
    }
    if request.htmx:
        return render(request, "accounts/contacts/partials/_my_follow_ups.html", context)
    return render(request, "accounts/contacts/my_follow_ups.html", context)


def _may_close(user, contact: Contact) -> bool:
    return user.has_perm("accounts.manage_follow_ups") or (
        contact.follow_up_owner_id == user.pk and user.has_perm("accounts.close_own_follow_up")
    )


@close_follow_ups
def close(request, pk):
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=pk)
    if not _may_close(request.user, contact):
        raise PermissionDenied("Only its owner or a supervisor can close this follow-up.")
    done_url = _next_url(request, reverse("home"))
    form = CloseFollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.close_follow_up(
                contact=contact, outcome=form.cleaned_data["outcome"], by=request.user
            )
        except ContactError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Follow-up for {contact.party_name} closed.")
            return _go(request, done_url)
    context = {"contact": contact, "form": form, "next": done_url}
    if request.htmx:
        return render(request, "accounts/contacts/partials/_close_form.html", context)
    return render(request, "accounts/contacts/close.html", context)


def _board(request, *, failed: int | None = None, errors=None, status=200):
    queues = queries.open_follow_ups_by_owner()
    for queue in queues:
        for contact in queue.contacts:
            # The row whose reassignment was refused keeps what was typed and says why.
            if contact.pk == failed:
                contact.reassign_errors = {
                    ("general" if name == "__all__" else name): " ".join(found)
                    for name, found in errors.items()
                }
                contact.posted = request.POST
    context = {
        "queues": queues,
        "owners": list(queries.follow_up_owners()),
        "today": business_day.today(),
    }
    return render(request, "accounts/contacts/board.html", context, status=status)


@manage_follow_ups
def board(request):
    return _board(request)


@manage_follow_ups
@require_POST
def reassign(request, pk):
    contact = get_object_or_404(Contact, pk=pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            contact = services.reassign_follow_up(
                contact=contact,
                owner=form.cleaned_data["owner"],
                follow_up_on=form.cleaned_data["follow_up_on"],
                by=request.user,
            )
        except ContactError as error:
            show_on_form(form, error)
        else:
            owner = contact.follow_up_owner
            messages.success(
                request,
                f"Follow-up for {contact.party_name} now with "
                f"{owner.get_full_name() or owner.get_username()}, due {contact.follow_up_on:%m/%d/%Y}.",
            )
            return redirect("contacts:board")
    # Nothing changed: show the board again with the message beside this row's fields.
    return _board(request, failed=contact.pk, errors=form.errors, status=400)


@view_contacts
def detail(request, pk):
    contact = get_object_or_404(
        Contact.objects.select_related(
            "account", "customer", "premise", "follow_up_owner", "logged_by", "closed_by"
        ),
        pk=pk,
    )
    context = {
        "contact": contact,
        "may_close": contact.is_open and _may_close(request.user, contact),
        "close_form": CloseFollowUpForm(),
        "contact_actions": [
            (a.label, reverse(a.url_name, args=[contact.pk]))
            for a in extensions.contact_actions_for(request.user)
        ],
        "events": audit.history_for(contact, limit=50)
        if request.user.has_perm("core.view_audit_trail")
        else [],
    }
    return render(request, "accounts/contacts/detail.html", context)


@view_contacts
def search(request):
    form = ContactSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        results = list(
            queries.search_contacts(
                text=data["q"],
                category=data["category"],
                party_type=data["party_type"],
                channel=data["channel"],
                status=data["status"],
                start=data["start"],
                end=data["end"],
            )
        )
    elif not form.is_bound:
        results = list(queries.search_contacts())
    context = {"form": form, "results": results, "limit": queries.SEARCH_LIMIT}
    if request.htmx and not request.htmx.boosted:
        return render(request, "accounts/contacts/partials/_search_results.html", context)
    return render(request, "accounts/contacts/search.html", context)


@view_contacts
def customer_contacts(request, pk):
    """The contact history of one customer across all their accounts (and none)."""
    customer = get_object_or_404(Customer, pk=pk)
    context = {
        "customer": customer,
        "contacts": queries.contacts_for_customer(customer.pk),
        "show_account": True,
    }
    if request.htmx:
        return render(request, "accounts/contacts/partials/_contact_list.html", context)
    return render(request, "accounts/contacts/customer_contacts.html", context)
