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
