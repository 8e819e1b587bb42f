"""When service may be shut off: the policy's days of the week, never on a holiday or (by
default) the day before one, and not at or after the policy's latest time of day."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from utilityclerk import business_day
from utilityclerk.core.models import Policy


def shutoff_weekdays(policy: Policy) -> set[int]:
    return {int(d) for d in policy.shutoff_weekdays.split(",") if d.strip().isdigit()}


WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def why_not_a_shutoff_day(day: date, policy: Policy, holidays: set[date] | None = None) -> str:
    """'' when service may be shut off on `day`, else the reason in words."""
    if holidays is None:
        holidays = business_day.holidays_between(day, day + timedelta(days=1))
    if day.weekday() not in shutoff_weekdays(policy):
        return f"No shut-off on a {WEEKDAY_NAMES[day.weekday()]}"
    if day in holidays:
        return "No shut-off on a holiday"
    if policy.shutoff_not_before_holiday and day + timedelta(days=1) in holidays:
        return "No shut-off on the day before a holiday"
    return ""


def why_not_now(day: date, policy: Policy, now: datetime | None = None) -> str:
    """The hour rule: shut-off work for today must start before the policy's latest time."""
    now = timezone.localtime(now or timezone.now())
    if day < now.date():
        return "The date has passed"
    if day == now.date() and now.time() >= policy.shutoff_latest_time:
        return f"No shut-off at or after {policy.shutoff_latest_time:%H:%M}"
    return ""


def next_shutoff_day(start: date, policy: Policy) -> date:
    """The first day on or after `start` that service may be shut off."""
    holidays = business_day.holidays_between(start, start + timedelta(days=60))
    day = start
    for _ in range(60):
        if not why_not_a_shutoff_day(day, policy, holidays):
            return day
        day += timedelta(days=1)
    return day  # pragma: no cover - a policy that allows no day at all
