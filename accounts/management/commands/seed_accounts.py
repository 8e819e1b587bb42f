import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from accounts import demo_data
from accounts.models import Account
from utilityclerk import business_day


class Command(BaseCommand):
    help = (
        "Seed realistic, deterministic customers, premises, accounts, services and a ledger "
        "history of monthly bills, payments and late fees, loaded with COPY. "
        "--extra-customers adds former customers (a closed account, no history) to reach a "
        "search-sized customer table."
    )

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=1_000, help="accounts with history")
        parser.add_argument("--months", type=int, default=24, help="months of bills")
        parser.add_argument(
            "--extra-customers", type=int, default=0, help="customers with no ledger history"
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any account exists"
        )

    def handle(self, *args, **options):
        accounts = options["accounts"]
        months = options.get("months", 24)
        extra = options.get("extra_customers", 0)
        if accounts < 0 or extra < 0 or not 0 <= months <= 240:
            raise CommandError("--accounts and --extra-customers must be ≥ 0, --months 0–240.")
        if options.get("if_empty") and Account.objects.exists():
            self.stdout.write("Accounts exist already: nothing seeded.")
            return
        today = business_day.today()
        self.stdout.write(
            f"Seeding {accounts:,} accounts with {months} months of history and {extra:,} "
            f"extra customers (seed {options.get('seed', 42)}, as of {today:%Y-%m-%d})."
        )
        # One transaction: a failed load leaves nothing behind (sequence values it reserved
        # are skipped, as sequences do).
        with transaction.atomic():
            result = demo_data.seed(
                accounts=accounts,
                months=months,
                extra_customers=extra,
                seed=options.get("seed", 42),
                today=today,
                progress=self.stdout.write,
            )
        started = time.monotonic()
        demo_data.analyze()
        analyze_seconds = time.monotonic() - started
        for table, count in result.counts.items():
            self.stdout.write(f"  {table:<24} {count:>12,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded in {result.seconds:.1f} s (ANALYZE {analyze_seconds:.1f} s) "
                f"into {connection.settings_dict['NAME']}."
            )
        )
