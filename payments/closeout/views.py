from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from payments.closeout import queries, reports, services
from payments.closeout.forms import (
    CashDropForm,
    CountForm,
    DepositForm,
    ReasonForm,
    ReopenForm,
    VerifyDepositForm,
    VerifyForm,
)
from payments.closeout.models import BankDeposit, CountKind
from payments.closeout.services import CloseoutError
from payments.models import DrawerSession, SessionStatus
from utilityclerk import business_day
from utilityclerk.errors import show_on_form
from utilityclerk.money import format_money
from utilityclerk.pdf import pdf_response
from utilityclerk.roles import any_permission_required


def _may_supervise(user) -> bool:
    return user.has_perm("closeout.close_business_day") or user.has_perm("core.reopen_business_day")


# Checked before anything is looked up: a role without them learns nothing of what exists.
own_or_any_drawer = any_permission_required("closeout.add_drawercount", "closeout.verify_drawer")
day_board_roles = any_permission_required("closeout.close_business_day", "core.reopen_business_day")


def _session_for(request, pk) -> DrawerSession:
    """The clerk sees their own sessions; supervisors see every session."""
    session = get_object_or_404(DrawerSession.objects.select_related("drawer", "opened_by"), pk=pk)
    if session.opened_by_id != request.user.pk and not request.user.has_perm(
        "closeout.verify_drawer"
    ):
        raise PermissionDenied
    return session


def _business_day_in_url(view):
    """Hand the view the business day its address names, checked: a day still to come, or
    year 1, is refused with a message on today's board rather than prepared or closed."""

    @wraps(view)
    def wrapper(request, day=None, **kwargs):
        try:
            business_date = business_day.business_day_from_url(day or request.GET.get("day"))
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect("closeout:today")
        return view(request, business_date, **kwargs)

    return wrapper


# The clerk's close ---------------------------------------------------------------------


@permission_required("closeout.add_drawercount", raise_exception=True)
def my_drawer(request):
    session = (
        DrawerSession.objects.filter(opened_by=request.user)
        .exclude(status=SessionStatus.VERIFIED)
        .order_by("-opened_at")
        .first()
    )
    if session is None:
        messages.info(request, "You have no drawer to close.")
        return redirect("home")
    if session.status == SessionStatus.OPEN:
        return redirect("closeout:count", pk=session.pk)
    return redirect("closeout:session", pk=session.pk)


@permission_required("closeout.add_drawercount", raise_exception=True)
def count(request, pk):
    session = _session_for(request, pk)
    if (
        session.status == SessionStatus.VERIFIED
        or session.counts.filter(kind=CountKind.RECOUNT).exists()
    ):
        messages.info(request, "This drawer has had its count and its one recount.")
        return redirect("closeout:session", pk=session.pk)
    form = CountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.count_drawer(
                session=session,
                counted=form.to_input(),
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except CloseoutError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, "Count saved. Here is how it compares with what the drawer should hold."
            )
            return redirect("closeout:session", pk=session.pk)
    recount = session.status == SessionStatus.CLOSED
    return render(
        request, "closeout/count.html", {"session": session, "form": form, "recount": recount}
    )


def _session_context(request, session, **extra):
    line = next(
        line
        for line in queries.sessions_of_day(session.business_date)
        if line.session.pk == session.pk
    )
    clerk_counts = [c for c in line.counts if c.kind != CountKind.VERIFICATION]
    latest = clerk_counts[-1] if clerk_counts else None
    return {
        "session": session,
        "line": line,
        "latest": latest,
        # Any count off (a recount does not clear the first) until the clerk gives a reason.
        "needs_reason": any(services.needs_reason(c) for c in clerk_counts)
        and not any(hasattr(c, "explanation") for c in clerk_counts),
        "can_recount": (
            session.status == SessionStatus.CLOSED
            and session.opened_by_id == request.user.pk
            and not any(c.kind == CountKind.RECOUNT for c in clerk_counts)
        ),
        "can_verify": (
            session.status == SessionStatus.CLOSED
            and request.user.has_perm("closeout.verify_drawer")
            and request.user.pk != session.opened_by_id
        ),
        "reason_form": ReasonForm(),
        **extra,
    }


