from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Account
from collections_app import queries, services
from collections_app.collectible import collectible_for_account
from collections_app.forms import (
    ApproveForm,
    ArrangementForm,
    DayForm,
    PromiseForm,
    RunForm,
    WeatherHoldForm,
)
from collections_app.models import Arrangement, DisconnectionGround, Notice
from collections_app.services import CollectionsError
from utilityclerk import business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import show_on_form
from utilityclerk.money import format_money
from utilityclerk.pdf import pdf_response, render_pdf
from utilityclerk.roles import any_permission_required
from workorders.models import WorkOrder

view_notices = permission_required("collections.view_notice", raise_exception=True)
manage_shutoff = permission_required("collections.manage_shutoff", raise_exception=True)


def _account_or_404(number: str) -> Account:
    return get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )


def _to_account(request, account, tab="collections"):
    url = reverse("accounts:tab", args=[account.number, tab])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@view_notices
def worklist(request):
    items = queries.worklist()
    context = {
        "items": items,
        "run_form": RunForm(initial={"day": business_day.today()}),
        "run_kinds": [
            ("late_fees", "Late fees"),
            ("notices", "Past-due notices"),
            ("door_hangers", "Door hangers"),
            ("shutoff", "Shut-off list"),
            ("nightly", "Arrangements and promises (nightly)"),
            ("write_offs", "Write-offs and agency referral"),
        ],
    }
    return render(request, "collections/worklist.html", context)


@permission_required("collections.add_arrangement", raise_exception=True)
def arrangement(request, number):
    account = _account_or_404(number)
    form = ArrangementForm(request.POST or None, initial={})
    months = form.fields["months"].initial
    if request.method == "POST" and form.is_valid():
        months = form.cleaned_data["months"]
        try:
            made = services.make_arrangement(
                account=account,
                months=months,
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
                override=form.cleaned_data["override"],
            )
        except CollectionsError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request,
                f"Arrangement made: {made.months} months, down payment {format_money(made.down_payment)} "
                "due today.",
            )
            return _to_account(request, account)
    elif request.GET.get("months", "").isdigit():
        months = int(request.GET["months"])
    plan, problem = None, ""
    try:
        plan = services.offer(account, months=months)
    except CollectionsError as error:
        problem = str(error)
    from workorders.service_changes import average_monthly_bill

    context = {
        "account": account,
        "form": form,
        "plan": plan,
        "problem": problem,
        # Each instalment is paid with that month's current bill: about the average bill.
        "schedule": _beside_bills(plan, average_monthly_bill(account.premise)) if plan else [],
        "policy": Policy.current(),
        "last_start": queries.last_arrangement_start(account.pk),
    }
    return render(request, "collections/arrangement.html", context)


def _beside_bills(plan, monthly_bill):
    """(number, due, instalment, current bill, both) per row; the down payment has no bill."""
    from utilityclerk.money import ZERO

    rows = []
    for number, due, amount in plan.instalments:
        bill = ZERO if number == 0 else monthly_bill
        rows.append((number, due, amount, bill, amount + bill))
    return rows


@permission_required("collections.view_arrangement", raise_exception=True)
def agreement_pdf(request, pk):
    arrangement = get_object_or_404(
        Arrangement.objects.select_related("account__customer", "account__premise", "created_by"),
        pk=pk,
    )
    pdf = render_pdf(
        "collections/pdf/agreement.html",
        {"arrangement": arrangement, "instalments": arrangement.instalments.all()},
        generated_by=request.user,
    )
    return pdf_response(pdf, f"arrangement-{arrangement.account.number}-{arrangement.pk}.pdf")


@permission_required("collections.add_promise", raise_exception=True)
def promise(request, number):
    account = _account_or_404(number)
    form = PromiseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.make_promise(
                account=account,
                amount=form.cleaned_data["amount"],
                pay_by=form.cleaned_data["pay_by"],
                note=form.cleaned_data["note"],
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except CollectionsError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"Promise recorded: {format_money(made.amount)} by {made.pay_by:%m/%d/%Y}."
            )
            return _to_account(request, account)
    context = {
        "account": account,
        "form": form,
        "collectible": collectible_for_account(account.pk),
        "policy": Policy.current(),
    }
    return render(request, "collections/promise.html", context)


@view_notices
def notice_pdf(request, pk):
    notice = get_object_or_404(Notice.objects.select_related("account"), pk=pk)
    pdf = render_pdf(
        "collections/pdf/notices.html", {"notices": [notice]}, generated_by=request.user
    )
    return pdf_response(pdf, f"notice-{notice.account.number}-{notice.business_date}.pdf")


BATCH_LIMIT = 5_000


