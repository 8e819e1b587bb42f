from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Account, AccountStatus
from payments.closeout.models import ChangeFundMovement
from payments.models import Drawer
from utilityclerk import business_day, roles
from utilityclerk.core.models import Holiday
from workorders import services as work_orders
from workorders.models import Crew, CrewMember, Vendor, WorkOrder
from workorders.service_changes import stop_service

# (username, first, last, role, staff): one per role, and a second clerk and supervisor
# for the steps that need two people.
DEMO_USERS = [
    ("clerk", "Carmen", "Ortiz", roles.CLERK, False),
    ("clerk2", "Dale", "Whitaker", roles.CLERK, False),
    ("supervisor", "Sandra", "Nguyen", roles.SUPERVISOR, False),
    # A second supervisor: the bank deposit is prepared by one and verified by another.
    ("supervisor2", "Marcus", "Hale", roles.SUPERVISOR, False),
    ("admin", "Alan", "Brooks", roles.ADMIN, True),
    ("field", "Rosa", "Delgado", roles.FIELD, False),
]
DEMO_CREWS = ["North crew", "South crew"]
DEMO_VENDORS = [
    ("Alamo Meter Testing", "Meter testing", 10),
    ("Guadalupe Leak Detection", "Leak detection", 2),
    ("Hill Country Excavation", "Excavation and taps", 5),
]
DEMO_PASSWORD = "utility-demo-2026"  # noqa: S105 - printed for the demo on purpose
DEMO_HOLIDAYS = [
    ("2026-11-26", "Thanksgiving Day"),
    ("2026-11-27", "Day after Thanksgiving"),
    ("2026-12-24", "Christmas Eve"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
    ("2027-01-18", "Martin Luther King Jr. Day"),
    ("2027-05-31", "Memorial Day"),
    ("2027-07-05", "Independence Day (observed)"),
    ("2027-09-06", "Labor Day"),
]
DEMO_DRAWERS = [("D1", "Window 1"), ("D2", "Window 2"), ("D3", "Window 3"), ("D4", "Drive-up")]


class Command(BaseCommand):
    help = "Load demo users (one per role) and a small set of demo accounts. Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=300)

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        for username, first, last, role, staff in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"first_name": first, "last_name": last, "is_staff": staff},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=role))
        for day, name in DEMO_HOLIDAYS:
            Holiday.objects.get_or_create(date=day, defaults={"name": name})
        for name in DEMO_CREWS:
            Crew.objects.get_or_create(name=name)
        CrewMember.objects.get_or_create(
            user=User.objects.get(username="field"),
            defaults={"crew": Crew.objects.get(name=DEMO_CREWS[0]), "is_lead": True},
        )
        for name, trade, days in DEMO_VENDORS:
            Vendor.objects.get_or_create(
                name=name, defaults={"trade": trade, "turnaround_days": days}
            )
        if not ChangeFundMovement.objects.exists():
            ChangeFundMovement.objects.create(
                amount=Decimal("2000.00"),
                memo="Change fund set up",
                recorded_by=User.objects.get(username="admin"),
            )
        if not Drawer.objects.exists():
            Drawer.objects.bulk_create(Drawer(code=code, name=name) for code, name in DEMO_DRAWERS)
        call_command(
            "seed_accounts", accounts=options["accounts"], if_empty=True, stdout=self.stdout
        )
        call_command("seed_billing", stdout=self.stdout)
        call_command("load_dispute_directory", stdout=self.stdout)
        call_command("load_permit_demo")
        if not WorkOrder.objects.exists():
            self._demo_work_orders(
                clerk=User.objects.get(username="clerk"),
                crew=Crew.objects.get(name=DEMO_CREWS[0]),
            )
        self._demo_deposits(
            clerk=User.objects.get(username="clerk"),
            supervisor=User.objects.get(username="supervisor"),
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
        )
        for username, first, last, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {role:<11} {first} {last}")

    def _demo_work_orders(self, *, clerk, crew):
        """A few orders made through the real services, so that the field sign-in has a day's
        work and the board has an order still to schedule."""
        accounts = list(
            Account.objects.filter(status=AccountStatus.ACTIVE)
            .select_related("premise")
            .prefetch_related("services")
            .order_by("number")[:3]
        )
        if len(accounts) < 3:
            return
        today = business_day.today()
        moving_out, high_bill, leak = accounts
        orders = [
            stop_service(account=moving_out, stop_date=today, by=clerk),
            work_orders.raise_work_order(
                kind="re_read",
                premise=high_bill.premise,
                account=high_bill,
                service=work_orders.metered_service(high_bill.services.all()),
                instructions="Customer says the last read is too high; check the dial.",
                by=clerk,
            ),
        ]
        for order in orders:
            work_orders.schedule_work_order(order=order, crew=crew, on=today, by=clerk)
            work_orders.dispatch_work_order(order=order, by=clerk)
        work_orders.raise_work_order(
            kind="leak_check",
            premise=leak.premise,
            account=leak,
            instructions="Water pooling by the meter box after 5 pm.",
            by=clerk,
        )

    def _demo_deposits(self, *, clerk, supervisor):
        """A few deposits so the account page, the Deposits page, the runs and the deposit
        register have something to show: five held since a bill about fourteen months ago
        (the review returns those with good history), two held since lately, one on
        instalments, one still to take, one waived, and a commercial account whose letter of
        credit comes up for renewal. Dated to days the accounts' ledgers already have."""
        from accounts.models import Bill, EntryKind, LedgerEntry
        from payments.deposits.demo import record_past_deposit
        from payments.deposits.models import (
            DepositEntry,
            DepositInstalment,
            DepositWaiver,
            InstalmentPlan,
            LetterOfCredit,
        )
        from payments.deposits.services import split_in_instalments
        from utilityclerk.business_day import add_months
        from workorders.models import DepositRequirement

        if DepositEntry.objects.exists() or LetterOfCredit.objects.exists():
            return
        today = business_day.today()
        active = Account.objects.filter(status=AccountStatus.ACTIVE).order_by("number")
        # The first three carry the demo's work orders.
        renters = list(active.filter(customer__customer_class="residential")[3:14])
        if len(renters) < 11:
            return
        rule = "Residential renter: greater of $100.00 or 2 × the average bill"

        def require(account, amount, why=rule):
            DepositRequirement.objects.get_or_create(
                account=account, defaults={"amount": Decimal(amount), "rule": why}
            )

        for account, months, amount in [
            *((a, 14, "100.00") for a in renters[:3]),
            *((a, 14, "150.00") for a in renters[3:5]),
            *((a, 4, "120.00") for a in renters[5:7]),
        ]:
            bill = (
                Bill.objects.filter(account=account, bill_date__lte=add_months(today, -months))
                .order_by("-bill_date")
                .first()
            )
            if bill is None:
                continue
            require(account, amount)
            record_past_deposit(
                account=account, amount=Decimal(amount), on=bill.bill_date, by=clerk
            )
        # On instalments: three of $50, the first billed a month ago, the second due now.
        on_plan = renters[7]
        require(on_plan, "150.00")
        plan = InstalmentPlan.objects.create(
            account=on_plan, total=Decimal("150.00"), instalment_count=3, set_up_by=clerk
        )
        instalments = DepositInstalment.objects.bulk_create(
            DepositInstalment(plan=plan, number=n, bill_on=add_months(today, n - 2), amount=a)
            for n, a in enumerate(split_in_instalments(Decimal("150.00"), 3), start=1)
        )
        billed_on = instalments[0].bill_on
        charge = LedgerEntry.objects.create(
            account=on_plan,
            kind=EntryKind.DEPOSIT_BILLED,
            amount=instalments[0].amount,
            business_date=billed_on,
            due_date=billed_on + timedelta(days=20),
            posted_by=supervisor,
            reference=f"DEP-{instalments[0].pk}",
            memo="Deposit instalment 1 of 3",
        )
        DepositEntry.objects.create(
            account=on_plan,
            kind="instalment_billed",
            amount=charge.amount,
            business_date=billed_on,
            posted_by=supervisor,
            ledger_entry=charge,
            instalment=instalments[0],
            reference=charge.reference,
            memo=charge.memo,
        )
        # Still to take at the counter (Take the deposit on the account page).
        require(renters[8], "100.00")
        # Waived by a supervisor.
        require(renters[9], "100.00")
        DepositWaiver.objects.create(
            account=renters[9],
            required_before=Decimal("100.00"),
            required_after=Decimal("0.00"),
            reason="Owner: brought the deed after the start of service",
            decided_by=supervisor,
        )
        commercial = active.filter(customer__customer_class="commercial").first()
        if commercial is not None:
            require(commercial, "300.00", "Commercial: 2 × the average bill, at least $150.00")
            LetterOfCredit.objects.create(
                account=commercial,
                kind="letter_of_credit",
                issuer="First Texas Bank of Cibolo",
                number="LC-2026-0412",
                amount=Decimal("300.00"),
                expires_on=today + timedelta(days=21),
                recorded_by=clerk,
            )
