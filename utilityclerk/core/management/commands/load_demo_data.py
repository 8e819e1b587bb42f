from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from payments.models import Drawer
from utilityclerk import roles
from utilityclerk.core.models import Holiday

# (username, first, last, role, staff) -- one per role, plus a second clerk for dual control.
DEMO_USERS = [
    ("clerk", "Carmen", "Ortiz", roles.CLERK, False),
    ("clerk2", "Dale", "Whitaker", roles.CLERK, False),
    ("supervisor", "Sandra", "Nguyen", roles.SUPERVISOR, False),
    ("admin", "Alan", "Brooks", roles.ADMIN, True),
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
        if not Drawer.objects.exists():
            Drawer.objects.bulk_create(Drawer(code=code, name=name) for code, name in DEMO_DRAWERS)
        call_command(
            "seed_accounts", accounts=options["accounts"], if_empty=True, stdout=self.stdout
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
        )
        for username, first, last, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {role:<11} {first} {last}")
