"""Reads of the contact log: follow-up queues, contact history, search and the report."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.models import Contact
from accounts.models.contact import ContactCategory, ContactChannel, ContactStatus, PartyType
from utilityclerk import business_day
from utilityclerk.roles import CLERK, SUPERVISOR

QUEUE_LIMIT = 100
HISTORY_LIMIT = 50
SEARCH_LIMIT = 100

OVERDUE, DUE_TODAY, UPCOMING = "overdue", "today", "upcoming"


def _with_due_state(contacts, today: date):
    return contacts.annotate(
        due_state=Case(
            When(follow_up_on__lt=today, then=Value(OVERDUE)),
            When(follow_up_on=today, then=Value(DUE_TODAY)),
            default=Value(UPCOMING),
        )
    )


def open_follow_ups():
    return Contact.objects.filter(status=ContactStatus.OPEN)


@dataclass
class FollowUpQueue:
    today: date
    due: list[Contact] = field(default_factory=list)
    upcoming: list[Contact] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for c in self.due if c.due_state == OVERDUE)


def my_follow_ups(user, *, today: date | None = None) -> FollowUpQueue:
    """A clerk's open follow-ups in one query: those due on or before `today` first (the
    oldest overdue at the top), then the upcoming ones. `today` defaults to the business day;
    a later date shows the queue as it will stand then."""
    today = today or business_day.today()
    rows = (
        _with_due_state(open_follow_ups().filter(follow_up_owner=user), today)
        .select_related("account")
        .order_by("follow_up_on", "contacted_at", "id")[:QUEUE_LIMIT]
    )
    queue = FollowUpQueue(today=today)
    for contact in rows:
        (queue.upcoming if contact.due_state == UPCOMING else queue.due).append(contact)
    return queue


@dataclass
class OwnerQueue:
    owner: object
    overdue: int = 0
    due_today: int = 0
    upcoming: int = 0
    contacts: list[Contact] = field(default_factory=list)


def open_follow_ups_by_owner(*, today: date | None = None) -> list[OwnerQueue]:
    """Every open follow-up grouped by owner, for the supervisor's board, in one query."""
    today = today or business_day.today()
    rows = (
        _with_due_state(open_follow_ups(), today)
        .select_related("follow_up_owner", "account")
        .order_by(
            "follow_up_owner__last_name",
            "follow_up_owner__first_name",
            "follow_up_owner__username",
            "follow_up_on",
            "id",
        )
    )
    queues: dict[int, OwnerQueue] = {}
    for contact in rows:
        queue = queues.setdefault(
            contact.follow_up_owner_id, OwnerQueue(owner=contact.follow_up_owner)
        )
        queue.contacts.append(contact)
        match contact.due_state:
            case "overdue":
                queue.overdue += 1
            case "today":
                queue.due_today += 1
            case _:
                queue.upcoming += 1
    return list(queues.values())


def follow_up_owners():
    """The people a follow-up may go to: active clerks and supervisors."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=(CLERK, SUPERVISOR))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def contacts_for_account(account_id: int):
    return (
        Contact.objects.filter(account_id=account_id)
        .select_related("logged_by", "follow_up_owner")
        .order_by("-contacted_at", "-id")[:HISTORY_LIMIT]
    )


def contacts_for_customer(customer_id: int):
    return (
        Contact.objects.filter(customer_id=customer_id)
        .select_related("logged_by", "follow_up_owner", "account")
        .order_by("-contacted_at", "-id")[:HISTORY_LIMIT]
    )


def search_contacts(
    *,
    text: str = "",
    category: str = "",
    party_type: str = "",
    channel: str = "",
    status: str = "",
    start: date | None = None,
    end: date | None = None,
    limit: int = SEARCH_LIMIT,
):
    """Contacts matching what was typed in the party name or subject (substring, through the
    trigram indexes) and the chosen filters, newest first."""
    contacts = Contact.objects.all()
    text = text.strip()
    if text:
        contacts = contacts.filter(Q(party_name__icontains=text) | Q(subject__icontains=text))
    if category:
        contacts = contacts.filter(category=category)
    if party_type:
        contacts = contacts.filter(party_type=party_type)
    if channel:
        contacts = contacts.filter(channel=channel)
    if status:
        contacts = contacts.filter(status=status)
    start_at, end_at = local_day_bounds(start, end)
    if start_at:
        contacts = contacts.filter(contacted_at__gte=start_at)
    if end_at:
        contacts = contacts.filter(contacted_at__lt=end_at)
    return contacts.select_related("account", "follow_up_owner").order_by("-contacted_at", "-id")[
        :limit
    ]


def local_day_bounds(
    start: date | None, end: date | None
) -> tuple[datetime | None, datetime | None]:
    """The utility's calendar days as instants: from the start of `start` to the start of the
    day after `end`, in the utility's time zone (a 23:30 call belongs to that local day)."""
    tz = timezone.get_current_timezone()
    start_at = datetime.combine(start, time.min, tzinfo=tz) if start else None
    end_at = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz) if end else None
    return start_at, end_at


