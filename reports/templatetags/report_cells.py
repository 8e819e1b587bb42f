from django import template

from reports.exports import screen_value

register = template.Library()


@register.filter
def cell(row, column):
    """A row's value for a column, as a person reads it (money $1,234.50, dates m/d/Y)."""
    return screen_value(row.get(column.key), column)


@register.filter
def total_of(totals, column):
    return screen_value(totals.get(column.key), column) if column.key in totals else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")
