from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.forms import (
    ConfirmDuplicatesForm,
    CustomerForm,
    PremiseForm,
    mailing_at_service_address,
    new_customer_context,
    premise_data,
)
from accounts.models import Account, AccountStatus, Customer, ServiceStatus
from accounts.queries import likely_duplicates_of
from accounts.services import MAILING_FIELDS, AccountError
from utilityclerk import audit, business_day
from utilityclerk.errors import show_on_form
from utilityclerk.htmx import htmx_redirect
from utilityclerk.money import format_money
from utilityclerk.pdf import pdf_response, render_pdf
from utilityclerk.roles import any_permission_required
from workorders import queries, service_changes, services
from workorders.forms import (
    AssignForm,
    BoardFilterForm,
    BulkForm,
    CancelForm,
    CompleteForm,
    MonthForm,
    SendBackForm,
    StartServiceForm,
    StopServiceForm,
    TransferForm,
)
from workorders.models import CrewMember, WorkOrder, WorkOrderStatus
from workorders.services import WorkOrderError

view_orders = permission_required("workorders.view_workorder", raise_exception=True)
start_stop = permission_required("workorders.start_stop_service", raise_exception=True)
field_only = permission_required("workorders.complete_own_crew_orders", raise_exception=True)


def _order_or_404(number: str) -> WorkOrder:
    return get_object_or_404(
        WorkOrder.objects.select_related("premise", "service"), number=number.upper()
    )


_redirect = htmx_redirect


# Board ---------------------------------------------------------------------------------


def _filters(form: BoardFilterForm) -> queries.BoardFilters:
    if not form.is_valid():
        return queries.BoardFilters()
    data = form.cleaned_data
    return queries.BoardFilters(
        status=data["status"] or "todo",
        type=data["type"],
        crew_id=data["crew"],
        vendor_id=data["vendor"],
        due_by=data["due_by"],
        overdue=data["overdue"],
    )


@view_orders
def board(request):
    crews, vendors = queries.assignees()
    filter_form = BoardFilterForm(request.GET or None, crews=crews, vendors=vendors)
    today = business_day.today()
    page = queries.board_page(_filters(filter_form), request.GET.get("page"), today=today)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": filter_form,
        # Its own ids: the filters above have a crew and a vendor box too.
        "bulk_form": BulkForm(
            crews=[c for c in crews if c.active],
            vendors=[v for v in vendors if v.active],
            auto_id="bulk_%s",
        ),
        "page": page,
        "more_than": queries.BOARD_COUNT_CAP
        if page.paginator.count > queries.BOARD_COUNT_CAP
        else None,
        "today": today,
        "query": query.urlencode(),
        # Reversed once, not twice per row: 100 reverse() calls cost a page ~8 ms.
        "order_url": reverse("workorders:board"),
        "account_url": reverse("accounts:detail", args=["0"])[:-2],
        "can_assign": request.user.has_perm("workorders.assign_workorder"),
    }
    if request.htmx and request.htmx.target == "board-results":
        return render(request, "workorders/board.html#board-results", context)
    return render(request, "workorders/board.html", context)


@permission_required("workorders.assign_workorder", raise_exception=True)
@require_POST
def bulk(request):
    crews, vendors = queries.assignees()
    ids = [int(v) for v in request.POST.getlist("orders") if v.isdigit()]
    form = BulkForm(request.POST, crews=crews, vendors=vendors, order_ids=ids)
    back = reverse("workorders:board") + (
        "?" + request.POST["query"] if request.POST.get("query") else ""
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _redirect(request, back)
    crew, vendor = form.assignee()
    try:
        if form.cleaned_data["action"] == "schedule":
            outcome = services.bulk_schedule(
                order_ids=form.cleaned_data["orders"],
                crew=crew,
                vendor=vendor,
                on=form.cleaned_data["scheduled_for"],
                by=request.user,
            )
        else:
            outcome = services.bulk_dispatch(
                order_ids=form.cleaned_data["orders"], crew=crew, vendor=vendor, by=request.user
            )
    except WorkOrderError as error:
        messages.error(request, str(error))
        return _redirect(request, back)
    verb = "scheduled" if form.cleaned_data["action"] == "schedule" else "dispatched"
    if outcome.done:
        messages.success(
            request, f"{len(outcome.done)} order{'s' if len(outcome.done) != 1 else ''} {verb}."
        )
    for number, why in outcome.skipped:
        messages.warning(request, f"{number} skipped: {why}")
    if not outcome.done and not outcome.skipped:
        messages.error(request, f"None of the ticked orders could be {verb}: reload the board.")
    return _redirect(request, back)


# One order -----------------------------------------------------------------------------


def _can_complete(user, order: WorkOrder) -> bool:
    if user.has_perm("workorders.complete_workorder"):
        return True
    if user.has_perm("workorders.complete_own_crew_orders"):
        membership = CrewMember.objects.filter(user=user).only("crew_id").first()
        return membership is not None and order.crew_id == membership.crew_id
    return False


def _detail_context(request, order, **forms):
    crews, vendors = queries.assignees()
    return {
        "order": order,
        "today": business_day.today(),
        "previous_read": queries.previous_read(order),
        "history": order.status_changes.select_related("by"),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            crews=[c for c in crews if c.active],
            vendors=[v for v in vendors if v.active],
            initial={
                "crew": order.crew_id,
                "vendor": order.vendor_id,
                "scheduled_for": order.scheduled_for or business_day.today(),
            },
        ),
        "complete_form": forms.get("complete_form") or CompleteForm(initial={"cost": None}),
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "send_back_form": forms.get("send_back_form") or SendBackForm(),
        "events": audit.history_for(order, limit=50),
    }


