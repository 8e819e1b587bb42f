"""Start, stop and transfer service, and what completing their work orders does to the
account and its services. One function per action; each takes the acting user, runs in one
transaction and writes the audit trail.

The work orders themselves go through workorders.services; this module changes the account
and service rows they are raised for (it lives here, above accounts, because it raises them).
"""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Avg, Count, Exists, OuterRef

from accounts import extensions, queries, services
from accounts.models import (
    Account,
    AccountStatus,
    Bill,
    Customer,
    CustomerClass,
    EntryKind,
    LedgerEntry,
    Premise,
    Service,
    ServicePoint,
    ServiceStatus,
    Utility,
    UtilityOffering,
)
from accounts.rates import rate_code
from accounts.services import AccountError
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO, format_money, quantize_money
from workorders import services as work_orders
from workorders.models import DepositRequirement, WorkOrder, WorkOrderKind, WorkOrderStatus


class ServiceChangeError(AccountError):
    """A start, stop or transfer the rules refuse; the message is for the clerk."""


# Deposits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositRule:
    amount: Decimal
    rule: str


def average_monthly_bill(premise: Premise, *, as_of: date | None = None) -> Decimal:
    """The average bill at the premise over the last 12 months, whoever held the account."""
    as_of = as_of or business_day.today()
    totals = Bill.objects.filter(
        account__premise=premise, bill_date__gt=as_of - timedelta(days=365), bill_date__lte=as_of
    ).aggregate(average=Avg("total"), bills=Count("id"))
    return quantize_money(totals["average"]) if totals["bills"] else ZERO


def required_deposit(
    customer: Customer, premise: Premise, *, owner_with_proof: bool = False
) -> DepositRule:
    """The deposit a new account owes, by customer class: the one place the rule lives
    (shared/POLICIES.md, Deposits; values from Policy). Collection is the deposits work."""
    policy = Policy.current()
    multiple = policy.deposit_average_bill_multiple
    average = average_monthly_bill(premise)
    by_history = quantize_money(average * multiple)
    if customer.customer_class == CustomerClass.GOVERNMENT:
        # Public bodies are not asked for security deposits.
        return DepositRule(ZERO, "Government customer: no deposit")
    if customer.customer_class == CustomerClass.COMMERCIAL:
        minimum = policy.deposit_commercial_minimum
        return DepositRule(
            max(minimum, by_history),
            f"Commercial: {multiple} × average bill {format_money(average)}, at least {format_money(minimum)}",
        )
    if owner_with_proof:
        return DepositRule(
            policy.deposit_residential_owner, "Residential owner with proof of ownership"
        )
    minimum = policy.deposit_residential_renter_minimum
    return DepositRule(
        max(minimum, by_history),
        f"Residential renter: greater of {format_money(minimum)} or {multiple} × average bill {format_money(average)}",
    )


# Start ---------------------------------------------------------------------------------


@dataclass
class StartedService:
    account: Account
    order: WorkOrder
    deposit: DepositRequirement


MOST_DAYS_AHEAD = 365


