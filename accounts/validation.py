"""Normalising and checking what clerks type: phones, ZIPs, states, addresses, account numbers."""

import re
import unicodedata

from django.core.exceptions import ValidationError

from accounts.usps_pub28 import (
    DIRECTIONAL_PAIRS,
    DIRECTIONALS,
    STREET_SUFFIXES,
    SUFFIX_NAMES,
    UNIT_DESIGNATORS,
)
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


# Street suffixes, directionals and unit designators follow USPS Publication 28 (the tables
# are in accounts/usps_pub28.py, with their source). Position decides what a word is: "North
# Loop" is a street named NORTH of type LOOP, not "N LOOP"; in "Court Street" only the last
# word is the suffix (Pub 28, 234.2), so it stays COURT ST.
# Words before a unit that only say "here is the unit": "Apt. 101", "Unit #4", "# 4", "No. 7"
# are the one unit 101, 4 or 7 at an address (our rule on top of Pub 28, which keeps APT).
_UNIT_PREFIX = re.compile(
    r"^(?:(?:APT|APARTMENT|UNIT|STE|SUITE|NO|NUMBER)\b\.?\s*|#\s*)+", re.IGNORECASE
)
# The standard suffix abbreviations: the last word of a street that says what kind of street
# it is ("N MAIN" and "N MAIN ST" are the same street when the city has only the one).
STREET_TYPES = frozenset(SUFFIX_NAMES)


def _street_words(text: str) -> list[str]:
    return re.sub(r"[.,]", " ", text or "").upper().split()


def _directional_at(words: list[str], index: int, *, pair_from: int) -> tuple[str, int] | None:
    """The directional at words[index] (or the pair of words from pair_from, "NORTH WEST"),
    as (abbreviation, words used), when a street name word would still be left."""
    if len(words) >= 3:
        first, second = DIRECTIONALS.get(words[pair_from]), DIRECTIONALS.get(words[pair_from + 1])
        if (first, second) in DIRECTIONAL_PAIRS:
            return DIRECTIONAL_PAIRS[(first, second)], 2
    if len(words) >= 2 and words[index] in DIRECTIONALS:
        return DIRECTIONALS[words[index]], 1
    return None


def normalize_street(text: str) -> str:
    """A street as Pub 28 writes it: '123 north main street' and '123 N. Main St' are both
    N MAIN ST, "5728 Frio Cove" and "5728 Frio Cv" both FRIO CV. A directional or suffix word
    is abbreviated only where it stands as one (before or after the name, last), never when
    it is the name itself: NORTH LOOP, COURT ST, AVENUE B."""
    words = _street_words(text)
    post = _directional_at(words, -1, pair_from=-2) if words else None
    if post:
        words = words[: -post[1]]
    suffix = None
    if len(words) >= 2 and words[-1] in STREET_SUFFIXES:
        suffix, words = STREET_SUFFIXES[words[-1]], words[:-1]
    pre = _directional_at(words, 0, pair_from=0) if words else None
    if pre:
        words = words[pre[1] :]
    if len(words) == 2 and words[0] in STREET_SUFFIXES and words[1].isdigit():
        # A numbered route is written one way: HIGHWAY 78 and HWY 78, LOOP 539.
        words = [STREET_SUFFIXES[words[0]], words[1]]
    parts = [pre[0] if pre else None, *words, suffix, post[0] if post else None]
    return " ".join(p for p in parts if p)


def street_match_key(street: str) -> str:
    """A looser key for finding a premise on file: every word that is a directional or a
    suffix abbreviated wherever it stands. Premises keyed before Pub 28 abbreviated them that
    way (CT ST for Court Street, N LOOP for North Loop), and a typed street must still find
    them."""
    return " ".join(
        DIRECTIONALS.get(w) or STREET_SUFFIXES.get(w) or w for w in _street_words(street)
    )


def normalize_unit(text: str) -> str:
    """The unit as the premise key keeps it: "Apt 4b", "#4B" and "Unit 4B" are 4B; other
    Pub 28 designators are kept in their standard abbreviation: "Building B" is BLDG B,
    "Space 12" SPC 12, "Upper" UPPR."""
    rest = _UNIT_PREFIX.sub("", (text or "").strip()).strip().upper()
    words = re.sub(r"[.,]", " ", rest).split()
    return " ".join(UNIT_DESIGNATORS.get(w, w) for w in words)


def unit_has_designator(unit: str) -> bool:
    """Whether a kept unit starts with its own designator (LOT 12), so it is shown without #."""
    first = (unit or "").split(" ", 1)[0]
    return first in UNIT_DESIGNATORS


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