@view_orders
def detail(request, number):
    order = get_object_or_404(WorkOrder, number=number.upper())
    order = queries.order_detail(order.pk)
    return render(request, "workorders/detail.html", _detail_context(request, order))


@permission_required("workorders.assign_workorder", raise_exception=True)
@require_POST
def assign(request, number):
    order = _order_or_404(number)
    crews, vendors = queries.assignees()
    form = AssignForm(request.POST, crews=crews, vendors=vendors)
    if form.is_valid():
        crew, vendor = form.assignee()
        try:
            services.schedule_work_order(
                order=order,
                crew=crew,
                vendor=vendor,
                on=form.cleaned_data["scheduled_for"],
                by=request.user,
            )
        except WorkOrderError as error:
            show_on_form(form, error)
        else:
            messages.success(
                request, f"{order.number} scheduled to {crew or vendor or order.assignee}."
            )
            return _redirect(request, reverse("workorders:detail", args=[order.number]))
    order = queries.order_detail(order.pk)
    return render(
        request,
        "workorders/detail.html",
        _detail_context(request, order, assign_form=form),
        status=422 if request.htmx else 200,
    )


@permission_required("workorders.assign_workorder", raise_exception=True)
@require_POST
def dispatch(request, number):
    order = _order_or_404(number)
    try:
        services.dispatch_work_order(order=order, by=request.user)
        messages.success(request, f"{order.number} dispatched.")
    except WorkOrderError as error:
        messages.error(request, str(error))
    return _redirect(request, reverse("workorders:detail", args=[order.number]))


@permission_required("workorders.assign_workorder", raise_exception=True)
@require_POST
def send_back(request, number):
    order = _order_or_404(number)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            services.send_back_work_order(
                order=order, note=form.cleaned_data["note"], by=request.user
            )
            messages.success(request, f"{order.number} is back on the schedule.")
            return _redirect(request, reverse("workorders:detail", args=[order.number]))
        except WorkOrderError as error:
            if order.status != WorkOrderStatus.DISPATCHED:
                # The send-back form shows only on a dispatched order: say it above the page.
                messages.error(request, str(error))
                return _redirect(request, reverse("workorders:detail", args=[order.number]))
            show_on_form(form, error)
    order = queries.order_detail(order.pk)
    return render(
        request, "workorders/detail.html", _detail_context(request, order, send_back_form=form)
    )


@permission_required("workorders.cancel_workorder", raise_exception=True)
@require_POST
def cancel(request, number):
    order = _order_or_404(number)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_work_order(
                order=order, reason=form.cleaned_data["reason"], by=request.user
            )
            messages.success(request, f"{order.number} cancelled.")
            return _redirect(request, reverse("workorders:detail", args=[order.number]))
        except WorkOrderError as error:
            show_on_form(form, error)
    order = queries.order_detail(order.pk)
    return render(
        request, "workorders/detail.html", _detail_context(request, order, cancel_form=form)
    )


def _complete(request, order, form) -> bool:
    if not form.is_valid():
        return False
    data = form.cleaned_data
    started = timezone.now()
    try:
        done = services.complete_work_order(
            order=order,
            read=data["read"],
            rollover=data["rollover"],
            high_read_checked=data["high_read_checked"],
            notes=data["notes"],
            cost=data["cost"],
            done_on=data["done_on"],
            by=request.user,
        )
    except WorkOrderError as error:
        if error.field in form.fields:
            form.add_error(error.field, str(error))
        else:  # about the order, not a field: said at the top of the page
            messages.error(request, str(error))
        return False
    if done.completed_at is not None and done.completed_at < started:
        # Another tablet (or this one, twice) got there first: nothing from this form was
        # kept, and the crew must not be told that its read was.
        who = done.completed_by.get_full_name() if done.completed_by else "someone"
        messages.warning(
            request,
            f"{order.number} was already completed on {done.completed_on:%m/%d/%Y} by {who}; "
            "nothing from this form was saved.",
        )
        return True
    messages.success(request, f"{order.number} completed.")
    return True