def _check_start_date(start_date: date, *, field: str = "start_date") -> None:
    policy = Policy.current()
    earliest = business_day.today() - timedelta(days=policy.service_start_backdate_days)
    if start_date < earliest:
        raise ServiceChangeError(
            f"The start date can be at most {policy.service_start_backdate_days} days in the past "
            f"(no earlier than {earliest:%m/%d/%Y}).",
            field=field,
        )
    latest = business_day.today() + timedelta(days=MOST_DAYS_AHEAD)
    if start_date > latest:
        # An order years out sits on the board as "still to do" and is most often a
        # mistyped year (2031 for 2026).
        raise ServiceChangeError(
            f"The date can be at most a year ahead (no later than {latest:%m/%d/%Y}): check "
            "the year.",
            field=field,
        )


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _check_utilities_free(premise: Premise, utilities: list[str]) -> None:
    taken = list(
        Service.objects.filter(
            premise=premise,
            utility__in=utilities,
            status__in=[ServiceStatus.ACTIVE, ServiceStatus.PENDING],
        ).select_related("account")
    )
    order = list(Utility.values)
    taken.sort(key=lambda s: order.index(s.utility))
    for status, words in (
        (ServiceStatus.ACTIVE, "active"),
        (ServiceStatus.PENDING, "being started"),
    ):
        clash = [s for s in taken if s.status == status]
        if clash:
            labels = [Utility(s.utility).label for s in clash]
            accounts = sorted({s.account.display_number for s in clash})
            verb = "is" if len(labels) == 1 else "are"
            advice = " Stop or transfer it first." if status == ServiceStatus.ACTIVE else ""
            raise ServiceChangeError(
                f"{_names(labels)} {verb} already {words} at {premise.address_line} on account "
                f"{_names(accounts)}.{advice}",
                field="utilities",
            )


def _existing_start(key) -> StartedService | None:
    order = (
        WorkOrder.objects.filter(idempotency_key=key, type_id=WorkOrderKind.TURN_ON)
        .select_related("account")
        .first()
        if key
        else None
    )
    if order is None:
        return None
    return StartedService(order.account, order, order.account.deposit_requirement)


def _start(
    *,
    customer: Customer,
    premise: Premise,
    utilities: list[str],
    start_date: date,
    by,
    owner_with_proof: bool,
    instructions: str,
    idempotency_key,
) -> StartedService:
    # Lock the premise: two clerks starting the same address queue here, and the second
    # sees the first one's pending services.
    premise = Premise.objects.select_for_update().get(pk=premise.pk)
    _check_utilities_free(premise, utilities)
    # An account opened from New account at this address, still waiting for its first
    # service, is the one service starts on: not a second account beside it.
    waiting = (
        Account.objects.select_for_update()
        .filter(customer=customer, premise=premise, status=AccountStatus.PENDING)
        .exclude(Exists(Service.objects.filter(account=OuterRef("pk"))))
        .order_by("id")
        .first()
    )
    account = waiting or services.open_account(
        customer=customer, premise=premise, by=by, opened_on=start_date
    )
    started = []
    for utility in sorted(utilities, key=list(Utility.values).index):
        ServicePoint.objects.get_or_create(premise=premise, utility=utility)
        service = Service.objects.create(
            account=account,
            premise=premise,
            utility=utility,
            rate_code=rate_code(utility, customer.customer_class),
            start_date=start_date,
            status=ServiceStatus.PENDING,
        )
        started.append(service)
        audit.record(
            actor=by, action="service.start", target=account, after=audit.snapshot(service)
        )
    order = work_orders.raise_work_order(
        kind=WorkOrderKind.TURN_ON,
        premise=premise,
        account=account,
        service=work_orders.metered_service(started),
        requested_for=start_date,
        instructions=instructions,
        by=by,
        idempotency_key=idempotency_key,
    )
    rule = required_deposit(customer, premise, owner_with_proof=owner_with_proof)
    deposit = DepositRequirement.objects.create(
        account=account, amount=rule.amount, rule=rule.rule, work_order=order, recorded_by=by
    )
    audit.record(
        actor=by,
        action="deposit.required",
        target=account,
        after={"amount": str(rule.amount), "rule": rule.rule},
    )
    return StartedService(account, order, deposit)


