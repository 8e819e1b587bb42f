"""What billing adds to other apps: the account page's Usage tab, the final-read hook (the
final bill), the work-order read hook, and the bill-run kind. Called once from
BillingConfig.ready()."""

from django.db import transaction


def on_final_read(*, order, by) -> None:
    """A stop's final read is in: record it as billing's final read, then bill to it."""
    from billing import bills

    reading = _record(order, by)
    stop_date = order.requested_for or order.completed_on
    bill = bills.final_bill(account=order.account, stop_date=stop_date, reading=reading, by=by)
    if bill is None:
        # Nothing left to bill: the deposit still goes back on the final account.
        bills.apply_held_deposit(account=order.account, bill=None, by=by)


def on_work_order(*, order, by) -> None:
    """Any other completed order with a read (turn-on, re-read, ...) joins billing's reads."""
    from workorders.models import WorkOrderKind

    if order.type_id == WorkOrderKind.TURN_ON:
        from billing.routing import ensure_on_route

        ensure_on_route(order.premise, by=by)
    if order.type_id != WorkOrderKind.FINAL_READ:
        _record(order, by)


def _record(order, by):
    """The crew's read joins billing's reads. A read billing refuses (a different read for
    the same day) does not undo the crew's completed work: it is kept on the audit trail."""
    from billing import reads
    from utilityclerk import audit

    try:
        with transaction.atomic():
            return reads.record_work_order_read(order=order, by=by)
    except reads.ReadError as error:
        audit.record(actor=by, action="reading.not_recorded", target=order, reason=str(error))
        return None


def register():
    from accounts.extensions import account_tab, final_read_hook, work_order_completed
    from billing import tabs

    final_read_hook(on_final_read)
    work_order_completed(on_work_order)
    account_tab("usage", "Usage", "billing/partials/_tab_usage.html", tabs.usage, order=25)
    from billing import run_kind

    run_kind.register()