@any_permission_required("workorders.complete_workorder", "workorders.complete_own_crew_orders")
@require_POST
def complete(request, number):
    """Clerks complete any order (a vendor phoning in); crew members only their crew's."""
    order = _order_or_404(number)
    if not _can_complete(request.user, order):
        raise PermissionDenied
    form = CompleteForm(request.POST)
    field_user = not request.user.has_perm("workorders.view_workorder")
    if _complete(request, order, form):
        target = "workorders:field" if field_user else "workorders:detail"
        return _redirect(
            request, reverse(target) if field_user else reverse(target, args=[order.number])
        )
    order = queries.order_detail(order.pk)
    if field_user:
        return render(request, "workorders/field_order.html", _field_context(order, form))
    return render(
        request, "workorders/detail.html", _detail_context(request, order, complete_form=form)
    )


@permission_required("workorders.view_workorder", raise_exception=True)
def sheet(request, number):
    order = queries.order_detail(_order_or_404(number).pk)
    pdf = render_pdf(
        "workorders/pdf/sheet.html",
        {"order": order, "previous_read": queries.previous_read(order)},
        generated_by=request.user,
    )
    return pdf_response(pdf, f"{order.number}.pdf")


# Field ---------------------------------------------------------------------------------


def _membership(user):
    return CrewMember.objects.select_related("crew").filter(user=user).first()


def _field_context(order, form=None):
    return {
        "order": order,
        "previous_read": queries.previous_read(order),
        "service_point": services.service_point_for(order),
        "form": form or CompleteForm(),
    }


@field_only
def field(request):
    membership = _membership(request.user)
    orders = queries.crew_orders(membership.crew_id) if membership else []
    return render(
        request,
        "workorders/field.html",
        {"membership": membership, "orders": orders, "today": business_day.today()},
    )


@field_only
def field_order(request, number):
    membership = _membership(request.user)
    order = _order_or_404(number)
    if membership is None or order.crew_id != membership.crew_id:
        raise PermissionDenied
    order = queries.order_detail(order.pk)
    return render(request, "workorders/field_order.html", _field_context(order))


# Start, stop and transfer ------------------------------------------------------------------


def _account_or_404(number):
    return get_object_or_404(
        Account.objects.select_related("customer", "premise"),
        number="".join(ch for ch in number if ch.isdigit()),
    )


def _premise_initial(premise) -> dict:
    return {name: getattr(premise, name) for name in PremiseForm.base_fields}


