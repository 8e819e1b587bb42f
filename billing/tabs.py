"""The account page's Usage tab: the 13-month chart, the reads and the bills, in one query."""

from billing import queries
from billing.charts import monthly_use, usage_svg
from utilityclerk import business_day


def usage(request, account) -> dict:
    readings, bills = queries.usage_for(account)
    today = business_day.today()
    bars = monthly_use([(r.read_on, r.use, r.kind) for r in readings if r.billable], through=today)
    return {
        "readings": readings[:15],
        "chart": usage_svg(bars),
        "bars": bars,
        "bills": bills,
    }
