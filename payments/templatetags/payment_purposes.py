"""{% purpose_lines session=... %} or {% purpose_lines day=... %}: what was taken, by what
it was for (account payments, permit fees, permit deposits), each on a line of its own."""

from django import template

from payments.other_payments import purpose_totals

register = template.Library()


@register.inclusion_tag("payments/partials/_purpose_lines.html")
def purpose_lines(session=None, day=None):
    if session is not None:
        lines = purpose_totals(session_id=session.pk)
    else:
        lines = purpose_totals(business_date=day)
    return {"purpose_lines": lines, "purpose_total": sum(amount for _, amount in lines)}
