"""Template tags for what other apps add through accounts.extensions."""

from django import template

from accounts import extensions

register = template.Library()


@register.simple_tag
def receipt_notes(payment) -> list[str]:
    """Lines other apps print on a receipt (collections: when service is reconnected)."""
    return extensions.receipt_notes_for(payment)


@register.simple_tag
def work_order_links(order) -> list[tuple[str, str]]:
    """Links other apps offer on a crew's order (collections: collect or disconnect)."""
    return extensions.work_order_links_for(order)
