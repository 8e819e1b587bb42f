"""Work orders for the field: their types and turnaround, crews, outside vendors, the status
machine with its history, meter reads and the deposit a start of service requires."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, Premise, Service, ServicePoint
from utilityclerk.fields import money_field as money


class WorkOrderKind(models.TextChoices):
    TURN_ON = "turn_on", "Turn on"
    TURN_OFF = "turn_off", "Turn off"
    DISCONNECT = "disconnect", "Disconnect for non-payment"
    RECONNECT = "reconnect", "Reconnect"
    FINAL_READ = "final_read", "Final read"
    RE_READ = "re_read", "Re-read"
    METER_TEST = "meter_test", "Meter test"
    LEAK_CHECK = "leak_check", "Leak check"
    OTHER = "other", "Other"


class Priority(models.TextChoices):
    ROUTINE = "routine", "Routine"
    HIGH = "high", "High"
    EMERGENCY = "emergency", "Emergency"


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", "Open"
    SCHEDULED = "scheduled", "Scheduled"
    DISPATCHED = "dispatched", "Dispatched"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


S = WorkOrderStatus
# The one transitions table. The database trigger in migration 0002 holds the same pairs and
# tests/workorders/test_transitions.py proves the two agree for every pair of statuses.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DISPATCHED, S.OPEN, S.CANCELLED, S.COMPLETED}),
    S.DISPATCHED: frozenset({S.COMPLETED, S.SCHEDULED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
STILL_TO_DO = [S.OPEN, S.SCHEDULED, S.DISPATCHED]
# A crew member may complete an order that was scheduled to the crew without a dispatch
# (the morning's list handed out on paper), so scheduled -> completed is allowed.


def can_transition(from_status: str, to_status: str) -> bool:
    return to_status in TRANSITIONS.get(from_status, frozenset())


METERED_UTILITIES = ("water", "electric", "gas")


# The service levels of shared/POLICIES.md (business days). Migration 0003 wrote them with a
# frozen copy; `ensure_work_order_types` (post_migrate) puts back any row missing after a
# database flush, without touching numbers an Admin has tuned.
TYPE_DEFAULTS = {
    # code: (turnaround days, same day if raised before, priority, completion needs a read)
    "turn_on": (1, None, "routine", True),
    "turn_off": (1, None, "routine", True),
    "disconnect": (0, None, "routine", True),
    "reconnect": (1, time(15, 0), "high", True),
    "final_read": (0, None, "routine", True),
    "re_read": (3, None, "routine", True),
    "meter_test": (10, None, "routine", False),
    "leak_check": (0, None, "high", False),
    "other": (5, None, "routine", False),
}


def ensure_work_order_types(sender=None, using="default", **kwargs):
    for code, (days, before, priority, read) in TYPE_DEFAULTS.items():
        WorkOrderType.objects.using(using).get_or_create(
            code=code,
            defaults={
                "turnaround_days": days,
                "same_day_before": before,
                "default_priority": priority,
                "requires_read": read,
            },
        )


class WorkOrderType(models.Model):
    """A kind of work with its service level; rows are made by migration 0003 from the
    policy table and an Admin may tune the numbers."""

    code = models.CharField(max_length=16, primary_key=True, choices=WorkOrderKind)
    turnaround_days = models.PositiveSmallIntegerField(
        help_text="Business days from the request (or the requested date) to the due date."
    )
    same_day_before = models.TimeField(
        null=True,
        blank=True,
        help_text="Raised before this time of day: due the same business day.",
    )
    default_priority = models.CharField(max_length=10, choices=Priority, default=Priority.ROUTINE)
    requires_read = models.BooleanField(
        default=False, help_text="Completion needs a meter read when the order names a meter."
    )

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.get_code_display()


class Crew(models.Model):
    name = models.CharField(max_length=60, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class CrewMember(models.Model):
    """A field user belongs to one crew at a time: that crew's orders are the ones they see."""

    crew = models.ForeignKey(Crew, on_delete=models.PROTECT, related_name="members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="crew_membership"
    )
    is_lead = models.BooleanField(default=False)

    class Meta:
        ordering = ["crew", "user__username"]

    def __str__(self):
        return f"{self.user} on {self.crew}"


