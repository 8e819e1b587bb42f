"""Time the collections runs on the seeded database: late fees, notices and the shut-off list
for every account, proof and post. Everything posted is rolled back at the end, so the
benchmark can be run again on the same data. Prints figures; asserts nothing about time."""

import os
import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from collections_app import queries, runs
from collections_app.collectible import collectible_for_all
from utilityclerk import business_day


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Late-fee run, notice run and shut-off list over every account, timed (rolled back)."

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="keep what the runs posted")
        parser.add_argument(
            "--days-ahead",
            type=int,
            default=10,
            help="run as of this many days after the seeded history ends, so bills fall due "
            "unpaid and the runs have work (the seeded history has its fees already)",
        )

    def _time(self, label, fn):
        started = time.monotonic()
        result = fn()
        seconds = time.monotonic() - started
        self.stdout.write(f"  {label:<44} {seconds:7.2f} s")
        return result, seconds

    def handle(self, *args, **options):
        today = business_day.today() + timedelta(days=options["days_ahead"])
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM accounts_account")
            accounts = cursor.fetchone()[0]
            cursor.execute("SELECT COUNT(*) FROM accounts_ledgerentry")
            entries = cursor.fetchone()[0]
        self.stdout.write(
            f"Collections benchmark as of {today}: {accounts:,} accounts, {entries:,} ledger entries"
        )
        # Timings on a shared machine vary with what else runs: say how busy it was.
        self.stdout.write("  load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
        user, _ = get_user_model().objects.get_or_create(username="bench-collections")
        from accounts.queries import aging_totals

        self._time("reference: the account page's aging, summed", lambda: aging_totals(today))
        try:
            with transaction.atomic():
                owing, _ = self._time(
                    "collectible amount, every account", lambda: collectible_for_all(today)
                )
                self.stdout.write(f"    {len(owing):,} accounts owe something due")
                proof, proof_s = self._time("late-fee proof", lambda: runs.late_fee_proof(today))
                self.stdout.write(f"    {proof['counts']} {proof['totals']}")
                posted, post_s = self._time(
                    "late-fee post", lambda: runs.post_late_fees(today, by=user)
                )
                self.stdout.write(f"    {posted['counts']} {posted['totals']}")
                self.stdout.write(
                    f"  {'late-fee run (proof and post)':<44} {proof_s + post_s:7.2f} s"
                )
                again, _ = self._time(
                    "late-fee post again (posts nothing)",
                    lambda: runs.post_late_fees(today, by=user),
                )
                self.stdout.write(f"    {again['counts']}")
                proof, proof_s = self._time("notice proof", lambda: runs.notice_proof(today))
                self.stdout.write(f"    {proof['counts']} {proof['totals']}")
                posted, post_s = self._time(
                    "notice post", lambda: runs.post_notices(today, by=user)
                )
                self.stdout.write(f"    {posted['counts']} disconnect on {posted['disconnect_on']}")
                self.stdout.write(
                    f"  {'notice run (proof and post)':<44} {proof_s + post_s:7.2f} s"
                )
                day = business_day.add_business_days(today, 0)
                disconnect_on = date.fromisoformat(posted["disconnect_on"])
                listing, _ = self._time(
                    f"shut-off list for {disconnect_on}",
                    lambda: queries.shutoff_list(disconnect_on, as_of=today),
                )
                self.stdout.write(
                    f"    {len(listing.eligible):,} to disconnect on {len(listing.routes()):,} "
                    f"routes, {len(listing.excluded):,} excluded {listing.exclusions()}"
                )
                hangers, _ = self._time(
                    "door-hanger list (48 hours before)",
                    lambda: queries.door_hanger_list(
                        disconnect_on - timedelta(days=2), as_of=today
                    ),
                )
                self.stdout.write(f"    {len(hangers.eligible):,} hangers")
                work, _ = self._time(
                    "collections worklist (top 100)", lambda: queries.worklist(today)
                )
                self.stdout.write(f"    {len(work)} accounts; day {day}")
                if not options["keep"]:
                    raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")
        self.stdout.write("  load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
