"""Prove the money: python manage.py reconcile [--day 2026-03-15] [--database default]

Prints each check (reports/reconcile.py) and exits non-zero at the first that fails, with
the rows that disagree. CI runs it on the test database after the suite; the restore drill
runs it on a restored backup.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from reports import reconcile
from utilityclerk.forms import parse_day


class Command(BaseCommand):
    help = "Check that ledger, receipts, tenders, drawers, safe, batches and bank deposits agree."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="one business day (YYYY-MM-DD); default every day")
        parser.add_argument("--database", default="default", help="database alias to check")
        parser.add_argument(
            "--all", action="store_true", help="run every check even after one fails"
        )
        parser.add_argument(
            "--test-database",
            action="store_true",
            help="check the test suite's database (test_<name>), as CI does after the suite",
        )

    def handle(self, *args, **options):
        day = None
        if options["day"]:
            try:
                day = parse_day(options["day"])
            except Exception as error:
                message = " ".join(getattr(error, "messages", [str(error)]))
                raise CommandError(f"--day: {message}") from error
        if options["test_database"]:
            connection = connections[options["database"]]
            connection.close()
            connection.settings_dict["NAME"] = connection.creation._get_test_db_name()
        outcomes = reconcile.run_all(
            day=day, using=options["database"], stop_at_first=not options["all"]
        )
        scope = f"business day {day:%Y-%m-%d}" if day else "every business day"
        database = connections[options["database"]].settings_dict["NAME"]
        self.stdout.write(f"Reconciling {scope} in {database} ({len(reconcile.CHECKS)} checks)")
        failed = 0
        for outcome in outcomes:
            if outcome.holds:
                self.stdout.write(f"OK    {outcome.check.label}")
                continue
            failed += 1
            self.stdout.write(f"FAIL  {outcome.check.label}")
            self.stdout.write("      " + " | ".join(outcome.columns))
            for row in outcome.rows:
                self.stdout.write("      " + " | ".join("" if v is None else str(v) for v in row))
        if failed:
            raise CommandError(f"{failed} reconcile check(s) failed: the money does not agree.")
        self.stdout.write(self.style.SUCCESS(f"All {len(outcomes)} checks hold."))
