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


def _next_business_day(day: date) -> date:
    return add_business_days(day + timedelta(days=1), 0)


class DayClosed(Exception):
    pass


def posting_date(on: date | None = None) -> date:
    """The business date a new money posting is dated to: today, or, once today is closed,
    the next business day that is still open.

    With `on`, the posting belongs to that day and DayClosed is raised if it is closed.
    Call it inside the posting's transaction: it holds a share lock on that day's row until
    commit, so a supervisor closing the day waits for postings already under way, and any
    posting that starts after the close sees it closed and moves on. Postings share the
    lock, so they never wait for each other.
    """
    from django.db import connection

    day = on or today()
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                "INSERT INTO core_businessday (date, status) VALUES (%s, 'open') "
                "ON CONFLICT (date) DO NOTHING",
                [day],
            )
            cursor.execute("SELECT status FROM core_businessday WHERE date = %s FOR SHARE", [day])
            if cursor.fetchone()[0] == "open":
                return day
            if on is not None:
                # A posting that belongs to a given day (a mail batch's) cannot move.
                raise DayClosed(f"The business day {day:%m/%d/%Y} is closed.")
            day = _next_business_day(day)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


# Business days named in an address (/closeout/day/2026-03-15/) go back this far: the
# records a utility keeps for audit. Earlier, or any day still to come, is a typo.
BUSINESS_DAYS_KEPT_YEARS = 10


def earliest_business_day() -> date:
    return add_months(today(), -12 * BUSINESS_DAYS_KEPT_YEARS)


def business_day_from_url(value: str | None) -> date:
    """The business day an address names (today when it names none), from the oldest kept
    to today; a ValidationError with a message for anything else."""
    from utilityclerk.forms import parse_day

    if not value:
        return today()
    return parse_day(value, earliest=earliest_business_day, latest=today)
