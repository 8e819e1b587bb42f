from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import extensions, queries, services, tabs
from accounts.forms import (
    AdjustmentForm,
    ConfirmDuplicatesForm,
    CustomerForm,
    MailingAddressForm,
    NoteForm,
    PremiseForm,
    RejectAdjustmentForm,
    mailing_at_service_address,
    new_customer_context,
    premise_data,
)
from accounts.models import Account, AdjustmentRequest, AdjustmentRequestStatus, Bill, Customer
from accounts.services import MAILING_FIELDS, AccountError
from accounts.validation import as_typed
from utilityclerk import audit, business_day
from utilityclerk.cards import CARD_NUMBER_REFUSED, contains_card_number
from utilityclerk.core.models import Policy
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect
from utilityclerk.money import format_money

view_accounts = permission_required("accounts.view_account", raise_exception=True)


def _account_or_404(number: str, *, with_people=False, with_figures=False) -> Account:
    # The deposit a started service requires (workorders) comes in the same query.
    accounts = (
        Account.objects.select_related("customer", "premise", "deposit_requirement")
        if with_people
        else Account.objects
    )
    if with_figures:
        # Other apps' header figures (the deposit held) as subqueries of this one query.
        accounts = accounts.annotate(**extensions.annotations_for_account_page())
    return get_object_or_404(accounts, number="".join(ch for ch in number if ch.isdigit()))


def _redirect_to_account(request, account: Account):
    return htmx_redirect(request, reverse("accounts:detail", args=[account.number]))


@view_accounts
def search(request):
    query = as_typed(request.GET.get("q", "")[:100])
    if contains_card_number(query):
        # Refused, not searched, and not echoed back into the page.
        outcome, hits, query = queries.SearchOutcome([], CARD_NUMBER_REFUSED), [], ""
    else:
        outcome = queries.search(query)
        hits = extensions.search_other_records(query) if len(query) >= 2 else []
    context = {"search_query": query, "outcome": outcome, "hits": hits}
    if request.htmx and not request.htmx.boosted:
        return render(request, "accounts/partials/_search_results.html", context)
    # Enter pressed before the live list arrived (a fast typist, a pasted number, a scanner):
    # an account the number surely names opens, as Enter on the list would have opened it.
    # A name, even a single match, may be a typo's correction: the list is shown.
    first = outcome.results[0] if outcome.results else None
    if first and not hits and first.matched in ("Account number", "Bill number"):
        return redirect("accounts:detail", number=first.number)
    return render(request, "accounts/search.html", context)


# Account page and its tabs -------------------------------------------------------------


def _tab_or_404(request, slug):
    tab = extensions.tab(slug)
    if tab is None or (tab.permission and not request.user.has_perm(tab.permission)):
        raise Http404("No such tab")
    return tab


@view_accounts
def account_detail(request, number, tab="ledger"):
    current = _tab_or_404(request, tab)
    if request.htmx and request.htmx.target == "tab-panel":
        # With its customer and premise: tabs (history) name them without more queries.
        account = _account_or_404(number, with_people=True)
        context = {"account": account, "tab": tab, **current.context(request, account)}
        return render(request, current.template, context)
    summary = queries.account_summary(_account_or_404(number, with_people=True, with_figures=True))
    account = summary.account
    actions = [
        {
            "label": a.label,
            "url": reverse(a.url_name, args=[account.number]),
            "shortcut": a.accesskey,
            "dialog": a.dialog,
        }
        for a in extensions.actions_for(request.user, account, summary)
    ]
    context = {
        "account": account,
        "summary": summary,
        "tab": tab,
        "tabs": extensions.tabs_for(request.user),
        "tab_template": current.template,
        "actions": actions,
        "header_panels": extensions.header_panels_for(request, account),
        **current.context(request, account),
    }
    return render(request, "accounts/account_detail.html", context)