@own_or_any_drawer
def session_detail(request, pk):
    session = _session_for(request, pk)
    if session.status == SessionStatus.OPEN and session.opened_by_id == request.user.pk:
        # Blind count: nothing about what is expected is shown before the clerk has counted.
        return redirect("closeout:count", pk=session.pk)
    return render(request, "closeout/session.html", _session_context(request, session))


@permission_required("closeout.add_drawercount", raise_exception=True)
@require_POST
def explain(request, pk):
    session = _session_for(request, pk)
    form = ReasonForm(request.POST)
    latest = (
        session.counts.exclude(kind=CountKind.VERIFICATION).order_by("-counted_at", "-id").first()
    )
    if latest is None:
        raise Http404("No count")
    if form.is_valid():
        try:
            services.explain_over_short(
                count=latest, reason=form.cleaned_data["reason"], by=request.user
            )
        except CloseoutError as error:
            show_on_form(form, error)
        else:
            messages.success(request, "Reason recorded. A supervisor will verify the drawer.")
            return redirect("closeout:session", pk=session.pk)
    return render(
        request, "closeout/session.html", _session_context(request, session, reason_form=form)
    )


@permission_required("closeout.add_cashdrop", raise_exception=True)
def cash_drop(request, pk):
    session = _session_for(request, pk)
    form = CashDropForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        try:
            drop = services.record_cash_drop(
                session=session,
                amount=form.cleaned_data["amount"],
                witness=form.cleaned_data.get("witness"),
                by=request.user,
                idempotency_key=form.cleaned_data["idempotency_key"],
            )
        except CloseoutError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"Cash drop of {format_money(drop.amount)} to the safe recorded."
            )
            return redirect("home")
    return render(request, "closeout/cash_drop.html", {"session": session, "form": form})


# The supervisor ------------------------------------------------------------------------


@permission_required("closeout.verify_drawer", raise_exception=True)
def verify(request, pk):
    session = _session_for(request, pk)
    if session.status == SessionStatus.OPEN:
        # No count to compare with yet: the page would have nothing to verify.
        messages.error(
            request,
            f"Drawer {session.drawer.code} has not been counted yet: it is verified after "
            "its clerk's blind count.",
        )
        return redirect("closeout:day", day=session.business_date.isoformat())
    form = VerifyForm(request.POST or None)
    recount_form = CountForm(request.POST or None, prefix="recount")
    if request.method == "POST" and form.is_valid():
        recounted = form.cleaned_data["recounted"]
        if not recounted or recount_form.is_valid():
            try:
                services.verify_session(
                    session=session,
                    by=request.user,
                    note=form.cleaned_data["note"],
                    recount=recount_form.to_input() if recounted else None,
                )
            except CloseoutError as error:
                show_on_form(form, error)
            else:
                messages.success(request, f"Drawer {session.drawer.code} verified.")
                return redirect("closeout:day", day=session.business_date.isoformat())
    context = _session_context(request, session, verify_form=form, recount_form=recount_form)
    return render(request, "closeout/verify.html", context)


@day_board_roles
@_business_day_in_url
def day_board(request, business_date):
    if not _may_supervise(request.user):
        raise PermissionDenied
    return _render_day_board(
        request,
        queries.day_board(business_date),
        deposit_form=DepositForm(initial={"cash_total": None, "check_total": None}),
        verify_form=VerifyDepositForm(),
    )


def _render_day_board(request, board, *, status=200, **forms):
    return render(
        request,
        "closeout/day_board.html",
        {
            "board": board,
            "due": board.deposit_due,
            "bag_totals_shown": board.deposit is None
            or board.deposit.totals_shown_to(request.user),
            "reopen_form": ReopenForm(),
            **forms,
        },
        status=status,
    )


