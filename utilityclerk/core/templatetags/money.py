from decimal import Decimal

from django import template

from utilityclerk.money import format_money, quantize_money

register = template.Library()


@register.filter
def money(value):
    """$1,234.50; negative amounts as -$12.00."""
    return format_money(value) if value is not None else ""


@register.filter
def add_money(value, other):
    """Two amounts added exactly (the built-in add filter goes through int and float)."""
    if value is None or other is None:
        return None
    return quantize_money(Decimal(value) + Decimal(other))
