"""The permit desk, a permit's page and its actions, the inspector's tablet screen, hydrant
meters, backflow, will-serve letters, the public verification page and the reports."""

import csv
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Premise
from accounts.services import AccountError
from payments.tenders import PaymentError
from permits import documents, queries, services
from permits.forms import (
    BackflowDeviceForm,
    BackflowTestForm,
    CheckoutForm,
    DeskFilterForm,
    InspectionResultForm,
    IntakeForm,
    IssueForm,
    LetterDecisionForm,
    PermitPaymentForm,
    ReasonForm,
    RefundCheckForm,
    ReportForm,
    ReturnForm,
    ReviewForm,
    ScheduleInspectionForm,
    WillServeForm,
)
from permits.models import (
    BackflowDevice,
    HydrantCheckout,
    Inspection,
    Permit,
    PermitKind,
    PermitReview,
    PermitStatus,
    PermitType,
    RefundDue,
    WillServeLetter,
)
from permits.services import PermitError
from utilityclerk import audit, business_day
from utilityclerk.errors import show_on_form
from utilityclerk.money import format_money
from utilityclerk.pdf import pdf_response
from workorders.models import CrewMember

view_permits = permission_required("permits.view_permit", raise_exception=True)
add_permits = permission_required("permits.add_permit", raise_exception=True)
inspector = permission_required("permits.inspect_permit", raise_exception=True)


def _permit_or_404(number: str) -> Permit:
    permit = queries.permit_detail(number.upper())
    if permit is None:
        raise Http404("No such permit")
    return permit


def _back(permit: Permit):
    return redirect("permits:detail", number=permit.number)


# The desk ----------------------------------------------------------------------------------


@view_permits
def desk(request):
    form = DeskFilterForm(request.GET or None)
    filters = queries.DeskFilters()
    if form.is_bound and form.is_valid():
        filters = queries.DeskFilters(
            status=form.cleaned_data["status"],
            permit_type=form.cleaned_data["permit_type"],
            q=form.cleaned_data["q"].strip(),
        )
    page = queries.desk_page(filters, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "counts": queries.status_counts(),
        "today": business_day.today(),
    }
    if request.htmx and request.htmx.target == "desk-results":
        return render(request, "permits/desk.html#desk-results", context)
    return render(request, "permits/desk.html", context)


def _chosen_type(data) -> PermitType | None:
    code = (data or {}).get("permit_type")
    if not code:
        return None
    return PermitType.objects.prefetch_related("fees").filter(pk=code, active=True).first()


def _quote(permit_type: PermitType | None, data):
    """The fees for what is typed so far, or None while the type, size or days are missing."""
    if permit_type is None:
        return None
    size = data.get("size", "")
    days_typed = (data.get("days") or "").strip()
    days = int(days_typed) if days_typed.isdigit() and 0 < int(days_typed) <= 365 else None
    try:
        lines = services.fee_lines(permit_type, size=size, days=days)
    except PermitError:
        return None
    return {"lines": lines, "due": services.due_now(lines)}


@add_permits
def intake(request):
    data = request.POST if request.method == "POST" else request.GET
    permit_type = _chosen_type(data)
    premise = None
    premise_id = request.GET.get("premise") or request.POST.get("premise")
    if premise_id and premise_id.isdigit():
        premise = get_object_or_404(Premise, pk=int(premise_id))
    initial = {}
    if premise is not None:
        initial = {
            name: getattr(premise, name)
            for name in ("house_number", "street", "unit", "city", "state", "zip_code")
        }
    if request.method == "POST":
        form = IntakeForm(request.POST, permit_type=permit_type)
        if form.is_valid():
            cleaned = form.cleaned_data
            try:
                site = services.new_construction_site(address=cleaned, by=request.user)
                permit = services.submit_permit(
                    permit_type=permit_type,
                    premise=site,
                    customer=cleaned.get("customer"),
                    contractor=cleaned.get("contractor")
                    if cleaned["applicant"] == "contractor"
                    else None,
                    size=cleaned.get("size", ""),
                    days=cleaned.get("days"),
                    details=form.details(),
                    by=request.user,
                    idempotency_key=cleaned["idempotency_key"],
                )
            except (PermitError, AccountError) as error:
                show_on_form(form, error)
            else:
                messages.success(request, f"Permit {permit.number} taken: take the fees next.")
                return _back(permit)
    else:
        # Choosing the type (or its size, or the days) redraws the form with what was typed
        # so far, unbound: nothing is refused before the clerk submits.
        typed = {key: data.get(key) for key in data if key != "csrfmiddlewaretoken"}
        form = IntakeForm(initial={**initial, **typed}, permit_type=permit_type)
    context = {"form": form, "quote": _quote(permit_type, data), "premise": premise}
    if request.htmx and request.htmx.target == "intake-form":
        return render(request, "permits/intake.html#intake-form", context)
    return render(request, "permits/intake.html", context)


