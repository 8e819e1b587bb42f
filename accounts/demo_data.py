"""Deterministic demo data for the accounts app: customers, premises, accounts, services,
bills and their ledger history, loaded with PostgreSQL COPY.

Everything random comes from one `random.Random(seed)`, so the same seed on the same starting
database and day gives the same rows. The stream is reseeded for each account, and again
before its customer is drawn, so who the customers are (names, phones, e-mails: what the
README's search examples name) is the same whatever day the demo is loaded, though the
history before them depends on the day. Ids come from each table's own sequence, reserved a block at a
time (`setval(seq, nextval(seq) + n - 1)`), so rows added later by the application never
collide with seeded ones. Account and bill numbers are reserved from `account_number_seq` and
`bill_number_seq` the same way.

Money is integer cents until it is written, and written as `Decimal(cents).scaleb(-2)`: a
float never touches an amount. Bills use the Cibolo TX published residential rates
(shared/POLICIES.md).

A producer thread builds and formats the rows while the caller's thread streams them to the
database, so the Python work and PostgreSQL's work overlap on two cores. The producer reserves
ids through its own (autocommit) connection: sequences are not transactional, so that is safe
while the caller's transaction is open.
"""

import contextlib
import queue
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, connections

from accounts import aging_summary
from accounts.rates import DEFAULT_UTILITIES, rate_code
from accounts.validation import account_number_for, name_key, normalize_street
from utilityclerk.business_day import add_months
from utilityclerk.money import format_money

BILL_DUE_DAYS = 20  # Policy.bill_due_days default; the seeded bills keep the default
LATE_FEE_PERCENT = 10  # of the past-due amount, the day after the due date (POLICIES.md)
HISTORY_BATCH = 2_000  # accounts per COPY batch when they carry a ledger history
EXTRA_BATCH = 25_000  # extra customers per COPY batch

CITY, STATE, ZIP = "CIBOLO", "TX", "78108"

# Columns written by COPY, per table. Every NOT NULL column must be here: COPY applies no
# Django defaults.
COLUMNS = {
    "accounts_customer": (
        "id, kind, customer_class, first_name, last_name, organisation_name, search_name, "
        "search_last, search_first, "
        "phone, alt_phone, email, preferred_contact, language, mail_street, mail_unit, "
        "mail_city, mail_state, mail_zip, identity_checked_how, identity_checked_at, "
        "medical_certificate_until, life_support, cash_only_until, created_at, updated_at"
    ),
    "accounts_premise": (
        "id, house_number, street, unit, city, state, zip_code, premise_type, hazard_note, "
        "created_at"
    ),
    "accounts_servicepoint": "id, premise_id, utility, meter_number",
    "accounts_account": (
        "id, number, customer_id, premise_id, status, mail_street, mail_unit, mail_city, "
        "mail_state, mail_zip, opened_on, closed_on, created_at"
    ),
    "accounts_service": (
        "id, account_id, premise_id, utility, rate_code, start_date, end_date, status"
    ),
    "accounts_bill": (
        "id, account_id, number, period_start, period_end, bill_date, due_date, total, posted_at"
    ),
    "accounts_billline": (
        "id, bill_id, service_id, utility, description, usage, usage_unit, amount"
    ),
    "accounts_ledgerentry": (
        "id, account_id, kind, amount, business_date, due_date, posted_at, reference, memo, "
        "reason_code, bill_id"
    ),
}
TABLES = list(COLUMNS)  # parents before children: foreign keys are checked per statement


def _words(text: str) -> list[str]:
    return text.split()


# Names -----------------------------------------------------------------------------------

_LAST_NAMES = """
Garcia 20 Martinez 14 Hernandez 14 Rodriguez 13 Gonzalez 12 Smith 12 Lopez 11 Johnson 10
Williams 9 Brown 8 Jones 8 Flores 7 Perez 7 Sanchez 7 Ramirez 7 Davis 7 Torres 6 Miller 6
Garza 5 Rivera 5 Gomez 5 Diaz 5 Reyes 5 Wilson 5 Moore 5 Taylor 5 Anderson 5 Thomas 5
Jackson 5 White 5 Harris 5 Martin 5 Thompson 5 Cruz 4 Morales 4 Ortiz 4 Gutierrez 4 Chavez 4
Ramos 4 Nguyen 4 Ruiz 3 Alvarez 3 Mendoza 3 Vasquez 3 Castillo 3 Jimenez 3 Moreno 3
Romero 3 Herrera 3 Medina 3 Aguilar 3 Lee 3 Clark 3 Lewis 3 Robinson 3 Walker 3 Young 3
Allen 3 King 3 Wright 3 Scott 3 Hill 3 Green 3 Adams 3 Baker 3 Nelson 3 Carter 3 Mitchell 3
Roberts 3 Turner 3 Trevino 2 Salinas 2 Guerrero 2 Villarreal 2 Tran 2 Le 2 Patel 2
Phillips 2 Campbell 2 Parker 2 Evans 2 Edwards 2 Collins 2 Stewart 2 Morris 2 Murphy 2
Cook 2 Rogers 2 Morgan 2 Peterson 2 Cooper 2 Reed 2 Bailey 2 Bell 2 Kelly 2 Howard 2 Ward 2
Cox 2 Richardson 2 Wood 2 Watson 2 Brooks 2 Bennett 2 Gray 2 James 2 Hughes 2 Price 2
Sanders 2 Myers 2 Long 2 Ross 2 Foster 2 Powell 2 Jenkins 2 Perry 2 Russell 2 Sullivan 2
Butler 2 Barnes 2 Fisher 2 Henderson 2 Coleman 2 Simmons 2 Patterson 2 Jordan 2 Reynolds 2
Hamilton 2 Graham 2 Wallace 2 West 2 Cole 2 Hayes 2 Gibson 2 Ellis 2 Stevens 2 Murray 2
Ford 2 Marshall 2 Owens 2 McDonald 2 Harrison 2 Kennedy 2 Wells 2 Alexander 2
Johnston 1.5 Schmidt 1.5 Cantu 1.5 Delgado 1.5 Castro 1.5 Pham 1.5 Huynh 1 Vo 1 Kim 1
Singh 1 Chen 1 Wang 1 Cavazos 1 Saenz 1 Zamora 1 Espinoza 1 Vega 1 Soto 1 Nunez 1 Luna 1
Pena 1 Rios 1 Contreras 1 Sandoval 1 Valdez 1 Acosta 1 Cortez 1 Dominguez 1 Juarez 1
Salazar 1 Schneider 1 Mueller 1 Wagner 1 Becker 1 Weber 1 De_La_Cruz 1 De_Leon 1
Rangel 0.8 Montoya 0.8 Carrillo 0.8 Fuentes 0.8 Navarro 0.8 Koch 0.5 Schulz 0.5 Richter 0.5
Wolf 0.5 Zimmermann 0.5 Krause 0.5 Braun 0.5 Hoffmann 0.5 Dietz 0.5 O'Brien 0.5
O'Connor 0.5 Escobedo 0.5 Ybarra 0.5 Zapata 0.5 Arredondo 0.5 Ochoa 0.5 Ibarra 0.5
Olvera 0.5 Jonson 0.3 McAllister 0.3 Kowalski 0.3 Novak 0.3 Russo 0.3 Johnsen 0.2 Smyth 0.2
Wiederstein 0.2 Schlather 0.2 Haecker 0.2 Okafor 0.2 Adeyemi 0.2 Rossi 0.2 Müller 0.2
Jonsson 0.1 Smithe 0.1 Froboese 0.1 Zuehl 0.1 Mensah 0.1
"""
_LAST = _words(_LAST_NAMES)
LAST_NAMES = [name.replace("_", " ") for name in _LAST[0::2]]
# How common each surname is, for random.choices: a frequency, not money.
_LAST_WEIGHTS = [float(weight) for weight in _LAST[1::2]]
LAST_CUM_WEIGHTS = [sum(_LAST_WEIGHTS[: i + 1]) for i in range(len(_LAST_WEIGHTS))]

