"""The demo city's referral directory. A real utility keeps its own in the admin
(Disputes > Agencies); this only adds names that are missing, never changes an Admin's edits."""

from django.core.management.base import BaseCommand

from collections_app.disputes.models import Agency, AgencyKind

DIRECTORY = [
    {
        "name": "Code Enforcement",
        "kind": AgencyKind.DEPARTMENT,
        "handles": "Property maintenance, illegal connections, standing water, dumping",
        "contact_name": "Code Enforcement Officer on duty",
        "phone": "(210) 555-0141",
        "email": "code@cibolo.example.gov",
        "address": "200 S Main St, Cibolo TX 78108",
        "hours": "Mon–Fri 8:00–17:00",
    },
    {
        "name": "Public Works",
        "kind": AgencyKind.DEPARTMENT,
        "handles": "Main breaks, pressure, water quality, streets and drainage, trash pickup",
        "contact_name": "Public Works dispatcher",
        "phone": "(210) 555-0150",
        "email": "publicworks@cibolo.example.gov",
        "address": "109 Loop 539 W, Cibolo TX 78108",
        "hours": "24 hours for emergencies; office Mon–Fri 7:30–16:30",
    },
    {
        "name": "Mayor and City Council office",
        "kind": AgencyKind.ELECTED,
        "handles": "Constituent requests to the mayor and council members",
        "contact_name": "City Secretary",
        "phone": "(210) 555-0100",
        "email": "council@cibolo.example.gov",
        "address": "200 S Main St, Cibolo TX 78108",
        "hours": "Mon–Fri 8:00–17:00",
    },
    {
        "name": "Community Action bill assistance (CEAP)",
        "kind": AgencyKind.ASSISTANCE,
        "handles": "Help paying utility bills for households with low incomes (federal LIHEAP funds)",
        "contact_name": "Intake desk",
        "phone": "(210) 555-0177",
        "email": "assist@communityaction.example.org",
        "address": "Seguin TX",
        "hours": "Mon–Thu 8:00–16:00",
    },
    {
        "name": "Public Utility Commission of Texas, Consumer Protection",
        "kind": AgencyKind.REGULATOR,
        # As its own page says: it does not regulate city-owned utilities.
        "handles": "Complaints about utilities the state regulates (not city-owned ones)",
        "phone": "1-888-782-8477",
        "address": "P.O. Box 13326, Austin TX 78711-3326",
        "website": "https://www.puc.texas.gov/consumer/complaint/complaint.aspx",
    },
]


class Command(BaseCommand):
    help = "Add the demo referral directory (departments and agencies) where missing."

    def handle(self, *args, **options):
        added = 0
        for entry in DIRECTORY:
            _, created = Agency.objects.get_or_create(name=entry["name"], defaults=entry)
            added += created
        self.stdout.write(f"Referral directory: {added} added, {len(DIRECTORY) - added} kept.")
