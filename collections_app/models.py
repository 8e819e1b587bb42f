"""Delinquent accounts: notices, door hangers, shut-off, reconnects, arrangements, promises.

What an account owes and may be collected on is never stored: it is computed from the ledger
(collections_app.collectible). These rows record what the utility did about it, each once:
the database refuses a second notice for one bill, a second door hanger for one notice, a
second disconnect for one notice and a second reconnect for one disconnect.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, Bill, LedgerEntry
from utilityclerk.fields import money_field as money
from workorders.models import WorkOrder


class ArrangementStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class Arrangement(models.Model):
    """A past-due amount split into a down payment and monthly instalments. While it is kept,
    what it has not yet asked for is not collectible (collectible.py)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="arrangements")
    status = models.CharField(
        max_length=10, choices=ArrangementStatus, default=ArrangementStatus.ACTIVE
    )
    total = money(help_text="The past due the arrangement covers, down payment included.")
    down_payment = money()
    months = models.PositiveSmallIntegerField()
    start_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A second arrangement within the policy's months needs a supervisor: who allowed it.
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="active"),
                name="one_active_arrangement_per_account",
                violation_error_message="This account already has an active arrangement.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ArrangementStatus.values), name="arrangement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(total__gt=0, down_payment__gte=0, down_payment__lte=F("total")),
                name="arrangement_amounts_valid",
            ),
            models.CheckConstraint(condition=Q(months__gte=1), name="arrangement_months_valid"),
        ]
        indexes = [models.Index(fields=["account", "-start_date"], name="arr_account_idx")]
        permissions = [
            ("override_arrangement", "Can allow a second arrangement within the policy's months")
        ]

    def __str__(self):
        return f"Arrangement {self.total} on {self.account.display_number} ({self.status})"


class Instalment(models.Model):
    """Number 0 is the down payment, due the day the arrangement starts."""

    arrangement = models.ForeignKey(
        Arrangement, on_delete=models.PROTECT, related_name="instalments"
    )
    number = models.PositiveSmallIntegerField()
    due_date = models.DateField()
    amount = money()

    class Meta:
        ordering = ["arrangement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "number"], name="one_instalment_per_number"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="instalment_not_negative"),
        ]

    def __str__(self):
        return f"Instalment {self.number}: {self.amount} due {self.due_date}"


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"


class Promise(models.Model):
    """ "Will pay $X by <date>", from a call: holds the account off the shut-off list until
    the date, once per bill cycle (one promise per account per latest bill)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="promises")
    # The cycle: the latest bill when the promise was made. Once per cycle is a constraint.
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = money()
    pay_by = models.DateField()
    made_on = models.DateField()
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=8, choices=PromiseStatus, default=PromiseStatus.OPEN)
    note = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-made_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "bill"],
                name="one_promise_per_cycle",
                violation_error_message="A promise was already taken for this bill.",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive"),
            models.CheckConstraint(
                condition=Q(pay_by__gte=F("made_on")), name="promise_after_it_is_made"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PromiseStatus.values), name="promise_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["account", "-made_on"], name="promise_account_idx")]

    def __str__(self):
        return f"Promise {self.amount} by {self.pay_by} on {self.account.display_number}"


class NoticeKind(models.TextChoices):
    PAST_DUE = "past_due", "Past-due notice"
    ARRANGEMENT_BROKEN = "arrangement_broken", "Broken arrangement: 48-hour notice"


class Notice(models.Model):
    """A letter as it was sent: its numbers are kept, and the PDF is drawn from them."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind)
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arrangement = models.ForeignKey(
        Arrangement, null=True, blank=True, on_delete=models.PROTECT, related_name="notices"
    )
    business_date = models.DateField()
    amount = money(help_text="Collectible past due when the notice was sent.")
    disconnect_on = models.DateField()
    name = models.CharField(max_length=200)
    address_lines = models.JSONField(default=list)
    service_address = models.CharField(max_length=200)
    emailed_to = models.EmailField(blank=True)
    run_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "kind"],
                condition=Q(bill__isnull=False),
                name="one_notice_per_bill",
            ),
            models.UniqueConstraint(
                fields=["arrangement", "kind"],
                condition=Q(arrangement__isnull=False),
                name="one_notice_per_broken_arrangement",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="notice_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "-business_date"], name="notice_account_idx"),
            models.Index(fields=["disconnect_on"], name="notice_disconnect_idx"),
            models.Index(fields=["run_id"], name="notice_run_idx"),
        ]
        permissions = [
            ("start_collections_run", "Can start late-fee, notice and shut-off runs"),
            ("approve_collections_run", "Can approve a collections run to post"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.account.display_number} {self.business_date}"


class DoorHanger(models.Model):
    """Left at the door before the disconnect date; its fee posts when the crew delivers it."""

    notice = models.OneToOneField(Notice, on_delete=models.PROTECT, related_name="door_hanger")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="door_hangers")
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="door_hanger"
    )
    route = models.CharField(max_length=100)
    disconnect_on = models.DateField()
    delivered_on = models.DateField(null=True, blank=True)
    fee_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["route", "id"]

    def __str__(self):
        return f"Door hanger {self.account.display_number} for {self.disconnect_on}"


