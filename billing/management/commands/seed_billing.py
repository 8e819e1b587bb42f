from django.core.management.base import BaseCommand

from billing.demo import seed_billing


class Command(BaseCommand):
    help = (
        "Load billing's demo data over the seeded accounts: published rates, cycles and routes, "
        "premises on routes, meters, reads from the bill history. Safe to re-run."
    )

    def handle(self, *args, **options):
        for label, count in seed_billing().items():
            self.stdout.write(f"  {label:<24} {count:>10,}")