@add_permits
def intake_for_account(request, number):
    """From the account page: the site is the account's premise."""
    from accounts.models import Account

    account = get_object_or_404(Account, number="".join(ch for ch in number if ch.isdigit()))
    return redirect(f"{reverse('permits:intake')}?premise={account.premise_id}")


# A permit's page ---------------------------------------------------------------------------


def _detail_context(request, permit: Permit, **forms) -> dict:
    is_hydrant = permit.permit_type_id == PermitKind.HYDRANT_METER
    checkout = (
        HydrantCheckout.objects.select_related("meter").filter(permit=permit).first()
        if is_hydrant
        else None
    )
    paid = queries.paid(permit)
    owed = queries.balance(permit, got=paid, checkout=checkout)
    reviews = list(permit.reviews.all())
    next_review = next((r for r in reviews if r.decision == "pending"), None)
    today = business_day.today()
    inspections = queries.inspections_of(permit) if permit.permit_type.needs_inspection else []
    return {
        "permit": permit,
        "owed": owed,
        "owed_total": owed["fee"] + owed["deposit"],
        "paid": paid,
        "reviews": reviews,
        "next_review": next_review,
        "can_decide": next_review is not None and services.can_decide(request.user, next_review),
        "checkout": checkout,
        "is_hydrant": is_hydrant,
        "inspections": inspections,
        "refunds": _refunds_due(permit, forms) if permit.is_ended else [],
        "has_scheduled": any(i.status == "scheduled" for i in inspections),
        "review_form": forms.get("review_form") or ReviewForm(),
        "issue_form": forms.get("issue_form") or IssueForm(),
        "pay_form": forms.get("pay_form") or PermitPaymentForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "schedule_form": forms.get("schedule_form")
        or ScheduleInspectionForm(initial={"on": business_day.today() + timedelta(days=1)}),
        "checkout_form": forms.get("checkout_form") or CheckoutForm(),
        "return_form": forms.get("return_form") or ReturnForm(),
        "today": today,
        "ended": permit.is_ended,
    }


def _refunds_due(permit, forms: dict) -> list:
    """Each refund due with its refund check (when requested) and the form to request one,
    filled with the applicant; the form that failed keeps what was typed and its errors."""
    dues = list(permit.refunds_due.select_related("refund"))
    payee, address = services.refund_payee(permit)
    failed_for = forms.get("refund_form_for")
    for due in dues:
        due.check_form = (
            forms["refund_form"]
            if due.pk == failed_for
            else RefundCheckForm(
                initial={"payee_name": payee, "mailing_address": address},
                prefix=f"due{due.pk}",
            )
        )
    return dues


