from django.core.management.base import BaseCommand

from accounts import aging_summary
from reports.services import sweep_due_schedules


class Command(BaseCommand):
    help = (
        "Queue the scheduled reports that are due today (and failed sends to try again) for "
        "the background worker. Run it from cron every 15 minutes; running it twice sends once. "
        "It folds the ledger's postings into the aging summary first (as `fold_aging`), so the "
        "aging reports it sends, and those run on screen, read little."
    )

    def handle(self, *args, **options):
        folded = aging_summary.fold()
        self.stdout.write(f"Postings on {folded} account(s) folded into the aging summary.")
        ids = sweep_due_schedules()
        self.stdout.write(f"{len(ids)} report e-mail(s) queued.")
