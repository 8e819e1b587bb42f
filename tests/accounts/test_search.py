from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts import queries
from tests.factories import make_account, make_customer, make_premise

pytestmark = pytest.mark.django_db


@pytest.fixture
def johnson():
    customer = make_customer(
        first_name="Robert", last_name="Johnson", phone="2105550123", email="rj@example.com"
    )
    return make_account(
        customer=customer, premise=make_premise(house_number="412", street="N MAIN ST", unit="4B")
    )


@pytest.fixture
def others():
    return [
        make_account(customer=make_customer(first_name="Alice", last_name="Johnston")),
        make_account(customer=make_customer(first_name="Carl", last_name="Smith")),
        make_account(customer=make_customer(first_name="Dana", last_name="Garcia")),
    ]


def numbers(outcome):
    return [r.number for r in outcome.results]


def test_misspelled_name_finds_the_customer(johnson, others):
    outcome = queries.search("Jonson")
    assert johnson.number in numbers(outcome)
    assert outcome.results[0].matched == "Name"
    assert others[2].number not in numbers(outcome)


def test_closest_name_ranks_first(johnson, others):
    assert numbers(queries.search("robert johnson"))[0] == johnson.number


@pytest.mark.parametrize(
    "typed",
    ["{n}", "{dash}", "{n7} {n8}", "{n7}.{n8}", "{n4}-{n4b}", "#{n}", "# {dash}", "{n7}\u2013{n8}"],
)
def test_account_number_with_or_without_separators(johnson, others, typed):
    n = johnson.number
    query = typed.format(n=n, dash=f"{n[:7]}-{n[7]}", n7=n[:7], n8=n[7], n4=n[:4], n4b=n[4:])
    outcome = queries.search(query)
    assert numbers(outcome)[0] == n
    assert outcome.results[0].matched == "Account number"


def test_wrong_check_digit_says_so_and_offers_the_account_meant(johnson):
    n = johnson.number
    wrong = n[:7] + str((int(n[7]) + 1) % 10)
    outcome = queries.search(wrong)
    assert "wrong check digit" in outcome.message
    assert f"{n[:7]}-{n[7]}" in outcome.message
    # Labelled as a guess, one Enter away.
    assert numbers(outcome) == [n]
    assert outcome.results[0].matched == "Did you mean"


def test_a_wrong_check_digit_offers_no_account_that_does_not_exist(johnson):
    outcome = queries.search("99999999")
    assert outcome.message == "Account number 9999999-9 has a wrong check digit."
    assert numbers(outcome) == []


@pytest.mark.parametrize("typed", ["12-25-2024", "210-555-01", "210 555 01"])
def test_a_date_or_a_phone_half_typed_is_not_read_as_an_account_number(johnson, typed):
    assert "check digit" not in queries.search(typed).message


def test_seven_digits_offer_the_account_with_its_check_digit(johnson):
    n = johnson.number
    outcome = queries.search(n[:7])
    assert f"did you mean {n[:7]}-{n[7]}?" in outcome.message
    assert numbers(outcome) == [n]
    assert outcome.results[0].is_guess


@pytest.mark.parametrize(
    "typed", ["Zoë Núñez", "zoe nunez", "NÚÑEZ ZOE", "nunez z", "nunex zoe", "zoe nunex"]
)
def test_accents_are_optional_both_ways(db, typed):
    zoe = make_account(customer=make_customer(first_name="Zoë", last_name="Núñez"))
    # Enough plain Nunezes to fill the list: the accented one must still be found among them.
    for first in ["Ana", "Ben", "Carla", "Diego", "Elena", "Felix", "Gabriel", "Hugo", "Ines"]:
        make_account(customer=make_customer(first_name=first, last_name="Nunez"))
    for first in ["Jose", "Karla", "Luis", "Marta"]:
        make_account(customer=make_customer(first_name=first, last_name="Nuñez"))
    assert numbers(queries.search(typed))[0] == zoe.number


def test_a_name_with_an_accent_is_found_by_its_last_name_typed_plain(db):
    zoe = make_account(customer=make_customer(first_name="Zoë", last_name="Núñez"))
    assert numbers(queries.search("nunez")) == [zoe.number]
    assert numbers(queries.search("nunex")) == [zoe.number]  # and with a slip


def test_bill_number_finds_its_account(johnson):
    from tests.factories import post_bill

    bill = post_bill(johnson, "80.00", bill_date=date(2026, 5, 1))
    outcome = queries.search(bill.number)
    assert numbers(outcome) == [johnson.number]
    assert outcome.results[0].matched == "Bill number"


@pytest.mark.parametrize(
    "typed", ["(210) 555-0123", "210.555.0123", "2105550123", "+1 210 555 0123"]
)
def test_phone_in_any_format_comes_first(johnson, others, typed):
    outcome = queries.search(typed)
    assert outcome.results[0].number == johnson.number
    assert outcome.results[0].matched == "Phone"


def test_email(johnson):
    outcome = queries.search("RJ@example.com")
    assert numbers(outcome) == [johnson.number]