@view_notices
def notices_batch_pdf(request, day):
    try:
        on = date.fromisoformat(day)
    except ValueError as error:
        raise Http404("No such day") from error
    notices = list(
        Notice.objects.filter(business_date=on)
        .select_related("account")
        .order_by("account__number")[:BATCH_LIMIT]
    )
    if not notices:
        raise Http404("No notices that day")
    pdf = render_pdf(
        "collections/pdf/notices.html", {"notices": notices}, generated_by=request.user
    )
    return pdf_response(pdf, f"notices-{on}.pdf")


def _day(request) -> date:
    form = DayForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["day"]
    return business_day.today()


def _listing_context(listing, day) -> dict:
    return {
        "listing": listing,
        "day": day,
        "eligible": listing.eligible,
        "excluded": listing.excluded,
        "grounds": listing.grounds(),
    }


@manage_shutoff
def shutoff(request):
    day = _day(request)
    context = {
        **_listing_context(queries.shutoff_list(day), day),
        "approve_form": ApproveForm(initial={"day": day}),
        "weather_form": WeatherHoldForm(initial={"day": day}),
        "reasons": queries.REASONS,
    }
    return render(request, "collections/shutoff.html", context)


@manage_shutoff
def shutoff_pdf(request):
    """The day's list to print: by route, each account with why it is on it, then each
    one left off with why not."""
    day = _day(request)
    pdf = render_pdf(
        "collections/pdf/shutoff.html",
        _listing_context(queries.shutoff_list(day), day),
        generated_by=request.user,
    )
    return pdf_response(pdf, f"shutoff-{day}.pdf")


@manage_shutoff
def shutoff_csv(request):
    """Every account the day's list looked at, one row each: on the list or not, why."""
    day = _day(request)
    listing = queries.shutoff_list(day)
    response, out = _csv(f"shutoff-{day}.csv")
    out.writerow(
        ["account", "name", "address", "route", "disconnect_on", "collectible", "due_now",
         "on_list", "listed_for", "excluded_because"]
    )  # fmt: skip
    for r in listing.eligible + listing.excluded:
        out.writerow(
            [r.display_number, r.name, r.address, r.route, r.disconnect_on, r.collectible,
             r.due_now, "yes" if r.eligible else "no", "; ".join(r.grounds),
             "; ".join(r.reasons)]
        )  # fmt: skip
    return response


RUN_KINDS = {
    "write_offs": "collections.write_offs",
    "late_fees": "collections.late_fees",
    "notices": "collections.notices",
    "door_hangers": "collections.door_hangers",
    "shutoff": "collections.shutoff",
    "nightly": "collections.nightly",
}


@permission_required("collections.start_collections_run", raise_exception=True)
def start_collections_run(request):
    """Start a run for a date: its proof is computed in the background, then a supervisor
    approves it on the run's page. Starting twice returns the run already under way."""
    from utilityclerk.runs.services import start_run

    if request.method != "POST":
        return redirect("collections:worklist")
    form = RunForm(request.POST)
    kind = RUN_KINDS.get(request.POST.get("kind", ""))
    if kind is None or not form.is_valid():
        messages.error(request, "Choose a run and a valid date.")
        return redirect("collections:worklist")
    day, crew = form.cleaned_data["day"], form.cleaned_data["crew"]
    params = {"day": day.isoformat(), "crew": crew.pk if crew else None}
    agency = form.cleaned_data.get("agency")
    if agency is not None:
        params["agency"] = agency.pk
    run = start_run(kind=kind, scope=day.isoformat(), params=params, by=request.user)
    return redirect("runs:detail", pk=run.pk)


approve = start_collections_run


@manage_shutoff
def weather_hold(request):
    if request.method != "POST":
        return redirect("collections:shutoff")
    form = WeatherHoldForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            if request.POST.get("lift"):
                services.lift_weather_hold(day=day, by=request.user)
                messages.success(request, f"Weather hold for {day:%m/%d/%Y} lifted.")
            else:
                services.hold_for_weather(
                    day=day, reason=form.cleaned_data["reason"], by=request.user
                )
                messages.success(request, f"Shut-off held for the weather on {day:%m/%d/%Y}.")
        except CollectionsError as error:
            messages.error(request, str(error))
        return redirect(f"{reverse('collections:shutoff')}?day={day.isoformat()}")
    messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("collections:shutoff")


@manage_shutoff
def door_hangers(request):
    day = _day(request)
    listing = queries.door_hanger_list(day)
    context = {
        "listing": listing,
        "day": day,
        "form": ApproveForm(initial={"day": day}),
        "policy": Policy.current(),
    }
    return render(request, "collections/door_hangers.html", context)


