from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction

from permits.models import Contractor, HydrantMeter
from utilityclerk import business_day

# (company, contact, phone, license, days from today the license expires)
DEMO_CONTRACTORS = [
    ("Bexar Underground Utilities LLC", "Ray Salinas", "210-555-0141", "TX-UC-40417", 400),
    # Expired: the desk refuses it with a message until the license is renewed.
    ("Cibolo Creek Plumbing", "Jo Ann Pruitt", "210-555-0188", "TX-MP-11873", -20),
]
DEMO_METERS = ["HM-101", "HM-102", "HM-103"]


class Command(BaseCommand):
    help = "Demo contractors and hydrant meters for the permit desk. Safe to re-run."

    @transaction.atomic
    def handle(self, *args, **options):
        today = business_day.today()
        for company, contact, phone, license_number, days in DEMO_CONTRACTORS:
            Contractor.objects.get_or_create(
                license_number=license_number,
                defaults={
                    "company": company,
                    "contact_name": contact,
                    "phone": phone,
                    "license_expires": today + timedelta(days=days),
                },
            )
        for number in DEMO_METERS:
            HydrantMeter.objects.get_or_create(meter_number=number)
