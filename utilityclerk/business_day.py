"""The business day: the utility's calendar date, in its own time zone, in one place.

A payment keyed at 23:30 in Chicago belongs to that Chicago date, whatever UTC says.
Weekends and the city's holidays (core.Holiday) are not business days.
"""

from datetime import date, timedelta

from django.utils import timezone


def today() -> date:
    return timezone.localdate()


def holidays_between(start: date, end: date) -> set[date]:
    from utilityclerk.core.models import Holiday

    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_business_day(day: date, holidays: set[date] | None = None) -> bool:
    if day.weekday() >= 5:
        return False
    if holidays is None:
        holidays = holidays_between(day, day)
    return day not in holidays


def add_business_days(start: date, days: int) -> date:
    """The business day `days` business days after `start` (0: start itself, or the next
    business day when start is not one). One query for the holidays in reach."""
    holidays = holidays_between(start, start + timedelta(days=days * 2 + 30))
    day = start
    while not is_business_day(day, holidays):
        day += timedelta(days=1)
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            remaining -= 1
    return day