@any_permission_required("workorders.view_workorder", "workorders.complete_own_crew_orders")
def field_order(request, number):
    """'Collect or disconnect': what the crew collects at the door, due now."""
    order = get_object_or_404(
        WorkOrder.objects.select_related("account__customer", "premise", "crew"), number=number
    )
    user = request.user
    if not user.has_perm("workorders.view_workorder"):
        membership = getattr(user, "crew_membership", None)
        if not (
            user.has_perm("workorders.complete_own_crew_orders")
            and membership is not None
            and membership.crew_id == order.crew_id
        ):
            raise PermissionDenied
    if order.account_id is None:
        raise Http404("No account on this order")
    due = collectible_for_account(order.account_id)
    # Reasons other than non-payment the order was raised for (a backflow test overdue).
    others = DisconnectionGround.objects.filter(disconnection__work_order=order).order_by("key")
    return render(
        request,
        "collections/field_order.html",
        {"order": order, "due": due, "others": list(others)},
    )


# After final ---------------------------------------------------------------------------

view_write_offs = permission_required("collections.view_writeoff", raise_exception=True)


def _period(request) -> tuple[date, date]:
    from collections_app.forms import PeriodForm

    form = PeriodForm(request.GET or None)
    today = business_day.today()
    if form.is_bound and form.is_valid():
        return form.cleaned_data["start"], form.cleaned_data["end"]
    return today.replace(day=1), today


@view_write_offs
def write_offs(request):
    from collections_app.forms import RecoveryForm

    start, end = _period(request)
    context = {
        "report": queries.write_off_report(start, end),
        "recovery_form": RecoveryForm(),
        "start": start,
        "end": end,
    }
    return render(request, "collections/write_offs.html", context)


def _csv(filename: str):
    import csv

    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response, csv.writer(response)


@view_write_offs
def write_off_report_csv(request):
    start, end = _period(request)
    report = queries.write_off_report(start, end)
    response, out = _csv(f"write-offs-{start}-{end}.csv")
    out.writerow(["written_off_on", "account", "name", "amount", "agency"])
    for w in report.rows:
        out.writerow(
            [
                w.written_off_on,
                w.account.display_number,
                w.account.customer,
                w.amount,
                w.agency or "",
            ]
        )
    out.writerow([])
    out.writerow(["written off", report.written_off, report.written_off_total])
    out.writerow(["recovered by the agency (gross)", "", report.recovered_gross])
    out.writerow(["agency commission", "", report.commission])
    out.writerow(["recovered net", "", report.recovered_net])
    out.writerow(["paid by customers at the counter", "", report.counter_recoveries])
    return response


@view_write_offs
def referrals_csv(request):
    day = _day(request)
    response, out = _csv(f"agency-referral-{day}.csv")
    out.writerow(
        ["account", "name", "mailing_address", "city", "state", "zip", "phone", "email",
         "service_address", "amount", "written_off_on"]
    )  # fmt: skip
    for w in queries.referral_rows(day):
        a, c = w.account, w.account.customer
        out.writerow(
            [a.display_number, c.display_name, f"{a.mail_street} {a.mail_unit}".strip(),
             a.mail_city, a.mail_state, a.mail_zip, c.phone, c.email,
             a.premise.full_address, w.amount, w.written_off_on]
        )  # fmt: skip
    return response


@permission_required("collections.add_recovery", raise_exception=True)
def recovery(request):
    from collections_app.forms import RecoveryForm
    from collections_app.models import WriteOff

    form = RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        digits = "".join(ch for ch in form.cleaned_data["account"] if ch.isdigit())
        write_off = WriteOff.objects.filter(account__number=digits).select_related("agency").first()
        if write_off is None:
            form.add_error("account", "No written-off account has that number.")
        else:
            try:
                made = services.record_recovery(
                    write_off=write_off,
                    gross=form.cleaned_data["gross"],
                    reference=form.cleaned_data["reference"],
                    by=request.user,
                    idempotency_key=form.cleaned_data["idempotency_key"],
                )
            except CollectionsError as error:
                show_on_form(form, error)
            else:
                messages.success(
                    request,
                    f"Recovery recorded: {format_money(made.gross)}, commission {format_money(made.commission)}, "
                    f"net {format_money(made.net)}.",
                )
                return redirect("collections:write_offs")
    start, end = _period(request)
    context = {
        "report": queries.write_off_report(start, end),
        "recovery_form": form,
        "start": start,
        "end": end,
    }
    return render(request, "collections/write_offs.html", context)


@permission_required("collections.add_arrangement", raise_exception=True)
def after_hours(request, pk):
    from collections_app.models import Reconnection

    reconnection = get_object_or_404(Reconnection.objects.select_related("account"), pk=pk)
    if request.method == "POST":
        try:
            services.reconnect_after_hours(reconnection=reconnection, by=request.user)
        except CollectionsError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "After-hours reconnect ordered; the after-hours fee is charged."
            )
    return _to_account(request, reconnection.account)
