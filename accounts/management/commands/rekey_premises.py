from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Premise
from accounts.premise_keys import rekey_premises


class Command(BaseCommand):
    help = (
        "Key every premise by the address rules (USPS Pub 28 suffixes, directionals, unit "
        "designators) and list premises that now read as one address, without merging them."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        with transaction.atomic():
            report = rekey_premises(Premise, apply=not dry_run)
        for line in report.lines():
            self.stdout.write(line)
        if dry_run:
            for pk, old, new in report.changed:
                self.stdout.write(f"  premise {pk}: {old} -> {new}")
