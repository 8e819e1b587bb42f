import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Account, Bill, Contact, LedgerEntry
from accounts.services import AccountError, approve_adjustment
from collections_app.disputes import forms, leak, queries, services
from collections_app.disputes.models import (
    CaseDocument,
    CaseStatus,
    DocumentKind,
    Outcome,
    Referral,
)
from collections_app.disputes.services import DisputeError
from utilityclerk import audit, business_day
from utilityclerk.errors import show_on_form
from utilityclerk.pdf import pdf_response, render_pdf

view_case = permission_required(
    ["disputes.view_case", "accounts.view_account"], raise_exception=True
)
work_case = permission_required(
    ["disputes.change_case", "accounts.view_account"], raise_exception=True
)


def _case_or_404(pk):
    return get_object_or_404(
        queries.Case.objects.select_related("account__customer", "account__premise"), pk=pk
    )


def _to_case(request, case, message=None):
    if message:
        messages.success(request, message)
    url = reverse("disputes:detail", args=[case.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _account_or_404(number):
    return get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )


# Opening ------------------------------------------------------------------------------


def _open(request, account, contact=None):
    bills = list(Bill.objects.filter(account=account).order_by("-bill_date", "-id")[:24])
    charges = list(
        LedgerEntry.objects.filter(account=account, amount__gt=0)
        .exclude(kind__in=["bill", "reversal"])
        .order_by("-business_date", "-id")[:24]
    )
    initial = {}
    if contact is not None:
        initial = {
            "words": contact.notes or contact.subject,
            "received_via": {"in_person": "counter"}.get(contact.channel, contact.channel),
            "party_type": {"elected_official": "official", "agency": "agency"}.get(
                contact.party_type, "citizen"
            ),
            "party_name": contact.party_name if contact.party_type != "customer" else "",
        }
    form = forms.OpenCaseForm(request.POST or None, bills=bills, charges=charges, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_case(
                account=account,
                kind=data["kind"],
                amount=data["amount"],
                bill=data["bill"],
                charge=data["charge"],
                words=data["words"],
                received_via=data["received_via"],
                party_type=data["party_type"],
                party_name=data["party_name"],
                contact=contact,
                by=request.user,
                idempotency_key=data["idempotency_key"],
            )
        except DisputeError as error:
            show_on_form(form, error)
        else:
            return _to_case(request, case, f"Case {case.number} opened.")
    return render(
        request,
        "disputes/open.html",
        {"account": account, "form": form, "contact": contact},
    )


@permission_required(["disputes.add_case", "accounts.view_account"], raise_exception=True)
def open_case(request, number):
    return _open(request, _account_or_404(number))


@permission_required(["disputes.add_case", "accounts.view_contact"], raise_exception=True)
def open_from_contact(request, pk):
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=pk)
    if contact.account is None:
        messages.error(request, "This contact names no account: open the case from the account.")
        return redirect("contacts:detail", pk=contact.pk)
    return _open(request, _account_or_404(contact.account.number), contact)


# The case page ------------------------------------------------------------------------


def _leak_bills(case):
    return list(Bill.objects.filter(account_id=case.account_id).order_by("-bill_date", "-id")[:12])


def _detail_context(request, case, **forms_given):
    documents = list(queries.documents_of(case))
    default_leak = [case.bill_id] if case.bill_id else []
    return {
        "case": case,
        "documents": documents,
        "held": case.held,
        "today": business_day.today(),
        "overdue": queries.overdue_kind(case, business_day.today()),
        "ack_form": forms_given.get("ack_form") or forms.AcknowledgeForm(),
        "note_form": forms_given.get("note_form") or forms.NoteForm(),
        "investigate_form": forms_given.get("investigate_form") or forms.InvestigateForm(),
        "document_form": forms_given.get("document_form") or forms.DocumentForm(),
        "resolve_form": forms_given.get("resolve_form")
        or forms.ResolveForm(initial={"credit": case.amount - case.amount_adjusted or None}),
        "leak_form": forms.LeakForm(bills=_leak_bills(case), initial={"bills": default_leak}),
        "appeal_form": forms_given.get("appeal_form") or forms.AppealForm(),
        "decide_form": forms_given.get("decide_form") or forms.DecideAppealForm(),
        "refer_form": forms_given.get("refer_form")
        or forms.ReferForm(
            initial={"follow_up_on": business_day.add_business_days(business_day.today(), 5)}
        ),
        "answer_form": forms.AnswerForm(),
        "events": audit.history_for(case, limit=100)
        if request.user.has_perm("core.view_audit_trail")
        else [],
        "credit_waiting": -case.adjustment_request.amount if case.adjustment_request else None,
        "may_approve": case.status == CaseStatus.AWAITING_APPROVAL
        and request.user.has_perm("accounts.approve_adjustment")
        and case.adjustment_request is not None
        and case.adjustment_request.requested_by_id != request.user.pk,
    }


@view_case
def detail(request, pk, status=200, **forms_given):
    case = get_object_or_404(queries.case_detail_queryset(), pk=pk)
    return render(
        request,
        "disputes/detail.html",
        _detail_context(request, case, **forms_given),
        status=status,
    )


def _post_form(request, pk, form_class, action, form_name, **form_kwargs):
    case = _case_or_404(pk)
    form = (
        form_class(request.POST, request.FILES, **form_kwargs)
        if request.FILES
        else form_class(request.POST, **form_kwargs)
    )
    if form.is_valid():
        try:
            message = action(case, form.cleaned_data)
        except (DisputeError, AccountError) as error:
            show_on_form(form, error)
        else:
            return _to_case(request, case, message)
    return detail(request, pk, status=400, **{form_name: form})


@work_case
@require_POST
def acknowledge(request, pk):
    def act(case, data):
        services.acknowledge_case(case=case, how=data["how"], by=request.user)
        return "Acknowledgement recorded."

    return _post_form(request, pk, forms.AcknowledgeForm, act, "ack_form")


@work_case
@require_POST
def add_note(request, pk):
    def act(case, data):
        services.add_note(case=case, text=data["text"], by=request.user)
        return "Note added."

    return _post_form(request, pk, forms.NoteForm, act, "note_form")


@permission_required(
    ["disputes.change_case", "workorders.add_workorder", "accounts.view_account"],
    raise_exception=True,
)
@require_POST
def investigate(request, pk):
    def act(case, data):
        link = services.raise_investigation(
            case=case, step=data["step"], instructions=data["instructions"], by=request.user
        )
        return f"Work order {link.work_order.number} raised; the case waits on it."

    return _post_form(request, pk, forms.InvestigateForm, act, "investigate_form")


@permission_required(["disputes.add_casedocument", "accounts.view_account"], raise_exception=True)
@require_POST
def upload(request, pk):
    def act(case, data):
        upload = data["file"]
        document = services.add_document(
            case=case,
            filename=upload.name,
            content=upload.read(),
            kind=data["kind"],
            note=data["note"],
            by=request.user,
        )
        return f"{document.filename} kept with the case."

    return _post_form(request, pk, forms.DocumentForm, act, "document_form")


@permission_required(["disputes.view_casedocument", "accounts.view_account"], raise_exception=True)
def document(request, pk):
    """A document, shown inline, only to a role that sees the account (never to Field)."""
    document = get_object_or_404(CaseDocument, pk=pk)
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = f'inline; filename="{document.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    # A scan is shown, never run: no script, no form, even if a PDF carries some.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'"
    response["Cache-Control"] = "private, no-store"
    return response


@work_case
def leak_credit(request, pk):
    """The leak adjustment the policy gives for the bills chosen (an HTMX fragment)."""
    case = _case_or_404(pk)
    bills = _leak_bills(case)
    form = forms.LeakForm(request.GET or None, bills=bills)
    result = None
    if form.is_bound and form.is_valid():
        result = leak.compute_leak_credit(
            account_id=case.account_id,
            leak_bills=form.chosen_bills(),
            has_proof_of_repair=case.documents.filter(kind=DocumentKind.PROOF_OF_REPAIR).exists(),
            exclude_case_id=case.pk,
        )
    return render(
        request, "disputes/partials/_leak.html", {"case": case, "leak_form": form, "leak": result}
    )


@permission_required(["disputes.resolve_case", "accounts.view_account"], raise_exception=True)
@require_POST
def resolve(request, pk):
    def act(case, data):
        outcome = data["outcome"]
        case = services.resolve_case(
            case=case,
            outcome=outcome,
            reason=data["reason"],
            credit=data["credit"],
            credit_reason=data["credit_reason"] or "dispute_resolved",
            by=request.user,
        )
        if case.status == CaseStatus.AWAITING_APPROVAL:
            return (
                "The credit is above your limit and waits for a supervisor; "
                "the amount stays held until then."
            )
        return f"Case {case.number} resolved: {Outcome(case.outcome).label}."

    return _post_form(request, pk, forms.ResolveForm, act, "resolve_form")


@permission_required("accounts.approve_adjustment", raise_exception=True)
@require_POST
def approve(request, pk):
    case = _case_or_404(pk)
    if case.adjustment_request is None:
        raise PermissionDenied
    try:
        approve_adjustment(request=case.adjustment_request, by=request.user)
    except AccountError as error:
        messages.error(request, str(error))
        return _to_case(request, case)
    return _to_case(request, case, "Credit approved and posted; the case is resolved.")


@view_case
def letter(request, pk):
    case = _case_or_404(pk)
    document = (
        case.documents.filter(kind=DocumentKind.OUTCOME_LETTER)
        .order_by("-uploaded_at", "-id")
        .first()
    )
    if document is None:
        messages.error(request, "The case has no outcome letter yet.")
        return redirect("disputes:detail", pk=case.pk)
    return pdf_response(bytes(document.content), document.filename)


@work_case
@require_POST
def email_letter(request, pk):
    case = _case_or_404(pk)
    try:
        services.email_outcome_letter(case=case, by=request.user)
    except DisputeError as error:
        messages.error(request, str(error))
        return _to_case(request, case)
    return _to_case(request, case, f"Letter e-mailed to {case.account.customer.email}.")


@work_case
@require_POST
def appeal(request, pk):
    def act(case, data):
        services.file_appeal(
            case=case,
            grounds=data["grounds"],
            hearing_on=data["hearing_on"],
            officer=data["officer"],
            by=request.user,
        )
        return "Appeal recorded; the amount is held until the decision."

    return _post_form(request, pk, forms.AppealForm, act, "appeal_form")


@permission_required("disputes.decide_appeal", raise_exception=True)
@require_POST
def decide(request, pk):
    def act(case, data):
        services.decide_appeal(
            case=case,
            decision=data["decision"],
            note=data["note"],
            credit=data["credit"],
            by=request.user,
        )
        return "Appeal decided."

    return _post_form(request, pk, forms.DecideAppealForm, act, "decide_form")


# Referrals ----------------------------------------------------------------------------


@permission_required(["disputes.add_referral", "accounts.view_account"], raise_exception=True)
@require_POST
def refer_case(request, pk):
    def act(case, data):
        referral = services.refer(
            agency=data["agency"],
            reason=data["reason"],
            follow_up_on=data["follow_up_on"],
            case=case,
            by=request.user,
        )
        return f"Referred to {referral.agency}."

    return _post_form(request, pk, forms.ReferForm, act, "refer_form")


@permission_required(["disputes.add_referral", "accounts.view_contact"], raise_exception=True)
def refer_contact(request, pk):
    contact = get_object_or_404(Contact, pk=pk)
    form = forms.ReferForm(
        request.POST or None,
        initial={"follow_up_on": business_day.add_business_days(business_day.today(), 5)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.refer(
                agency=data["agency"],
                reason=data["reason"],
                follow_up_on=data["follow_up_on"],
                contact=contact,
                by=request.user,
            )
        except DisputeError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Referred to {referral.agency}.")
            return redirect("disputes:refer_contact", pk=contact.pk)
    referrals = contact.agency_referrals.select_related("agency", "answered_by")
    return render(
        request,
        "disputes/refer_contact.html",
        {
            "contact": contact,
            "form": form,
            "referrals": referrals,
            "answer_form": forms.AnswerForm(),
        },
    )


@permission_required("disputes.change_referral", raise_exception=True)
@require_POST
def answer(request, pk):
    referral = get_object_or_404(Referral.objects.select_related("case", "contact"), pk=pk)
    form = forms.AnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_referral(
                referral=referral, answer=form.cleaned_data["answer"], by=request.user
            )
        except DisputeError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Answer recorded.")
    else:
        messages.error(request, "Write what the agency answered.")
    if referral.case_id:
        return redirect("disputes:detail", pk=referral.case_id)
    return redirect("disputes:refer_contact", pk=referral.contact_id)


@permission_required("disputes.view_agency", raise_exception=True)
def agencies(request):
    from collections_app.disputes.models import Agency

    return render(
        request,
        "disputes/agencies.html",
        {
            "agencies": Agency.objects.filter(active=True),
            "waiting": queries.referrals_waiting()
            if request.user.has_perm("disputes.view_referral")
            else [],
            "today": business_day.today(),
        },
    )


# Board and report ---------------------------------------------------------------------


@view_case
def board(request):
    """Supervisors: every open case. A clerk: the cases they own, with the same deadlines."""
    today = business_day.today()
    everyone = request.user.has_perm("disputes.view_dispute_board")
    rows = queries.board(today=today, owner_id=None if everyone else request.user.pk)
    return render(
        request,
        "disputes/board.html",
        {
            "everyone": everyone,
            "rows": rows,
            "today": today,
            "overdue": sum(1 for r in rows if r.overdue),
            "held_total": sum((r.case.held for r in rows), 0),
        },
    )


def _report_dates(request):
    today = business_day.today()
    form = forms.ReportForm(
        request.GET or None,
        initial={"start": today.replace(day=1) - timedelta(days=90), "end": today},
    )
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, today.replace(day=1) - timedelta(days=90), today


@permission_required("disputes.view_dispute_report", raise_exception=True)
def report(request, fmt="html"):
    form, start, end = _report_dates(request)
    if form.is_bound and form.errors:
        return render(request, "disputes/report.html", {"form": form, "report": None}, status=400)
    result = queries.report(start=start, end=end)
    if fmt == "pdf":
        pdf = render_pdf("disputes/pdf/report.html", {"report": result}, generated_by=request.user)
        return pdf_response(pdf, f"disputes-{start:%Y%m%d}-{end:%Y%m%d}.pdf")
    if fmt == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="disputes-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
        )
        writer = csv.writer(response)
        writer.writerow(
            [
                "group",
                "label",
                "opened",
                "still open",
                "upheld",
                "adjusted",
                "withdrawn",
                "median business days to resolve",
                "amount disputed",
                "amount adjusted",
            ]
        )
        for group, lines in (
            ("kind", result.by_kind),
            ("party", result.by_party),
            ("total", [result.total]),
        ):
            for line in lines:
                writer.writerow(
                    [
                        group,
                        line.label,
                        line.opened,
                        line.still_open,
                        line.upheld,
                        line.adjusted,
                        line.withdrawn,
                        "" if line.median_days is None else line.median_days,
                        f"{line.amount_disputed:.2f}",
                        f"{line.amount_adjusted:.2f}",
                    ]
                )
        return response
    query = request.GET.urlencode()
    return render(request, "disputes/report.html", {"form": form, "report": result, "query": query})