class Vendor(models.Model):
    name = models.CharField(max_length=120, unique=True)
    trade = models.CharField(max_length=60, help_text="Meter testing, leak detection, excavation…")
    contact_name = models.CharField(max_length=80, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    turnaround_days = models.PositiveSmallIntegerField(
        help_text="Agreed business days to complete an order."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class WorkOrder(models.Model):
    number = models.CharField(max_length=12, unique=True, editable=False)
    type = models.ForeignKey(WorkOrderType, on_delete=models.PROTECT, related_name="+")
    premise = models.ForeignKey(Premise, on_delete=models.PROTECT, related_name="work_orders")
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    # The metered service the crew reads; turn-ons and stops act on every service of the
    # account, disconnects and reconnects on this one when it is set.
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    priority = models.CharField(max_length=10, choices=Priority, default=Priority.ROUTINE)
    status = models.CharField(max_length=10, choices=WorkOrderStatus, default=WorkOrderStatus.OPEN)
    requested_for = models.DateField(
        null=True, blank=True, help_text="The date the customer asked for (start or stop)."
    )
    due_date = models.DateField()
    instructions = models.CharField(max_length=300, blank=True)

    crew = models.ForeignKey(
        Crew, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="work_orders"
    )
    scheduled_for = models.DateField(null=True, blank=True)

    # A transfer's final read carries the old balance to the new account when it completes.
    transfer_to = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    raised_on = models.DateField()
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_on = models.DateField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completion_notes = models.TextField(max_length=2000, blank=True)
    cost = money(null=True, blank=True, validators=[MinValueValidator(Decimal("0.00"))])
    cancel_reason = models.CharField(max_length=200, blank=True)
    # From the form that raised it: a double-submitted start or stop raises one order.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [
            # The board: what is still to do, by due date (overdue first), alone or by type,
            # crew or vendor. Partial, so completed history never slows the board, and the
            # page's ids come from the index without a sort.
            models.Index(
                fields=["due_date", "id"],
                name="wo_todo_due_idx",
                condition=Q(status__in=STILL_TO_DO),
            ),
            models.Index(
                fields=["type", "due_date", "id"],
                name="wo_todo_type_idx",
                condition=Q(status__in=STILL_TO_DO),
            ),
            models.Index(
                fields=["crew", "due_date", "id"],
                name="wo_todo_crew_idx",
                condition=Q(status__in=STILL_TO_DO),
            ),
            models.Index(
                fields=["vendor", "due_date", "id"],
                name="wo_todo_vendor_idx",
                condition=Q(status__in=STILL_TO_DO),
            ),
            # One status, or all of them.
            models.Index(fields=["status", "due_date", "id"], name="wo_status_due_idx"),
            models.Index(fields=["due_date", "id"], name="wo_due_idx"),
            # The scorecard: a vendor's completions in a month.
            models.Index(
                fields=["vendor", "completed_on"],
                name="wo_vendor_completed_idx",
                condition=Q(status="completed"),
            ),
            models.Index(fields=["account", "-raised_at"], name="wo_account_idx"),
            models.Index(fields=["premise", "type", "raised_on"], name="wo_premise_type_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WorkOrderStatus.values), name="workorder_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="workorder_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(crew__isnull=True) | Q(vendor__isnull=True),
                name="workorder_one_assignee",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[S.SCHEDULED, S.DISPATCHED])
                | Q(crew__isnull=False)
                | Q(vendor__isnull=False),
                name="workorder_scheduled_is_assigned",
            ),
            models.CheckConstraint(
                condition=~Q(status=S.COMPLETED)
                | Q(completed_at__isnull=False, completed_on__isnull=False),
                name="workorder_completion_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status=S.COMPLETED) | Q(completed_at__isnull=True),
                name="workorder_only_completed_has_completion",
            ),
            models.CheckConstraint(
                condition=Q(due_date__gte=F("raised_on")), name="workorder_due_after_raised"
            ),
            models.CheckConstraint(
                condition=Q(number__regex=r"^WO-[0-9]{7,9}$"), name="workorder_number_format"
            ),
        ]
        permissions = [
            ("complete_workorder", "Can complete any work order"),
            ("complete_own_crew_orders", "Can see and complete their crew's work orders"),
            ("assign_workorder", "Can schedule, dispatch and assign work orders"),
            ("cancel_workorder", "Can cancel a work order"),
            ("start_stop_service", "Can start, stop and transfer service"),
            ("view_vendor_scorecard", "Can see vendor performance"),
        ]

    def __str__(self):
        return f"{self.number} {self.type_label}"

    @property
    def type_label(self) -> str:
        # The type's primary key is its code: the label needs no join.
        return WorkOrderKind(self.type_id).label

    @property
    def assignee(self):
        return self.crew or self.vendor

    @property
    def is_open(self) -> bool:
        return self.status in STILL_TO_DO

    def is_overdue(self, today) -> bool:
        return self.is_open and self.due_date < today


class WorkOrderStatusChange(models.Model):
    """One row per status change: who moved the order, from what to what, when. Append-only."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="wo_status_change_idx")]

    def __str__(self):
        return f"{self.order.number}: {self.from_status or '—'} → {self.to_status}"


class MeterRead(models.Model):
    """A read of a meter. A read below the last one is a rollover, and must be flagged as one."""

    service_point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="reads")
    value = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    read_on = models.DateField()
    rollover = models.BooleanField(default=False)
    work_order = models.OneToOneField(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="meter_read"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_on", "-id"]
        indexes = [models.Index(fields=["service_point", "-read_on", "-id"], name="read_sp_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="meter_read_not_negative")
        ]

    def __str__(self):
        return f"{self.value} on {self.read_on}"


class DepositRequirement(models.Model):
    """The deposit a new account owes under policy, worked out when service is started.
    Collecting it (at once or in instalments) belongs to the deposits work in payments."""

    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="deposit_requirement"
    )
    amount = money(validators=[MinValueValidator(Decimal("0.00"))])
    rule = models.CharField(max_length=200)
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="deposit_requirement_not_negative"
            )
        ]

    def __str__(self):
        return f"Deposit {self.amount} for {self.account.display_number}"
