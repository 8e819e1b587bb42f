"""Customer security deposits.

The deposit ledger (DepositEntry) is the money: append-only at the database (migration
0002), one row per movement, signed; an account's deposit held is the sum of its rows. It is
kept apart from the account ledger on purpose: deposit money is held for the customer, not
revenue, and never counts in the balance or the aging. Where a movement touches the account
too (an instalment billed, a deposit applied to the account) the row names the account
ledger entry that carries it.

What the customer owes as a deposit is the requirement worked out at Start service
(workorders' DepositRequirement), less a supervisor's waiver or reduction (DepositWaiver,
kept as a history). It is met by money collected at the counter, by instalments billed
(InstalmentPlan), or, for a commercial customer, by a letter of credit or surety bond on file
and not yet expired (LetterOfCredit).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, LedgerEntry
from payments.models import Payment
from utilityclerk.fields import money_field as money

# The purpose code deposit money carries on a receipt's payment line.
PURPOSE = "deposit"


class EntryKind(models.TextChoices):
    # Money in (amount > 0)
    COLLECTED = "collected", "Collected"
    INSTALMENT_BILLED = "instalment_billed", "Instalment billed"
    INTEREST = "interest", "Interest"
    # Money out (amount < 0)
    APPLIED = "applied", "Applied to the account"
    REFUNDED = "refunded", "Refunded"
    # Either sign: the opposite of the row it reverses (a void, a returned check)
    REVERSED = "reversed", "Reversed"


MONEY_IN = [EntryKind.COLLECTED, EntryKind.INSTALMENT_BILLED, EntryKind.INTEREST]
MONEY_OUT = [EntryKind.APPLIED, EntryKind.REFUNDED]


class DepositEntry(models.Model):
    """One movement of an account's deposit. Append-only: a mistake, a void or a returned
    check is a reversing row."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deposit_entries")
    kind = models.CharField(max_length=20, choices=EntryKind)
    amount = money()
    business_date = models.DateField()
    posted_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The receipt the money came in on (collected), or that a void or return undid.
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="deposit_entries"
    )
    # The account ledger's side of it: the instalment charge, or the deposit applied.
    ledger_entry = models.ForeignKey(
        LedgerEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deposit_entries",
    )
    instalment = models.OneToOneField(
        "DepositInstalment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="billed_entry",
    )
    # Interest is accrued once per account and year (the yearly run, or at the return).
    interest_year = models.PositiveSmallIntegerField(null=True, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    reference = models.CharField(max_length=40, blank=True)
    memo = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name_plural = "deposit entries"
        ordering = ["business_date", "id"]
        permissions = [
            ("waive_deposit", "Can waive or reduce a required deposit"),
            ("run_deposit_runs", "Can start and approve the deposit runs"),
            ("run_deposit_reports", "Can run the deposit register and instalment reports"),
        ]
        indexes = [
            models.Index(
                fields=["account", "business_date", "id"], name="deposit_entry_account_idx"
            ),
            models.Index(fields=["kind", "business_date"], name="deposit_entry_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EntryKind.values), name="deposit_entry_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=MONEY_IN) | Q(amount__gt=0),
                name="deposit_money_in_is_positive",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=MONEY_OUT) | Q(amount__lt=0),
                name="deposit_money_out_is_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reversed") | (Q(reverses__isnull=False) & ~Q(amount=0)),
                name="deposit_reversal_names_what_it_reverses",
            ),
            models.CheckConstraint(
                condition=~Q(kind="collected") | Q(payment__isnull=False),
                name="deposit_collected_has_receipt",
            ),
            models.CheckConstraint(
                condition=~Q(kind="instalment_billed")
                | (Q(instalment__isnull=False) & Q(ledger_entry__isnull=False)),
                name="deposit_instalment_has_charge",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=MONEY_OUT) | Q(ledger_entry__isnull=False),
                name="deposit_out_names_account_entry",
            ),
            models.CheckConstraint(
                condition=~Q(kind="interest") | Q(interest_year__isnull=False),
                name="deposit_interest_has_year",
            ),
            models.UniqueConstraint(
                fields=["account", "interest_year"],
                condition=Q(kind="interest"),
                name="deposit_interest_once_a_year",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.business_date}"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ENDED = "ended", "Ended"


class InstalmentPlan(models.Model):
    """A deposit billed in monthly instalments (up to the policy's number) instead of taken
    in full at the counter. The monthly instalment run bills each on its date."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deposit_plans")
    total = money()
    instalment_count = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=PlanStatus, default=PlanStatus.ACTIVE)
    set_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    set_up_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-set_up_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="deposit_plan_total_positive"),
            models.CheckConstraint(
                condition=Q(instalment_count__gte=1), name="deposit_plan_has_instalments"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PlanStatus.values), name="deposit_plan_status_valid"
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(status="active"),
                name="one_active_deposit_plan",
                violation_error_message="The deposit is already on instalments.",
            ),
        ]

    def __str__(self):
        return f"Deposit in {self.instalment_count} instalments for {self.account.display_number}"


class DepositInstalment(models.Model):
    plan = models.ForeignKey(InstalmentPlan, on_delete=models.PROTECT, related_name="instalments")
    number = models.PositiveSmallIntegerField()
    bill_on = models.DateField(help_text="The instalment run bills it on or after this date.")
    amount = money()

    class Meta:
        ordering = ["plan", "number"]
        indexes = [models.Index(fields=["bill_on"], name="deposit_instalment_day_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_instalment_positive"),
            models.UniqueConstraint(fields=["plan", "number"], name="deposit_instalment_once"),
        ]

    def __str__(self):
        return f"Instalment {self.number} of {self.plan.instalment_count}: {self.amount}"


class DepositWaiver(models.Model):
    """A supervisor's decision to waive or reduce what an account owes as a deposit, with
    the reason. Kept as a history (append-only): the latest says what is required now."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="deposit_waivers")
    required_before = money()
    required_after = money()
    reason = models.CharField(max_length=200)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(required_after__gte=0)
                & Q(required_after__lt=models.F("required_before")),
                name="deposit_waiver_lowers",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="deposit_waiver_has_reason"),
        ]

    def __str__(self):
        return f"Deposit {self.required_before} -> {self.required_after}"

    @property
    def is_waiver(self) -> bool:
        return self.required_after == 0


class SecurityKind(models.TextChoices):
    LETTER_OF_CREDIT = "letter_of_credit", "Letter of credit"
    SURETY_BOND = "surety_bond", "Surety bond"


class LetterOfCredit(models.Model):
    """A commercial customer's letter of credit or surety bond given instead of a cash
    deposit. It covers the deposit up to its amount until it expires; a reminder list shows
    it in the policy's days before expiry, so a renewal is asked for in time."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="letters_of_credit")
    kind = models.CharField(max_length=20, choices=SecurityKind)
    issuer = models.CharField(max_length=120, help_text="The bank or surety company.")
    number = models.CharField("instrument number", max_length=40, blank=True)
    amount = money()
    expires_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    released_on = models.DateField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "letter of credit or surety bond"
        verbose_name_plural = "letters of credit and surety bonds"
        ordering = ["expires_on", "id"]
        indexes = [
            models.Index(
                fields=["expires_on"],
                name="deposit_loc_expiry_idx",
                condition=Q(released_on__isnull=True),
            ),
            models.Index(fields=["account"], name="deposit_loc_account_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_loc_positive"),
            models.CheckConstraint(
                condition=Q(kind__in=SecurityKind.values), name="deposit_loc_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_by__isnull=False),
                name="deposit_loc_release_has_who",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.issuer} {self.amount}"