@start_stop
def start(request, number=None):
    """Start service. From an account page (number) or a customer page (?customer=) the
    customer is known; otherwise a new customer is entered."""
    account = _account_or_404(number) if number else None
    customer = account.customer if account else None
    customer_id = request.GET.get("customer") or request.POST.get("customer")
    if customer is None and customer_id and customer_id.isdigit():
        customer = get_object_or_404(Customer, pk=int(customer_id))
    data = request.POST or None
    form = StartServiceForm(data, customer_class=customer.customer_class if customer else None)
    customer_form = (
        None
        if customer
        else CustomerForm(mailing_at_service_address(data), prefix="customer", user=request.user)
    )
    # An account still waiting for its first service starts at its own address.
    waiting = account is not None and account.status == AccountStatus.PENDING
    premise_form = PremiseForm(
        data,
        prefix="premise",
        initial=_premise_initial(account.premise) if waiting else {"city": "Cibolo", "state": "TX"},
    )
    confirm_form = ConfirmDuplicatesForm(data)
    valid = [
        f.is_valid() for f in (form, premise_form, customer_form, confirm_form) if f is not None
    ]
    duplicates = []
    if request.method == "POST" and all(valid) and customer_form is not None:
        # A new customer who is probably one on file: the same check as New account, so
        # one person does not become two customers with two histories.
        duplicates = likely_duplicates_of(customer_form.cleaned_data)
        if duplicates and not confirm_form.cleaned_data["confirm_duplicates"]:
            messages.warning(request, "Check the possible duplicates below before starting.")
            valid.append(False)
    if request.method == "POST" and all(valid):
        try:
            started = service_changes.start_service(
                customer=customer,
                new_customer=customer_form.cleaned_data if customer_form else None,
                address=premise_data(premise_form),
                utilities=form.cleaned_data["utilities"],
                start_date=form.cleaned_data["start_date"],
                owner_with_proof=form.cleaned_data["owner_with_proof"],
                instructions=form.cleaned_data["instructions"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                by=request.user,
            )
        except AccountError as error:  # ServiceChangeError, or an address to say more of
            target = premise_form if error.field in premise_form.fields else form
            show_on_form(target, error)
        else:
            messages.success(
                request,
                f"Account {started.account.display_number} opened; turn-on {started.order.number} "
                f"due {started.order.due_date:%m/%d/%Y}. Deposit required: {format_money(started.deposit.amount)}.",
            )
            return redirect("accounts:detail", number=started.account.number)
    return render(
        request,
        "workorders/start.html",
        {
            "form": form,
            "customer": customer,
            "from_account": account,
            **new_customer_context(request, customer_form),
            "premise_form": premise_form,
            "duplicates": duplicates,
            "confirm_form": confirm_form,
        },
    )


@start_stop
def stop(request, number):
    account = _account_or_404(number)
    # Bills already go elsewhere than the service address: offer that as the forwarding one.
    mailed_elsewhere = account.mail_street and account.mail_street != account.premise.address_line
    form = StopServiceForm(
        request.POST or None,
        initial={name: getattr(account, name) for name in MAILING_FIELDS}
        if mailed_elsewhere
        else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = service_changes.stop_service(
                account=account,
                stop_date=form.cleaned_data["stop_date"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                forwarding_address=form.forwarding_address(),
            )
        except AccountError as error:  # ServiceChangeError, or an address to say more of
            show_on_form(form, error)
        else:
            stop_date = order.requested_for or form.cleaned_data["stop_date"]
            messages.success(
                request,
                f"Final read {order.number} raised: service stops {stop_date:%m/%d/%Y}; the "
                f"crew reads the meter by {order.due_date:%m/%d/%Y}.",
            )
            return _redirect(request, reverse("accounts:detail", args=[account.number]))
    template = "workorders/partials/_stop_form.html" if request.htmx else "workorders/stop.html"
    context = {"account": account, "form": form, "pending": service_changes.pending_stop(account)}
    return render(request, template, context)


@start_stop
def transfer(request, number):
    account = _account_or_404(number)
    active = list(
        account.services.filter(status=ServiceStatus.ACTIVE).values_list("utility", flat=True)
    )
    data = request.POST or None
    form = TransferForm(data, initial={"utilities": active})
    premise_form = PremiseForm(
        data,
        prefix="premise",
        initial={"city": account.premise.city.title(), "state": account.premise.state},
    )
    if request.method == "POST" and form.is_valid() and premise_form.is_valid():
        try:
            moved = service_changes.transfer_service(
                account=account,
                address=premise_data(premise_form),
                utilities=form.cleaned_data["utilities"],
                move_date=form.cleaned_data["move_date"],
                start_date=form.cleaned_data["start_date"],
                owner_with_proof=form.cleaned_data["owner_with_proof"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                by=request.user,
            )
        except AccountError as error:  # ServiceChangeError, or an address to say more of
            target = premise_form if error.field in premise_form.fields else form
            show_on_form(target, error)
        else:
            new = moved.started.account
            messages.success(
                request,
                f"Transfer raised: final read {moved.stop_order.number} here, turn-on "
                f"{moved.started.order.number} on new account {new.display_number}.",
            )
            return redirect("accounts:detail", number=new.number)
    return render(
        request,
        "workorders/transfer.html",
        {"account": account, "form": form, "premise_form": premise_form, "active": active},
    )


# Vendors -------------------------------------------------------------------------------


def _month(request) -> date:
    form = MonthForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["month"]
    today = business_day.today()
    return date(today.year, today.month, 1)


@permission_required("workorders.view_vendor_scorecard", raise_exception=True)
def vendors(request):
    month = _month(request)
    start, end = queries.month_bounds(month.year, month.month)
    form = MonthForm(initial={"month": month})
    return render(
        request,
        "workorders/vendors.html",
        {
            "scores": queries.vendor_scorecard(start, end),
            "start": start,
            "end": end,
            "form": form,
            "pdf_query": urlencode({"month": f"{month:%Y-%m}"}),
        },
    )


@permission_required("workorders.view_vendor_scorecard", raise_exception=True)
def scorecard_pdf(request):
    month = _month(request)
    start, end = queries.month_bounds(month.year, month.month)
    scores = queries.vendor_scorecard(start, end)
    pdf = render_pdf(
        "workorders/pdf/scorecard.html",
        {"scores": scores, "start": start, "end": end, "call_back_days": queries.CALL_BACK_DAYS},
        generated_by=request.user,
    )
    return pdf_response(pdf, f"vendor-scorecard-{start:%Y-%m}.pdf")