FIRST_NAMES = _words("""
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel
Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy
Ronald Jason Edward Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott
Brandon Benjamin Samuel Gregory Alexander Patrick Frank Raymond Jack Dennis Jerry Tyler Aaron
Adam Nathan Henry Zachary Douglas Peter Kyle Noah Ethan Jeremy Walter Christian Keith Roger
Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan Jesse Bryan Billy Bruce
Gabriel Joe Logan Alan Albert Willie Elijah Wayne Randy Vincent Mason Roy Ralph Bobby Russell
Bradley Philip Eugene Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah
Karen Lisa Nancy Betty Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda
Melissa Deborah Stephanie Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley
Brenda Emma Anna Pamela Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet
Maria Catherine Heather Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly
Christina Joan Evelyn Judith Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa
Gloria Sara Janice Ann Kathryn Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace
Amber Denise Danielle Marilyn Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla
Alexis Lori Juan Jose Luis Carlos Jesus Miguel Antonio Francisco Alejandro Javier Ricardo
Roberto Fernando Eduardo Manuel Raul Ramon Hector Arturo Guadalupe Rosa Ana Carmen Lucia
Veronica Gabriela Adriana Yolanda Alma Leticia Graciela Irma Elena Sofia Ximena Valeria
Mariana Maria Jose Juan Minh Linh Thanh Huong Tuan Anh Hoa Duc Lan Quang Thu Phuong Hieu
Trang Priya Raj Wei Mei Hyun Chidi Amara Olga Ivan Fatima Omar Ahmed Aisha Yusuf Zoe Chloe
Liam Lucas Mia Ava Harper Aiden Caleb Isaiah Josiah Brooklyn Savannah Paisley Kinsley
""")

_BUSINESS_WORDS = _words("""
Cibolo Bluebonnet Mesquite Pecan Lone_Star Hill_Country Cypress Live_Oak Longhorn Prairie
Guadalupe Saddle Spur Canyon Mustang Falcon Heritage Frontier Alamo Riverbend Oak_Creek
Stone_Ridge Town_Creek Schertz Northcliffe Red_Oak Silver_Sage Sunrise Old_Town
""")
BUSINESS_WORDS = [word.replace("_", " ") for word in _BUSINESS_WORDS]
TRADES = [
    "Auto Repair", "Family Dental", "Dry Cleaners", "Tire & Lube", "Veterinary Clinic",
    "Construction LLC", "Plumbing", "Barbecue", "Tacos", "Coffee House", "Pharmacy",
    "Animal Hospital", "Car Wash", "Laundromat", "Pediatrics", "Insurance Agency", "Bakery",
    "Feed & Supply", "Fitness", "Montessori School", "Baptist Church", "Methodist Church",
    "Storage", "Hardware", "Nail Salon", "Landscaping", "Realty", "Pizza", "Daycare",
    "Electric Inc", "Roofing", "Family Medicine", "Physical Therapy", "Chiropractic",
]  # fmt: skip
GOVERNMENT_NAMES = [
    "City of Cibolo Fire Station {n}", "City of Cibolo Park {n}", "City of Cibolo Lift Station {n}",
    "City of Cibolo Public Works Yard {n}", "SCUC ISD Elementary {n}", "SCUC ISD Bus Barn {n}",
    "Guadalupe County Precinct {n}", "Guadalupe County ESD {n}", "Cibolo Police Substation {n}",
]  # fmt: skip

