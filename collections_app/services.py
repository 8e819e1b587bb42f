"""Every write of collections: arrangements, promises, weather holds, door hangers, the
shut-off list's approval, and what follows a completed work order or a posted payment.

Batch runs (late fees, notices, the nightly check) are in runs.py.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Bill, EntryKind, LedgerEntry
from collections_app import calendar, queries
from collections_app.collectible import DOOR_HANGER_REASON, collectible_for_account
from collections_app.models import (
    Arrangement,
    ArrangementStatus,
    Disconnection,
    DoorHanger,
    Instalment,
    Notice,
    Promise,
    Reconnection,
    WeatherHold,
)
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money, quantize_money
from workorders import services as work_orders
from workorders.models import STILL_TO_DO, Crew, WorkOrder, WorkOrderKind, WorkOrderType

log = logging.getLogger(__name__)


class CollectionsError(DomainError):
    """A collections rule the clerk or supervisor broke; the message is for them."""


def _require(user, perm: str, message: str):
    if not user.has_perm(perm):
        raise CollectionsError(message)


def _lock_account(account: Account) -> Account:
    return Account.objects.select_for_update().get(pk=account.pk)


# Payment arrangements ------------------------------------------------------------------


@dataclass(frozen=True)
class ArrangementOffer:
    total: Decimal
    down_payment: Decimal
    months: int
    start: date
    instalments: list[tuple[int, date, Decimal]]  # (number, due date, amount); 0 is the down


def offer(
    account: Account, *, months: int | None = None, on: date | None = None
) -> ArrangementOffer:
    """The policy's arrangement for what the account owes past due now: the down payment
    today, the rest in equal monthly instalments (the last takes the odd cents)."""
    policy = Policy.current()
    on = on or business_day.today()
    months = months or policy.arrangement_max_months
    if not 1 <= months <= policy.arrangement_max_months:
        raise CollectionsError(
            f"An arrangement runs 1 to {policy.arrangement_max_months} months.", field="months"
        )
    total = collectible_for_account(account.pk, on).amount
    if total <= ZERO:
        raise CollectionsError("Nothing is past due: there is nothing to arrange.")
    down = quantize_money(total * policy.arrangement_down_payment_percent / 100)
    rest = total - down
    each = quantize_money(rest / months)
    instalments = [(0, on, down)]
    for k in range(1, months + 1):
        amount = each if k < months else rest - each * (months - 1)
        instalments.append((k, business_day.add_months(on, k), amount))
    return ArrangementOffer(total, down, months, on, instalments)


def make_arrangement(
    *, account: Account, months: int, by, idempotency_key: uuid.UUID | None, override=False
) -> Arrangement:
    """Put the account's past due on an arrangement. One at a time; one per the policy's
    months unless a supervisor allows another (override)."""
    _require(by, "collections.add_arrangement", "Your role cannot make payment arrangements.")
    policy = Policy.current()
    if idempotency_key is not None:
        found = Arrangement.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    try:
        with transaction.atomic():
            account = _lock_account(account)
            if account.status != "active":
                raise CollectionsError("Only an active account can have an arrangement.")
            if Arrangement.objects.filter(
                account=account, status=ArrangementStatus.ACTIVE
            ).exists():
                raise CollectionsError("This account already has an active arrangement.")
            today = business_day.today()
            last = queries.last_arrangement_start(account.pk)
            window_start = business_day.add_months(today, -policy.arrangement_once_per_months)
            override_by = None
            if last is not None and last > window_start:
                if not override:
                    raise CollectionsError(
                        f"This account had an arrangement on {last:%m/%d/%Y}: one per "
                        f"{policy.arrangement_once_per_months} months. A supervisor may allow "
                        "another.",
                        field="override",
                    )
                _require(
                    by,
                    "collections.override_arrangement",
                    "Only a supervisor may allow a second arrangement within "
                    f"{policy.arrangement_once_per_months} months.",
                )
                override_by = by
            plan = offer(account, months=months, on=today)
            arrangement = Arrangement.objects.create(
                account=account,
                total=plan.total,
                down_payment=plan.down_payment,
                months=plan.months,
                start_date=today,
                created_by=by,
                override_by=override_by,
                idempotency_key=idempotency_key,
            )
            Instalment.objects.bulk_create(
                Instalment(arrangement=arrangement, number=n, due_date=d, amount=a)
                for n, d, a in plan.instalments
            )
            audit.record(
                actor=by,
                action="arrangement.make",
                target=account,
                after={
                    "arrangement": arrangement.pk,
                    "total": str(plan.total),
                    "down_payment": str(plan.down_payment),
                    "months": plan.months,
                    "override_by": override_by.get_username() if override_by else "",
                },
            )
    except IntegrityError:
        found = (
            Arrangement.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key is not None
            else None
        )
        if found is None:
            raise CollectionsError("This account already has an active arrangement.") from None
        return found
    return arrangement


def cancel_arrangement(*, arrangement: Arrangement, reason: str, by) -> Arrangement:
    _require(by, "collections.change_arrangement", "Your role cannot cancel arrangements.")
    if not reason.strip():
        raise CollectionsError("Say why the arrangement is cancelled.", field="reason")
    with transaction.atomic():
        arrangement = Arrangement.objects.select_for_update().get(pk=arrangement.pk)
        if arrangement.status != ArrangementStatus.ACTIVE:
            return arrangement
        arrangement.status = ArrangementStatus.CANCELLED
        arrangement.ended_on = business_day.today()
        arrangement.end_reason = reason.strip()[:200]
        arrangement.save(update_fields=["status", "ended_on", "end_reason"])
        audit.record(
            actor=by,
            action="arrangement.cancel",
            target=arrangement.account,
            after={"arrangement": arrangement.pk},
            reason=reason,
        )
    return arrangement


# Promises to pay -----------------------------------------------------------------------


def make_promise(
    *,
    account: Account,
    amount: Decimal,
    pay_by: date,
    by,
    note: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> Promise:
    """ "Will pay $X by <date>": holds the account off the shut-off list until the date,
    once per bill cycle."""
    _require(by, "collections.add_promise", "Your role cannot record promises to pay.")
    policy = Policy.current()
    today = business_day.today()
    if amount is None or amount <= ZERO:
        raise CollectionsError("Enter the amount the customer will pay.", field="amount")
    if pay_by < today:
        raise CollectionsError("The date cannot be in the past.", field="pay_by")
    latest = today + timedelta(days=policy.promise_max_days)
    if pay_by > latest:
        raise CollectionsError(
            f"A promise holds at most {policy.promise_max_days} days: by {latest:%m/%d/%Y}.",
            field="pay_by",
        )
    if idempotency_key is not None:
        found = Promise.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    bill = Bill.objects.filter(account=account).order_by("-bill_date", "-id").first()
    try:
        with transaction.atomic():
            promise = Promise.objects.create(
                account=account,
                bill=bill,
                amount=quantize_money(amount),
                pay_by=pay_by,
                made_on=today,
                made_by=by,
                note=note.strip()[:200],
                idempotency_key=idempotency_key,
            )
            audit.record(
                actor=by,
                action="promise.make",
                target=account,
                after={"amount": str(promise.amount), "pay_by": pay_by},
            )
    except IntegrityError:
        found = (
            Promise.objects.filter(idempotency_key=idempotency_key).first()
            if idempotency_key is not None
            else None
        )
        if found is not None:
            return found
        raise CollectionsError(
            "A promise was already taken on this bill: one per cycle.", field="amount"
        ) from None
    return promise


# Weather hold --------------------------------------------------------------------------


def hold_for_weather(*, day: date, reason: str, by) -> WeatherHold:
    _require(by, "collections.manage_shutoff", "Only a supervisor may hold shut-off.")
    if not reason.strip():
        raise CollectionsError("Give the forecast or reason.", field="reason")
    with transaction.atomic():
        hold, created = WeatherHold.objects.get_or_create(
            date=day, defaults={"reason": reason.strip()[:200], "set_by": by}
        )
        if created:
            audit.record(
                actor=by, action="shutoff.weather_hold", target=hold, after=audit.snapshot(hold)
            )
    return hold


def lift_weather_hold(*, day: date, by) -> None:
    _require(by, "collections.manage_shutoff", "Only a supervisor may lift a weather hold.")
    with transaction.atomic():
        for hold in WeatherHold.objects.select_for_update().filter(date=day):
            audit.record(actor=by, action="shutoff.weather_hold_lifted", target=hold)
            hold.delete()


# Door hangers --------------------------------------------------------------------------


# Door hangers and disconnects are raised a chunk at a time, set-based (a list of
# thousands takes seconds, not minutes): each chunk in its own transaction, its rows locked
# first and what another approval made meanwhile left out.
APPROVE_CHUNK = 1_000


def _chunked(rows: list) -> list[list]:
    return [rows[i : i + APPROVE_CHUNK] for i in range(0, len(rows), APPROVE_CHUNK)]


def issue_door_hangers(*, day: date, by, crew: Crew | None = None) -> dict:
    """A field work order per door hanger on the day's list, by route; the fee posts when the
    crew marks it delivered. A notice gets one hanger however often this runs."""
    _require(by, "collections.manage_shutoff", "Only a supervisor may send out door hangers.")
    listing = queries.door_hanger_list(day)
    made = 0
    for chunk in _chunked(listing.eligible):
        with transaction.atomic():
            # Lock, then re-check: another supervisor may have hung some meanwhile.
            list(
                Notice.objects.select_for_update()
                .filter(pk__in=[r.notice_id for r in chunk])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            hung = set(
                DoorHanger.objects.filter(notice_id__in=[r.notice_id for r in chunk]).values_list(
                    "notice_id", flat=True
                )
            )
            rows = [r for r in chunk if r.notice_id not in hung]
            orders = work_orders.raise_work_orders(
                kind=WorkOrderKind.OTHER,
                orders=[
                    work_orders.NewOrder(
                        premise_id=r.premise_id,
                        account_id=r.account_id,
                        requested_for=day,
                        instructions=(
                            f"Door hanger: service is disconnected on {r.disconnect_on:%m/%d/%Y} "
                            f"unless {format_money(r.collectible)} is paid. Mark delivered "
                            "when left."
                        ),
                    )
                    for r in rows
                ],
                by=by,
                crew=crew,
                on=day,
            )
            DoorHanger.objects.bulk_create(
                DoorHanger(
                    notice_id=r.notice_id,
                    account_id=r.account_id,
                    work_order=order,
                    route=r.route,
                    disconnect_on=r.disconnect_on,
                )
                for r, order in zip(rows, orders, strict=True)
            )
            made += len(orders)
    return {"door_hangers": made, "excluded": len(listing.excluded)}


def _post_door_hanger_fee(hanger: DoorHanger, order: WorkOrder, by) -> None:
    policy = Policy.current()
    day = business_day.posting_date()
    hanger.delivered_on = order.completed_on or day
    if policy.door_hanger_fee > ZERO:
        hanger.fee_entry = LedgerEntry.objects.create(
            account_id=hanger.account_id,
            kind=EntryKind.ADJUSTMENT_DEBIT,
            reason_code=DOOR_HANGER_REASON,
            amount=policy.door_hanger_fee,
            business_date=day,
            due_date=day,
            posted_by=by,
            reference=order.number,
            memo=f"Door hanger fee (disconnect on {hanger.disconnect_on:%m/%d/%Y})",
        )
    hanger.save(update_fields=["delivered_on", "fee_entry"])
    audit.record(
        actor=by,
        action="collections.door_hanger_delivered",
        target=hanger.account,
        after={"order": order.number, "fee": str(policy.door_hanger_fee)},
    )


# Shut-off ------------------------------------------------------------------------------


def _disconnect_instructions(row, notice, other_reasons) -> str:
    parts = []
    if notice is not None:
        parts.append(
            f"Collect or disconnect: {format_money(row.due_now)} due now "
            f"(past-due notice {notice.business_date:%m/%d/%Y}). The field screen shows the "
            "amount due at the door."
        )
    parts.extend(
        f"Disconnect: {reason}. Paying does not stop this: service stays off until the "
        "utility clears it."
        for reason in other_reasons
    )
    return " ".join(parts)


def approve_shutoff(*, day: date, by, crew: Crew | None = None, progress=None, run=None) -> dict:
    """Approve the day's shut-off list: a disconnect work order for each eligible account, by
    route, scheduled to the crew when one is given. One disconnect per notice, and per other
    reason the list named, however often this runs (Disconnection.notice and
    DisconnectionGround.key are unique)."""
    from accounts.models import Service
    from collections_app.models import DisconnectionGround

    _require(by, "collections.manage_shutoff", "Only a supervisor may approve the shut-off list.")
    policy = Policy.current()
    why = calendar.why_not_a_shutoff_day(day, policy) or calendar.why_not_now(day, policy)
    if why:
        raise CollectionsError(f"{why}: choose another date.", field="day")
    if WeatherHold.objects.filter(date=day).exists():
        raise CollectionsError("Shut-off is held for the weather on that day.", field="day")
    listing = queries.shutoff_list(day)
    chunks = _chunked(listing.eligible)
    made = []
    for done, chunk in enumerate(chunks, start=1):
        with transaction.atomic():
            # Lock, then re-check: another approval may have made some of these meanwhile.
            ids = [r.account_id for r in chunk]
            list(
                Account.objects.select_for_update()
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            disconnected = set(
                Disconnection.objects.filter(
                    notice_id__in=[r.notice_id for r in chunk if r.for_past_due]
                ).values_list("notice_id", flat=True)
            )
            taken = set(
                DisconnectionGround.objects.filter(
                    key__in=[k for r in chunk for k in r.ground_keys]
                ).values_list("key", flat=True)
            )
            services: dict[int, list] = {}
            for service in Service.objects.filter(account_id__in=ids, status="active"):
                services.setdefault(service.account_id, []).append(service)
            todo = []  # (row, notice id or None, {key: reason})
            for row in chunk:
                notice_id = (
                    row.notice_id
                    if row.for_past_due and row.notice_id not in disconnected
                    else None
                )
                keys = {
                    key: reason
                    for key, reason in zip(row.ground_keys, row.other_grounds, strict=True)
                    if key not in taken
                }
                if notice_id is not None or keys:
                    todo.append((row, notice_id, keys))
            notices = {
                n.pk: n
                for n in Notice.objects.filter(pk__in=[t[1] for t in todo if t[1] is not None])
            }
            orders = work_orders.raise_work_orders(
                kind=WorkOrderKind.DISCONNECT,
                orders=[
                    work_orders.NewOrder(
                        premise_id=row.premise_id,
                        account_id=row.account_id,
                        service_id=getattr(
                            work_orders.metered_service(services.get(row.account_id, [])),
                            "pk",
                            None,
                        ),
                        requested_for=day,
                        instructions=_disconnect_instructions(
                            row, notices.get(notice_id), keys.values()
                        ),
                    )
                    for row, notice_id, keys in todo
                ],
                by=by,
                crew=crew,
                on=day,
            )
            disconnections = Disconnection.objects.bulk_create(
                Disconnection(
                    notice_id=notice_id,
                    account_id=row.account_id,
                    work_order=order,
                    list_date=day,
                    amount=row.collectible,
                    route=row.route,
                    reason="; ".join(
                        ([queries.PAST_DUE] if notice_id is not None else []) + list(keys.values())
                    )[:300],
                    approved_by=by,
                )
                for (row, notice_id, keys), order in zip(todo, orders, strict=True)
            )
            DisconnectionGround.objects.bulk_create(
                DisconnectionGround(disconnection=disconnection, key=key, reason=reason[:200])
                for (_row, _notice, keys), disconnection in zip(todo, disconnections, strict=True)
                for key, reason in keys.items()
            )
            made.extend(order.number for order in orders)
        if progress:
            progress(done, len(chunks))
    with transaction.atomic():
        audit.record(
            actor=by,
            action="shutoff.approve",
            target=run or policy,
            after={
                "day": day,
                "orders": len(made),
                "grounds": listing.grounds(),
                "excluded": listing.exclusions(),
            },
        )
    return {
        "counts": {"Disconnect orders": len(made), "Excluded": len(listing.excluded)},
        "routes": {route: len(rs) for route, rs in listing.routes().items()},
        "orders": made,
    }


# Reconnection --------------------------------------------------------------------------


def is_after_hours(at: datetime, policy: Policy | None = None) -> bool:
    policy = policy or Policy.current()
    local = timezone.localtime(at)
    if not business_day.is_business_day(local.date()):
        return True
    return not (policy.business_hours_start <= local.time() < policy.business_hours_end)


def reconnect_due_date(at: datetime) -> date:
    """Same business day when asked before the reconnect type's cut-off (15:00), else the
    next business day; weekends and holidays skipped (workorders' service level)."""
    return work_orders.due_date_for(WorkOrderType.objects.get(code="reconnect"), raised_at=at)


def grounds_still_holding(disconnection: Disconnection) -> list[str]:
    """The other reasons this disconnection was for that still hold today (a backflow test
    still overdue): service does not come back while any does, whatever is paid."""
    keys = set(disconnection.grounds.values_list("key", flat=True))
    if not keys:
        return []
    return [
        reason
        for _account, reason, key in queries.other_shutoff_grounds(
            business_day.today(), account_ids=[disconnection.account_id]
        )
        if key in keys
    ]


def reconnect_if_paid(
    *, account_id: int, by, receipt: str = "", cleared: bool = False
) -> Reconnection | None:
    """A disconnected account that owes nothing due now, and whose other reasons for the
    disconnection (a backflow test) no longer hold, gets its reconnect order at once. Called
    after a payment commits, and after such a reason may have cleared (`cleared`); once per
    disconnection (Reconnection is unique on it)."""
    policy = Policy.current()
    try:
        with transaction.atomic():
            account = (
                Account.objects.select_for_update().select_related("premise").get(pk=account_id)
            )
            disconnection = queries.open_disconnection(account.pk)
            if disconnection is None:
                return None
            order = disconnection.work_order
            due_now = collectible_for_account(account.pk).due_now
            holding = grounds_still_holding(disconnection)
            if order.status in STILL_TO_DO:
                # Paid (or put right) before the crew got there: the disconnect is called off.
                owes = disconnection.notice_id is not None and due_now >= policy.shutoff_minimum
                if not holding and not owes:
                    reason = (
                        f"Paid before the disconnection ({receipt})"
                        if receipt
                        else "The reason for the disconnection was put right"
                    )
                    work_orders.cancel_work_order(order=order, reason=reason, by=by)
                return None
            if order.status != "completed" or due_now > ZERO or holding:
                return None
            why = f"paid ({receipt})" if receipt else "put right and nothing due"
            reconnect = work_orders.raise_work_order(
                kind=WorkOrderKind.RECONNECT,
                premise=account.premise,
                account=account,
                service=order.service,
                by=by,
                instructions=f"Reconnect: {why}. Disconnected by {order.number}.",
            )
            reconnection = Reconnection.objects.create(
                disconnection=disconnection,
                account=account,
                work_order=reconnect,
                receipt=receipt,
            )
            audit.record(
                actor=by,
                action="collections.reconnect",
                target=account,
                after={
                    "order": reconnect.number,
                    "due": reconnect.due_date,
                    "receipt": receipt,
                    "cleared": cleared,
                },
            )
    except IntegrityError:
        return Reconnection.objects.filter(account_id=account_id).order_by("-raised_at").first()
    return reconnection


# Listeners (registered in apps.py through accounts.extensions) --------------------------


def on_work_order_completed(*, order: WorkOrder, by) -> None:
    """Inside the completion's transaction, once: a delivered door hanger posts its fee; a
    completed disconnect posts the reconnect fee the customer pays before reconnection."""
    hanger = DoorHanger.objects.select_for_update().filter(work_order=order).first()
    if hanger is not None and hanger.delivered_on is None:
        _post_door_hanger_fee(hanger, order, by)
        return
    if order.type_id == WorkOrderKind.DISCONNECT and order.account_id:
        disconnection = Disconnection.objects.filter(work_order=order).first()
        policy = Policy.current()
        if disconnection is not None and policy.reconnect_fee > ZERO:
            day = business_day.posting_date()
            LedgerEntry.objects.create(
                account_id=order.account_id,
                kind=EntryKind.RECONNECT_FEE,
                amount=policy.reconnect_fee,
                business_date=day,
                due_date=day,
                posted_by=by,
                reference=order.number,
                memo="Reconnect fee: paid with the past due before service is reconnected",
            )


def on_payment_posted(payment) -> None:
    """After a payment commits: reconnect a disconnected account that paid what was needed.
    A failure here never undoes the payment; it is logged and the clerk can raise the order."""
    if payment.account_id is None:
        return
    try:
        reconnect_if_paid(
            account_id=payment.account_id, by=payment.taken_by, receipt=payment.receipt
        )
    except Exception:  # the payment stands; the log says what went wrong
        log.exception("Reconnect check failed after payment %s", payment.receipt)


def on_shutoff_ground_cleared(*, account_ids, by) -> None:
    """Another app says a reason to shut off may have cleared (a passing backflow test): a
    disconnection that no longer has a reason, and nothing due, is reconnected or called
    off. After its commit; a failure is logged and never undoes what was filed."""
    for account_id in account_ids:
        try:
            reconnect_if_paid(account_id=account_id, by=by, cleared=True)
        except Exception:  # what was filed stands; the log says what went wrong
            log.exception("Reconnect check failed for account %s", account_id)


def receipt_notes(payment) -> list[str]:
    """What the receipt says about service: when a reconnection comes."""
    if payment.account_id is None:
        return []
    reconnection = (
        Reconnection.objects.filter(account_id=payment.account_id, receipt=payment.receipt)
        .select_related("work_order")
        .first()
    )
    if reconnection is None:
        return []
    due = reconnection.work_order.due_date
    when = "today" if due == business_day.today() else f"on {due:%A, %m/%d/%Y}"
    return [f"Service will be reconnected {when} (work order {reconnection.work_order.number})."]


# Recoveries ----------------------------------------------------------------------------


def record_recovery(
    *,
    write_off,
    gross: Decimal,
    by,
    reference: str = "",
    idempotency_key: uuid.UUID | None = None,
):
    """The agency paid what it recovered on a written-off account, less its commission.
    The debt comes back on the ledger and is paid in the same breath (balance unchanged);
    the Recovery row keeps the gross, commission and net for the write-off report."""
    from collections_app.models import Recovery

    _require(by, "collections.add_recovery", "Your role cannot record agency recoveries.")
    if gross is None or gross <= ZERO:
        raise CollectionsError("Enter the amount the agency recovered.", field="gross")
    if idempotency_key is not None:
        found = Recovery.objects.filter(idempotency_key=idempotency_key).first()
        if found is not None:
            return found
    policy = Policy.current()
    gross = quantize_money(gross)
    commission = quantize_money(gross * policy.agency_commission_percent / 100)
    with transaction.atomic():
        account = _lock_account(write_off.account)
        recovered = sum((r.gross for r in write_off.recoveries.all()), ZERO)
        if recovered + gross > write_off.amount:
            raise CollectionsError(
                f"Only {format_money(write_off.amount - recovered)} of the write-off is still "
                "unrecovered.",
                field="gross",
            )
        day = business_day.posting_date()
        agency = write_off.agency.name if write_off.agency_id else "the agency"
        LedgerEntry.objects.create(
            account=account,
            kind=EntryKind.ADJUSTMENT_DEBIT,
            reason_code="recovery",
            amount=gross,
            business_date=day,
            due_date=day,
            posted_by=by,
            reference=reference[:40],
            memo="Written-off debt recovered: reinstated",
        )
        LedgerEntry.objects.create(
            account=account,
            kind=EntryKind.ADJUSTMENT_CREDIT,
            reason_code="recovery",
            amount=-gross,
            business_date=day,
            posted_by=by,
            reference=reference[:40],
            memo=f"Recovered by {agency}: {format_money(commission)} commission"[:200],
        )
        recovery = Recovery.objects.create(
            write_off=write_off,
            gross=gross,
            commission=commission,
            received_on=day,
            recorded_by=by,
            reference=reference[:40],
            idempotency_key=idempotency_key,
        )
        audit.record(
            actor=by,
            action="collections.recovery",
            target=account,
            after={"gross": str(gross), "commission": str(commission), "reference": reference},
        )
    return recovery


def work_order_links(order) -> list[tuple[str, str]]:
    """A disconnect's crew screen links to the amount due now: collect or disconnect."""
    from django.urls import reverse

    if order.type_id != WorkOrderKind.DISCONNECT or not order.account_id:
        return []
    return [
        (
            "Collect or disconnect: amount due now",
            reverse("collections:field_order", args=[order.number]),
        )
    ]


def reconnect_after_hours(
    *, reconnection: Reconnection, by, now: datetime | None = None
) -> Reconnection:
    """The customer asks for service back tonight: the after-hours fee (its difference from
    the in-hours fee already paid) is charged and the order becomes an emergency for today.
    Only after hours, and once."""
    _require(by, "collections.add_arrangement", "Your role cannot change a reconnection.")
    policy = Policy.current()
    now = now or timezone.now()
    if not is_after_hours(now, policy):
        raise CollectionsError("It is business hours: the reconnect goes out as ordered.")
    with transaction.atomic():
        reconnection = Reconnection.objects.select_for_update().get(pk=reconnection.pk)
        if reconnection.after_hours:
            return reconnection
        order = WorkOrder.objects.select_for_update().get(pk=reconnection.work_order_id)
        if order.status not in STILL_TO_DO:
            raise CollectionsError(f"Work order {order.number} is {order.status} already.")
        day = business_day.posting_date()
        extra = policy.reconnect_fee_after_hours - policy.reconnect_fee
        if extra > ZERO:
            reconnection.fee_entry = LedgerEntry.objects.create(
                account_id=reconnection.account_id,
                kind=EntryKind.RECONNECT_FEE,
                amount=extra,
                business_date=day,
                due_date=day + timedelta(days=policy.bill_due_days),
                posted_by=by,
                reference=order.number,
                memo="After-hours reconnect: the difference from the in-hours fee",
            )
        reconnection.after_hours = True
        reconnection.save(update_fields=["fee_entry", "after_hours"])
        before = audit.snapshot(order, ["priority", "due_date"])
        order.priority = "emergency"
        order.due_date = max(order.raised_on, timezone.localdate(now))
        order.save(update_fields=["priority", "due_date"])
        audit.record(
            actor=by,
            action="workorder.after_hours",
            target=order,
            before=before,
            after=audit.snapshot(order, ["priority", "due_date"]),
        )
    return reconnection
