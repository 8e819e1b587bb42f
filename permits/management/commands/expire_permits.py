from django.core.management.base import BaseCommand

from permits import services
from utilityclerk import business_day


class Command(BaseCommand):
    help = (
        "Expire issued permits past their validity (run daily from cron); their deposit "
        "refunds are recorded as due."
    )

    def handle(self, *args, **options):
        count = services.expire_permits(on=business_day.today(), by=None)
        self.stdout.write(f"{count} permit{'s' if count != 1 else ''} expired.")