@permission_required("closeout.close_business_day", raise_exception=True)
@require_POST
@_business_day_in_url
def prepare_deposit(request, business_date):
    day = business_date.isoformat()
    form = DepositForm(request.POST)
    if form.is_valid():
        try:
            services.prepare_deposit(
                business_date=business_date, by=request.user, **form.cleaned_data
            )
        except CloseoutError as error:
            if BankDeposit.objects.filter(business_date=business_date).exists():
                # The board shows the bag, not the deposit form: the error goes above it.
                messages.error(request, str(error))
                return redirect("closeout:day", day=day)
            show_on_form(form, error)
        else:
            messages.success(request, "Deposit prepared. Another supervisor verifies it.")
            return redirect("closeout:day", day=day)
    return _render_day_board(request, queries.day_board(business_date), deposit_form=form)


@permission_required("closeout.close_business_day", raise_exception=True)
@require_POST
def verify_deposit(request, pk):
    deposit = get_object_or_404(BankDeposit, pk=pk)
    form = VerifyDepositForm(request.POST)
    if form.is_valid():
        try:
            services.verify_deposit(deposit=deposit, by=request.user, **form.cleaned_data)
        except CloseoutError as error:
            show_on_form(form, error)
        else:
            messages.success(request, f"Deposit bag {deposit.bag_number} verified.")
            return redirect("closeout:day", day=deposit.business_date.isoformat())
    return _render_day_board(
        request, queries.day_board(deposit.business_date), verify_form=form, status=400
    )


@permission_required("closeout.close_business_day", raise_exception=True)
@require_POST
@_business_day_in_url
def close(request, business_date):
    day = business_date.isoformat()
    if not request.POST.get("confirm"):
        messages.error(
            request, "Tick 'I have checked the list' to confirm, then close the business day."
        )
        return redirect("closeout:day", day=day)
    try:
        services.close_day(business_date=business_date, by=request.user)
        messages.success(request, "Business day closed. New postings go to the next business day.")
    except CloseoutError as error:
        messages.error(request, str(error))
    return redirect("closeout:day", day=day)


@permission_required("core.reopen_business_day", raise_exception=True)
@require_POST
@_business_day_in_url
def reopen(request, business_date):
    day = business_date.isoformat()
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the day is reopened.")
        return redirect("closeout:day", day=day)
    try:
        services.reopen_day(
            business_date=business_date, reason=form.cleaned_data["reason"], by=request.user
        )
        messages.success(request, "Business day reopened.")
    except CloseoutError as error:
        messages.error(request, str(error))
    return redirect("closeout:day", day=day)


# Reports -------------------------------------------------------------------------------


@own_or_any_drawer
def session_report(request, pk):
    session = _session_for(request, pk)
    if session.status == SessionStatus.OPEN:
        raise Http404("Count the drawer first")
    return pdf_response(
        reports.drawer_closeout_pdf(session, by=request.user), f"drawer-{session.pk}.pdf"
    )


@day_board_roles
@_business_day_in_url
def daily_report(request, business_date):
    if not _may_supervise(request.user):
        raise PermissionDenied
    return pdf_response(
        reports.daily_cash_pdf(business_date, by=request.user), f"daily-cash-{business_date}.pdf"
    )


@day_board_roles
@_business_day_in_url
def deposit_slip(request, business_date):
    if not _may_supervise(request.user):
        raise PermissionDenied
    deposit = get_object_or_404(BankDeposit, business_date=business_date)
    if not deposit.totals_shown_to(request.user):
        messages.error(
            request,
            f"Bag {deposit.bag_number}'s slip shows its totals: count the bag and verify it first.",
        )
        return redirect("closeout:day", day=deposit.business_date.isoformat())
    return pdf_response(
        reports.deposit_slip_pdf(deposit, by=request.user), f"deposit-{deposit.bag_number}.pdf"
    )


def supervisor_home(request):
    """The supervisor's home panel (loaded after the page): drawers waiting for verification
    and what is left before today can close."""
    if not _may_supervise(request.user):
        raise PermissionDenied
    summary = queries.supervisor_summary(business_day.today())
    return render(request, "closeout/partials/_supervisor_home.html", {"summary": summary})