@view_accounts
def bill_detail(request, number, bill_number):
    account = _account_or_404(number, with_people=True)
    bill = get_object_or_404(
        Bill.objects.select_related("ledger_entry").prefetch_related("lines"),
        account=account,
        number=bill_number,
    )
    return render(
        request,
        "accounts/bill_detail.html",
        {"account": account, "bill": bill, "summary": queries.bill_summary(bill)},
    )


@permission_required("accounts.add_accountnote", raise_exception=True)
@require_POST
def add_note(request, number):
    account = _account_or_404(number)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.add_note(account=account, text=form.cleaned_data["text"], by=request.user)
        except AccountError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Note added.")
            form = NoteForm()
    context = {"account": account, "tab": "notes", **tabs.notes(request, account, form)}
    if request.htmx:
        return render(request, "accounts/partials/_tab_notes.html", context)
    if form.errors:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("accounts:tab", number=account.number, tab="notes")


# Adjustments ---------------------------------------------------------------------------


@permission_required("accounts.post_adjustment", raise_exception=True)
def adjust(request, number):
    account = _account_or_404(number)
    form = AdjustmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.post_adjustment(
                account=account,
                amount=form.signed_amount(),
                reason_code=form.cleaned_data["reason_code"],
                memo=form.cleaned_data["memo"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except AccountError as error:
            show_on_form(form, error)
        else:
            if isinstance(result, AdjustmentRequest):
                messages.warning(
                    request,
                    f"The adjustment of {format_money(abs(result.amount))} takes you over your limit for "
                    "this account today and waits for a supervisor's approval.",
                )
            else:
                messages.success(
                    request, f"Adjustment of {format_money(abs(result.amount))} posted."
                )
            return _redirect_to_account(request, account)
    template = "accounts/partials/_adjust_form.html" if request.htmx else "accounts/adjust.html"
    limit = format_money(Policy.current().clerk_adjustment_limit)
    return render(request, template, {"account": account, "form": form, "clerk_limit": limit})


@permission_required("accounts.approve_adjustment", raise_exception=True)
def adjustment_queue(request):
    return render(
        request,
        "accounts/adjustment_queue.html",
        {"pending": queries.adjustments_waiting()},
    )


@permission_required("accounts.approve_adjustment", raise_exception=True)
def adjustments_waiting(request):
    """How many adjustments wait, for the supervisor's home page (loaded after the page)."""
    return render(
        request,
        "accounts/partials/_adjustments_waiting.html",
        {"waiting": queries.adjustments_waiting_count()},
    )


@permission_required("accounts.approve_adjustment", raise_exception=True)
@require_POST
def decide_adjustment(request, pk, decision):
    request_row = get_object_or_404(AdjustmentRequest.objects.select_related("account"), pk=pk)
    number = request_row.account.display_number
    try:
        if decision == "approve":
            decided = services.approve_adjustment(request=request_row, by=request.user)
            done = f"Adjustment on {number} approved and posted."
        else:
            form = RejectAdjustmentForm(request.POST)
            if not form.is_valid():
                raise AccountError("Say why the adjustment is rejected.", field="note")
            decided = services.reject_adjustment(
                request=request_row, note=form.cleaned_data["note"], by=request.user
            )
            done = f"Adjustment on {number} rejected."
        if (
            request_row.status == AdjustmentRequestStatus.PENDING
            and decided.decided_by_id == request.user.pk
        ):
            messages.success(request, done)
        else:  # a second click, or another supervisor was first: nothing more was done
            who = decided.decided_by.get_full_name() or decided.decided_by.get_username()
            messages.info(
                request,
                f"Adjustment on {number} was already {decided.get_status_display().lower()} "
                f"by {who}; nothing more was done.",
            )
    except AccountError as error:
        if error.field == "note":
            # The reason goes beside that row's box, with what else waits still listed.
            context = {
                "pending": queries.adjustments_waiting(),
                "reject_error": str(error),
                "rejecting": request_row.pk,
            }
            return render(request, "accounts/adjustment_queue.html", context, status=400)
        messages.error(request, str(error))
    return redirect("accounts:adjustment_queue")


# Create and maintain -------------------------------------------------------------------


def _premise_key_on_file(premise_form) -> dict | None:
    """The premise key the valid form's address names, or None with the question beside the
    street (a street without its type that names two on file)."""
    typed = {
        k: premise_form.cleaned_data[k] for k in ("house_number", "street", "unit", "zip_code")
    }
    try:
        return services.premise_key_on_file(services.premise_lookup(**typed))
    except AccountError as error:
        show_on_form(premise_form, error)
        return None


@permission_required("accounts.add_account", raise_exception=True)
def new_account(request):
    customer_form = CustomerForm(
        mailing_at_service_address(request.POST or None), prefix="customer", user=request.user
    )
    premise_form = PremiseForm(
        request.POST or None, prefix="premise", initial={"city": "Cibolo", "state": "TX"}
    )
    confirm_form = ConfirmDuplicatesForm(request.POST or None)
    duplicates, occupied = [], []
    if (
        request.method == "POST"
        and customer_form.is_valid()
        and premise_form.is_valid()
        and confirm_form.is_valid()
        # None: the street's question stands beside it, and nothing is saved.
        and (premise_key := _premise_key_on_file(premise_form)) is not None
    ):
        duplicates = queries.likely_duplicates_of(customer_form.cleaned_data)
        occupied = list(queries.active_accounts_at_address(premise_key))
        if (duplicates or occupied) and not confirm_form.cleaned_data["confirm_duplicates"]:
            messages.warning(
                request, "Check the possible duplicates below before creating the account."
            )
        else:
            with transaction.atomic():
                customer = services.create_customer(
                    data=customer_form.cleaned_data, by=request.user
                )
                premise, _ = services.find_or_create_premise(
                    **premise_data(premise_form), by=request.user
                )
                account = services.open_account(customer=customer, premise=premise, by=request.user)
            messages.success(request, f"Account {account.display_number} opened for {customer}.")
            return redirect("accounts:detail", number=account.number)
    return render(
        request,
        "accounts/new_account.html",
        {
            **new_customer_context(request, customer_form),
            "premise_form": premise_form,
            "confirm_form": confirm_form,
            "duplicates": duplicates,
            "occupied": occupied,
        },
    )


@view_accounts
def customer_detail(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    accounts = customer.accounts.select_related("premise").order_by("status", "-opened_on")
    return render(
        request,
        "accounts/customer_detail.html",
        {
            "customer": customer,
            "accounts": accounts,
            "events": audit.history_for(customer, limit=50),
            "today": business_day.today(),
        },
    )


@permission_required("accounts.change_customer", raise_exception=True)
def customer_edit(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer, user=request.user)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        # The form wrote the new values onto the instance; start again from the database.
        customer.refresh_from_db()
        update = services.update_customer(customer=customer, changes=changes, by=request.user)
        messages.success(
            request, "Customer details saved." if update.changed else "Nothing was changed."
        )
        if update.remailed:
            numbers = ", ".join(a.display_number for a in update.remailed)
            messages.info(request, f"Bills for {numbers} are now mailed to the new address too.")
        return redirect("accounts:customer", pk=customer.pk)
    return render(request, "accounts/customer_edit.html", {"customer": customer, "form": form})


@permission_required("accounts.change_account", raise_exception=True)
def mailing_address_edit(request, number):
    account = _account_or_404(number)
    initial = {f: getattr(account, f) for f in MAILING_FIELDS}
    form = MailingAddressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_mailing_address(account=account, address=form.cleaned_data, by=request.user)
        messages.success(request, "Mailing address saved.")
        return redirect("accounts:detail", number=account.number)
    return render(request, "accounts/mailing_address_edit.html", {"account": account, "form": form})