# The town: street names normalised the way accounts.validation.normalize_street does. The
# first ones are Cibolo's own roads; the rest are subdivision streets built from a fixed seed,
# so the town is the same whatever --seed says.
_ARTERIALS = [
    "North Main Street", "South Main Street", "Cibolo Valley Drive", "Green Valley Road",
    "Borgfeld Road", "Dietz Road", "Haeckerville Road", "Wiederstein Road", "Schlather Road",
    "Country Lane", "Town Creek Road", "Loop 539", "FM 1103", "FM 78", "Old Wiederstein Road",
]  # fmt: skip
_STREET_FIRST = _words("""
Oak Cedar Pecan Mesquite Cypress Willow Bluebonnet Saddle Spur Canyon Falcon Mustang Hawk
Quail Dove Meadow Prairie River Creek Ridge Stone Silver Lone_Star Sage Juniper Magnolia
Elm Walnut Hickory Sycamore Laurel Agarita Yucca Agave Primrose Indian_Paint Wagon Bridle
Stirrup Lariat Buckskin Palomino Appaloosa Pinto Chisholm Maverick Cardinal Mockingbird
Roadrunner Kestrel Heron Egret Bobwhite Cottonwood Persimmon Redbud Hackberry Bois_d'Arc
Limestone Granite Flint Caliche Sandstone Copper Iron Timber Harvest Orchard Vineyard
Windmill Homestead Settlers Pioneer Heritage Liberty Independence Union Schertz Scheel
Froboese Zuehl Weil Niemietz Bentwood Gatewood Foxbrook Turning_Stone Dove_Crossing
Buffalo Antler Elkhorn Deer Wolf Coyote Bison Longhorn Rawhide Chaparral Caprock Brazos
Pedernales Frio Llano Comal Blanco Medina Nueces Sabinal Colorado
""")
_STREET_SECOND = [
    "", "", "", "Ridge", "Creek", "Bend", "Crossing", "Hollow", "Run", "Glen", "Park",
    "Point", "Springs", "Oaks", "Meadow", "Pass", "Vista", "Hill", "Valley", "Landing", "Field",
    "Trace", "Bluff", "Grove", "Cove", "Knoll", "Mill", "Ranch", "Falls", "Gap",
]  # fmt: skip
_STREET_TYPE = [
    "Street", "Drive", "Drive", "Lane", "Lane", "Court", "Way", "Trail", "Circle", "Place",
    "Road", "Loop", "Cove", "Boulevard", "Parkway", "Path", "Terrace",
]  # fmt: skip
STREET_COUNT = 2_500
BLOCK_SIZE = 40  # premises per block: one side of a street, or one apartment building


def _build_streets() -> list[tuple[str, int]]:
    rng = random.Random(78108)
    names, seen = [], set()
    for raw in _ARTERIALS:
        name = normalize_street(raw)
        seen.add(name)
        names.append((name, rng.randrange(100, 3000, 100)))
    while len(names) < STREET_COUNT:
        words = [rng.choice(_STREET_FIRST).replace("_", " "), rng.choice(_STREET_SECOND)]
        raw = " ".join(w for w in words if w) + " " + rng.choice(_STREET_TYPE)
        if rng.random() < 0.08:
            raw = rng.choice(["North", "South", "East", "West"]) + " " + raw
        name = normalize_street(raw)
        if name not in seen:
            seen.add(name)
            names.append((name, rng.randrange(100, 9000, 100)))
    return names


STREETS = _build_streets()


def address_for(premise_id: int) -> tuple[str, str, str]:
    """(house number, street, unit) of a seeded premise, a function of its id.

    Ids are unique, and the mapping is one-to-one, so no two seeded premises share an address
    however many runs add to the town. Premises fill a street one block of 40 at a time;
    every 17th block is an apartment building with 40 units under one number.
    """
    block, position = divmod(premise_id - 1, BLOCK_SIZE)
    street_index, lap = block % len(STREETS), block // len(STREETS)
    street, base = STREETS[street_index]
    if block % 17 == 5:
        return str(base + 100 * lap + 1), street, f"{position // 10 + 1}{position % 10 + 1:02d}"
    return str(base + 100 * lap + position + 1), street, ""


_OTHER_MAIL_CITIES = [
    ("San Antonio", "TX", "78209"), ("San Antonio", "TX", "78232"), ("Schertz", "TX", "78154"),
    ("New Braunfels", "TX", "78130"), ("Universal City", "TX", "78148"),
    ("Converse", "TX", "78109"), ("Seguin", "TX", "78155"), ("Austin", "TX", "78704"),
    ("Houston", "TX", "77019"), ("Corpus Christi", "TX", "78411"), ("Denver", "CO", "80203"),
    ("Fort Sam Houston", "TX", "78234"),
]  # fmt: skip
_AREA_CODES = ["210"] * 10 + ["830"] * 6 + ["726"] * 2 + ["512", "361", "713"]
_EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
_HAZARDS = [
    "Dog in back yard", "Aggressive dog: call before entering", "Locked gate: call ahead",
    "Meter box in confined space", "Bees in meter box", "Meter behind fence, gate code on file",
    "Fire ants around meter", "Steep driveway: no trailers",
]  # fmt: skip
_PAYMENT_MEMOS = [
    "Payment: online card", "Payment: online card", "Payment: bank draft",
    "Payment: bank draft", "Payment: mailed check", "Payment: counter cash",
    "Payment: counter check", "Payment: drop box check", "Payment: phone card",
]  # fmt: skip

# Rates: Cibolo TX residential, shared/POLICIES.md. Cents; usage rates are cents per 1,000 gal.
WATER_MINIMUM_GALLONS = 1_200
WATER_BASE_SMALL = 13_25  # at or below the minimum gallons
WATER_BASE = 27_15
WATER_TIERS = [(7_000, 5_95), (15_000, 7_61), (30_000, 9_21), (50_000, 10_82), (None, 13_54)]
WATER_ACQUISITION_FEE = 9_00
SEWER_BASE_GALLONS = 3_000
SEWER_BASE = 18_11
SEWER_RATE = 5_28
STORMWATER_PER_ERU = 6_50
TRASH = 13_49
RECYCLING = 2_46
SEASON = [0.85, 0.85, 0.95, 1.05, 1.2, 1.4, 1.6, 1.6, 1.35, 1.1, 0.9, 0.85]  # Jan..Dec


def water_charge(gallons: int) -> int:
    """Cents for a month's water: the base charge, then each tier's gallons at its rate."""
    if gallons <= WATER_MINIMUM_GALLONS:
        return WATER_BASE_SMALL
    millicents, floor = 0, WATER_MINIMUM_GALLONS
    for ceiling, rate in WATER_TIERS:
        top = gallons if ceiling is None else min(gallons, ceiling)
        if top > floor:
            millicents += (top - floor) * rate
        if ceiling is None or gallons <= ceiling:
            break
        floor = ceiling
    return WATER_BASE + (millicents + 500) // 1000


def sewer_charge(winter_average_gallons: int) -> int:
    extra = max(0, winter_average_gallons - SEWER_BASE_GALLONS)
    return SEWER_BASE + (extra * SEWER_RATE + 500) // 1000


def stormwater_charge(eru_tenths: int) -> int:
    return STORMWATER_PER_ERU * eru_tenths // 10


def money_text(cents: int) -> str:
    """Cents as the exact two-place decimal PostgreSQL reads: 12345 -> '123.45'."""
    return str(Decimal(cents).scaleb(-2))