class WeatherHold(models.Model):
    """A supervisor's hold on all shut-off for one day (forecast cold or hot)."""

    date = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date"]
        permissions = [("manage_shutoff", "Can hold shut-off for weather and approve the list")]

    def __str__(self):
        return f"Weather hold {self.date}: {self.reason}"


class Disconnection(models.Model):
    """An approved line of a shut-off list: one disconnect work order per notice, and per
    other reason the list named (DisconnectionGround: a backflow test overdue)."""

    # None when the account was listed for another reason only, not for non-payment.
    notice = models.OneToOneField(
        Notice, null=True, blank=True, on_delete=models.PROTECT, related_name="disconnection"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="disconnections")
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="disconnection"
    )
    list_date = models.DateField()
    amount = money(help_text="Collectible past due on the list.")
    route = models.CharField(max_length=100)
    reason = models.CharField(
        max_length=300, blank=True, help_text="Why, as the list named it: past due, and others."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-list_date", "route", "id"]
        indexes = [models.Index(fields=["account", "-list_date"], name="disconnection_account_idx")]

    def __str__(self):
        return f"Disconnect {self.account.display_number} on {self.list_date}"


class DisconnectionGround(models.Model):
    """A reason other than non-payment that a disconnection was for, registered by another
    app (accounts.extensions.shutoff_ground). Its key names the occasion ("backflow:12:
    2026-03-01"), and the database takes one disconnection per key; service comes back once
    the reason no longer holds and nothing is due."""

    disconnection = models.ForeignKey(
        Disconnection, on_delete=models.PROTECT, related_name="grounds"
    )
    key = models.CharField(max_length=120, unique=True)
    reason = models.CharField(max_length=200)

    def __str__(self):
        return self.reason


class Reconnection(models.Model):
    """The reconnect raised when a disconnected account paid what was needed: once per
    disconnection, however many payments follow."""

    disconnection = models.OneToOneField(
        Disconnection, on_delete=models.PROTECT, related_name="reconnection"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="reconnections")
    work_order = models.OneToOneField(
        WorkOrder, on_delete=models.PROTECT, related_name="reconnection"
    )
    receipt = models.CharField(max_length=20, blank=True)
    fee_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    after_hours = models.BooleanField(default=False)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self):
        return f"Reconnect {self.account.display_number} ({self.work_order.number})"


class WriteOff(models.Model):
    """A final account's unpaid balance written off after the policy's days, and referred to
    a collection agency (a vendor). Once per account."""

    account = models.OneToOneField(Account, on_delete=models.PROTECT, related_name="write_off")
    amount = money()
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="+")
    written_off_on = models.DateField()
    agency = models.ForeignKey(
        "workorders.Vendor", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-written_off_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="write_off_amount_positive")
        ]
        indexes = [models.Index(fields=["written_off_on"], name="write_off_date_idx")]

    def __str__(self):
        return f"Write-off {self.amount} on {self.account.display_number}"


class Recovery(models.Model):
    """What a collection agency recovered on a written-off account, less its commission."""

    write_off = models.ForeignKey(WriteOff, on_delete=models.PROTECT, related_name="recoveries")
    gross = money()
    commission = money()
    received_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=40, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(gross__gt=0, commission__gte=0, commission__lte=F("gross")),
                name="recovery_amounts_valid",
            )
        ]

    def __str__(self):
        return f"Recovery {self.gross} on {self.write_off.account.display_number}"

    @property
    def net(self):
        return self.gross - self.commission
