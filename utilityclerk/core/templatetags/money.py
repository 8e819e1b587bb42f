from django import template

from utilityclerk.money import format_money

register = template.Library()


@register.filter
def money(value):
    """$1,234.50; negative amounts as -$12.00."""
    return format_money(value) if value is not None else ""
