import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Bill
from billing import bills, imports, pdf, queries, reads
from billing.forms import EstimateForm, ImportForm, RouteDayForm, StartRunForm
from billing.models import BillRun, DraftBill, MeterReading, ReadImport, Route
from billing.reads import ReadError
from utilityclerk import business_day
from utilityclerk.errors import show_on_form
from utilityclerk.pdf import pdf_response

enter_reads = permission_required("billing.enter_reads", raise_exception=True)
work_exceptions = permission_required("billing.work_read_exceptions", raise_exception=True)
start_runs = permission_required("billing.start_bill_run", raise_exception=True)
approve_runs = permission_required("billing.approve_bill_run", raise_exception=True)
view_bills = permission_required("accounts.view_bill", raise_exception=True)

PRINT_FILE_BILLS = 500


# Route read entry ------------------------------------------------------------------------


@enter_reads
def routes(request):
    rows = Route.objects.select_related("cycle").annotate(premise_count=Count("premises"))
    return render(request, "billing/routes.html", {"routes": rows, "today": business_day.today()})


def _sheet_rows(route, on, posted=None, errors=None):
    from utilityclerk.core.models import Policy

    policy = Policy.current()
    rows = queries.route_sheet(route.pk, on)
    for row in rows:
        expected = None
        if row["last_on"] is not None:
            expected = reads.expected_use(
                row["daily"],
                (on - row["last_on"]).days,
                high_percent=policy.read_high_percent,
                low_percent=policy.read_low_percent,
            )
        row["expected"] = expected
        if expected is not None:
            row["low_read"] = row["last_value"] + expected.low
            row["high_read"] = row["last_value"] + expected.high
        key = f"read-{row['point_id']}"
        row["field"] = key
        row["typed"] = (posted or {}).get(key, "")
        row["error"] = (errors or {}).get(key, "")
    return rows


@enter_reads
def route_reads(request, code):
    route = get_object_or_404(Route.objects.select_related("cycle"), code=code)
    day_form = RouteDayForm(request.GET or {"read_on": business_day.today()})
    on = day_form.cleaned_data["read_on"] if day_form.is_valid() else business_day.today()
    errors: dict[str, str] = {}
    posted = None
    if request.method == "POST":
        day_form = RouteDayForm(request.POST)
        if day_form.is_valid():
            on = day_form.cleaned_data["read_on"]
            posted = {k: v.strip() for k, v in request.POST.items() if k.startswith("read-")}
            saved, flagged = _save_route_reads(request, route, on, posted, errors)
            if not errors:
                messages.success(
                    request,
                    f"{saved} read{'s' if saved != 1 else ''} saved on route {route.code}"
                    + (f"; {flagged} wait in the exceptions queue." if flagged else "."),
                )
                return redirect(
                    f"{reverse('billing:route_reads', args=[route.code])}?read_on={on:%Y-%m-%d}"
                )
    rows = _sheet_rows(route, on, posted, errors)
    return render(
        request,
        "billing/route_reads.html",
        {
            "route": route,
            "rows": rows,
            "day_form": day_form,
            "on": on,
            "errors": errors,
            "read_count": sum(1 for r in rows if r["today_value"] is not None),
        },
    )


def _save_route_reads(request, route, on, posted, errors) -> tuple[int, int]:
    from decimal import Decimal, InvalidOperation

    from accounts.models import ServicePoint

    points = {
        f"read-{p.pk}": p
        for p in ServicePoint.objects.filter(premise__billing__route=route, utility="water")
    }
    saved = flagged = 0
    for key, text in posted.items():
        if not text or key not in points:
            continue
        try:
            value = Decimal(text.replace(",", ""))
        except InvalidOperation:
            errors[key] = f"“{text[:20]}” is not a number: type the dials as whole gallons."
            continue
        try:
            reading, created = reads.record_reading(
                service_point=points[key], read_on=on, value=value, by=request.user
            )
        except ReadError as error:
            errors[key] = str(error)
            continue
        saved += created
        flagged += created and reading.status == "exception"
    return saved, flagged


# CSV import ------------------------------------------------------------------------------


@enter_reads
def import_reads(request):
    form = ImportForm()
    preview = None
    batch = None
    if request.method == "POST" and "post" in request.POST:
        key = request.POST.get("batch", "")
        batch = (
            ReadImport.objects.filter(pk=key).first() if key.isdigit() and len(key) < 12 else None
        )
        if batch is None:
            messages.error(
                request, "That file was posted already, or is not on file: upload it again."
            )
            return redirect("billing:import")
        try:
            result = imports.post_batch(batch=batch, by=request.user)
        except ReadError as error:
            messages.error(request, str(error))
            return redirect("billing:import")
        messages.success(
            request,
            f"{result.posted} read{'s' if result.posted != 1 else ''} posted from {batch.file_name}"
            f" ({result.exceptions} to the exceptions queue, {result.skipped} already on file, "
            f"{len(result.errors)} with errors).",
        )
        return redirect("billing:import")
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = imports.upload(
                    content=upload.read(), file_name=upload.name, by=request.user
                )
            except ReadError as error:
                show_on_form(form, error)
            else:
                preview = imports.parse(batch.content.encode())
    good = [r for r in preview or [] if not r.error and not r.note]
    return render(
        request,
        "billing/import.html",
        {
            "form": form,
            "preview": preview,
            "batch": batch,
            "good": len(good),
            "recent": ReadImport.objects.select_related("posted_by")[:10],
        },
    )


