"""What workorders adds to the account page and to search."""

from utilityclerk import business_day
from workorders import queries


def work_orders(request, account) -> dict:
    return {"work_orders": queries.orders_for_account(account.pk), "today": business_day.today()}


def register():
    from accounts.extensions import account_action, account_tab, search_provider
    from workorders.service_changes import STOPPABLE

    account_tab(
        "workorders",
        "Work orders",
        "workorders/partials/_tab_workorders.html",
        work_orders,
        permission="workorders.view_workorder",
        order=45,
    )
    account_action(
        "Start service",
        "workorders:start_for_account",
        permission="workorders.start_stop_service",
        accesskey="n",
        order=40,
    )
    account_action(
        "Stop service",
        "workorders:stop",
        permission="workorders.start_stop_service",
        accesskey="o",
        order=41,
        dialog=True,
        statuses=STOPPABLE,
    )
    account_action(
        "Transfer service",
        "workorders:transfer",
        permission="workorders.start_stop_service",
        accesskey="t",
        order=42,
        statuses=STOPPABLE,
    )
    search_provider(queries.search_work_orders)