def start_service(
    *,
    utilities: list[str],
    start_date: date,
    by,
    customer: Customer | None = None,
    new_customer: dict | None = None,
    premise: Premise | None = None,
    address: dict | None = None,
    owner_with_proof: bool = False,
    instructions: str = "",
    idempotency_key: uuid.UUID | None = None,
) -> StartedService:
    """Open a pending account with pending services for a (new or existing) customer at a
    (found or new) premise, record the deposit the policy requires and raise the turn-on."""
    if not utilities:
        raise ServiceChangeError("Choose at least one utility.", field="utilities")
    if unknown := set(utilities) - set(Utility.values):
        raise ServiceChangeError(
            f"Unknown utility: {', '.join(sorted(unknown))}.", field="utilities"
        )
    offered = {value for value, _ in UtilityOffering.offered_choices()}
    if not_offered := [Utility(u).label for u in utilities if u not in offered]:
        raise ServiceChangeError(
            f"The city does not provide {', '.join(not_offered).lower()} service.",
            field="utilities",
        )
    _check_start_date(start_date)
    with transaction.atomic():
        if existing := _existing_start(idempotency_key):
            return existing
        if customer is None:
            customer = services.create_customer(data=new_customer or {}, by=by)
        if premise is None:
            premise, _ = services.find_or_create_premise(**(address or {}), by=by)
        return _start(
            customer=customer,
            premise=premise,
            utilities=list(utilities),
            start_date=start_date,
            by=by,
            owner_with_proof=owner_with_proof,
            instructions=instructions,
            idempotency_key=idempotency_key,
        )


# Stop ----------------------------------------------------------------------------------

STOPPABLE = [AccountStatus.ACTIVE, AccountStatus.COLLECTIONS]


def _check_stoppable(account: Account) -> None:
    if account.status == AccountStatus.PENDING:
        if account.services.exists():
            raise ServiceChangeError(
                "Service on this account has not started yet: cancel its turn-on order instead."
            )
        raise ServiceChangeError(
            "No service has been started on this account: use Start service to turn it on."
        )
    if account.status not in STOPPABLE:
        raise ServiceChangeError(
            f"The account is {account.get_status_display().lower()}; there is no service to stop."
        )
    if (pending := pending_stop(account)) is not None:
        raise ServiceChangeError(
            f"A stop is already on order: {pending.number}, due {pending.due_date:%m/%d/%Y}."
        )


def pending_stop(account: Account) -> WorkOrder | None:
    """The final read or turn-off still to be done on the account, if any: said before the
    stop form is filled in, and refused again when it is posted."""
    return WorkOrder.objects.filter(
        account=account,
        type_id__in=[WorkOrderKind.FINAL_READ, WorkOrderKind.TURN_OFF],
        status__in=[WorkOrderStatus.OPEN, WorkOrderStatus.SCHEDULED, WorkOrderStatus.DISPATCHED],
    ).first()


def _raise_final_read(
    *,
    account,
    stop_date,
    by,
    transfer_to=None,
    idempotency_key=None,
    date_field="stop_date",
    reason="",
):
    active = list(account.services.filter(status=ServiceStatus.ACTIVE))
    started = max((service.start_date for service in active), default=None)
    if started and stop_date < started:
        raise ServiceChangeError(
            f"Service on this account started on {started:%m/%d/%Y}: the stop date cannot be "
            "before it.",
            field=date_field,
        )
    order = work_orders.raise_work_order(
        kind=WorkOrderKind.FINAL_READ,
        premise=account.premise,
        account=account,
        service=work_orders.metered_service(active),
        requested_for=stop_date,
        transfer_to=transfer_to,
        by=by,
        idempotency_key=idempotency_key,
    )
    audit.record(
        actor=by,
        action="service.stop_requested",
        target=account,
        after={"stop_date": stop_date.isoformat(), "order": order.number},
        reason=reason,
    )
    return order


STOP_REASONS = [
    ("moving_away", "Moving out of the city"),
    ("moving_within", "Moving within the city (no new service here)"),
    ("sold", "Property sold"),
    ("tenant_leaving", "Tenant leaving; owner or landlord takes over"),
    ("deceased", "Account holder deceased"),
    ("other", "Other"),
]


