"""The business day: the utility's calendar date, in its own time zone, in one place.

A payment keyed at 23:30 in Chicago belongs to that Chicago date, whatever UTC says.
"""

from datetime import date

from django.utils import timezone


def today() -> date:
    return timezone.localdate()
