"""Refund screens: the request form (a dialog on the account page), the supervisor's queue,
a refund's page with its decisions, and the printable check request. Thin: parse, one
service call, render or redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Account
from payments.refunds import queries, services
from payments.refunds.forms import CashedForm, ReasonForm, RequestRefundForm
from payments.refunds.models import Refund, RefundStatus
from payments.refunds.services import RefundError
from utilityclerk import audit
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect
from utilityclerk.money import format_money
from utilityclerk.pdf import pdf_response, render_pdf

APPROVE = "refunds.approve_refund"


def _account_or_404(number: str) -> Account:
    return get_object_or_404(
        Account.objects.select_related("customer"),
        number="".join(ch for ch in number if ch.isdigit()),
    )


def _refund_or_404(pk: int) -> Refund:
    try:
        return queries.refund_detail(pk)
    except Refund.DoesNotExist as error:
        raise Http404("No such refund") from error


def _who(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else "the nightly run"


@permission_required("refunds.add_refund", raise_exception=True)
def request_refund(request, number):
    account = _account_or_404(number)
    credit, waiting, left = queries.available_credit(account.pk)
    payee, address = services.default_payee(account)
    initial = {"amount": left or None, "payee_name": payee, "mailing_address": address}
    form = RequestRefundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            refund = services.request_refund(
                account=account,
                amount=data["amount"],
                reason=data["reason"],
                requested_by=request.user,
                source=data["source"],
                payee_name=data["payee_name"],
                mailing_address=data["mailing_address"],
                payee_reason=data["payee_reason"],
                idempotency_key=data["idempotency_key"],
            )
        except RefundError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Refund of {format_money(refund.amount)} to {refund.payee_name} requested: "
                "it waits for a supervisor's approval.",
            )
            return htmx_redirect(request, reverse("refunds:detail", args=[refund.pk]))
    context = {
        "account": account,
        "form": form,
        "credit": credit,
        "waiting": waiting,
        "left": left,
    }
    template = "refunds/partials/_request_form.html" if request.htmx else "refunds/request.html"
    # HTMX swaps only a 2xx answer: the dialog shows its errors with a 200.
    status = 400 if form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@permission_required(APPROVE, raise_exception=True)
def queue(request):
    return render(request, "refunds/queue.html", {"waiting": queries.waiting()})


@permission_required(APPROVE, raise_exception=True)
def waiting(request):
    """How many refunds wait, for the supervisor's home page (loaded after the page)."""
    return render(request, "refunds/partials/_waiting.html", {"waiting": queries.waiting_count()})


@permission_required("refunds.view_refund", raise_exception=True)
def detail(request, pk, *, forms=None, status=200):
    refund = _refund_or_404(pk)
    context = {
        "refund": refund,
        "history": audit.history_for(refund),
        "can_decide": request.user.has_perm(APPROVE),
        "can_cancel": services.can_cancel(refund, request.user),
        "reject_form": ReasonForm(prefix="reject"),
        "cancel_form": ReasonForm(prefix="cancel"),
        "void_form": ReasonForm(prefix="void"),
        "cashed_form": CashedForm(initial={"cashed_on": refund.cashed_on}),
        **(forms or {}),
    }
    return render(request, "refunds/detail.html", context, status=status)


def _back(request, pk):
    """To the queue when the decision was made there, else to the refund's page."""
    if request.POST.get("next") == "queue":
        return htmx_redirect(request, reverse("refunds:queue"))
    return htmx_redirect(request, reverse("refunds:detail", args=[pk]))


@permission_required(APPROVE, raise_exception=True)
@require_POST
def approve(request, pk):
    refund = get_object_or_404(Refund, pk=pk)
    was_pending = refund.status == RefundStatus.REQUESTED
    try:
        refund = services.approve_refund(
            refund=refund, by=request.user, note=request.POST.get("note", "")[:200]
        )
    except RefundError as error:
        messages.error(request, str(error))
        return _back(request, pk)
    if was_pending and refund.decided_by_id == request.user.pk:
        messages.success(
            request,
            f"Refund of {format_money(refund.amount)} approved: check request "
            f"{refund.check_request_number}.",
        )
    else:
        messages.info(
            request,
            f"This refund was already approved by {_who(refund.decided_by)} (check request "
            f"{refund.check_request_number}); nothing more was done.",
        )
    return _back(request, pk)


def _reasoned(request, pk, *, prefix: str, action, done: str):
    refund = get_object_or_404(Refund, pk=pk)
    form = ReasonForm(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            refund = action(refund=refund, reason=form.cleaned_data["reason"], by=request.user)
        except RefundError as error:
            if error.field != "reason":
                # Decided meanwhile, or not this person's to decide: said at the top.
                messages.error(request, str(error))
                return _back(request, pk)
            show_on_form(form, error)
        else:
            messages.success(request, done)
            return _back(request, pk)
    if request.POST.get("next") == "queue":
        context = {"waiting": queries.waiting(), "rejecting": refund.pk, "reject_form": form}
        return render(request, "refunds/queue.html", context, status=400)
    return detail(request, pk, forms={f"{prefix}_form": form}, status=400)


@permission_required(APPROVE, raise_exception=True)
@require_POST
def reject(request, pk):
    return _reasoned(
        request, pk, prefix="reject", action=services.reject_refund, done="Refund rejected."
    )


@permission_required("refunds.add_refund", raise_exception=True)
@require_POST
def cancel(request, pk):
    refund = get_object_or_404(Refund, pk=pk)
    if not services.can_cancel(refund, request.user) and refund.status == RefundStatus.REQUESTED:
        raise PermissionDenied
    return _reasoned(
        request, pk, prefix="cancel", action=services.cancel_refund, done="Request cancelled."
    )


@permission_required(APPROVE, raise_exception=True)
@require_POST
def void(request, pk):
    return _reasoned(
        request,
        pk,
        prefix="void",
        action=services.void_refund,
        done="Refund voided: the credit is back on the account.",
    )


@permission_required(APPROVE, raise_exception=True)
@require_POST
def cashed(request, pk):
    refund = get_object_or_404(Refund, pk=pk)
    form = CashedForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["cashed_on"]
        try:
            services.record_check_cashed(refund=refund, cashed_on=day, by=request.user)
        except RefundError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Check recorded cashed on {day:%m/%d/%Y}."
                if day
                else "Check recorded not cashed.",
            )
            return htmx_redirect(request, reverse("refunds:detail", args=[pk]))
    return detail(request, pk, forms={"cashed_form": form}, status=400)


@permission_required("refunds.view_refund", raise_exception=True)
def check_request_pdf(request, pk):
    refund = _refund_or_404(pk)
    if refund.check_request_number is None:
        raise Http404("A refund gets its check request when it is approved.")
    pdf = render_pdf(
        "refunds/pdf/check_request.html", {"refund": refund}, generated_by=request.user
    )
    return pdf_response(pdf, f"check-request-{refund.check_request_number}.pdf")