@permission_required("refunds.add_refund", raise_exception=True)
@require_POST
def request_refund_check(request, number, pk):
    permit = _permit_or_404(number)
    due = get_object_or_404(RefundDue, permit=permit, pk=pk)
    form = RefundCheckForm(request.POST, prefix=f"due{due.pk}")
    if form.is_valid():
        try:
            refund = services.request_refund_check(
                due=due,
                payee_name=form.cleaned_data["payee_name"],
                mailing_address=form.cleaned_data["mailing_address"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Refund check of {format_money(refund.amount)} to {refund.payee_name} "
                "requested: it waits for a supervisor's approval.",
            )
            return _back(permit)
    return _render_detail_with(request, permit, refund_form=form, refund_form_for=due.pk)


@view_permits
def history(request, number):
    """The permit's audit trail, loaded into its page when scrolled to."""
    permit = get_object_or_404(Permit, number=number.upper())
    return render(
        request, "partials/_audit_history.html", {"events": audit.history_for(permit, limit=100)}
    )


@view_permits
def detail(request, number):
    permit = _permit_or_404(number)
    return render(request, "permits/detail.html", _detail_context(request, permit))


def _render_detail_with(request, permit, status=400, **forms):
    permit = _permit_or_404(permit.number)
    return render(
        request, "permits/detail.html", _detail_context(request, permit, **forms), status=status
    )


@permission_required("permits.review_permit", raise_exception=True)
@require_POST
def review(request, number, order):
    permit = _permit_or_404(number)
    step = get_object_or_404(PermitReview, permit=permit, order=order)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.decide_review(
                review=step,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except PermitError as error:
            if error.field is None and not services.can_decide(request.user, step):
                raise PermissionDenied(str(error)) from error
            show_on_form(form, error)
        else:
            messages.success(request, f"{step.name}: {form.cleaned_data['decision']}d.")
            return _back(permit)
    return _render_detail_with(request, permit, review_form=form)


@permission_required("permits.review_permit", raise_exception=True)
@require_POST
def approve_without_steps(request, number):
    permit = _permit_or_404(number)
    try:
        services.approve_without_steps(permit=permit, by=request.user)
    except PermitError as error:
        messages.error(request, str(error))
    return _back(permit)


@permission_required("permits.issue_permit", raise_exception=True)
@require_POST
def issue(request, number):
    permit = _permit_or_404(number)
    form = IssueForm(request.POST)
    if form.is_valid():
        try:
            services.issue_permit(
                permit=permit, conditions=form.cleaned_data["conditions"], by=request.user
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Permit {permit.number} issued.")
            return _back(permit)
    return _render_detail_with(request, permit, issue_form=form)


@permission_required("payments.add_payment", raise_exception=True)
@require_POST
def pay(request, number):
    permit = _permit_or_404(number)
    form = PermitPaymentForm(request.POST)
    if form.is_valid():
        try:
            payment = services.take_permit_payment(
                permit=permit,
                tenders=form.tenders(),
                clerk=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                memo=form.cleaned_data["memo"],
            )
        except (PaymentError, PermitError) as error:
            show_on_form(form, error)
        else:
            change = (
                f" Change {format_money(payment.change_given)}." if payment.change_given else ""
            )
            messages.success(
                request, f"Receipt {payment.receipt} for permit {permit.number}.{change}"
            )
            return _back(permit)
    return _render_detail_with(request, permit, pay_form=form)


@permission_required("permits.change_permit", raise_exception=True)
@require_POST
def withdraw(request, number):
    permit = _permit_or_404(number)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_permit(
                permit=permit, reason=form.cleaned_data["reason"], by=request.user
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Permit {permit.number} withdrawn.")
            return _back(permit)
    return _render_detail_with(request, permit, reason_form=form)


@permission_required("permits.change_permit", raise_exception=True)
@require_POST
def close(request, number):
    permit = _permit_or_404(number)
    try:
        services.close_permit(permit=permit, by=request.user)
    except PermitError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Permit {permit.number} closed.")
    return _back(permit)


@permission_required("permits.add_inspection", raise_exception=True)
@require_POST
def schedule_inspection(request, number):
    permit = _permit_or_404(number)
    form = ScheduleInspectionForm(request.POST)
    if form.is_valid():
        try:
            services.schedule_inspection(
                permit=permit,
                on=form.cleaned_data["on"],
                crew=form.cleaned_data["crew"],
                by=request.user,
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Inspection scheduled.")
            return _back(permit)
    return _render_detail_with(request, permit, schedule_form=form)


@permission_required("permits.add_hydrantcheckout", raise_exception=True)
@require_POST
def check_out(request, number):
    permit = _permit_or_404(number)
    form = CheckoutForm(request.POST)
    if form.is_valid():
        try:
            checkout = services.check_out_meter(
                permit=permit,
                meter=form.cleaned_data["meter"],
                out_read=form.cleaned_data["out_read"],
                by=request.user,
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"Meter {checkout.meter} out; due back {checkout.due_back:%m/%d/%Y}."
            )
            return _back(permit)
    return _render_detail_with(request, permit, checkout_form=form)


@permission_required("permits.change_hydrantcheckout", raise_exception=True)
@require_POST
def return_meter(request, number):
    permit = _permit_or_404(number)
    checkout = get_object_or_404(HydrantCheckout, permit=permit)
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            checkout = services.return_meter(
                checkout=checkout, return_read=form.cleaned_data["return_read"], by=request.user
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Meter {checkout.meter} back: {checkout.gallons:,.0f} gallons; "
                f"deposit back {format_money(checkout.deposit_back)}.",
            )
            return _back(permit)
    return _render_detail_with(request, permit, return_form=form)


@view_permits
def permit_pdf(request, number):
    permit = _permit_or_404(number)
    if permit.status not in (PermitStatus.ISSUED, PermitStatus.CLOSED, PermitStatus.EXPIRED):
        raise Http404("Only an issued permit prints")
    pdf = documents.permit_pdf(permit, request=request, by=request.user)
    return pdf_response(pdf, f"permit-{permit.number}.pdf")


# Public verification -------------------------------------------------------------------------


@login_not_required
def verify(request, token):
    """Signed out: the number, type, status and dates only. Nothing about who or where."""
    permit = (
        Permit.objects.select_related("permit_type")
        .only("number", "status", "issued_on", "valid_until", "ended_on", "permit_type__name")
        .filter(verify_token=token)
        .first()
    )
    if permit is None:
        return render(request, "permits/verify.html", {"permit": None}, status=404)
    response = render(request, "permits/verify.html", {"permit": permit})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


# The inspector's tablet ----------------------------------------------------------------------


def _crew_of(user):
    membership = CrewMember.objects.filter(user=user).first()
    return membership.crew_id if membership else None


@inspector
def field(request):
    crew_id = _crew_of(request.user)
    inspections = queries.crew_inspections(crew_id) if crew_id else []
    return render(
        request,
        "permits/field.html",
        {
            "inspections": inspections,
            "has_crew": crew_id is not None,
            "today": business_day.today(),
        },
    )


@inspector
def field_inspection(request, pk):
    inspection = get_object_or_404(
        Inspection.objects.select_related("permit__permit_type", "permit__premise").defer("photo"),
        pk=pk,
    )
    if inspection.crew_id != _crew_of(request.user):
        raise PermissionDenied
    form = InspectionResultForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("photo")
        photo, photo_type = None, ""
        if upload:
            if upload.size > services.PHOTO_MAX_BYTES:
                form.add_error("photo", "The photo is larger than 5 MB: take it at a lower size.")
            else:
                photo, photo_type = upload.read(), upload.content_type or ""
        if not form.errors:
            try:
                services.record_inspection(
                    inspection=inspection,
                    passed=form.cleaned_data["result"] == "pass",
                    notes=form.cleaned_data["notes"],
                    photo=photo,
                    photo_type=photo_type,
                    reinspect_on=form.cleaned_data.get("reinspect_on"),
                    by=request.user,
                )
            except PermitError as error:
                show_on_form(form, error)
            else:
                messages.success(request, f"Inspection of {inspection.permit.number} recorded.")
                return redirect("permits:field")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "permits/field_inspection.html",
        {"inspection": inspection, "form": form},
        status=status,
    )


@view_permits
def inspection_photo(request, pk):
    inspection = get_object_or_404(Inspection, pk=pk)
    if not inspection.photo:
        raise Http404("No photo")
    response = HttpResponse(bytes(inspection.photo), content_type=inspection.photo_type)
    response["Content-Disposition"] = f'inline; filename="inspection-{inspection.pk}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Hydrant meters and backflow -----------------------------------------------------------------


@permission_required("permits.view_hydrantcheckout", raise_exception=True)
def meters(request):
    today = business_day.today()
    out = queries.meters_out()
    return render(
        request,
        "permits/meters.html",
        {"out": out, "overdue": [c for c in out if c.due_back < today], "today": today},
    )


@permission_required("permits.view_backflowdevice", raise_exception=True)
def backflow(request):
    today = business_day.today()
    premise = None
    premise_id = request.GET.get("premise") or request.POST.get("premise")
    if premise_id and premise_id.isdigit():
        premise = get_object_or_404(Premise, pk=int(premise_id))
    device_form = BackflowDeviceForm(
        request.POST if request.POST.get("action") == "device" else None
    )
    if device_form.is_bound and premise is not None and device_form.is_valid():
        try:
            services.add_backflow_device(
                premise=premise, by=request.user, **device_form.cleaned_data
            )
        except PermitError as error:
            show_on_form(device_form, error)
        else:
            messages.success(request, "Device added.")
            return redirect(f"{reverse('permits:backflow')}?premise={premise.pk}")
    return render(
        request,
        "permits/backflow.html",
        {
            "premise": premise,
            "devices": list(premise.backflow_devices.all()) if premise else [],
            "due": queries.backflow_due(today, within_days=30),
            "today": today,
            "device_form": device_form,
        },
        status=400 if device_form.is_bound else 200,
    )


@permission_required("permits.add_backflowtest", raise_exception=True)
def backflow_test(request, pk):
    device = get_object_or_404(BackflowDevice.objects.select_related("premise"), pk=pk)
    form = BackflowTestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.file_backflow_test(
                device=device,
                tested_on=data["tested_on"],
                tester_name=data["tester_name"],
                tester_certification=data["tester_certification"],
                passed=data["result"] == "pass",
                readings=data["readings"],
                by=request.user,
            )
        except PermitError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Test report filed.")
            return redirect(f"{reverse('permits:backflow')}?premise={device.premise_id}")
    return render(
        request,
        "permits/backflow_test.html",
        {"device": device, "form": form, "tests": device.tests.all()[:10]},
        status=400 if request.method == "POST" else 200,
    )


@permission_required("permits.add_backflowtest", raise_exception=True)
@require_POST
def backflow_reminders(request):
    today = business_day.today()
    reminders = services.record_backflow_reminders(on=today, by=request.user)
    if not reminders:
        messages.info(request, "No reminder letters are due today.")
        return redirect("permits:backflow")
    pdf = documents.backflow_reminders_pdf(reminders, today=today, by=request.user)
    return pdf_response(pdf, f"backflow-reminders-{today:%Y-%m-%d}.pdf")


@permission_required("permits.add_backflowtest", raise_exception=True)
@require_POST
def backflow_notices(request):
    """Overdue notices: one letter per device past its test date, saying service may be shut
    off (from which day, when the policy has that on). Each printing is in the audit trail
    of its device."""
    today = business_day.today()
    devices = services.serve_backflow_notices(on=today, by=request.user)
    if not devices:
        messages.info(request, "No backflow test is overdue.")
        return redirect("permits:backflow")
    pdf = documents.backflow_notices_pdf(devices, today=today, by=request.user)
    return pdf_response(pdf, f"backflow-overdue-{today:%Y-%m-%d}.pdf")


# Will-serve letters --------------------------------------------------------------------------


@permission_required("permits.view_willserveletter", raise_exception=True)
def will_serve(request):
    form = WillServeForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("permits.add_willserveletter"):
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            premise = None
            if data["house_number"] and data["street"]:
                premise = Premise.objects.filter(
                    house_number=data["house_number"].upper(),
                    street=data["street"].strip().upper(),
                    zip_code=data["zip_code"][:5],
                ).first()
                if premise is None:
                    form.add_error("street", "No premise at that address: give the parcel number.")
            if not form.errors:
                try:
                    letter = services.request_will_serve(
                        premise=premise,
                        parcel=data["parcel"],
                        requested_by=data["requested_by"],
                        utilities=data["utilities"],
                        project=data["project"],
                        by=request.user,
                    )
                except PermitError as error:
                    show_on_form(form, error)
                else:
                    messages.success(request, f"Will-serve request {letter.number} taken.")
                    return redirect("permits:will_serve_detail", number=letter.number)
    letters = WillServeLetter.objects.select_related("premise").order_by("-requested_at")[:100]
    return render(
        request,
        "permits/will_serve.html",
        {"form": form, "letters": letters},
        status=400 if request.method == "POST" else 200,
    )


@permission_required("permits.view_willserveletter", raise_exception=True)
def will_serve_detail(request, number):
    letter = get_object_or_404(
        WillServeLetter.objects.select_related("premise", "reviewed_by"), number=number.upper()
    )
    form = LetterDecisionForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("permits.review_permit_as_supervisor"):
            raise PermissionDenied
        if form.is_valid():
            try:
                services.decide_will_serve(
                    letter=letter,
                    issue=form.cleaned_data["decision"] == "issue",
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except PermitError as error:
                show_on_form(form, error)
            else:
                messages.success(request, f"Letter {letter.number} decided.")
                return redirect("permits:will_serve_detail", number=letter.number)
    return render(
        request,
        "permits/will_serve_detail.html",
        {"letter": letter, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@permission_required("permits.view_willserveletter", raise_exception=True)
def will_serve_pdf(request, number):
    letter = get_object_or_404(
        WillServeLetter.objects.select_related("premise"), number=number.upper()
    )
    if letter.status == "requested":
        raise Http404("The letter is not decided yet")
    pdf = documents.will_serve_pdf(letter, by=request.user)
    return pdf_response(pdf, f"will-serve-{letter.number}.pdf")


# Reports -------------------------------------------------------------------------------------


@permission_required("permits.view_permit_reports", raise_exception=True)
def reports(request):
    today = business_day.today()
    form = ReportForm(
        request.GET or {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    )
    start, end = today.replace(day=1), today
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    report = documents.report_data(start, end, today=today)
    fmt = request.GET.get("format")
    if form.is_valid() and fmt == "csv":
        return _report_csv(report, start, end)
    if form.is_valid() and fmt == "pdf":
        return pdf_response(
            documents.report_pdf(report, by=request.user),
            f"permits-{start:%Y%m%d}-{end:%Y%m%d}.pdf",
        )
    return render(
        request,
        "permits/reports.html",
        {"form": form, "report": report},
        status=200 if form.is_valid() else 400,
    )


def _report_csv(report: dict, start: date, end: date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="permits-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["section", "item", "count", "amount"])
    for row in report["issued"]:
        writer.writerow(["issued", row.type_name, row.issued, f"{row.fees:.2f}"])
    writer.writerow(["issued", "Total", report["issued_count"], f"{report['fees_total']:.2f}"])
    for row in report["deposits"]:
        writer.writerow(
            ["deposit held", f"{row['number']} {row['name']}", "", f"{row['paid']:.2f}"]
        )
    writer.writerow(
        ["deposit held", "Total", len(report["deposits"]), f"{report['deposits_total']:.2f}"]
    )
    for c in report["meters_out"]:
        writer.writerow(
            [
                "meter out",
                f"{c.meter} {c.permit.number} due {c.due_back:%Y-%m-%d}",
                "",
                f"{c.deposit:.2f}",
            ]
        )
    for key in ("devices", "current", "due_30", "overdue"):
        writer.writerow(["backflow", key, report["backflow"][key], ""])
    return response