def stop_service(
    *,
    account: Account,
    stop_date: date,
    by,
    idempotency_key: uuid.UUID | None = None,
    reason: str = "",
    forwarding_address: dict | None = None,
) -> WorkOrder:
    """Raise the final-read order for the stop date. Completing it stops the services and
    finals the account (see on_final_read). The final bill goes to the forwarding address,
    which becomes the account's mailing address now (same transaction, audited)."""
    _check_start_date(stop_date, field="stop_date")
    reasons = dict(STOP_REASONS)
    if reason and reason not in reasons:
        raise ServiceChangeError("Choose why the service stops.", field="reason")
    with transaction.atomic():
        # Lock, then look for the key: a double submit waits here for the first to commit
        # and then finds its order, instead of failing on "a stop is already on order".
        account = Account.objects.select_for_update().select_related("premise").get(pk=account.pk)
        if idempotency_key and (
            existing := WorkOrder.objects.filter(idempotency_key=idempotency_key).first()
        ):
            return existing
        _check_stoppable(account)
        if forwarding_address:
            services.update_mailing_address(account=account, address=forwarding_address, by=by)
        return _raise_final_read(
            account=account,
            stop_date=stop_date,
            by=by,
            idempotency_key=idempotency_key,
            reason=reasons.get(reason, ""),
        )


# Transfer ------------------------------------------------------------------------------


@dataclass
class Transfer:
    old_account: Account
    stop_order: WorkOrder
    started: StartedService


def transfer_service(
    *,
    account: Account,
    move_date: date,
    by,
    address: dict | None = None,
    premise: Premise | None = None,
    utilities: list[str] | None = None,
    start_date: date | None = None,
    owner_with_proof: bool = False,
    idempotency_key: uuid.UUID | None = None,
) -> Transfer:
    """Stop at the old premise and start at the new one for the same customer, in one
    transaction. The final read carries the old balance to the new account when it completes."""
    start_date = start_date or move_date
    _check_start_date(move_date, field="move_date")
    _check_start_date(start_date)
    with transaction.atomic():
        # Lock the old account first so a double submit waits, then finds the first transfer.
        Account.objects.select_for_update().filter(pk=account.pk).values_list(
            "pk", flat=True
        ).first()
        if idempotency_key and (
            existing := WorkOrder.objects.filter(idempotency_key=idempotency_key)
            .select_related("account", "transfer_to")
            .first()
        ):
            new = existing.transfer_to
            turn_on = new.work_orders.filter(type_id=WorkOrderKind.TURN_ON).first()
            started = StartedService(new, turn_on, new.deposit_requirement)
            return Transfer(existing.account, existing, started)
        account = (
            Account.objects.select_for_update()
            .select_related("premise", "customer")
            .get(pk=account.pk)
        )
        _check_stoppable(account)
        if utilities is None:
            utilities = list(
                account.services.filter(status=ServiceStatus.ACTIVE).values_list(
                    "utility", flat=True
                )
            )
        if premise is None:
            premise, _ = services.find_or_create_premise(**(address or {}), by=by)
        if premise.pk == account.premise_id:
            raise ServiceChangeError(
                "The new address is the same as the old one: a transfer moves the customer to another premise.",
                field="house_number",
            )
        if not utilities:
            raise ServiceChangeError("Choose at least one utility.", field="utilities")
        started = _start(
            customer=account.customer,
            premise=premise,
            utilities=utilities,
            start_date=start_date,
            by=by,
            owner_with_proof=owner_with_proof,
            instructions=f"Transfer from {account.premise.address_line} ({account.display_number})",
            idempotency_key=None,
        )
        if _mailed_at(account, account.premise):
            # Mail went to the home they are leaving: it follows them to the new one.
            services.update_mailing_address(
                account=started.account, address=_mailing_address_of(premise), by=by
            )
        stop_order = _raise_final_read(
            account=account,
            stop_date=move_date,
            by=by,
            transfer_to=started.account,
            idempotency_key=idempotency_key,
            date_field="move_date",
        )
        audit.record(
            actor=by,
            action="service.transfer",
            target=account,
            after={
                "to_account": started.account.number,
                "stop_order": stop_order.number,
                "start_order": started.order.number,
            },
        )
    return Transfer(account, stop_order, started)


