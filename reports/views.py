from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from accounts.forms import StatementForm
from accounts.models import Account
from reports import catalogue as report_catalogue
from reports import dashboard as dashboard_queries
from reports import gl as gl_journal
from reports import services
from reports.exports import TooManyRowsForPdf, csv_response, report_pdf
from reports.forms import DayForm, SaveReportForm, ScheduleForm
from reports.models import ReportDelivery, ReportSchedule, SavedReport
from reports.statements import build_statement
from utilityclerk import business_day
from utilityclerk.db_router import reads_from_replica
from utilityclerk.pdf import pdf_response, render_pdf


@permission_required("accounts.view_account", raise_exception=True)
@reads_from_replica
def statement(request, number):
    """Without dates: a form (last 90 days by default). With valid dates: the PDF."""
    account = get_object_or_404(
        Account.objects.select_related("customer", "premise"), number=number
    )
    today = business_day.today()
    form = StatementForm(
        request.GET or None, initial={"start": today - timedelta(days=90), "end": today}
    )
    if form.is_bound and form.is_valid():
        data = build_statement(account, form.cleaned_data["start"], form.cleaned_data["end"])
        pdf = render_pdf("reports/pdf/statement.html", {"s": data}, generated_by=request.user)
        return pdf_response(pdf, f"statement-{account.number}-{data.end:%Y%m%d}.pdf")
    return render(request, "reports/statement_form.html", {"account": account, "form": form})


# The catalogue -----------------------------------------------------------------------------

PAGE_SIZE = 50
# A clerk reads a few pages, not 100,000 rows: the screen pages through the first 10,000 (a
# deep page costs the database a sort of everything before it); the CSV and PDF give all.
SCREEN_PAGES = 200
# Query-string keys that steer the run rather than filter it.
CONTROL_KEYS = ("sort", "dir", "page", "format")


def _any_report_permission(user) -> bool:
    from reports.roles import ANY_REPORT

    return any(user.has_perm(p) for p in ANY_REPORT) or any(
        user.has_perm(r.permission) for r in report_catalogue.all_reports()
    )


def catalogue(request):
    """Every report by area, with who may run it; the ones this user may run are links."""
    if not _any_report_permission(request.user):
        raise PermissionDenied
    return render(
        request,
        "reports/catalogue.html",
        {"areas": report_catalogue.catalogue_for(request.user), "roles": _roles_by_permission()},
    )


def _roles_by_permission() -> dict[str, str]:
    from utilityclerk import roles

    holders: dict[str, list[str]] = {}
    for role, perms in roles.role_permissions().items():
        for perm in perms:
            holders.setdefault(perm, []).append(role)
    order = {"Clerk": 0, "Supervisor": 1, "Field": 2, "Admin": 3}
    return {
        perm: ", ".join(sorted(names, key=lambda n: order.get(n, 9)))
        for perm, names in holders.items()
    }


def _filter_data(query):
    data = query.copy()
    for key in CONTROL_KEYS:
        data.pop(key, None)
    return data