def _copy_text(value: str) -> str:
    # COPY text format: backslash, tab and newlines must be escaped.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        value = value.replace("\r", "\\r")
    return value


NULL = "\\N"


def _opt(value) -> str:
    if value is None:
        return NULL
    return _iso(value) if isinstance(value, date) else str(value)


_ISO: dict[date, str] = {}


def _iso(day: date) -> str:
    # A few hundred distinct dates are written millions of times.
    text = _ISO.get(day)
    if text is None:
        text = _ISO[day] = day.isoformat()
    return text


def _stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{_iso(day)} {hour:02d}:{minute:02d}:00+00"


_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def bill_memo(start: date, end: date) -> str:
    """The memo accounts.services.post_bill writes for a bill's period."""
    return (
        f"Bill for {_MONTHS[start.month]} {start.day:02d} – "
        f"{_MONTHS[end.month]} {end.day:02d}, {end.year}"
    )


# Reserving ids ---------------------------------------------------------------------------


class SequenceBlocks:
    """Reserves blocks of sequence values through the current thread's connection."""

    def __init__(self):
        self._names: dict[str, str] = {}

    def sequence_for(self, table: str) -> str:
        if table not in self._names:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
                self._names[table] = cursor.fetchone()[0]
        return self._names[table]

    def reserve(self, sequence: str, count: int) -> int:
        """The first of `count` consecutive values no one else will be given."""
        if count <= 0:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(%s::regclass, nextval(%s::regclass) + %s - 1)",
                [sequence, sequence, count],
            )
            return cursor.fetchone()[0] - count + 1


# Building batches ------------------------------------------------------------------------


@dataclass
class Batch:
    """One batch of rows, formatted for COPY, with what it holds for the progress line."""

    text: dict[str, str]
    counts: dict[str, int]
    accounts_done: int = 0
    extras_done: int = 0
    first_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class Person:
    kind: str
    customer_class: str
    first: str
    last: str
    organisation: str


@dataclass(slots=True)
class CustomerRow:
    person: Person
    phone: str
    alt_phone: str
    email: str
    preferred_contact: str
    language: str
    # A batch-local premise index (mailed at the service address) or (street, unit, city,
    # state, zip).
    mail: int | tuple
    identity_checked_how: str
    medical_certificate_until: date | None
    life_support: bool
    cash_only_until: date | None
    since: date


@dataclass(slots=True)
class Usage:
    """What one account uses: gallons in an average month, its sewer winter average and its
    stormwater ERU in tenths."""

    gallons: float
    winter_average: int
    eru_tenths: int


@dataclass
class _Rows:
    """A batch's rows with batch-local indexes where ids go; ids are added when formatted."""

    customers: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    service_points: list = field(default_factory=list)
    services: list = field(default_factory=list)
    bills: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    ledger: list = field(default_factory=list)


PROFILES = [  # how a household pays, with its share of billed accounts
    ("on_time", 0.70),
    ("late", 0.13),
    ("partial", 0.05),
    ("stopped", 0.05),
    ("overpays", 0.03),
    ("skips", 0.04),
]
_PROFILE_NAMES = [name for name, _ in PROFILES]
_PROFILE_CUM = [sum(share for _, share in PROFILES[: i + 1]) for i in range(len(PROFILES))]

RATE_CODES = {
    customer_class: {utility: rate_code(utility, customer_class) for utility in utilities}
    for customer_class, utilities in DEFAULT_UTILITIES.items()
}


