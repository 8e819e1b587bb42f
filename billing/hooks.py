"""What billing adds to other apps: the account page's Usage tab, the final-read hook (the
final bill), the work-order read hook, and the bill-run kind. Called once from
BillingConfig.ready()."""


def on_final_read(*, order, by) -> None:
    """A stop's final read is in: record it as billing's final read, then bill to it."""
    from billing import bills, reads

    reading = reads.record_work_order_read(order=order, by=by)
    stop_date = order.requested_for or order.completed_on
    bills.final_bill(account=order.account, stop_date=stop_date, reading=reading, by=by)


def on_work_order(*, order, by) -> None:
    """Any other completed order with a read (turn-on, re-read, ...) joins billing's reads."""
    from billing import reads
    from workorders.models import WorkOrderKind

    if order.type_id != WorkOrderKind.FINAL_READ:
        reads.record_work_order_read(order=order, by=by)


def register():
    from accounts.extensions import account_tab, final_read_hook, work_order_hook
    from billing import tabs

    final_read_hook(on_final_read)
    work_order_hook(on_work_order)
    account_tab("usage", "Usage", "billing/partials/_tab_usage.html", tabs.usage, order=25)
    try:
        from billing import run_kind
    except ImportError:  # the runs app lands on main separately
        return
    run_kind.register()
