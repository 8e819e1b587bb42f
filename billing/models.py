"""Billing's data: rate schedules and their dated versions, billing cycles and routes, what
billing knows of a premise and its meter, meter readings, and bill runs with their drafts.

Bills themselves stay in accounts (Bill, BillLine, LedgerEntry); a posted bill is claimed
here by one `BilledPeriod` row, whose exclusion constraint keeps one bill per account and
period whatever reruns, double clicks or crashes do.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Account, Bill, Premise, Service, ServicePoint
from utilityclerk.fields import money_field as money

# Rates ---------------------------------------------------------------------------------


class UsageBasis(models.TextChoices):
    METERED = "metered", "Metered use"
    WINTER_AVERAGE = "winter_average", "Winter average (November–February), capped by actual"
    NONE = "none", "No usage (flat charges only)"


class ComponentKind(models.TextChoices):
    FIXED = "fixed", "Fixed charge"
    TIER = "tier", "Volumetric tier (per 1,000 gal)"
    MINIMUM = "minimum", "Minimum bill"
    PER_ERU = "per_eru", "Per ERU of the premise"
    FLAT = "flat", "Flat charge"
    PASS_THROUGH = "pass_through", "Pass-through fee"


class MeterSize(models.TextChoices):
    FIVE_EIGHTHS = "5/8", '5/8"'
    THREE_QUARTER = "3/4", '3/4"'
    ONE = "1", '1"'
    ONE_HALF = "1.5", '1 1/2"'
    TWO = "2", '2"'
    THREE = "3", '3"'
    FOUR = "4", '4"'


class RateSchedule(models.Model):
    """A tariff by rate code (RES-W is residential water); what it charges changes by version."""

    code = models.CharField(max_length=20, unique=True, help_text="As services carry it: RES-W")
    name = models.CharField(max_length=80)
    utility = models.CharField(max_length=12)
    usage_basis = models.CharField(max_length=16, choices=UsageBasis, default=UsageBasis.METERED)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(usage_basis__in=UsageBasis.values), name="rate_usage_basis_valid"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class RateVersion(models.Model):
    """What a schedule charges from a date until the next version. Bills copy their amounts,
    so a new version never alters an issued bill; a period spanning two versions is prorated."""

    schedule = models.ForeignKey(RateSchedule, on_delete=models.PROTECT, related_name="versions")
    effective_from = models.DateField()
    note = models.CharField(max_length=200, blank=True, help_text="Ordinance or reason")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["schedule", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "effective_from"],
                name="one_rate_version_per_day",
                violation_error_message="This schedule already has a version from that date.",
            )
        ]

    def __str__(self):
        return f"{self.schedule.code} from {self.effective_from:%m/%d/%Y}"


class RateComponent(models.Model):
    version = models.ForeignKey(RateVersion, on_delete=models.CASCADE, related_name="components")
    kind = models.CharField(max_length=16, choices=ComponentKind)
    label = models.CharField(max_length=60)
    amount = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Dollars; for a tier, dollars per 1,000 gal; for ERU, dollars per ERU.",
    )
    meter_size = models.CharField(
        max_length=4, choices=MeterSize, blank=True, help_text="Fixed charge for this size only"
    )
    usage_from = models.DecimalField(
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="Gallons: a tier starts above this; a fixed charge applies above this.",
    )
    usage_to = models.DecimalField(
        max_digits=12,
        decimal_places=0,
        null=True,
        blank=True,
        help_text="Gallons: a tier ends here (blank: no ceiling); a fixed charge applies up to this.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ComponentKind.values), name="rate_component_kind_valid"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="rate_component_not_negative"),
            models.CheckConstraint(
                condition=Q(usage_to__isnull=True)
                | Q(usage_from__isnull=True)
                | Q(usage_to__gt=F("usage_from")),
                name="rate_component_band_valid",
            ),
        ]

    def __str__(self):
        return f"{self.label} {self.amount}"


# Cycles, routes, premises, meters ---------------------------------------------------------


class Cycle(models.Model):
    """A billing cycle: its routes are read about the same day each month and billed together."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=60)
    read_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="Day of the month its routes are read",
    )

    class Meta:
        ordering = ["read_day", "code"]

    def __str__(self):
        return f"{self.name} (day {self.read_day})"


class Route(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="routes")
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return f"Route {self.code} {self.name}"


