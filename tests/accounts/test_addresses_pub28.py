"""Street suffixes, directionals and unit designators by USPS Publication 28, and the premise
key they make: one address is one premise however a clerk writes it."""

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import Premise
from accounts.premise_keys import rekey_premises
from accounts.services import find_or_create_premise, premise_key_on_file, premise_lookup
from accounts.usps_pub28 import (
    _C1,
    DIRECTIONALS,
    STREET_SUFFIXES,
    SUFFIX_NAMES,
    UNIT_DESIGNATORS,
)
from accounts.validation import normalize_street, normalize_unit
from tests.factories import make_premise

C1_ROWS = [line.split() for line in _C1.strip().splitlines()]


def test_the_suffix_table_is_appendix_c1_whole():
    # Appendix C1 has 202 standard suffix abbreviations (2023 edition); a hand-picked few
    # were what let COVE and CV make two premises.
    assert len(SUFFIX_NAMES) == 202
    assert len(C1_ROWS) == 202
    # Each spelling means one suffix only.
    spellings = [form for row in C1_ROWS for form in {row[0], row[1], *row[2:]}]
    assert len(spellings) == len(set(spellings))


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        # The six the issue found unfolded, and others read from Appendix C1 itself.
        ("COVE", "CV"), ("BEND", "BND"), ("POINT", "PT"), ("CROSSING", "XING"),
        ("SQUARE", "SQ"), ("TRACE", "TRCE"), ("SQU", "SQ"), ("CRSSNG", "XING"),
        ("AVENU", "AVE"), ("BOULV", "BLVD"), ("CIRCL", "CIR"), ("EXPRESSWAY", "EXPY"),
        ("FREEWY", "FWY"), ("HIGHWY", "HWY"), ("JUNCTN", "JCT"), ("PARKWY", "PKWY"),
        ("STRAVENUE", "STRA"), ("TURNPK", "TPKE"), ("VILLIAGE", "VLG"), ("WY", "WAY"),
        ("CROSSROADS", "XRDS"), ("COMMONS", "CMNS"), ("TRAILERS", "TRLR"), ("LOOPS", "LOOP"),
    ],
)  # fmt: skip
def test_known_appendix_c1_rows(typed, standard):
    assert normalize_street(f"Frio {typed}") == f"FRIO {standard}"


@pytest.mark.parametrize("row", C1_ROWS, ids=[row[1] for row in C1_ROWS])
def test_every_pub28_suffix_and_its_abbreviations_give_one_key(row):
    primary, standard, *others = row
    keys = {
        normalize_street(f"{name} {form}")
        for form in (primary, standard, *others)
        for name in ("Frio", "frio")
    }
    keys |= {normalize_street(f"Frio {primary.title()}."), normalize_street(f"FRIO {standard}.")}
    assert keys == {f"FRIO {standard}"}


@pytest.mark.parametrize(("long", "short"), [(k, v) for k, v in DIRECTIONALS.items() if k != v])
def test_every_directional_before_and_after_the_street(long, short):
    assert normalize_street(f"{long.title()} Main Street") == f"{short} MAIN ST"
    assert normalize_street(f"Main Street {long.lower()}") == f"MAIN ST {short}"
    assert normalize_street(f"{short}. Main St.") == f"{short} MAIN ST"


def test_two_directional_words_are_one_directional_unless_one_is_the_name():
    assert normalize_street("North West Main Street") == "NW MAIN ST"
    assert normalize_street("North West Street") == "N WEST ST"  # Pub 28 233.4


def test_north_loop_is_a_street_named_north_not_n():
    assert normalize_street("North Loop") == "NORTH LOOP"
    assert normalize_street("north loop") == "NORTH LOOP"
    assert normalize_street("East Street") == "EAST ST"
    assert normalize_street("North Loop Road") == "N LOOP RD"  # here LOOP is the name


def test_only_the_last_of_two_suffix_words_is_the_suffix():
    assert normalize_street("Court Street") == "COURT ST"  # Pub 28 234.2
    assert normalize_street("Park Avenue") == "PARK AVE"
    assert normalize_street("Avenue B") == "AVENUE B"
    assert normalize_street("Broadway") == "BROADWAY"


def test_a_numbered_route_is_written_one_way():
    assert normalize_street("Highway 78") == normalize_street("HWY 78") == "HWY 78"
    assert normalize_street("Loop 539") == "LOOP 539"
    assert normalize_street("FM 1103") == "FM 1103"


# APT, STE and UNIT only say "the unit": our key drops them (4B is 4B however it is written).
KEPT_DESIGNATORS = sorted(
    k for k, v in UNIT_DESIGNATORS.items() if k != v and v not in {"APT", "STE", "UNIT"}
)