def _mailing_address_of(premise: Premise) -> dict:
    return {
        "mail_street": f"{premise.house_number} {premise.street}",
        "mail_unit": premise.unit,
        "mail_city": premise.city.upper(),
        "mail_state": premise.state,
        "mail_zip": premise.zip_code,
    }


def _mailed_at(account: Account, premise: Premise) -> bool:
    """Is the account's mail sent to this premise (however the unit was written)?"""
    street = f"{account.mail_street} {account.mail_unit}".upper().replace("#", " ").split()
    at = f"{premise.house_number} {premise.street} {premise.unit}".upper().split()
    return street == at and account.mail_zip[:5] == premise.zip_code[:5]


# Effects of completed work orders ------------------------------------------------------


def _set_service(service: Service, *, by, action: str, **changes) -> None:
    before = audit.snapshot(service)
    for field, value in changes.items():
        setattr(service, field, value)
    service.save(update_fields=list(changes))
    audit.record(
        actor=by,
        action=action,
        target=service.account,
        before=before,
        after=audit.snapshot(service),
    )


def _set_account_status(account: Account, status: str, *, by, action: str) -> None:
    if account.status == status:
        return
    before = {"status": account.status}
    account.status = status
    account.save(update_fields=["status"])
    audit.record(actor=by, action=action, target=account, before=before, after={"status": status})


def _services_of(order: WorkOrder, status: str):
    services_ = Service.objects.select_for_update().filter(
        account_id=order.account_id, status=status
    )
    return services_.order_by("utility")


def activate_services(*, order: WorkOrder, by) -> None:
    """Turn-on done: the account's pending services and the account become active."""
    account = Account.objects.select_for_update().get(pk=order.account_id)
    for service in _services_of(order, ServiceStatus.PENDING):
        with transaction.atomic():  # a savepoint, so the unique index's refusal is catchable
            _set_service(service, by=by, action="service.activate", status=ServiceStatus.ACTIVE)
    if account.status == AccountStatus.PENDING:
        _set_account_status(account, AccountStatus.ACTIVE, by=by, action="account.activate")


def _stop(order: WorkOrder, service: Service, *, by, action: str) -> None:
    end = max(order.requested_for or order.completed_on, service.start_date)
    _set_service(service, by=by, action=action, status=ServiceStatus.STOPPED, end_date=end)


def stop_services(*, order: WorkOrder, by) -> None:
    for service in _services_of(order, ServiceStatus.ACTIVE):
        _stop(order, service, by=by, action="service.stop")
    # Pending services that never started (a stop before the turn-on) end with the account.
    for service in _services_of(order, ServiceStatus.PENDING):
        _stop(order, service, by=by, action="service.stop")


def on_final_read(*, order: WorkOrder, by) -> None:
    """The final read is in: the account is final. THE place final billing will hook in
    (bill to the read, apply the deposit, refund the rest) when that work lands. Today it
    finals the account and, on a transfer, carries an amount owed to the new account."""
    # Both accounts of a transfer locked at once, in id order (as every ledger write locks),
    # so two transfers completing in opposite directions cannot deadlock.
    ids = sorted(pk for pk in (order.account_id, order.transfer_to_id) if pk)
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    account = locked[order.account_id]
    _set_account_status(account, AccountStatus.FINAL, by=by, action="account.final")
    extensions.final_read_done(order=order, by=by)
    if order.transfer_to_id:
        carry_balance(old=account, new=order.transfer_to, order=order, by=by)


