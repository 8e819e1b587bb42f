"""End-of-day records. Counts, drops and deposits are kept as data, never overwritten:
a recount is a new count beside the first, and each count keeps what the system expected at
that moment so the close-out reports give the same numbers later."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payments.models import DrawerSession
from utilityclerk.fields import money_field as money
from utilityclerk.money import ZERO

# US currency a drawer holds, largest first: (value, label).
DENOMINATIONS = [
    (Decimal("100.00"), "$100 bills"),
    (Decimal("50.00"), "$50 bills"),
    (Decimal("20.00"), "$20 bills"),
    (Decimal("10.00"), "$10 bills"),
    (Decimal("5.00"), "$5 bills"),
    (Decimal("2.00"), "$2 bills"),
    (Decimal("1.00"), "$1 bills and coins"),
    (Decimal("0.50"), "Half dollars"),
    (Decimal("0.25"), "Quarters"),
    (Decimal("0.10"), "Dimes"),
    (Decimal("0.05"), "Nickels"),
    (Decimal("0.01"), "Pennies"),
]


class CountKind(models.TextChoices):
    CLOSE = "close", "Clerk's close count"
    RECOUNT = "recount", "Clerk's recount"
    VERIFICATION = "verification", "Supervisor's count"


class DrawerCount(models.Model):
    """A blind count of a drawer session: cash by denomination, checks, money orders, cards."""

    session = models.ForeignKey(DrawerSession, on_delete=models.PROTECT, related_name="counts")
    kind = models.CharField(max_length=14, choices=CountKind)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(default=timezone.now)
    # From the count form: a double click saves one count, not a count and the recount.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)

    cash_total = money()
    check_count = models.PositiveIntegerField(default=0)
    check_total = money(default=ZERO)
    money_order_count = models.PositiveIntegerField(default=0)
    money_order_total = money(default=ZERO)
    card_slip_count = models.PositiveIntegerField(default=0)
    card_total = money(default=ZERO)

    # What the system expected when this count was taken (kept for the reports).
    expected_cash = money()
    expected_check = money()
    expected_money_order = money()
    expected_card = money()

    class Meta:
        ordering = ["counted_at", "id"]
        permissions = [
            ("verify_drawer", "Can verify a counted drawer session"),
            ("witness_cash_drop", "Can witness a cash drop to the safe"),
            ("close_business_day", "Can make the bank deposit and close the business day"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CountKind.values), name="count_kind_valid"),
            models.CheckConstraint(
                condition=Q(cash_total__gte=0)
                & Q(check_total__gte=0)
                & Q(money_order_total__gte=0)
                & Q(card_total__gte=0),
                name="count_totals_not_negative",
            ),
            # One close count and at most one recount per session.
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=Q(kind__in=["close", "recount"]),
                name="one_close_and_one_recount_per_session",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.session}"

    def over_short(self) -> dict[str, Decimal]:
        """Counted minus expected per tender: positive is over, negative is short."""
        return {
            "cash": self.cash_total - self.expected_cash,
            "check": self.check_total - self.expected_check,
            "money_order": self.money_order_total - self.expected_money_order,
            "card": self.card_total - self.expected_card,
        }

    @property
    def total_over_short(self) -> Decimal:
        return sum(self.over_short().values(), ZERO)

    @property
    def counted_total(self) -> Decimal:
        return self.cash_total + self.check_total + self.money_order_total + self.card_total


class OverShortReason(models.Model):
    """The clerk's explanation of an over/short count, given after seeing the result."""

    count = models.OneToOneField(DrawerCount, on_delete=models.PROTECT, related_name="explanation")
    reason = models.CharField(max_length=300)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return self.reason


class DenominationCount(models.Model):
    count = models.ForeignKey(DrawerCount, on_delete=models.PROTECT, related_name="denominations")
    value = models.DecimalField(max_digits=6, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["-value"]
        constraints = [
            models.UniqueConstraint(fields=["count", "value"], name="one_line_per_denomination"),
            models.CheckConstraint(
                condition=Q(value__in=[d for d, _ in DENOMINATIONS]), name="denomination_valid"
            ),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.value}"

    @property
    def amount(self) -> Decimal:
        return self.value * self.quantity


class CashDrop(models.Model):
    """Cash taken out of a drawer to the safe during the day, counted and witnessed."""

    session = models.ForeignKey(DrawerSession, on_delete=models.PROTECT, related_name="cash_drops")
    amount = money()
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dropped_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(unique=True)

    class Meta:
        ordering = ["dropped_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="cash_drop_positive"),
            models.CheckConstraint(
                condition=~Q(dropped_by=models.F("witnessed_by")),
                name="cash_drop_witnessed_by_another",
            ),
        ]

    def __str__(self):
        return f"Drop {self.amount} from {self.session}"


class Verification(models.Model):
    """A supervisor's sign-off of a counted session: never the person who counted it."""

    session = models.OneToOneField(
        DrawerSession, on_delete=models.PROTECT, related_name="verification"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(default=timezone.now)
    count = models.ForeignKey(DrawerCount, on_delete=models.PROTECT, related_name="+")
    note = models.CharField("supervisor's note", max_length=300, blank=True)

    def __str__(self):
        return f"Verification of {self.session}"


class DepositStatus(models.TextChoices):
    PREPARED = "prepared", "Prepared"
    VERIFIED = "verified", "Verified"


class BankDeposit(models.Model):
    """The day's cash and checks in one bank bag, prepared by one person and verified by
    another (dual control). Its totals equal the verified sessions' counted totals."""

    business_date = models.DateField(unique=True)
    bag_number = models.CharField(max_length=30)
    cash_total = money()
    check_total = money(help_text="Checks and money orders.")
    item_count = models.PositiveIntegerField(help_text="Number of checks and money orders.")
    sessions = models.ManyToManyField(DrawerSession, related_name="+")
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=DepositStatus, default=DepositStatus.PREPARED)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-business_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cash_total__gte=0) & Q(check_total__gte=0),
                name="deposit_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status="prepared")
                | (Q(verified_by__isnull=False) & ~Q(verified_by=models.F("prepared_by"))),
                name="deposit_verified_by_another",
            ),
        ]

    def __str__(self):
        return f"Deposit {self.bag_number} for {self.business_date:%m/%d/%Y}"

    @property
    def total(self) -> Decimal:
        return self.cash_total + self.check_total

    def totals_shown_to(self, user) -> bool:
        """Whether the bag's totals, and what was due in it, may be shown to this user. The
        second count is blind: whoever has still to count the bag must not be able to copy
        the preparer's figures, from the board, the daily report or the slip."""
        return self.status == DepositStatus.VERIFIED or self.prepared_by_id == user.pk


class ChangeFundMovement(models.Model):
    """The safe's change fund, as movements (append-only): the fund an Admin sets up, and
    corrections. Floats out in open drawers are derived from the sessions themselves."""

    amount = money(help_text="Positive adds to the fund, negative takes from it.")
    memo = models.CharField(max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return f"{self.amount} {self.memo}"