def test_the_unit_table_is_appendix_c2_whole():
    assert len(set(UNIT_DESIGNATORS.values())) == 24
    assert normalize_unit("Hangar 3") == "HNGR 3"  # not the "HANGER" of some copies
    assert normalize_unit("Upper") == "UPPR"


@pytest.mark.parametrize("designator", KEPT_DESIGNATORS)
def test_every_pub28_unit_designator_is_kept_in_its_abbreviation(designator):
    standard = UNIT_DESIGNATORS[designator]
    assert normalize_unit(f"{designator.title()} 12") == normalize_unit(f"{standard}. 12")
    assert normalize_unit(f"{designator.lower()} 12") == f"{standard} 12"


def test_units_that_only_say_unit_are_the_one_number():
    for typed in ["Apartment 4B", "Apt 4b", "Suite 4B", "Ste. 4B", "Unit 4B", "#4B", "# 4B"]:
        assert normalize_unit(typed) == "4B"


@given(
    st.lists(
        st.sampled_from(
            ["North", "N", "West", "SW", "Main", "Frio", "Loop", "Cove", "Cv", "Street", "B", "78"]
        ),
        min_size=1,
        max_size=5,
    )
)
def test_a_key_read_again_is_the_same_key(words):
    # The re-keying migration relies on this: a premise already keyed stays as it is.
    once = normalize_street(" ".join(words))
    assert normalize_street(once) == once


def test_5728_frio_cv_and_5728_frio_cove_are_one_premise(db, clerk):
    address = {"unit": "", "city": "Cibolo", "state": "TX", "zip_code": "78108"}
    first, created = find_or_create_premise(
        house_number="5728", street="Frio Cv", by=clerk, **address
    )
    again, created_again = find_or_create_premise(
        house_number="5728", street="FRIO COVE", by=clerk, **address
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Premise.objects.filter(house_number="5728").count() == 1


def test_a_premise_keyed_before_pub28_is_still_found(db):
    # Older keys abbreviated every suffix or directional word, wherever it stood.
    court = make_premise(house_number="12", street="CT ST")
    loop = make_premise(house_number="40", street="N LOOP")
    typed = premise_lookup(house_number="12", street="Court Street", unit="", zip_code="78108")
    assert premise_key_on_file(typed)["street"] == court.street
    typed = premise_lookup(house_number="40", street="North Loop", unit="", zip_code="78108")
    assert premise_key_on_file(typed)["street"] == loop.street


def test_rekeying_keys_premises_and_reports_those_that_now_collide(db):
    cove = make_premise(house_number="5728", street="FRIO COVE")
    cv = make_premise(house_number="5728", street="FRIO CV")
    crossing = make_premise(house_number="9", street="DOVE CROSSING", unit="SPACE 4")
    plain = make_premise(house_number="10", street="OAK ST")
    report = rekey_premises(Premise)
    crossing.refresh_from_db()
    assert (crossing.street, crossing.unit) == ("DOVE XING", "SPC 4")
    assert [pk for pk, _, _ in report.changed] == [crossing.pk]
    # Not merged: both stay, as they were, and are named.
    assert [(key, [pk for pk, _ in rows]) for key, rows in report.collisions] == [
        ("5728 FRIO CV 78108", sorted([cove.pk, cv.pk]))
    ]
    assert set(Premise.objects.filter(house_number="5728").values_list("street", flat=True)) == {
        "FRIO COVE",
        "FRIO CV",
    }
    plain.refresh_from_db()
    assert plain.street == "OAK ST"
    assert rekey_premises(Premise).changed == []  # a second run finds nothing more to do


def test_rekey_command_lists_collisions_and_a_dry_run_changes_nothing(db, capsys):
    make_premise(house_number="5728", street="FRIO COVE")
    make_premise(house_number="5728", street="FRIO CV")
    bend = make_premise(house_number="7", street="SAGE BEND")
    call_command("rekey_premises", "--dry-run")
    out = capsys.readouterr().out
    assert "Premises that now read as one address: 1" in out
    assert "5728 FRIO CV 78108" in out
    assert f"premise {bend.pk}: 7 SAGE BEND 78108 -> 7 SAGE BND 78108" in out
    bend.refresh_from_db()
    assert bend.street == "SAGE BEND"
    call_command("rekey_premises")
    bend.refresh_from_db()
    assert bend.street == "SAGE BND"


def test_a_unit_with_its_own_designator_is_shown_without_a_hash(db):
    assert make_premise(house_number="3", street="ELM ST", unit="LOT 12").address_line == (
        "3 ELM ST LOT 12"
    )
    assert make_premise(house_number="3", street="ELM ST", unit="4B").address_line == (
        "3 ELM ST #4B"
    )


def test_suffix_table_spellings_are_not_directionals():
    assert not set(STREET_SUFFIXES) & set(DIRECTIONALS)
