from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from utilityclerk import roles

# (username, first, last, role, staff) -- one per role, plus a second clerk for dual control.
DEMO_USERS = [
    ("clerk", "Carmen", "Ortiz", roles.CLERK, False),
    ("clerk2", "Dale", "Whitaker", roles.CLERK, False),
    ("supervisor", "Sandra", "Nguyen", roles.SUPERVISOR, False),
    ("admin", "Alan", "Brooks", roles.ADMIN, True),
]
DEMO_PASSWORD = "utility-demo-2026"  # noqa: S105 - printed for the demo on purpose


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
        call_command(
            "seed_accounts", accounts=options["accounts"], if_empty=True, stdout=self.stdout
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo sign-ins (password for each: {DEMO_PASSWORD}):")
        )
        for username, first, last, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<11} {role:<11} {first} {last}")