# Exceptions queue ------------------------------------------------------------------------


@work_exceptions
def exceptions(request):
    rows = queries.exceptions()
    return render(request, "billing/exceptions.html", {"rows": rows})


@work_exceptions
@require_POST
def work_exception(request, pk, action):
    reading = get_object_or_404(MeterReading.objects.select_related("service_point"), pk=pk)
    try:
        if action == "accept":
            reads.accept_reading(reading=reading, by=request.user)
            messages.success(request, f"Read {reading.value:,} accepted: it bills as read.")
        elif action == "estimate":
            form = EstimateForm({"read_on": reading.read_on})
            form.is_valid()
            estimate = reads.estimate_reading(
                service_point=reading.service_point, read_on=reading.read_on, by=request.user
            )
            messages.success(
                request,
                f"Estimated {estimate.use:,} gal ({estimate.problem_text}): it bills marked estimated.",
            )
        elif action == "reread":
            order = reads.send_reread(reading=reading, by=request.user)
            messages.success(request, f"Re-read work order {order.number} raised.")
        else:
            raise Http404("No such action")
    except ReadError as error:
        messages.error(request, str(error))
    return redirect("billing:exceptions")


# Bill runs -------------------------------------------------------------------------------


def _runs_app():
    try:
        from utilityclerk.runs import services as run_services
    except ImportError:
        return None
    return run_services


@start_runs
def runs(request):
    form = StartRunForm(request.POST or None, initial={"period_end": business_day.today()})
    if request.method == "POST" and form.is_valid():
        try:
            run = bills.prepare_bill_run(
                cycle=form.cleaned_data["cycle"],
                period_end=form.cleaned_data["period_end"],
                by=request.user,
            )
        except bills.BillingError as error:
            show_on_form(form, error)
        else:
            from billing import run_kind

            return redirect(run_kind.start(run, by=request.user))
    recent = BillRun.objects.select_related("cycle").annotate(bills=Count("drafts"))[:20]
    return render(request, "billing/runs.html", {"form": form, "runs": recent})


@start_runs
def run_detail(request, pk):
    run = get_object_or_404(BillRun.objects.select_related("cycle"), pk=pk)
    q = request.GET.get("q", "").strip()
    drafts = (
        DraftBill.objects.filter(run=run)
        .select_related("account", "bill")
        .order_by("account__number")
    )
    if q:
        drafts = drafts.filter(
            account__number__startswith="".join(ch for ch in q if ch.isdigit())[:8]
        )
    page = Paginator(drafts, 50).get_page(request.GET.get("page"))
    # (A run proofed before the proof kept its summary has it worked out here.)
    summary = (run.summary or bills.proof_summary(run)) if run.proofed_at else None
    parts = (
        range(1, (summary["counts"]["Bills"] + PRINT_FILE_BILLS - 1) // PRINT_FILE_BILLS + 1)
        if summary and run.posted_at
        else []
    )
    return render(
        request,
        "billing/run_detail.html",
        {
            "run": run,
            "summary": summary,
            "page": page,
            "q": q,
            "parts": parts,
            "exclusions": run.exclusions.select_related("account")[:200],
        },
    )


@approve_runs
@require_POST
def approve_run(request, pk):
    run = get_object_or_404(BillRun, pk=pk)
    from billing import run_kind

    return redirect(run_kind.approve(run, by=request.user))


@start_runs
def draft_detail(request, pk):
    draft = get_object_or_404(
        DraftBill.objects.select_related("account__customer", "account__premise", "run"), pk=pk
    )
    return render(request, "billing/draft.html", {"draft": draft, "lines": draft.lines.all()})


# Bills -----------------------------------------------------------------------------------


def _bill(number) -> Bill:
    return get_object_or_404(
        Bill.objects.select_related("account__customer", "account__premise"), number=number
    )


@view_bills
def explain_bill(request, number):
    bill = _bill(number)
    context = {"bill": bill, "account": bill.account, "lines": bills.explain(bill)}
    if request.htmx:
        return render(request, "billing/partials/_explain.html", context)
    return render(request, "billing/explain.html", context)


@view_bills
def bill_pdf(request, number):
    bill = _bill(number)
    return pdf_response(pdf.bill_pdf([bill], by=request.user), f"bill-{bill.number}.pdf")


@start_runs
def print_file(request, pk, part):
    run = get_object_or_404(BillRun, pk=pk)
    ids = list(
        DraftBill.objects.filter(run=run, bill__isnull=False)
        .order_by("account__number")
        .values_list("bill_id", flat=True)[(part - 1) * PRINT_FILE_BILLS : part * PRINT_FILE_BILLS]
    )
    if not ids:
        raise Http404("No such part")
    chosen = list(
        Bill.objects.filter(pk__in=ids)
        .select_related("account__customer", "account__premise")
        .order_by("account__number")
    )
    return pdf_response(
        pdf.bill_pdf(chosen, by=request.user),
        f"bill-run-{run.pk}-part-{part}.pdf",
        inline=False,
    )


@start_runs
def mailing_csv(request, pk):
    run = get_object_or_404(BillRun, pk=pk)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="bill-run-{run.pk}-mailing.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "account",
            "bill",
            "name",
            "street",
            "unit",
            "city",
            "state",
            "zip",
            "amount_due",
            "due_date",
            "print_file",
        ]
    )
    for i, row in enumerate(pdf.mailing_rows(run)):
        writer.writerow([*row, i // PRINT_FILE_BILLS + 1])
    return response