class DemoData:
    """Generates the rows. One instance, one random stream: call `history_batches` before
    `extra_batches` to reproduce a run."""

    def __init__(self, *, seed: int, months: int, today: date):
        self.seed = seed
        self.rng = random.Random(seed)
        self.months = months
        self.today = today
        self.blocks = SequenceBlocks()

    # People ------------------------------------------------------------------------------

    def _person(self, customer_class: str) -> Person:
        rng = self.rng
        if customer_class == "government":
            name = rng.choice(GOVERNMENT_NAMES).format(n=rng.randint(1, 40))
            return Person("organisation", customer_class, "", "", name)
        if customer_class == "commercial" and rng.random() < 0.9:
            if rng.random() < 0.5:
                last = rng.choices(LAST_NAMES, cum_weights=LAST_CUM_WEIGHTS)[0]
                name = f"{last} {rng.choice(TRADES)}"
            else:
                name = f"{rng.choice(BUSINESS_WORDS)} {rng.choice(TRADES)}"
            return Person("organisation", customer_class, "", "", name)
        first = rng.choice(FIRST_NAMES)
        last = rng.choices(LAST_NAMES, cum_weights=LAST_CUM_WEIGHTS)[0]
        if rng.random() < 0.03:  # a double surname
            last = f"{last}-{rng.choices(LAST_NAMES, cum_weights=LAST_CUM_WEIGHTS)[0]}"
        return Person("person", customer_class, first, last, "")

    def _phone(self) -> str:
        rng = self.rng
        return f"{rng.choice(_AREA_CODES)}{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"

    def _email(self, person: Person) -> str:
        rng = self.rng
        if person.kind == "organisation":
            slug = "".join(ch for ch in person.organisation.lower() if ch.isalnum())[:24]
            return f"{rng.choice(['billing', 'office', 'accounts', 'info'])}@{slug}.example.com"
        first = "".join(ch for ch in person.first.lower() if ch.isalpha())
        last = "".join(ch for ch in person.last.lower() if ch.isalpha())
        style = rng.randrange(4)
        local = (
            f"{first}.{last}",
            f"{first}{last[:1]}{rng.randint(1, 99)}",
            f"{first[:1]}{last}{rng.randint(1, 999)}",
            f"{first}{last}{rng.randint(1950, 2010)}",
        )[style]
        return f"{local}@{rng.choice(_EMAIL_DOMAINS)}"

    def _customer(self, person: Person, since: date, *, mail) -> CustomerRow:
        rng, today = self.rng, self.today
        has_phone = rng.random() < 0.97
        phone = self._phone() if has_phone else ""
        alt_phone = self._phone() if has_phone and rng.random() < 0.25 else ""
        email = self._email(person) if rng.random() < 0.7 else ""
        if person.kind == "organisation":
            how = "business_registration" if rng.random() < 0.8 else ""
        else:
            how = rng.choices(
                ["driver_licence", "state_id", "passport", "military_id", ""],
                cum_weights=[60, 75, 80, 83, 100],
            )[0]
        contact = rng.choices(
            ["phone", "email", "text", "mail"], cum_weights=[40, 70 if email else 40, 90, 100]
        )[0]
        if contact in ("phone", "text") and not phone:
            contact = "mail"  # the preferred contact has its details, as the forms require
        language = rng.choices(["English", "Spanish", "Vietnamese", "Korean"], [82, 15, 2, 1])[0]
        roll = rng.random()
        medical = today + timedelta(days=rng.randint(-60, 60)) if roll < 0.01 else None
        life_support = 0.01 <= roll < 0.013
        cash_only = today + timedelta(days=rng.randint(-120, 365)) if roll > 0.994 else None
        return CustomerRow(
            person, phone, alt_phone, email, contact, language, mail, how, medical, life_support,
            cash_only, since,
        )  # fmt: skip

    def _other_mailing_address(self) -> tuple:
        rng = self.rng
        city, state, zip_code = rng.choice(_OTHER_MAIL_CITIES)
        if rng.random() < 0.5:
            return (f"PO BOX {rng.randint(100, 99999)}", "", city, state, zip_code)
        street, _ = rng.choice(STREETS)
        return (f"{rng.randint(100, 29999)} {street}", "", city, state, zip_code)

    # Bills and payments -------------------------------------------------------------------

    def _bill_dates(self, cycle_day: int) -> list[date]:
        today = self.today
        latest = date(today.year, today.month, cycle_day)
        if latest > today:
            latest = add_months(latest, -1)
        return [add_months(latest, -k) for k in range(self.months - 1, -1, -1)]

    def _account_history(self, rows: _Rows, account: int, customer_class: str, services):
        """Bills, payments and late fees of one account. Returns (status, opened, closed)."""
        rng, today = self.rng, self.today
        cycle_dates = self._bill_dates(rng.randint(1, 28))
        window_start = add_months(cycle_dates[0], -1) if cycle_dates else today - timedelta(days=30)
        roll = rng.random()
        closed_on = None
        if roll < 0.02:  # just signed up: service not started, nothing billed
            opened = today - timedelta(days=rng.randint(0, 7))
            return "pending", opened, None
        if roll < 0.14:  # moved in during the window
            span = max(1, (today - window_start).days - 20)
            opened = window_start + timedelta(days=rng.randint(0, span))
        else:
            opened = window_start - timedelta(days=rng.randint(20, 6000))
            if roll > 0.95 and (today - window_start).days > 90:  # moved out during the window
                span = (today - window_start).days - 70
                closed_on = window_start + timedelta(days=60 + rng.randint(0, span))

        bill_dates = [d for d in cycle_dates if d >= opened + timedelta(days=10)]
        if closed_on:
            bill_dates = [d for d in bill_dates if d <= closed_on]
            bill_dates.append(closed_on + timedelta(days=2))  # the final bill

        if customer_class == "residential":
            gallons = rng.lognormvariate(8.6, 0.45)  # about 5,400 gal a month
            eru_tenths = rng.choice([7, 10, 10, 10, 15, 20])
        else:
            gallons = rng.lognormvariate(10.2, 0.8)
            eru_tenths = rng.choice([20, 30, 50, 80, 120])
        usage = Usage(gallons, round(gallons * 0.85 / 100) * 100, eru_tenths)
        profile = rng.choices(_PROFILE_NAMES, cum_weights=_PROFILE_CUM)[0]
        stops_at = len(bill_dates) - rng.randint(1, 8) if profile == "stopped" else None

        events = []  # (date, order, kind, bill index): fees before bills before payments
        period_start = opened if opened > window_start else window_start
        for i, bill_date in enumerate(bill_dates):
            final = closed_on is not None and i == len(bill_dates) - 1
            period_end = closed_on if final else bill_date - timedelta(days=1)
            days = (period_end - period_start).days + 1
            bill_index = len(rows.bills)
            total = self._bill(rows, bill_index, services, usage, days, period_end)
            due = bill_date + timedelta(days=BILL_DUE_DAYS)
            rows.bills.append((account, period_start, period_end, bill_date, due, total))
            events.append((bill_date, 1, "bill", bill_index))
            if due + timedelta(days=1) <= today:
                events.append((due + timedelta(days=1), 0, "fee", bill_index))
            pay_day = self._pay_day(profile, i, stops_at, bill_date, due)
            if pay_day is not None and pay_day <= today:
                events.append((pay_day, 2, "payment", bill_index))
            period_start = period_end + timedelta(days=1)

        def post(kind, cents, day, due, stamp, memo, bill=None):
            rows.ledger.append((account, kind, cents, day, due, stamp, memo, bill))

        balance = 0
        # What is still owed on each charge, oldest first (payments pay the oldest first, as
        # the aging allocates them): [cents, is a fee, due date]. The late fee follows the collections
        # rule: the policy's percentage of the past due on bills, never on earlier fees, and
        # it names its bill (reference), one per bill.
        owed: list[list] = []
        credit = 0  # paid ahead: goes to the next bill
        for day, _, kind, bill_index in sorted(events):
            if kind == "bill":
                _, start, end, _, due, total = rows.bills[bill_index]
                balance += total
                used = min(credit, total)
                credit -= used
                if total > used:
                    owed.append([total - used, False, due])
                memo = bill_memo(start, end)
                post("bill", total, day, due, _stamp(day, 11), memo, bill_index)
            elif kind == "fee":
                # Past due on bills alone: a final bill posted since is not due yet.
                base = sum(c for c, is_fee, owed_due in owed if not is_fee and owed_due < day)
                if balance > 0 and base > 0:
                    fee = (min(base, balance) * LATE_FEE_PERCENT + 50) // 100
                    past_due = format_money(Decimal(money_text(min(base, balance))))
                    memo = f"Late fee: {LATE_FEE_PERCENT}% of {past_due} past due"
                    post("late_fee", fee, day, day, _stamp(day, 7), memo, bill_index)
                    balance += fee
                    owed.append([fee, True, day])
            else:
                amount = self._payment_amount(profile, balance)
                if amount > 0:
                    stamp = _stamp(day, rng.randint(13, 23), rng.randint(0, 59))
                    post("payment", -amount, day, None, stamp, rng.choice(_PAYMENT_MEMOS))
                    balance -= amount
                    left = amount
                    while left > 0 and owed:
                        paid = min(left, owed[0][0])
                        owed[0][0] -= paid
                        left -= paid
                        if owed[0][0] == 0:
                            owed.pop(0)
                    credit += left

        if closed_on is None:
            return "active", opened, None
        last_due = bill_dates[-1] + timedelta(days=BILL_DUE_DAYS)
        if balance < 0:
            refund_day = last_due + timedelta(days=14)
            if refund_day <= today:  # the credit left on a final account goes back by check
                memo = "Refund of credit balance on final account: check requested"
                post("refund", -balance, refund_day, refund_day, _stamp(refund_day, 15), memo)
                balance = 0
        if balance == 0:
            return "closed", opened, closed_on
        if balance > 0 and last_due + timedelta(days=60) < today:
            return "collections", opened, closed_on
        return "final", opened, closed_on

    def _bill(self, rows, bill_index, services, usage: Usage, days: int, period_end: date) -> int:
        """One line per service; returns the bill's total in cents."""
        rng, total = self.rng, 0
        for service_index, utility in services:
            if utility == "water":
                gallons = usage.gallons * SEASON[period_end.month - 1] * rng.uniform(0.85, 1.15)
                if rng.random() < 0.005:  # a leak
                    gallons *= rng.uniform(2.5, 6)
                gallons = int(gallons * days / 30 / 100) * 100
                amount = water_charge(gallons) + WATER_ACQUISITION_FEE
                text = f"Water {gallons:,} gal, incl. $9.00 acquisition fee"
                line = (text, f"{gallons}.00", "gal")
            elif utility == "sewer":
                amount = sewer_charge(usage.winter_average)
                text = f"Sewer, winter average {usage.winter_average:,} gal"
                line = (text, f"{usage.winter_average}.00", "gal")
            elif utility == "trash":
                amount = TRASH + RECYCLING
                line = ("Trash and recycling", None, "")
            else:
                amount = stormwater_charge(usage.eru_tenths)
                eru = f"{usage.eru_tenths // 10}.{usage.eru_tenths % 10}"
                line = (f"Stormwater {eru} ERU", f"{eru}0", "ERU")
            rows.lines.append((bill_index, service_index, utility, *line, amount))
            total += amount
        return total

    def _pay_day(self, profile, i, stops_at, bill_date, due) -> date | None:
        rng = self.rng
        if profile == "stopped" and i >= stops_at:
            return None
        if profile == "late":
            if rng.random() < 0.2:
                return None  # this month skipped, paid with the next
            return due + timedelta(days=rng.randint(2, 25))
        if profile == "skips" and i % 2:
            return None
        if profile == "partial":
            return bill_date + timedelta(days=rng.randint(5, 25))
        return bill_date + timedelta(days=rng.randint(3, BILL_DUE_DAYS - 1))

    def _payment_amount(self, profile, balance) -> int:
        if balance <= 0:
            return 0
        if profile == "partial":
            part = balance * self.rng.randint(40, 90) // 100 // 500 * 500
            return min(balance, max(part, 10_00))
        if profile == "overpays":
            return (balance // 50_00 + 1) * 50_00  # rounds up to the next $50
        return balance

    # Batches -----------------------------------------------------------------------------

    def history_batches(self, accounts: int) -> Iterator[Batch]:
        done = 0
        while done < accounts:
            size = min(HISTORY_BATCH, accounts - done)
            done += size
            yield self._history_batch(size, done)

    def extra_batches(self, customers: int) -> Iterator[Batch]:
        done = 0
        while done < customers:
            size = min(EXTRA_BATCH, customers - done)
            done += size
            yield self._extra_batch(size, done)

    def _history_batch(self, size: int, done: int) -> Batch:
        rng, rows = self.rng, _Rows()
        landlords = {name: [] for name in RATE_CODES}  # customers who hold several accounts
        for account in range(size):
            rng.seed(f"{self.seed}:account:{done - size + account}")
            customer_class = rng.choices(
                ["residential", "commercial", "government"], cum_weights=[92, 99, 100]
            )[0]
            utilities = list(RATE_CODES[customer_class])
            if customer_class == "residential" and rng.random() < 0.03:
                utilities.remove("sewer")  # on a septic tank
            if customer_class == "commercial" and rng.random() < 0.3:
                utilities.remove("trash")  # a private hauler
            services = []
            for utility in utilities:
                services.append((len(rows.services), utility))
                rows.services.append([account, utility, RATE_CODES[customer_class][utility]])
                meter = f"{rng.choice(['SN', 'BM', 'NP'])}{rng.randint(10**7, 10**8 - 1)}"
                rows.service_points.append((account, utility, meter if utility == "water" else ""))
            status, opened, closed = self._account_history(rows, account, customer_class, services)
            # The history drew as many numbers as the day made it: the customer must not
            # depend on that.
            rng.seed(f"{self.seed}:customer:{done - size + account}")
            for service in services:
                row = rows.services[service[0]]
                if status == "pending":
                    row += [opened + timedelta(days=rng.randint(0, 3)), None, "pending"]
                elif closed is not None:
                    row += [opened, closed, "stopped"]
                else:
                    row += [opened, None, "active"]
            if landlords[customer_class] and rng.random() < 0.02:
                customer = rng.choice(landlords[customer_class])
            else:
                customer = len(rows.customers)
                lives_there = customer_class == "residential" and rng.random() < 0.9
                mail = account if lives_there else self._other_mailing_address()
                rows.customers.append(
                    self._customer(self._person(customer_class), opened, mail=mail)
                )
                if customer_class != "residential" or rng.random() < 0.05:
                    landlords[customer_class].append(customer)
            rows.accounts.append((customer, status, opened, closed))
        return self._format(rows, accounts_done=done)

    def _extra_batch(self, size: int, done: int) -> Batch:
        """Former customers: a closed account at a premise, no ledger kept. They make the
        customer table as large as a long-lived utility's."""
        rng, rows, today = self.rng, _Rows(), self.today
        for account in range(size):
            customer_class = "residential" if rng.random() < 0.95 else "commercial"
            if rng.random() < 0.97:
                opened = today - timedelta(days=rng.randint(800, 11000))
                closed = opened + timedelta(days=rng.randint(180, 3000))
                closed = min(closed, today - timedelta(days=60))
                status = "closed"
            else:
                opened, closed, status = today - timedelta(days=rng.randint(0, 10)), None, "pending"
            meter = f"{rng.choice(['SN', 'BM', 'NP'])}{rng.randint(10**7, 10**8 - 1)}"
            rows.service_points.append((account, "water", meter))
            mail = account if rng.random() < 0.8 else self._other_mailing_address()
            rows.customers.append(self._customer(self._person(customer_class), opened, mail=mail))
            rows.accounts.append((account, status, opened, closed))
        return self._format(rows, extras_done=done)

    # Formatting --------------------------------------------------------------------------

    def _format(self, rows: _Rows, *, accounts_done=0, extras_done=0) -> Batch:
        reserve, seq = self.blocks.reserve, self.blocks.sequence_for
        counts = {
            "accounts_customer": len(rows.customers),
            "accounts_premise": len(rows.accounts),
            "accounts_servicepoint": len(rows.service_points),
            "accounts_account": len(rows.accounts),
            "accounts_service": len(rows.services),
            "accounts_bill": len(rows.bills),
            "accounts_billline": len(rows.lines),
            "accounts_ledgerentry": len(rows.ledger),
        }
        base = {table: reserve(seq(table), n) for table, n in counts.items()}
        account_number = reserve("account_number_seq", len(rows.accounts))
        bill_number = reserve("bill_number_seq", len(rows.bills))
        customer_base, premise_base = base["accounts_customer"], base["accounts_premise"]
        account_base, bill_base = base["accounts_account"], base["accounts_bill"]
        service_base = base["accounts_service"]
        text: dict[str, list[str]] = {table: [] for table in TABLES}

        mail_of_customer = []
        out = text["accounts_customer"].append
        for i, row in enumerate(rows.customers):
            mail = row.mail
            if isinstance(mail, int):
                number, street, unit = address_for(premise_base + mail)
                mail = (f"{number} {street}", unit, "Cibolo", STATE, ZIP)
            mail_of_customer.append(mail)
            out(_customer_line(customer_base + i, row, mail))

        out_premise, out_account = text["accounts_premise"].append, text["accounts_account"].append
        for i, (customer, status, opened, closed) in enumerate(rows.accounts):
            premise_id = premise_base + i
            number, street, unit = address_for(premise_id)
            customer_class = rows.customers[customer].person.customer_class
            if unit:
                premise_type = "multi_family"
            else:
                premise_type = {
                    "residential": "single_family",
                    "commercial": "commercial",
                    "government": "municipal",
                }[customer_class]
            hazard = self.rng.choice(_HAZARDS) if premise_id % 53 == 0 else ""
            stamp = _stamp(opened, 15)
            out_premise(
                f"{premise_id}\t{number}\t{street}\t{unit}\t{CITY}\t{STATE}\t{ZIP}\t"
                f"{premise_type}\t{hazard}\t{stamp}"
            )
            mail = "\t".join(map(_copy_text, mail_of_customer[customer]))
            out_account(
                f"{account_base + i}\t{account_number_for(account_number + i)}\t"
                f"{customer_base + customer}\t{premise_id}\t{status}\t{mail}\t"
                f"{_iso(opened)}\t{_opt(closed)}\t{stamp}"
            )

        out = text["accounts_servicepoint"].append
        sp_base = base["accounts_servicepoint"]
        for i, (premise, utility, meter) in enumerate(rows.service_points):
            out(f"{sp_base + i}\t{premise_base + premise}\t{utility}\t{meter}")

        out = text["accounts_service"].append
        for i, (account, utility, rate, start, end, status) in enumerate(rows.services):
            out(
                f"{service_base + i}\t{account_base + account}\t{premise_base + account}\t"
                f"{utility}\t{rate}\t{_iso(start)}\t{_opt(end)}\t{status}"
            )

        out = text["accounts_bill"].append
        for i, (account, start, end, bill_date, due, total) in enumerate(rows.bills):
            out(
                f"{bill_base + i}\t{account_base + account}\t{bill_number + i}\t"
                f"{_iso(start)}\t{_iso(end)}\t{_iso(bill_date)}\t"
                f"{_iso(due)}\t{money_text(total)}\t{_stamp(bill_date, 11)}"
            )

        out, line_base = text["accounts_billline"].append, base["accounts_billline"]
        for i, (bill, service, utility, description, usage, unit, amount) in enumerate(rows.lines):
            out(
                f"{line_base + i}\t{bill_base + bill}\t{service_base + service}\t{utility}\t"
                f"{description}\t{_opt(usage)}\t{unit}\t{money_text(amount)}"
            )

        out, entry_base = text["accounts_ledgerentry"].append, base["accounts_ledgerentry"]
        for i, (account, kind, cents, day, due, stamp, memo, bill) in enumerate(rows.ledger):
            if bill is None:
                reference, bill_id = "", NULL
            elif kind != "bill":  # a late fee names the bill it is charged on, not linked
                reference, bill_id = str(bill_number + bill), NULL
            else:
                reference, bill_id = str(bill_number + bill), str(bill_base + bill)
            out(
                f"{entry_base + i}\t{account_base + account}\t{kind}\t{money_text(cents)}\t"
                f"{_iso(day)}\t{_opt(due)}\t{stamp}\t{reference}\t{_copy_text(memo)}\t"
                f"\t{bill_id}"
            )

        return Batch(
            text={table: "\n".join(lines) + "\n" for table, lines in text.items() if lines},
            counts=counts,
            first_ids={table: first for table, first in base.items() if counts[table]},
            accounts_done=accounts_done,
            extras_done=extras_done,
        )


def _customer_line(customer_id: int, row: CustomerRow, mail: tuple) -> str:
    person = row.person
    display = person.organisation or f"{person.first} {person.last}"
    names = (
        person.first,
        person.last,
        person.organisation,
        name_key(display),
        name_key(person.last),
        name_key(person.first),
    )
    stamp = _stamp(row.since, 15)
    return "\t".join((
        str(customer_id), person.kind, person.customer_class, *map(_copy_text, names),
        row.phone, row.alt_phone, row.email, row.preferred_contact, row.language,
        *map(_copy_text, mail), row.identity_checked_how,
        stamp if row.identity_checked_how else NULL, _opt(row.medical_certificate_until),
        "t" if row.life_support else "f", _opt(row.cash_only_until), stamp, stamp,
    ))  # fmt: skip


# Loading ---------------------------------------------------------------------------------


@dataclass
class SeedResult:
    counts: dict[str, int]
    seconds: float


def _produce(batches: Iterator[Batch], out: queue.Queue, stop: threading.Event):
    try:
        for batch in batches:
            while not stop.is_set():
                try:
                    out.put(batch, timeout=0.5)
                    break
                except queue.Full:
                    continue
            if stop.is_set():
                return
        out.put(None)
    except BaseException as exc:  # handed to the loading thread, which raises it
        out.put(exc)
    finally:
        connections.close_all()  # this thread's own connection only


def copy_batches(batches: Iterator[Batch], progress: Callable[[Batch, dict], None]) -> dict:
    """Stream the batches into the database through the caller's connection (and open
    transaction), building the next batch in another thread meanwhile."""
    totals = dict.fromkeys(TABLES, 0)
    handoff: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    producer = threading.Thread(target=_produce, args=(batches, handoff, stop), daemon=True)
    producer.start()
    try:
        with connection.cursor() as cursor:
            while (batch := handoff.get()) is not None:
                if isinstance(batch, BaseException):
                    raise batch
                for table in TABLES:
                    if table in batch.text:
                        with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                            copy.write(batch.text[table])
                        totals[table] += batch.counts[table]
                progress(batch, totals)
    finally:
        stop.set()
        while producer.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        producer.join()
    return totals


FAST_PATH_ROWS = 5_000  # accounts with history (or 10x as many extra customers)


def _insert_triggers() -> list[str]:
    """User triggers that fire on INSERT into a seeded table: the fast path would skip them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass || '.' || tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgtype & 4 <> 0 AND tgrelid::regclass::text = ANY(%s) "
            # The name-word dictionary and the aging summary are made again set-based after
            # a load that skipped their triggers (seed()).
            "AND tgname NOT LIKE '%%name_words%%' AND tgname <> 'accounts_ledgerentry_aging_changes'",
            [TABLES],
        )
        return [row[0] for row in cursor.fetchall()]


def _can_skip_key_triggers() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
    return bool(row and row[0]) and not _insert_triggers()


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(table, column, referenced table) of every foreign key out of a seeded table."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f' AND cardinality(c.conkey) = 1
              AND c.conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2
            """,
            [TABLES],
        )
        return cursor.fetchall()