def run_report(request, code):
    if not _any_report_permission(request.user):
        raise PermissionDenied
    report = report_catalogue.get_report(code)
    if report is None:
        raise Http404("No such report.")
    if not request.user.has_perm(report.permission):
        raise PermissionDenied
    data = _filter_data(request.GET)
    form = report.form(data)
    if not data and not form.is_valid():
        # A report that needs a choice (whose audit trail) opens on its empty form.
        form = report.form()
    context = {"report": report, "form": form, "filter_query": data.urlencode()}
    if form.is_bound and form.is_valid():
        desc = None
        if request.GET.get("dir") in ("asc", "desc"):
            desc = request.GET["dir"] == "desc"
        run = report_catalogue.ReportRun(
            report, form.cleaned_data, sort=request.GET.get("sort", ""), desc=desc
        )
        filters = report_catalogue.describe_filters(form)
        match request.GET.get("format"):
            case "csv":
                return csv_response(run)
            case "pdf":
                try:
                    pdf = report_pdf(run, filters=filters, generated_by=request.user)
                except TooManyRowsForPdf as error:
                    context["pdf_error"] = str(error)
                else:
                    return pdf_response(pdf, f"{report.code}-{business_day.today():%Y%m%d}.pdf")
        try:
            page = min(max(int(request.GET.get("page", "1")), 1), SCREEN_PAGES)
        except ValueError:
            page = 1
        # The page brings the count and totals with it; a page past the end counts apart and
        # shows the last page.
        rows = run.page((page - 1) * PAGE_SIZE, PAGE_SIZE)
        count = run.count()
        pages = max(1, min(-(-count // PAGE_SIZE), SCREEN_PAGES))
        if page > pages:
            page = pages
            rows = run.page((page - 1) * PAGE_SIZE, PAGE_SIZE)
        context.update(
            run=run,
            filters=filters,
            count=count,
            rows=rows,
            totals=run.totals(),
            page=page,
            pages=pages,
            screen_rows=f"{SCREEN_PAGES * PAGE_SIZE:,}" if count > SCREEN_PAGES * PAGE_SIZE else "",
            save_form=SaveReportForm(),
        )
    response = (
        render(request, "reports/run.html#results", context)
        if _wants_fragment(request, "report-results")
        else render(request, "reports/run.html", context)
    )
    # The same address gives the page or, to htmx, the fragment: caches must tell them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _wants_fragment(request, target: str) -> bool:
    # Back to a pushed address re-asks for it as a whole page (a history restore).
    return bool(
        request.htmx and request.htmx.target == target and not request.htmx.history_restore_request
    )


@require_POST
def save_report(request, code):
    if not request.user.has_perm("reports.save_reports"):
        raise PermissionDenied
    report = report_catalogue.get_report(code)
    if report is None:
        raise Http404("No such report.")
    form = SaveReportForm(request.POST)
    params = {k: v for k, v in _filter_data(request.POST).items() if k in report.form.base_fields}
    if form.is_valid():
        try:
            saved = services.save_report(
                code=code, name=form.cleaned_data["name"], params=params, by=request.user
            )
        except services.ReportError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Saved as “{saved.name}”.")
            return redirect("reports:saved")
    else:
        messages.error(request, "Give the saved report a name.")
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return redirect(f"{reverse('reports:run', args=[code])}?{query}")


def _own_saved(request, pk) -> SavedReport:
    if not request.user.has_perm("reports.save_reports"):
        raise PermissionDenied
    saved = SavedReport.objects.filter(pk=pk, owner=request.user).first()
    if saved is None:
        raise Http404("No such saved report.")
    return saved


def saved_reports(request):
    if not request.user.has_perm("reports.save_reports"):
        raise PermissionDenied
    saved = list(
        SavedReport.objects.filter(owner=request.user).prefetch_related("schedules__deliveries")
    )
    from urllib.parse import urlencode

    for item in saved:
        report = report_catalogue.get_report(item.report_code)
        item.report = report
        item.url = f"{report.url}?{urlencode(item.params)}" if report else ""
    return render(request, "reports/saved.html", {"saved": saved})


def schedule_saved(request, pk):
    saved = _own_saved(request, pk)
    form = ScheduleForm(
        request.POST or None, initial={"first_on": business_day.today(), "format": "pdf"}
    )
    if request.method == "POST" and form.is_valid():
        services.schedule_report(
            saved=saved,
            frequency=form.cleaned_data["frequency"],
            fmt=form.cleaned_data["format"],
            recipients=form.cleaned_data["recipients"],
            first_on=form.cleaned_data["first_on"],
            by=request.user,
        )
        messages.success(request, f"“{saved.name}” is scheduled.")
        return redirect("reports:saved")
    return render(request, "reports/schedule.html", {"saved": saved, "form": form})


@require_POST
def stop_schedule(request, pk):
    if not request.user.has_perm("reports.save_reports"):
        raise PermissionDenied
    schedule = ReportSchedule.objects.filter(pk=pk, saved_report__owner=request.user).first()
    if schedule is None:
        raise Http404("No such schedule.")
    services.stop_schedule(schedule=schedule, by=request.user)
    messages.success(request, "The schedule is stopped.")
    return redirect("reports:saved")


@require_POST
def retry_delivery(request, pk):
    if not request.user.has_perm("reports.save_reports"):
        raise PermissionDenied
    delivery = ReportDelivery.objects.filter(
        pk=pk, schedule__saved_report__owner=request.user
    ).first()
    if delivery is None:
        raise Http404("No such delivery.")
    services.retry_delivery(delivery=delivery, by=request.user)
    messages.success(request, "The e-mail will be sent again in a moment.")
    return redirect("reports:saved")


# The GL journal --------------------------------------------------------------------------


@permission_required("reports.export_ledger", raise_exception=True)
def gl(request):
    """A day's journal on screen and, with format=csv, the finance system's file."""
    from utilityclerk.core.models import BusinessDay, BusinessDayStatus

    form = DayForm(request.GET)
    journal, error = None, ""
    if form.is_valid():
        try:
            journal = gl_journal.journal(form.cleaned_data["day"])
        except gl_journal.GLMappingMissing as missing:
            error = str(missing)
        if journal is not None and request.GET.get("format") == "csv":
            response = HttpResponse(
                gl_journal.journal_csv(journal), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="gl-journal-{journal.day:%Y%m%d}.csv"'
            )
            return response
    closed = list(
        BusinessDay.objects.filter(status=BusinessDayStatus.CLOSED).order_by("-date")[:30]
    )
    return render(
        request,
        "reports/gl.html",
        {"form": form, "journal": journal, "error": error, "closed_days": closed},
    )


# The supervisor dashboard ----------------------------------------------------------------


@permission_required("reports.view_dashboard", raise_exception=True)
def dashboard(request):
    figures = dashboard_queries.dashboard()
    if _wants_fragment(request, "dashboard-figures"):
        response = render(request, "reports/dashboard.html#figures", {"d": figures})
    else:
        response = render(request, "reports/dashboard.html", {"d": figures})
    patch_vary_headers(response, ["HX-Request"])
    return response
