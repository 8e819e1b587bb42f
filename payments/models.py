"""Drawers and their sessions, payments with their tenders, and mail / drop-box batches.

A payment's money lives in the ledger (accounts.LedgerEntry, append-only); the Payment row is
the receipt: what was handed over, by whom, in which drawer, and what became of it (void,
returned). Drawer totals are derived from the tender rows in SQL, never kept as running sums.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, LedgerEntry
from utilityclerk.fields import money_field as money
from utilityclerk.money import ZERO

RECEIPT_PREFIX = "R"


def receipt_label(number: int) -> str:
    return f"{RECEIPT_PREFIX}{number}"


class Drawer(models.Model):
    """A till at the counter. Admins keep the list; clerks open sessions on them."""

    code = models.CharField(max_length=12, unique=True, help_text="Short name, like D1.")
    name = models.CharField(max_length=60, help_text="Where it is, like Window 1.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class SessionStatus(models.TextChoices):
    OPEN = "open", "Open"
    # The close-out issue adds the blind count that closes a session and the supervisor's
    # verification; both states are already allowed here so no data migration is needed then.
    CLOSED = "closed", "Closed (counted)"
    VERIFIED = "verified", "Verified"


class DrawerSession(models.Model):
    """One clerk's use of one drawer from a counted opening float until the close count."""

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="sessions")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="drawer_sessions"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    business_date = models.DateField()
    opening_float = money(help_text="Cash counted into the drawer when it was opened.")
    status = models.CharField(max_length=10, choices=SessionStatus, default=SessionStatus.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # One open session per drawer and per clerk, held by the database so two clerks
            # opening at once cannot both win.
            models.UniqueConstraint(
                fields=["drawer"],
                condition=Q(status="open"),
                name="one_open_session_per_drawer",
                violation_error_message="This drawer is already open.",
            ),
            models.UniqueConstraint(
                fields=["opened_by"],
                condition=Q(status="open"),
                name="one_open_session_per_clerk",
                violation_error_message="You already have a drawer open.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(opening_float__gte=0), name="session_float_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["business_date", "status"], name="session_day_idx")]

    def __str__(self):
        return f"{self.drawer.code} · {self.opened_by} · {self.business_date:%m/%d/%Y}"

    @property
    def is_open(self) -> bool:
        return self.status == SessionStatus.OPEN

    def expected_by_tender(self) -> dict[str, Decimal]:
        """What the drawer should hold for each tender: its payments (voided ones out), the
        opening float in cash, less cash dropped to the safe. One query, kept in one place
        (the close-out queries) so the drawer page, the count and the reports agree."""
        from payments.closeout.queries import expected_for

        return expected_for(self)


class Channel(models.TextChoices):
    COUNTER = "counter", "Counter"
    PHONE = "phone", "Phone (card)"
    MAIL = "mail", "Mail"
    DROP_BOX = "drop_box", "Drop box"


class PaymentStatus(models.TextChoices):
    POSTED = "posted", "Posted"
    VOIDED = "voided", "Voided"
    RETURNED = "returned", "Returned"