@pytest.mark.parametrize(
    "typed", ["412 N Main", "412 north main st", "412 main", "412 N MAIN ST #4B", "412 Main apt 4b"]
)
def test_service_address(johnson, others, typed):
    outcome = queries.search(typed)
    assert numbers(outcome)[0] == johnson.number
    assert outcome.results[0].matched == "Service address"


@pytest.mark.parametrize("typed", ["412 mian", "412 N Mian St", "412 maine"])
def test_a_slip_in_the_street_name_still_finds_the_address(johnson, others, typed):
    assert numbers(queries.search(typed))[:1] == [johnson.number]


def test_a_unit_typed_without_a_sign_after_the_street(db):
    for unit in ["101", "203", "307", "401"]:
        account = make_account(
            premise=make_premise(house_number="501", street="DIETZ RD", unit=unit)
        )
    assert numbers(queries.search("501 Dietz Rd 401")) == [account.number]


def test_a_number_ending_the_street_is_the_street_when_no_such_unit_exists(db):
    highway = make_account(premise=make_premise(house_number="501", street="FM 78"))
    assert numbers(queries.search("501 FM 78")) == [highway.number]


def test_the_street_as_typed_ranks_before_streets_sharing_a_word(db):
    # Every street at this number ends in COVE; the one typed must come first, even when
    # its account is the oldest.
    from accounts.models import Account

    frio = make_account(premise=make_premise(house_number="5728", street="FRIO COVE"))
    Account.objects.filter(pk=frio.pk).update(opened_on=date(2019, 5, 1))
    make_account(premise=make_premise(house_number="5728", street="MEADOW COVE TER"))
    make_account(premise=make_premise(house_number="5728", street="PINTO COVE DR"))
    assert numbers(queries.search("5728 frio cove"))[0] == frio.number


def test_short_or_empty_query_returns_nothing(johnson):
    assert queries.search("").results == []
    assert queries.search("j").results == []


def test_search_stays_within_its_query_budget(johnson, others, django_assert_max_num_queries):
    # Each name tier is one short index walk; a typo needs all of them. One more query
    # reads what the accounts found owe.
    with django_assert_max_num_queries(9):
        queries.search("Jonson")
    with django_assert_max_num_queries(5):
        queries.search("412 N Main")


@pytest.mark.parametrize(
    ("typed", "expected_last"),
    [
        ("garcai", "Garcia"),
        ("robert jonson", "Johnson"),
        ("johnson, robert", "Johnson"),
        ("Smit", "Smith"),
        ("alice johnst", "Johnston"),
    ],
)
def test_names_typed_every_which_way(johnson, others, typed, expected_last):
    outcome = queries.search(typed)
    assert outcome.results, typed
    assert outcome.results[0].name.endswith(expected_last)


@pytest.mark.parametrize(
    ("typed", "expected_last"),
    [("smtih", "Smith"), ("gracia", "Garcia"), ("jhonson", "Johnson"), ("garcia", "Garcia")],
)
def test_swapped_letters_in_a_short_name_are_one_slip(johnson, others, typed, expected_last):
    # "smtih" shares only two trigrams with "smith": too few for trigram similarity alone.
    results = queries.search(typed).results
    assert results, typed
    assert results[0].name.endswith(expected_last)


def test_the_fewest_slips_win_over_shared_trigrams(db):
    # "martinaz" shares more trigrams with Martin, but is one slip from Martinez.
    martin = make_account(customer=make_customer(first_name="Ann", last_name="Martin"))
    martinez = make_account(customer=make_customer(first_name="Ann", last_name="Martinez"))
    assert numbers(queries.search("martinaz"))[:2] == [martinez.number, martin.number]


def test_a_first_name_typed_right_is_kept_when_the_last_name_is_corrected(db):
    carl = make_account(customer=make_customer(first_name="Carl", last_name="Miller"))
    carmen = make_account(customer=make_customer(first_name="Carmen", last_name="Miller"))
    results = numbers(queries.search("carmen mller"))
    assert results[0] == carmen.number
    assert carl.number in results


def test_slips_between_counts_a_swap_as_one():
    assert queries.slips_between("smtih", "smith") == 1
    assert queries.slips_between("jonson", "johnson") == 1
    assert queries.slips_between("martinaz", "martin") == 2
    assert queries.slips_between("abc", "abc") == 0
    assert queries.slips_between("", "ab") == 2


