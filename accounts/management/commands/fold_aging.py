import time

from django.core.management.base import BaseCommand

from accounts import aging_summary


class Command(BaseCommand):
    help = (
        "Fold the ledger's postings since the last fold into the aging summary that the aging "
        "reports read (cron, every 15 minutes; any time is safe). --rebuild makes it again "
        "from the whole ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild", action="store_true", help="make the summary again from the ledger"
        )

    def handle(self, *args, rebuild=False, **options):
        started = time.monotonic()
        if rebuild:
            aging_summary.rebuild()
            self.stdout.write(
                f"Aging summary made again from the ledger in {time.monotonic() - started:.1f} s."
            )
            return
        accounts = aging_summary.fold()
        self.stdout.write(
            f"Postings on {accounts:,} account(s) folded into the aging summary in "
            f"{time.monotonic() - started:.1f} s."
        )