def carry_balance(*, old: Account, new: Account, order: WorkOrder, by) -> LedgerEntry | None:
    """Move what the customer owes on the old account to the new one: transfer_out on the old,
    transfer_in on the new with the debt's own due dates. A credit balance stays for the refund or deposit
    application (the ledger keeps transfers of debt only)."""
    # Both rows locked in id order, the way every ledger write locks, so no deadlock.
    first, second = sorted([old.pk, new.pk])
    list(Account.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk"))
    balance = queries.balance_of(old.pk)
    if balance <= ZERO:
        return None
    # Dated to the open business day: a closed day takes no new postings.
    today = business_day.posting_date()
    owed_by_due_date = queries.unpaid_charges(old.pk, as_of=today)  # before the transfer-out
    LedgerEntry.objects.create(
        account=old,
        kind=EntryKind.TRANSFER_OUT,
        amount=-balance,
        business_date=today,
        posted_by=by,
        reference=order.number,
        memo=f"Balance transferred to {new.display_number}",
    )
    # The debt keeps its age: one transfer-in per due date of what is still unpaid, so 90-day
    # debt does not arrive on the new account as current and restart collections.
    entries = [
        LedgerEntry.objects.create(
            account=new,
            kind=EntryKind.TRANSFER_IN,
            amount=amount,
            business_date=today,
            due_date=due,
            posted_by=by,
            reference=order.number,
            memo=f"Balance transferred from {old.display_number} (due {due:%m/%d/%Y})",
        )
        for due, amount in owed_by_due_date
    ]
    entry = entries[-1]
    for account, other, amount in ((old, new, -balance), (new, old, balance)):
        audit.record(
            actor=by,
            action="ledger.transfer",
            target=account,
            after={"amount": str(amount), "other_account": other.number, "order": order.number},
        )
    return entry


def disconnect_services(*, order: WorkOrder, by) -> None:
    services_ = _services_of(order, ServiceStatus.ACTIVE)
    if order.service_id:
        services_ = services_.filter(pk=order.service_id)
    for service in services_:
        _stop(order, service, by=by, action="service.disconnect")


def reconnect_services(*, order: WorkOrder, by) -> None:
    services_ = _services_of(order, ServiceStatus.STOPPED)
    if order.service_id:
        services_ = services_.filter(pk=order.service_id)
    for service in services_:
        with transaction.atomic():
            _set_service(
                service,
                by=by,
                action="service.reconnect",
                status=ServiceStatus.ACTIVE,
                end_date=None,
            )


def _final(*, order, by):
    stop_services(order=order, by=by)
    on_final_read(order=order, by=by)


EFFECTS = {
    WorkOrderKind.TURN_ON: activate_services,
    WorkOrderKind.FINAL_READ: _final,
    WorkOrderKind.TURN_OFF: stop_services,
    WorkOrderKind.DISCONNECT: disconnect_services,
    WorkOrderKind.RECONNECT: reconnect_services,
}


def on_work_order_cancelled(*, order: WorkOrder, by) -> None:
    """A turn-on cancelled before it was done: the start did not happen. Its pending services
    end on their start date and a still-pending account closes, so the premise is free for
    the next start."""
    extensions.work_order_finished(order=order, event="cancelled", by=by)
    if order.type_id != WorkOrderKind.TURN_ON or not order.account_id:
        return
    account = Account.objects.select_for_update().get(pk=order.account_id)
    for service in _services_of(order, ServiceStatus.PENDING):
        _set_service(
            service,
            by=by,
            action="service.start_cancelled",
            status=ServiceStatus.STOPPED,
            end_date=service.start_date,
        )
    if account.status == AccountStatus.PENDING:
        _set_account_status(account, AccountStatus.CLOSED, by=by, action="account.start_cancelled")


def apply_work_order_effects(*, order: WorkOrder, by) -> None:
    """Called by workorders.services.complete_work_order inside its transaction, once."""
    effect = EFFECTS.get(order.type_id)
    if effect is not None and order.account_id:
        effect(order=order, by=by)
    extensions.work_order_finished(order=order, event="completed", by=by)
