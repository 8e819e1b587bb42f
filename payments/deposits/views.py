"""Thin views: permission, form, one service call, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from payments.deposits import queries, services
from payments.deposits.forms import (
    InstalmentsForm,
    ReleaseForm,
    RunForm,
    SecurityForm,
    WaiveForm,
)
from payments.deposits.models import LetterOfCredit
from payments.deposits.run_kinds import INSTALMENTS, INTEREST, REVIEW
from utilityclerk import business_day
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect
from utilityclerk.money import format_money

RUN_KINDS = {"instalments": INSTALMENTS, "interest": INTEREST, "review": REVIEW}


def _account_or_404(number: str) -> Account:
    return get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )


def _dialog(request, account, *, form, template: str, heading: str, extra=None):
    """The form in the account page's dialog (HTMX), or as a page of its own."""
    context = {
        "account": account,
        "form": form,
        "form_template": template,
        "heading": heading,
        "figures": queries.figures(account.pk),
        **(extra or {}),
    }
    if request.htmx:
        return render(request, template, context)
    return render(request, "deposits/dialog_page.html", context)


def _to_account(request, account):
    return htmx_redirect(request, reverse("accounts:detail", args=[account.number]))


@permission_required("deposits.add_instalmentplan", raise_exception=True)
def instalments(request, number):
    account = _account_or_404(number)
    form = InstalmentsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.set_up_instalments(
                account=account,
                instalments=form.cleaned_data["instalments"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except services.DepositError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Deposit of {format_money(plan.total)} set up in {plan.instalment_count} "
                "monthly instalments, billed by the instalment run.",
            )
            return _to_account(request, account)
    return _dialog(
        request,
        account,
        form=form,
        template="deposits/partials/_instalments_form.html",
        heading="Deposit in instalments",
    )


@permission_required("deposits.waive_deposit", raise_exception=True)
def waive(request, number):
    account = _account_or_404(number)
    form = WaiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waiver = services.waive_deposit(
                account=account,
                required=form.cleaned_data["required"],
                reason=form.cleaned_data["reason"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except services.DepositError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                "Deposit waived."
                if waiver.is_waiver
                else f"Deposit reduced to {format_money(waiver.required_after)}.",
            )
            return _to_account(request, account)
    return _dialog(
        request,
        account,
        form=form,
        template="deposits/partials/_waive_form.html",
        heading="Waive or reduce the deposit",
    )


@permission_required("deposits.add_letterofcredit", raise_exception=True)
def security(request, number):
    account = _account_or_404(number)
    form = SecurityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            security = services.record_security(
                account=account,
                kind=form.cleaned_data["kind"],
                issuer=form.cleaned_data["issuer"],
                number=form.cleaned_data["number"],
                amount=form.cleaned_data["amount"],
                expires_on=form.cleaned_data["expires_on"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except services.DepositError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"{security.get_kind_display()} for {format_money(security.amount)} recorded, "
                f"to {security.expires_on:%m/%d/%Y}.",
            )
            return _to_account(request, account)
    return _dialog(
        request,
        account,
        form=form,
        template="deposits/partials/_security_form.html",
        heading="Letter of credit or surety bond",
    )


@permission_required("deposits.change_letterofcredit", raise_exception=True)
@require_POST
def release(request, pk):
    security = get_object_or_404(LetterOfCredit.objects.select_related("account"), pk=pk)
    form = ReleaseForm(request.POST)
    if form.is_valid():
        try:
            services.release_security(
                security=security, reason=form.cleaned_data["reason"], by=request.user
            )
        except services.DepositError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{security.get_kind_display()} released.")
    else:
        messages.error(request, "Say why it is released.")
    return redirect("accounts:tab", number=security.account.number, tab="deposit")


def _home(request, run_form, status=200):
    today = business_day.today()
    return render(
        request,
        "deposits/home.html",
        {
            "reminders": list(queries.security_reminders(today=today)),
            "to_bill": queries.instalments_to_bill(today),
            "held": queries.held_total(),
            "today": today,
            "run_form": run_form,
        },
        status=status,
    )


@permission_required("deposits.view_depositentry", raise_exception=True)
def home(request):
    """Deposits at a glance: securities to renew, instalments the next run bills, and (for
    supervisors) the runs."""
    can_run = request.user.has_perm("deposits.run_deposit_runs")
    return _home(request, RunForm() if can_run else None)


@permission_required("deposits.run_deposit_runs", raise_exception=True)
@require_POST
def start_run(request):
    """Start a run: its proof is worked out in the background, then a supervisor approves it
    on the run's page. Starting it twice opens the run already under way."""
    from utilityclerk.runs.services import start_run as start

    form = RunForm(request.POST)
    if not form.is_valid():
        return _home(request, form, status=400)
    kind = form.cleaned_data["kind"]
    if kind == "interest":
        year = form.cleaned_data["year"]
        run = start(kind=INTEREST, scope=str(year), params={"year": year}, by=request.user)
    else:
        day = form.cleaned_data["day"]
        run = start(
            kind=RUN_KINDS[kind],
            scope=f"{day:%Y-%m}",
            params={"day": day.isoformat()},
            by=request.user,
        )
    return redirect("runs:detail", pk=run.pk)