class TenderKind(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    MONEY_ORDER = "money_order", "Money order"
    CARD = "card", "Card"


class Payment(models.Model):
    """A receipt: money taken for an account, with its tenders and its ledger entry (what it
    paid on the balance; a part paid to a deposit is a payment line instead)."""

    # From the database sequence payment_receipt_seq (migration 0002): unique, in order, and
    # any gap is a number that was drawn by a transaction that rolled back.
    receipt_number = models.BigIntegerField(unique=True, editable=False)
    # Null is kept for permit fees (the permits issue); every account payment has one.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    channel = models.CharField(max_length=10, choices=Channel, default=Channel.COUNTER)
    business_date = models.DateField()
    session = models.ForeignKey(
        DrawerSession, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    mail_batch = models.ForeignKey(
        "MailBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    status = models.CharField(max_length=10, choices=PaymentStatus, default=PaymentStatus.POSTED)
    idempotency_key = models.UUIDField(unique=True, editable=False)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(default=timezone.now)
    amount = money()
    change_given = money(default=ZERO)
    memo = models.CharField(max_length=200, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    # How many times the receipt was printed: the first is the original, later ones REPRINT.
    print_count = models.PositiveIntegerField(default=0)
    # Where the payment left the customer, as the receipt was issued (a receipt keeps its
    # numbers): what the account owed before it, and the oldest due date still unpaid after
    # it. Null on payments taken before these were kept.
    balance_before = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    next_due_date = models.DateField(null=True, blank=True)

    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=200, blank=True)
    reversal_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_on = models.DateField(null=True, blank=True)
    return_reason = models.CharField(max_length=200, blank=True)
    fee_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The check, money order or card that came back, as an amount (a split payment's cash
    # stands): what the day's reports show as returned.
    returned_amount = money(null=True, blank=True)

    class Meta:
        ordering = ["-receipt_number"]
        indexes = [
            models.Index(fields=["account", "-taken_at"], name="payment_account_idx"),
            models.Index(fields=["session", "status"], name="payment_session_idx"),
            models.Index(fields=["business_date", "channel"], name="payment_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(change_given__gte=0), name="payment_change_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PaymentStatus.values), name="payment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=Channel.values), name="payment_channel_valid"
            ),
            # Counter payments go through a drawer; phone, mail and drop box never do.
            models.CheckConstraint(
                condition=Q(channel="counter", session__isnull=False)
                | (~Q(channel="counter") & Q(session__isnull=True)),
                name="payment_counter_has_session",
            ),
            # An account payment's ledger entry is what it pays on the account: all of it,
            # or, when part pays a deposit (a payment line), the rest; a payment wholly for
            # a deposit has none. reports/reconcile.py checks the arithmetic.
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(reversal_entry__isnull=True),
                name="posted_payment_not_reversed",
            ),
            # A void reverses the account's part in full. A return reverses what came back:
            # the deposit's part first, so it may leave the account's part standing.
            models.CheckConstraint(
                condition=~Q(status="voided")
                | Q(reversal_entry__isnull=False)
                | Q(ledger_entry__isnull=True),
                name="voided_payment_has_reversal",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | Q(returned_amount__gt=0),
                name="returned_payment_says_what_came_back",
            ),
            models.CheckConstraint(
                condition=~Q(status="voided") | (Q(voided_by__isnull=False) & ~Q(void_reason="")),
                name="void_has_supervisor_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned")
                | (Q(returned_by__isnull=False) & Q(returned_on__isnull=False)),
                name="return_has_who_and_when",
            ),
        ]
        permissions = [
            ("void_payment", "Can void a payment on the day it was taken"),
            ("record_returned_payment", "Can record a returned (NSF) payment or chargeback"),
        ]

    def __str__(self):
        return f"Receipt {self.receipt}"

    @property
    def receipt(self) -> str:
        return receipt_label(self.receipt_number)

    def returnable_tenders(self) -> list:
        """The checks, money orders and cards in it: what can come back (cash does not)."""
        return [t for t in self.tenders.all() if t.kind != TenderKind.CASH]

    @property
    def is_reprint(self) -> bool:
        return self.print_count > 1

    @property
    def came_back(self) -> Decimal | None:
        """What a returned payment lost: the check or card that came back (kept since
        deposits; before, what its reversal took off)."""
        if self.returned_amount is not None:
            return self.returned_amount
        return self.reversal_entry.amount if self.reversal_entry_id else None

    @property
    def account_amount(self) -> Decimal:
        """What the payment paid on the account's balance: its ledger entry (select it
        with the payment). The rest paid its lines (a deposit); a permit's payment pays
        no account."""
        if self.ledger_entry_id is None:
            return ZERO
        return -self.ledger_entry.amount

    @property
    def other_amount(self) -> Decimal:
        """What the payment paid beside the account's balance: its payment lines."""
        return self.amount - self.account_amount

    @property
    def balance_after(self) -> Decimal | None:
        if self.balance_before is None:
            return None
        return self.balance_before - self.account_amount

    @property
    def credit_left(self) -> Decimal:
        after = self.balance_after
        return -after if after is not None and after < 0 else ZERO


class Tender(models.Model):
    """One way the customer paid. Cards keep the last four digits and authorization code only."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="tenders")
    kind = models.CharField(max_length=12, choices=TenderKind)
    # What this tender pays of the payment; for cash, what was kept after change.
    amount = money()
    amount_tendered = money(null=True, blank=True, help_text="Cash handed over.")
    number = models.CharField("check or money order number", max_length=20, blank=True, default="")
    card_last4 = models.CharField(max_length=4, blank=True, default="")
    card_auth_code = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="tender_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=TenderKind.values), name="tender_kind_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind="cash") & Q(amount_tendered__gte=F("amount")))
                | (~Q(kind="cash") & Q(amount_tendered__isnull=True)),
                name="tender_cash_has_amount_tendered",
            ),
            # A database backstop against card numbers: at most four digits ever stored.
            models.CheckConstraint(
                condition=Q(card_last4="") | Q(card_last4__regex=r"^[0-9]{4}$"),
                name="tender_card_last4_only",
            ),
            models.CheckConstraint(
                condition=~Q(kind="card") | (~Q(card_last4="") & ~Q(card_auth_code="")),
                name="tender_card_has_last4_and_auth",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def change(self) -> Decimal:
        return (self.amount_tendered - self.amount) if self.amount_tendered is not None else ZERO


class BatchStatus(models.TextChoices):
    OPEN = "open", "Being keyed"
    POSTED = "posted", "Posted"


class MailBatch(models.Model):
    """Payments that came by mail or through the drop box, keyed against a control count and
    total taken from the envelope tape. Posts only when both match; immutable once posted
    (a database trigger refuses changes; migration 0002)."""

    channel = models.CharField(
        max_length=10,
        choices=[(Channel.MAIL.value, "Mail"), (Channel.DROP_BOX.value, "Drop box")],
        default=Channel.MAIL,
    )
    control_count = models.PositiveIntegerField()
    control_total = money()
    business_date = models.DateField()
    status = models.CharField(max_length=10, choices=BatchStatus, default=BatchStatus.OPEN)
    keyed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "mail / drop-box batch"
        verbose_name_plural = "mail / drop-box batches"
        constraints = [
            models.CheckConstraint(condition=Q(control_count__gt=0), name="batch_count_positive"),
            models.CheckConstraint(condition=Q(control_total__gt=0), name="batch_total_positive"),
            models.CheckConstraint(
                condition=Q(channel__in=["mail", "drop_box"]), name="batch_channel_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="posted") | Q(posted_by__isnull=False),
                name="posted_batch_has_poster",
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} batch {self.pk} ({self.business_date:%m/%d/%Y})"

    @property
    def is_open(self) -> bool:
        return self.status == BatchStatus.OPEN


class MailBatchItem(models.Model):
    """One keyed check or money order in a batch; it becomes a Payment when the batch posts."""

    batch = models.ForeignKey(MailBatch, on_delete=models.PROTECT, related_name="items")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=12,
        choices=[(TenderKind.CHECK.value, "Check"), (TenderKind.MONEY_ORDER.value, "Money order")],
        default=TenderKind.CHECK,
    )
    amount = money()
    number = models.CharField(max_length=20)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="batch_item"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="batch_item_amount_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number} {self.amount}"


class PaymentLine(models.Model):
    """What a payment pays besides an account's balance: a purpose and the record it applies
    to (a permit number for a payment with no account; the account's number for a deposit
    paid on an account's receipt), so the drawer and the day's reports show each purpose on a
    line of its own. Payments knows no permit or deposit: the app that takes such a payment
    names the purposes (`payments.other_payments.register_purpose`,
    `register_account_purpose`)."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="lines")
    purpose = models.CharField(max_length=20)
    reference = models.CharField(max_length=30)
    amount = money()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["reference", "purpose"], name="payment_line_ref_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_line_positive"),
            models.UniqueConstraint(fields=["payment", "purpose"], name="payment_line_once"),
        ]

    def __str__(self):
        return f"{self.purpose} {self.reference} {self.amount}"

    @property
    def label(self) -> str:
        from payments.other_payments import purposes

        return purposes().get(self.purpose, self.purpose)
