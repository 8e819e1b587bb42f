"""The README's search examples find what it says they find, in the demo data."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from accounts import queries

pytestmark = pytest.mark.django_db

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()

# (as the README writes it, what the first result must be)
EXAMPLES = [
    ('"smtih" for Smith', "smtih", lambda r: r.name.endswith("Smith")),
    ('"jsoe" for Jose Hill and Jose Torres', "jsoe", None),
    ('"ana wrihgt"', "ana wrihgt", lambda r: r.name == "Ana Wright"),
    ('"2401 n main"', "2401 n main", lambda r: r.address.startswith("2401 N MAIN ST")),
    ('"2401 n mian"', "2401 n mian", lambda r: r.address.startswith("2401 N MAIN ST")),
    ('"ending 9848"', "ending 9848", lambda r: r.name == "Jose Coleman"),
    ("`#100000001`", "#100000001", lambda r: r.matched == "Bill number"),
    ("`1000002-4`", "1000002-4", lambda r: r.number == "10000024"),
    ("`1000-0024`", "1000-0024", lambda r: r.number == "10000024"),
    ("`#10000024`", "#10000024", lambda r: r.number == "10000024"),
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        # As bin/serve loads it into a new database: the numbers start where a new one's do
        # (other tests drew from these sequences, and a flush does not rewind them).
        call_command("flush", "--no-input", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ALTER SEQUENCE account_number_seq RESTART")
            cursor.execute("ALTER SEQUENCE bill_number_seq RESTART")
        call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    yield
    with django_db_blocker.unblock():
        call_command("flush", "--no-input", verbosity=0)


@pytest.mark.parametrize(("written", "typed", "expected"), EXAMPLES, ids=[e[1] for e in EXAMPLES])
def test_readme_search_example_finds_it_in_the_demo(demo, written, typed, expected):
    assert written in " ".join(README.split()), f"the README no longer says {written}"
    results = queries.search(typed).results
    assert results, typed
    if expected is None:  # every Jose, the misspelt first name alone
        assert {"Jose Hill", "Jose Torres"} <= {r.name for r in results}
    else:
        assert expected(results[0]), (typed, results[0])