# Report ---------------------------------------------------------------------------------

DIMENSIONS = {
    "category": ("Category", ContactCategory),
    "party_type": ("Party type", PartyType),
    "channel": ("Channel", ContactChannel),
}


@dataclass
class ReportRow:
    dimension: str  # "category", "party_type", "channel" or "total"
    value: str
    label: str
    contacts: int
    open: int
    closed: int
    referred: int
    median_hours_to_close: float | None

    @property
    def median_days_to_close(self) -> float | None:
        if self.median_hours_to_close is None:
            return None
        return self.median_hours_to_close / 24


@dataclass
class ContactReport:
    start: date
    end: date
    total: ReportRow
    sections: list[tuple[str, str, list[ReportRow]]]  # (dimension, heading, rows)


# One pass over the range: GROUPING SETS gives the three breakdowns and the total together.
# Time to close is in hours; a contact settled during the call counts as zero.
_REPORT_SQL = """
SELECT
    category, party_type, channel,
    GROUPING(category) AS g_category,
    GROUPING(party_type) AS g_party_type,
    GROUPING(channel) AS g_channel,
    COUNT(*) AS contacts,
    COUNT(*) FILTER (WHERE status = 'open') AS open,
    COUNT(*) FILTER (WHERE status = 'closed') AS closed,
    COUNT(*) FILTER (WHERE referred_to <> '') AS referred,
    percentile_cont(0.5) WITHIN GROUP (
        ORDER BY EXTRACT(EPOCH FROM closed_at - contacted_at) / 3600.0
    ) FILTER (WHERE status = 'closed') AS median_hours
FROM accounts_contact
WHERE contacted_at >= %s AND contacted_at < %s
GROUP BY GROUPING SETS ((category), (party_type), (channel), ())
"""


def contact_report(start: date, end: date) -> ContactReport:
    start_at, end_at = local_day_bounds(start, end)
    with connection.cursor() as cursor:
        cursor.execute(_REPORT_SQL, [start_at, end_at])
        rows = cursor.fetchall()
    found: dict[tuple[str, str], ReportRow] = {}
    total = ReportRow("total", "", "All contacts", 0, 0, 0, 0, None)
    for cat, party, chan, g_cat, g_party, g_chan, n, n_open, n_closed, n_ref, median in rows:
        # The median is days to close (percentile_cont gives a double), not money.
        numbers = (n, n_open, n_closed, n_ref, float(median) if median is not None else None)
        if g_cat and g_party and g_chan:
            total = ReportRow("total", "", "All contacts", *numbers)
        elif not g_cat:
            found["category", cat] = ReportRow("category", cat, "", *numbers)
        elif not g_party:
            found["party_type", party] = ReportRow("party_type", party, "", *numbers)
        else:
            found["channel", chan] = ReportRow("channel", chan, "", *numbers)
    sections = []
    for dimension, (heading, choices) in DIMENSIONS.items():
        # Every choice is listed, with zeros, so one period reads against another.
        section = []
        for value, label in choices.choices:
            row = found.get((dimension, value)) or ReportRow(dimension, value, "", 0, 0, 0, 0, None)
            row.label = label
            section.append(row)
        sections.append((dimension, heading, section))
    return ContactReport(start=start, end=end, total=total, sections=sections)