class PremiseBilling(models.Model):
    """What billing knows of a premise: its route and place in the walk, and its ERUs."""

    premise = models.OneToOneField(
        Premise, on_delete=models.PROTECT, primary_key=True, related_name="billing"
    )
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="premises")
    walk_order = models.PositiveIntegerField()
    eru = models.DecimalField(
        "ERU",
        max_digits=5,
        decimal_places=1,
        default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Equivalent residential units of hard surface (small 0.7, average 1.0, large 1.5, rural 2.0)",
    )

    class Meta:
        verbose_name = "premise billing details"
        verbose_name_plural = "premise billing details"
        indexes = [models.Index(fields=["route", "walk_order"], name="premise_walk_idx")]

    def __str__(self):
        return f"{self.premise} on {self.route.code}"


class Meter(models.Model):
    service_point = models.OneToOneField(
        ServicePoint, on_delete=models.PROTECT, primary_key=True, related_name="meter"
    )
    size = models.CharField(max_length=4, choices=MeterSize, default=MeterSize.FIVE_EIGHTHS)
    dials = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(3), MaxValueValidator(10)],
        help_text="Digits on the register: it rolls over to 0 after 10^dials − 1 gallons",
    )

    def __str__(self):
        return f'{self.size}" meter, {self.dials} dials'

    @property
    def rollover_at(self) -> int:
        return 10**self.dials


# Meter readings ------------------------------------------------------------------------


class ReadKind(models.TextChoices):
    ACTUAL = "actual", "Actual"
    ESTIMATED = "estimated", "Estimated"
    CUSTOMER = "customer", "Customer read"
    INITIAL = "initial", "Initial"
    FINAL = "final", "Final"


class ReadSource(models.TextChoices):
    ROUTE = "route", "Route entry"
    WORK_ORDER = "work_order", "Work order"
    IMPORT = "import", "Import"
    ESTIMATE = "estimate", "Estimate"
    HISTORY = "history", "History before this system"


class ReadStatus(models.TextChoices):
    OK = "ok", "Good"
    EXCEPTION = "exception", "Waiting in the exceptions queue"
    ACCEPTED = "accepted", "Accepted after review"
    REPLACED = "replaced", "Replaced by a re-read or estimate"


class ReadProblem(models.TextChoices):
    NEGATIVE = "negative", "Lower than the last read"
    ROLLOVER = "rollover", "Meter rolled over"
    ZERO = "zero", "No use on an active service"
    HIGH = "high", "High against the 12-month average"
    LOW = "low", "Low against the 12-month average"


BILLABLE_READ_STATUSES = [ReadStatus.OK, ReadStatus.ACCEPTED]


class MeterReading(models.Model):
    """A read of a meter as billing uses it. `use` is gallons since the previous billable read
    (a rollover counted through zero); a read that fails a check waits in the exceptions queue
    and bills nothing until a clerk accepts it, estimates instead, or a re-read replaces it."""

    service_point = models.ForeignKey(
        ServicePoint, on_delete=models.PROTECT, related_name="readings"
    )
    read_on = models.DateField()
    value = models.DecimalField(max_digits=12, decimal_places=0)
    kind = models.CharField(max_length=10, choices=ReadKind, default=ReadKind.ACTUAL)
    source = models.CharField(max_length=12, choices=ReadSource, default=ReadSource.ROUTE)
    status = models.CharField(max_length=10, choices=ReadStatus, default=ReadStatus.OK)
    problem = models.CharField(max_length=10, choices=ReadProblem, blank=True)
    problem_text = models.CharField(max_length=200, blank=True)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    use = models.DecimalField(max_digits=12, decimal_places=0, null=True, blank=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    import_batch = models.ForeignKey(
        "ReadImport", null=True, blank=True, on_delete=models.PROTECT, related_name="readings"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_on", "-id"]
        indexes = [
            models.Index(fields=["service_point", "-read_on", "-id"], name="reading_sp_idx"),
            models.Index(
                fields=["entered_at"],
                name="reading_exceptions_idx",
                condition=Q(status="exception"),
            ),
        ]
        constraints = [
            # One standing read per meter and day: a file imported twice, or a route keyed
            # twice, finds the first read and posts nothing.
            models.UniqueConstraint(
                fields=["service_point", "read_on"],
                condition=~Q(status="replaced"),
                name="one_read_per_meter_per_day",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="reading_not_negative"),
            models.CheckConstraint(
                condition=Q(kind__in=ReadKind.values), name="reading_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReadStatus.values), name="reading_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="exception") | ~Q(problem=""),
                name="reading_exception_names_problem",
            ),
        ]

    def __str__(self):
        return f"{self.value:,} on {self.read_on:%m/%d/%Y} ({self.get_kind_display()})"

    @property
    def billable(self) -> bool:
        return self.status in BILLABLE_READ_STATUSES


class ReadImport(models.Model):
    """A handheld/AMR export: kept at preview, posted once. The file's hash is unique, so the
    same file uploaded again finds this row and, once posted, posts nothing."""

    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64, unique=True)
    content = models.TextField()
    rows = models.PositiveIntegerField(default=0)
    posted = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.file_name} ({self.posted} reads)"