@pytest.fixture
def names_of_many_words():
    return {
        "priya": make_account(customer=make_customer(first_name="Priya", last_name="De La Cruz")),
        "juan": make_account(customer=make_customer(first_name="Juan", last_name="De La Cruz")),
        "jean": make_account(customer=make_customer(first_name="Jean", last_name="De La Cruz")),
        "church": make_account(
            customer=make_customer(
                kind="organisation",
                first_name="",
                last_name="",
                organisation_name="Spur Methodist Church",
            )
        ),
        "cruz": make_account(customer=make_customer(first_name="Priya", last_name="Cruz")),
    }


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("de la cruz", "priya"),
        ("priya de la cruz", "priya"),
        ("juan de la cr", "juan"),
        ("methodist church", "church"),
        ("methodist", "church"),
    ],
)
def test_a_word_found_wherever_it_stands_in_the_name(names_of_many_words, typed, expected):
    assert names_of_many_words[expected].number in numbers(queries.search(typed))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("priya de la curz", "priya"),
        ("juan de la crus", "juan"),
        ("spur methodst", "church"),
        ("methodst church", "church"),
    ],
)
def test_typos_are_forgiven_in_every_word(names_of_many_words, typed, expected):
    # The closest name first: Priya De La Cruz before Priya Cruz, Juan before Jean.
    assert numbers(queries.search(typed))[0] == names_of_many_words[expected].number


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("spur methodst c", "church"),
        ("spur methodist c", "church"),
        ("priya de la c", "priya"),
        ("juan de la crus c", "juan"),
    ],
)
def test_a_word_still_being_typed_keeps_the_results_steady(names_of_many_words, typed, expected):
    assert numbers(queries.search(typed))[0] == names_of_many_words[expected].number


def test_a_third_word_is_not_read_as_a_last_name(db):
    smith = make_account(customer=make_customer(first_name="John", last_name="Smith"))
    make_account(customer=make_customer(first_name="John", last_name="Jackson"))
    assert numbers(queries.search("john smith j")) == [smith.number]
    assert numbers(queries.search("jonh smtih j")) == [smith.number]


def test_two_words_with_a_typo_prefer_the_matching_first_name(johnson, others):
    results = queries.search("alice jonston").results
    assert results[0].name == "Alice Johnston"


def test_organisation_found_from_the_start_of_its_name(db):
    from accounts.models import Customer

    org = make_customer(
        kind="organisation", first_name="", last_name="", organisation_name="Cibolo Valley ISD"
    )
    account = make_account(customer=org)
    assert Customer.objects.get(pk=org.pk).search_name == "cibolo valley isd"
    assert numbers(queries.search("cibolo val")) == [account.number]


def test_new_names_join_the_typo_dictionary(db):
    from accounts.models import NameWord

    make_account(customer=make_customer(first_name="Xochitl", last_name="Quintanilla"))
    assert NameWord.objects.filter(word__in=["xochitl", "quintanilla"]).count() == 2
    assert queries.search("quintanila").results[0].name == "Xochitl Quintanilla"


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(typed=st.text(min_size=2, max_size=40) | st.sampled_from(["jo\x00hn", "a\x00"]))
def test_whatever_is_typed_search_answers_and_never_fails(johnson, typed):
    # Text search syntax (& | ! : * ( ) quotes), LIKE wildcards, unicode, digits, lone
    # punctuation: the box is one a clerk types anything into.
    outcome = queries.search(typed)
    assert isinstance(outcome.results, list)


@pytest.mark.parametrize(
    "typed",
    [
        "& | !",
        "a:* & (b",
        "o'brien",
        "100% off",
        "_ _",
        "smith\\",
        "ümlaut müller",
        "12 & 34",
        "john\x00son",
        "\x00\x00",
        "412\x00 main",
    ],
)
def test_search_syntax_characters_are_plain_text(johnson, typed):
    assert isinstance(queries.search(typed).results, list)


def test_names_on_file_before_the_accent_rule_are_folded_and_found(db):
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    from accounts.models import Customer

    zoe = make_account(customer=make_customer(first_name="Zoë", last_name="Núñez"))
    plain = make_account(customer=make_customer(first_name="Ann", last_name="O'Neil"))
    # As stored before: lower case with the accents, and no last/first keys yet.
    Customer.objects.update(search_name="zoë núñez", search_last="", search_first="")
    Customer.objects.filter(pk=plain.customer_id).update(search_name="ann o'neil")
    with connection.schema_editor() as editor:
        import_module("accounts.migrations.0009_accent_free_name_keys").fold_accents(apps, editor)
    keys = Customer.objects.values_list("search_name", "search_last", "search_first")
    assert keys.get(pk=zoe.customer_id) == ("zoe nunez", "nunez", "zoe")
    assert keys.get(pk=plain.customer_id) == ("ann o'neil", "o'neil", "ann")
    assert numbers(queries.search("nunez zoe")) == [zoe.number]


def test_search_page_and_fragment_within_budget_with_many_matches(clerk_client, johnson, others):
    from tests.budgets import assert_flat_budget

    counter = iter(range(10_000))

    def many_johnsons():
        for _ in range(40):
            n = next(counter)
            make_account(
                customer=make_customer(first_name=f"Robin{n}", last_name="Johnson"),
                premise=make_premise(house_number=f"{500 + n}", street="N MAIN ST"),
            )

    assert_flat_budget(clerk_client, "/search/?q=johnson", add_rows=many_johnsons, budget=10)
    # A name typed wrong: the name tiers with the typo corrections, then the corrected names
    # (two statements), the accounts, what they owe, the contacts and permits search
    # providers, and the session, user and its two permission reads: the counter's 10.
    assert_flat_budget(
        clerk_client,
        "/search/?q=jonson",
        add_rows=many_johnsons,
        budget=10,
        headers={"HX-Request": "true"},
    )
    assert_flat_budget(clerk_client, "/search/?q=5%20n%20main", add_rows=many_johnsons, budget=10)
