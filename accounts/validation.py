"""Normalising and checking what clerks type: phones, ZIPs, states, addresses, account numbers."""

import re
import unicodedata

from django.core.exceptions import ValidationError

from utilityclerk.forms import ascii_digits

US_STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "PR", "GU", "VI", "AS", "MP",
}  # fmt: skip

_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


def phone_digits(text: str) -> str:
    """The ten digits of a US phone number typed any way: (210) 555-0100, 210.555.0100, +1 ..."""
    digits = re.sub(r"\D", "", ascii_digits(text or ""))
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def normalize_phone(text: str) -> str:
    if not (text or "").strip():
        return ""
    digits = phone_digits(text)
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        raise ValidationError("Enter a 10-digit US phone number, like (210) 555-0100.")
    return digits


def format_phone(digits: str) -> str:
    if len(digits or "") != 10:
        return digits or ""
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def normalize_zip(text: str) -> str:
    value = ascii_digits(text or "").strip()
    if not _ZIP.match(value) or value.startswith("00000"):
        raise ValidationError("Enter a ZIP code of 5 digits, or ZIP+4 like 78108-1234.")
    return value


def normalize_state(text: str) -> str:
    value = (text or "").strip().upper()
    if value not in US_STATES:
        raise ValidationError("Enter a two-letter US state code, like TX.")
    return value


STREET_WORDS = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN",
    "BOULEVARD": "BLVD", "COURT": "CT", "CIRCLE": "CIR", "PLACE": "PL", "PARKWAY": "PKWY",
    "HIGHWAY": "HWY", "TRAIL": "TRL", "TERRACE": "TER", "WAY": "WAY", "LOOP": "LOOP",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}  # fmt: skip
# "Apt. 101", "Unit #4", "# 4", "No. 7": the words and signs before a unit, however many.
_UNIT_PREFIX = re.compile(
    r"^(?:(?:APT|APARTMENT|UNIT|STE|SUITE|NO|NUMBER)\b\.?\s*|#\s*)+", re.IGNORECASE
)
# The last word of a street that says what kind of street it is: "N MAIN" and "N MAIN ST"
# are the same street when the city has only the one.
STREET_TYPES = {
    "ST", "AVE", "RD", "DR", "LN", "BLVD", "CT", "CIR", "PL", "PKWY", "TRL", "TER", "WAY",
    "LOOP", "CV", "COVE", "PATH", "RUN", "BND", "BEND", "PASS", "PT", "SQ", "TRCE", "XING",
}  # fmt: skip


def normalize_street(text: str) -> str:
    """'123 north main street' and '123 N. Main St' become the same: N MAIN ST."""
    words = re.sub(r"[.,]", " ", text or "").upper().split()
    return " ".join(STREET_WORDS.get(w, w) for w in words)


def normalize_unit(text: str) -> str:
    return _UNIT_PREFIX.sub("", (text or "").strip()).strip().upper()


def normalize_house_number(text: str) -> str:
    """'123 A', '123-a' and '123A' are one house number: 123A."""
    value = (text or "").strip().upper()
    return re.sub(r"^(\d+)[\s-]+([A-Z])$", r"\1\2", value)


def street_without_type(street: str) -> str:
    """A normalised street without its type word: N MAIN ST -> N MAIN; N MAIN -> N MAIN."""
    words = street.split()
    return " ".join(words[:-1]) if len(words) > 1 and words[-1] in STREET_TYPES else street


# Account numbers: seven digits and a Luhn check digit, shown as 1234567-4.
def luhn_check_digit(base: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(base)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def account_number_for(sequence_value: int) -> str:
    base = f"{sequence_value:07d}"
    return base + luhn_check_digit(base)


def format_account_number(number: str) -> str:
    return f"{number[:-1]}-{number[-1]}" if len(number or "") > 1 else number or ""


def account_number_problem(digits: str) -> str | None:
    """None when the 8 digits carry a right check digit, else the clerk's message."""
    if digits[-1] != luhn_check_digit(digits[:-1]):
        return f"Account number {format_account_number(digits)} has a wrong check digit."
    return None


def as_typed(text: str) -> str:
    """Text from a box as the clerk meant it: control characters pasted with it dropped (a NUL
    is refused by PostgreSQL in any query), tabs and line breaks read as single spaces."""
    kept = "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in text or "")
    return " ".join(kept.split())


# Letters NFKD does not take apart into a plain letter and an accent.
_PLAIN_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe"})


def name_key(text: str) -> str:
    """A name as search compares it: accents dropped, case folded ("Zoë Núñez" -> "zoe nunez").
    Cibolo's customers write Núñez and Nunez both, and a clerk types whichever comes."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().translate(_PLAIN_LETTERS)
