"""Thin views: permission, form, one service call, render or redirect."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from accounts.models import Account
from accounts.queries import aging_for_account, balance_of_account_number
from payments import other_payments, queries, services
from payments.forms import (
    BatchControlsForm,
    BatchItemForm,
    MailBatchForm,
    OpenDrawerForm,
    ReasonForm,
    ReceiptLookupForm,
    ReturnForm,
    TakePaymentForm,
)
from payments.models import MailBatch, MailBatchItem, PaymentStatus
from payments.tenders import ChangeNeedsConfirmation, PaymentError, TenderInput, allocate
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect
from utilityclerk.money import ZERO, MoneyError, format_money, parse_money
from utilityclerk.pdf import pdf_response, render_pdf

# Card details never reach Django's error reports, even when a tender field holds them.
_CARD_FIELDS = ("card_last4", "card_auth_code", "memo", "check_number", "money_order_number")


def _payment_or_404(receipt: str):
    number = queries.parse_receipt_number(receipt)
    payment = queries.payment_for_receipt(number) if number is not None else None
    if payment is None:
        raise Http404("No such receipt")
    return payment


_redirect = htmx_redirect


# Drawer --------------------------------------------------------------------------------


@permission_required("payments.add_drawersession", raise_exception=True)
def drawer(request):
    session = queries.open_session_for(request.user)
    form = None
    if session is None:
        form = OpenDrawerForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                session = services.open_drawer_session(
                    drawer=form.cleaned_data["drawer"],
                    opening_float=form.cleaned_data["opening_float"],
                    clerk=request.user,
                )
            except PaymentError as error:
                show_on_form(form, error)
            else:
                messages.success(request, f"Drawer {session.drawer.code} is open.")
                return redirect("payments:drawer")
    context = {"session": session, "form": form}
    if session is not None:
        # No expected totals here: the drawer is counted blind at close.
        context.update(payments=queries.session_payments(session))
    return render(request, "payments/drawer.html", context)


@permission_required("payments.add_drawersession", raise_exception=True)
def drawer_status(request):
    """The header's word on the clerk's drawer: open or not, and how many receipts it holds.
    Never a total: the drawer is counted blind."""
    return render(
        request,
        "payments/partials/_drawer_status.html",
        {"session": queries.open_session_with_receipt_count(request.user)},
    )


# Take a payment ------------------------------------------------------------------------


@permission_required("payments.add_payment", raise_exception=True)
@sensitive_post_parameters(*_CARD_FIELDS)
def take(request, number):
    account = get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )
    confirm_change = None
    # What the account may pay beside its balance on this receipt (a deposit still owed).
    purposes = [
        (purpose, offer)
        for purpose in other_payments.account_purposes()
        if (offer := purpose.offer(account)) is not None
    ]
    if request.method == "POST":
        form = TakePaymentForm(request.POST, purposes=purposes)
        if form.is_valid():
            try:
                payment = services.take_payment(
                    account=account,
                    amount=form.cleaned_data["amount"],
                    tenders=form.tenders(),
                    clerk=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                    channel=form.cleaned_data["channel"],
                    memo=form.cleaned_data["memo"],
                    change_confirmed=form.cleaned_data["change_confirmed"],
                    lines=form.purpose_amounts(),
                )
            except ChangeNeedsConfirmation as error:
                # The same form again, carrying the change to confirm: Enter posts it.
                data = request.POST.copy()
                data["change_confirmed"] = f"{error.change:.2f}"
                form = TakePaymentForm(data, purposes=purposes)
                form.is_valid()
                show_on_form(form, error)
                confirm_change = error.change
            except services.KeyAlreadyUsed as error:
                data = request.POST.copy()
                data["idempotency_key"] = str(uuid.uuid4())
                form = TakePaymentForm(data, purposes=purposes)
                form.is_valid()
                show_on_form(form, error)
            except PaymentError as error:
                show_on_form(form, error)
            else:
                if request.htmx:
                    response = render(
                        request, "payments/partials/_take_done.html", {"payment": payment}
                    )
                    # The header's drawer status counts the new receipt.
                    return trigger_client_event(response, "paymentPosted")
                # The payment's page is the confirmation: it heads with the receipt and status.
                return redirect("payments:payment", receipt=payment.receipt)
        aging = aging_for_account(account.pk)
    else:
        aging = aging_for_account(account.pk)
        # Opened for one purpose (Take the deposit): that alone is filled in.
        only = request.GET.get("for", "")
        initial = {"amount": aging.balance} if aging.balance > ZERO and not only else {}
        for purpose, offer in purposes:
            if offer.due > ZERO and only in ("", purpose.code):
                initial[other_payments.field_name(purpose.code)] = offer.due
        form = TakePaymentForm(initial=initial, purposes=purposes)
        if initial:
            # The amount due is prefilled: most customers pay it, in cash, so the clerk
            # starts in Cash tendered (Shift+Tab reaches the amount).
            form.fields["amount"].widget.attrs.pop("data-autofocus", None)
            form.fields["cash_tendered"].widget.attrs["data-autofocus"] = True
    today = business_day.today()
    cash_only = account.customer.cash_only_until
    context = {
        "account": account,
        "form": form,
        "aging": aging,
        "session": queries.open_session_for(request.user),
        "confirm_change": confirm_change,
        "change_due": format_money(confirm_change) if confirm_change else "",
        "cash_only_until": cash_only if cash_only and cash_only >= today else None,
        # The full page swaps its own panel; the account page's dialog swaps #dialog-body.
        "hx_target": "#take-panel"
        if request.htmx and request.htmx.target == "take-panel"
        else None,
    }
    template = "payments/partials/_take_form.html" if request.htmx else "payments/take.html"
    return render(request, template, context)


@permission_required("payments.add_payment", raise_exception=True)
def change_due(request):
    """The change due as the clerk types, computed by the same rules that post the payment.
    Only amounts come in the query string: no tender numbers or card details."""
    change, problem, credit = None, "", None
    try:
        amount = parse_money(request.GET.get("amount") or "0")
        # What goes beside the balance (a deposit) is paid by the same tenders.
        beside = sum(
            (
                parse_money(request.GET.get(other_payments.field_name(p.code)) or "0")
                for p in other_payments.account_purposes()
            ),
            ZERO,
        )
        account = request.GET.get("account", "")
        if account.isdigit():
            # Paying more than is owed leaves a credit: said before the payment posts.
            owed = balance_of_account_number(account)
            if owed is not None and amount > max(owed, ZERO):
                credit = amount - max(owed, ZERO)
        tenders = [
            TenderInput(kind=kind, amount=parse_money(request.GET[name], allow_zero=False))
            for kind, name, _ in TakePaymentForm.TENDERS
            if request.GET.get(name, "").strip()
        ]
        if tenders and amount + beside > ZERO:
            services.refuse_cash_above_largest_payment(tenders, Policy.current())
            change = allocate(amount + beside, tenders).change
    except MoneyError:
        pass  # still typing
    except PaymentError as error:
        problem = str(error)
    return render(
        request,
        "payments/partials/_change_due.html",
        {"change": change, "problem": problem, "credit": credit},
    )


# Receipts ------------------------------------------------------------------------------


@permission_required("payments.view_payment", raise_exception=True)
def lookup(request):
    form = ReceiptLookupForm(request.GET or None)
    if form.is_bound and form.is_valid():
        payment = queries.payment_for_receipt(form.cleaned_data["receipt"])
        if payment is not None:
            return redirect("payments:payment", receipt=payment.receipt)
        form.add_error("receipt", "No payment has that receipt number.")
    return render(request, "payments/lookup.html", {"form": form})


@permission_required("payments.view_payment", raise_exception=True)
def payment_detail(request, receipt):
    payment = _payment_or_404(receipt)
    today = business_day.today()
    return render(
        request,
        "payments/payment_detail.html",
        {
            "payment": payment,
            "today": today,
            # Offer only what would work; say why Void is not offered on a posted payment.
            "void_refusal": (
                refusal := services.why_not_voidable(payment, request.user, today=today)
            ),
            "adjust_instead": refusal == services.COUNTED_DRAWER_REFUSAL,
            "returnable": services.is_returnable(payment),
        },
    )


@permission_required("payments.view_payment", raise_exception=True)
def receipt_page(request, receipt):
    """The receipt as printed on the counter's 80 mm printer. Looking at it is not printing
    it: only Print (receipt_printed) counts a copy."""
    payment = _payment_or_404(receipt)
    return render(
        request,
        "payments/receipt.html",
        {"payment": payment, "utility_address": settings.UTILITY_ADDRESS, "printing": False},
    )


@permission_required("payments.view_payment", raise_exception=True)
@require_POST
def receipt_printed(request, receipt):
    """Print pressed: count the copy (the first is the original, later ones say REPRINT) and
    answer with the receipt as this copy prints; the page then opens the print dialog."""
    payment = _payment_or_404(receipt)
    services.print_receipt(payment=payment, by=request.user)
    context = {"payment": payment, "utility_address": settings.UTILITY_ADDRESS, "printing": True}
    if request.htmx:
        return render(request, "payments/partials/_receipt_body.html", context)
    return render(request, "payments/receipt.html", context)


@permission_required("payments.view_payment", raise_exception=True)
def receipt_pdf(request, receipt):
    """A PDF of the receipt is a copy made on purpose: it counts as a print."""
    payment = _payment_or_404(receipt)
    services.print_receipt(payment=payment, by=request.user)
    pdf = render_pdf("payments/pdf/receipt.html", {"payment": payment}, generated_by=request.user)
    return pdf_response(pdf, f"receipt-{payment.receipt}.pdf")


def _undo(request, receipt, *, action, template, form_class=ReasonForm):
    payment = _payment_or_404(receipt)
    extra = {"payment": payment} if form_class is ReturnForm else {}
    form = form_class(request.POST or None, **extra)
    if request.method == "POST" and form.is_valid():
        which = {"tender_id": form.cleaned_data["tender"]} if "tender" in form.fields else {}
        try:
            action(
                payment=payment,
                reason=form.cleaned_data["reason"],
                supervisor=request.user,
                **which,
            )
        except PaymentError as error:
            show_on_form(form, error)
        else:
            payment.refresh_from_db(fields=["status"])
            verb = "voided" if payment.status == PaymentStatus.VOIDED else "recorded as returned"
            messages.success(request, f"Receipt {payment.receipt} {verb}.")
            return _redirect(request, reverse("payments:payment", args=[payment.receipt]))
    context = {"payment": payment, "form": form}
    if request.htmx:
        return render(request, f"payments/partials/_{template}_form.html", context)
    return render(request, f"payments/{template}.html", context)


@permission_required("payments.void_payment", raise_exception=True)
def void(request, receipt):
    return _undo(request, receipt, action=services.void_payment, template="void")


@permission_required("payments.record_returned_payment", raise_exception=True)
def returned(request, receipt):
    return _undo(
        request,
        receipt,
        action=services.record_returned_payment,
        template="return",
        form_class=ReturnForm,
    )


# Mail and drop-box batches -------------------------------------------------------------


@permission_required("payments.add_mailbatch", raise_exception=True)
def batches(request):
    form = MailBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.open_mail_batch(
                channel=form.cleaned_data["channel"],
                control_count=form.cleaned_data["control_count"],
                control_total=form.cleaned_data["control_total"],
                clerk=request.user,
            )
        except PaymentError as error:
            show_on_form(form, error)
        else:
            return redirect("payments:batch", pk=batch.pk)
    return render(
        request, "payments/batches.html", {"form": form, "batches": queries.recent_batches()}
    )


def _batch_context(batch, item_form=None, controls_form=None):
    count, total = queries.batch_totals(batch)
    return {
        "batch": batch,
        "items": batch.items.select_related("account__customer", "payment"),
        "keyed_count": count,
        "keyed_total": total,
        "balances": count == batch.control_count and total == batch.control_total,
        "item_form": item_form or BatchItemForm(),
        "controls_form": controls_form
        or BatchControlsForm(
            initial={"control_count": batch.control_count, "control_total": batch.control_total}
        ),
    }


@permission_required("payments.view_mailbatch", raise_exception=True)
def batch_detail(request, pk):
    batch = get_object_or_404(MailBatch.objects.select_related("keyed_by", "posted_by"), pk=pk)
    return render(request, "payments/batch_detail.html", _batch_context(batch))


@permission_required("payments.change_mailbatch", raise_exception=True)
@require_POST
def batch_add_item(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    form = BatchItemForm(request.POST)
    if form.is_valid():
        try:
            services.key_batch_item(
                batch=batch,
                account=form.cleaned_data["account"],
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                number=form.cleaned_data["number"],
                clerk=request.user,
            )
        except PaymentError as error:
            show_on_form(form, error)
        else:
            return redirect("payments:batch", pk=batch.pk)
    return render(request, "payments/batch_detail.html", _batch_context(batch, item_form=form))


@permission_required("payments.change_mailbatch", raise_exception=True)
@require_POST
def batch_remove_item(request, pk, item_pk):
    item = get_object_or_404(MailBatchItem.objects.select_related("batch"), pk=item_pk, batch_id=pk)
    try:
        services.remove_batch_item(item=item, clerk=request.user)
    except PaymentError as error:
        messages.error(request, str(error))
    return redirect("payments:batch", pk=pk)


@permission_required("payments.change_mailbatch", raise_exception=True)
@require_POST
def batch_controls(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    form = BatchControlsForm(request.POST)
    if form.is_valid():
        try:
            services.correct_batch_controls(
                batch=batch,
                control_count=form.cleaned_data["control_count"],
                control_total=form.cleaned_data["control_total"],
                clerk=request.user,
            )
        except PaymentError as error:
            show_on_form(form, error)
        else:
            return redirect("payments:batch", pk=batch.pk)
    return render(request, "payments/batch_detail.html", _batch_context(batch, controls_form=form))


@permission_required("payments.change_mailbatch", raise_exception=True)
@require_POST
def batch_post(request, pk):
    batch = get_object_or_404(MailBatch, pk=pk)
    try:
        services.post_mail_batch(batch=batch, clerk=request.user)
    except PaymentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Batch {batch.pk} posted.")
    return redirect("payments:batch", pk=pk)