def verify_foreign_keys(first_ids: dict[str, int]) -> list[str]:
    """Rows loaded since `first_ids` whose foreign key points at nothing, one set-based
    anti-join per key (what ALTER TABLE ... VALIDATE CONSTRAINT does)."""
    problems = []
    with connection.cursor() as cursor:
        for table, column, parent in _foreign_keys():
            if table not in first_ids:
                continue
            cursor.execute(
                f"SELECT count(*) FROM {table} c WHERE c.id >= %s AND c.{column} IS NOT NULL "  # noqa: S608 - names from the catalog
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{column})",
                [first_ids[table]],
            )
            if orphans := cursor.fetchone()[0]:
                problems.append(f"{table}.{column}: {orphans} rows point at no {parent}")
    return problems


def seed(
    *,
    accounts: int,
    months: int,
    extra_customers: int,
    seed: int,
    today: date,
    progress: Callable[[str], None] = lambda message: None,
    fast_keys: bool | None = None,
) -> SeedResult:
    """Load the data inside the caller's transaction.

    Foreign keys are checked row by row at the end of each COPY, which keeps memory flat but
    costs half the load time. On a large load by a superuser (and when no INSERT trigger
    would be skipped) the per-row checks are switched off for this transaction
    (`session_replication_role = replica`, as pg_restore does) and every key of the loaded
    rows is checked afterwards with one anti-join each; any orphan raises and rolls back.
    """
    started = time.monotonic()
    data = DemoData(seed=seed, months=months, today=today)
    if fast_keys is None:
        large = accounts >= FAST_PATH_ROWS or extra_customers >= 10 * FAST_PATH_ROWS
        fast_keys = large and _can_skip_key_triggers()
    first_ids: dict[str, int] = {}

    def report(batch: Batch, totals: dict):
        for table, first in batch.first_ids.items():
            first_ids.setdefault(table, first)
        elapsed = time.monotonic() - started
        if batch.accounts_done:
            progress(
                f"  accounts {batch.accounts_done:>9,}/{accounts:,}  bills "
                f"{totals['accounts_bill']:>11,}  ledger {totals['accounts_ledgerentry']:>11,}"
                f"  {elapsed:7.1f} s"
            )
        else:
            progress(
                f"  extra customers {batch.extras_done:>9,}/{extra_customers:,}  {elapsed:7.1f} s"
            )

    def batches() -> Iterator[Batch]:
        yield from data.history_batches(accounts)
        yield from data.extra_batches(extra_customers)

    with connection.cursor() as cursor:
        if fast_keys:
            progress("  foreign keys: checked once after the load (superuser fast path)")
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    totals = copy_batches(batches(), report)
    refresh_name_words()
    if fast_keys:
        aging_summary.rebuild()  # its trigger was off with the key checks
    else:
        aging_summary.fold()
    if fast_keys:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
        checked = time.monotonic()
        if problems := verify_foreign_keys(first_ids):
            raise RuntimeError("Seeded rows break foreign keys: " + "; ".join(problems))
        progress(f"  foreign keys verified in {time.monotonic() - checked:.1f} s")
    return SeedResult(counts=totals, seconds=time.monotonic() - started)


def refresh_name_words():
    """Add the loaded names' words to the search dictionary in one statement (the row
    trigger that keeps it current is off on the fast path)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_nameword (word) "
            "SELECT DISTINCT w FROM accounts_customer, unnest(string_to_array(search_name, ' ')) AS w "
            "WHERE length(w) >= 2 ON CONFLICT DO NOTHING"
        )


def analyze():
    with connection.cursor() as cursor:
        for table in [*TABLES, "accounts_nameword", *aging_summary.TABLES]:
            cursor.execute(f"ANALYZE {table}")
