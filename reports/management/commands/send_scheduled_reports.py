from django.core.management.base import BaseCommand

from reports.services import sweep_due_schedules


class Command(BaseCommand):
    help = (
        "Queue the scheduled reports that are due today (and failed sends to try again) for "
        "the background worker. Run it from cron every 15 minutes; running it twice sends once."
    )

    def handle(self, *args, **options):
        ids = sweep_due_schedules()
        self.stdout.write(f"{len(ids)} report e-mail(s) queued.")