# Bill runs -------------------------------------------------------------------------------


class BillRun(models.Model):
    """One cycle's bills for one period: proofed into drafts, approved, then posted."""

    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="bill_runs")
    period_end = models.DateField()
    bill_date = models.DateField()
    due_date = models.DateField()
    batch_run_id = models.BigIntegerField(null=True, blank=True, unique=True)
    proofed_at = models.DateTimeField(null=True, blank=True)
    # The proof's counts and totals as it left them (bills.proof_summary): the run page reads
    # these instead of grouping a cycle's million draft lines on every view.
    summary = models.JSONField(default=dict, blank=True, editable=False)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-period_end", "cycle"]
        permissions = [
            ("start_bill_run", "Can start a bill run and see its proof"),
            ("approve_bill_run", "Can approve a bill run for posting"),
            ("enter_reads", "Can key and import meter reads"),
            ("work_read_exceptions", "Can accept, estimate or send a re-read for a read"),
        ]

    def __str__(self):
        return f"Bill run {self.cycle.code} to {self.period_end:%m/%d/%Y}"


class DraftKind(models.TextChoices):
    CYCLE = "cycle", "Cycle bill"
    FINAL = "final", "Final bill"


class DraftBill(models.Model):
    """A bill as the proof computed it; posting copies it into accounts.Bill. Kept after
    posting: its lines carry the arithmetic that "Explain this bill" reads out.

    Drafts and their lines are written only by the proof, in one transaction with its run
    locked, from accounts, services and reads it has just read; so their references to those
    and to the run carry no foreign keys in the database (db_constraint=False). A run of 100,000 accounts
    writes about a million lines, and checking their keys at commit cost more than the rest
    of the proof. The link to the posted bill keeps its key."""

    # (run, account) and (run, id) below index the run.
    run = models.ForeignKey(
        BillRun,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="drafts",
        db_constraint=False,
        db_index=False,
    )
    kind = models.CharField(max_length=8, choices=DraftKind, default=DraftKind.CYCLE)
    # Drafts are found by run, by bill or by id: no index of their own on account or read.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_constraint=False, db_index=False
    )
    period_start = models.DateField()
    period_end = models.DateField()
    total = money()
    use = models.DecimalField(max_digits=12, decimal_places=0, null=True, blank=True)
    estimated = models.BooleanField(default=False)
    reading = models.ForeignKey(
        MeterReading,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    bill = models.OneToOneField(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="draft"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="one_draft_per_account_per_run")
        ]
        indexes = [models.Index(fields=["run", "id"], name="draft_run_idx")]

    def __str__(self):
        return f"Draft {self.account_id} {self.total}"


class DraftLine(models.Model):
    # No foreign keys in the database: see DraftBill.
    draft = models.ForeignKey(
        DraftBill, on_delete=models.CASCADE, related_name="lines", db_constraint=False
    )
    # Lines are read by draft, never by service: no index on it.
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        db_index=False,
    )
    utility = models.CharField(max_length=12)
    rate_code = models.CharField(max_length=20)
    component = models.CharField(max_length=16)
    description = models.CharField(max_length=120)
    usage = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    usage_unit = models.CharField(max_length=12, blank=True)
    amount = money()
    explanation = models.CharField(max_length=300, blank=True)
    # What the service billed on (gallons, or ERUs), the same on each of its lines: the
    # bill's one line per service in accounts carries it.
    service_usage = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.description}: {self.amount}"


class Exclusion(models.Model):
    """An account the proof left out of a run, and why (no read, a read waiting in the queue)."""

    run = models.ForeignKey(BillRun, on_delete=models.CASCADE, related_name="exclusions")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=40)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "account"], name="one_exclusion_per_account")
        ]

    def __str__(self):
        return f"{self.account_id}: {self.reason}"


class BilledPeriod(models.Model):
    """The claim of a bill on an account's days. No two claims of one account overlap (a gist
    exclusion constraint), so a second post of the same period inserts nothing."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    period = DateRangeField()
    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="billed_period")

    class Meta:
        constraints = [
            ExclusionConstraint(
                name="one_bill_per_account_and_period",
                expressions=[
                    ("account", RangeOperators.EQUAL),
                    ("period", RangeOperators.OVERLAPS),
                ],
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.period}"
