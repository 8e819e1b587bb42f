"""The replica router: reports read from DATABASE_REPLICA_URL's database; writes, locks and
reads inside a transaction stay on the primary. A second database on the same server stands
in for the replica; its rows are copied from the primary and then made to differ, so a page
shows which database it read."""

import subprocess

import pytest
from django.db import connections, transaction
from django.test import Client

from accounts.models import Account, AccountNote, Customer, Premise
from tests.factories import make_account, make_user
from utilityclerk.db_router import read_connection, replica_reads

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def replica_database(django_db_setup, django_db_blocker):
    """A database with the test database's schema (as a replica starts from a base backup
    of its primary), on the same server, under the alias "replica"."""
    primary = connections["default"].settings_dict["NAME"]
    name = f"{primary}_replica"
    with django_db_blocker.unblock():
        subprocess.run(["dropdb", "--if-exists", name], check=True)
        subprocess.run(["createdb", name], check=True)
        schema = subprocess.run(
            ["pg_dump", "--schema-only", "--no-owner", primary],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            ["psql", "-q", "-v", "ON_ERROR_STOP=1", name],
            input=schema,
            check=True,
            capture_output=True,
        )
    yield name
    with django_db_blocker.unblock():
        subprocess.run(["dropdb", "--if-exists", name], check=True)


@pytest.fixture
def replica(replica_database, settings, transactional_db):
    """The "replica" connection, made for this test's thread only (Django allows a
    connection made at run time beside the test's own databases)."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    connections["replica"] = DatabaseWrapper(
        {**connections["default"].settings_dict, "NAME": replica_database}, alias="replica"
    )
    settings.REPLICA_DATABASE = "replica"
    yield "replica"
    with connections["replica"].cursor() as cursor:
        cursor.execute(
            "TRUNCATE accounts_accountnote, accounts_account, accounts_customer, "
            "accounts_premise CASCADE"
        )
    connections["replica"].close()
    del connections["replica"]


@pytest.fixture
def account():
    account = make_account()
    # The replica's copy, a moment behind: the customer's name is still the old one.
    premise = Premise.objects.get(pk=account.premise_id)
    customer = Customer.objects.get(pk=account.customer_id)
    customer.last_name = "Replicated"
    premise.save(using="replica", force_insert=True)
    customer.save(using="replica", force_insert=True)
    Account.objects.get(pk=account.pk).save(using="replica", force_insert=True)
    return account


@pytest.fixture
def clerk_client():
    client = Client()
    client.force_login(make_user("replica-clerk", role="Clerk"))
    return client


def test_reports_read_from_the_replica_and_counter_screens_from_the_primary(
    replica, account, clerk_client, settings
):
    statement = clerk_client.get(f"/reports/statement/{account.number}/")
    assert statement.status_code == 200
    assert b"Replicated" in statement.content
    # The account page is a counter screen: the primary, never a moment behind.
    page = clerk_client.get(f"/accounts/{account.number}/")
    assert b"Replicated" not in page.content
    assert b"Johnson" in page.content
    # A note added is written to the primary.
    clerk_client.post(f"/accounts/{account.number}/notes/add/", {"text": "Called"})
    assert AccountNote.objects.using("default").count() == 1
    assert AccountNote.objects.using("replica").count() == 0
    # Without a replica configured, the report reads the primary.
    settings.REPLICA_DATABASE = None
    statement = clerk_client.get(f"/reports/statement/{account.number}/")
    assert b"Replicated" not in statement.content


def test_writes_locks_and_transactions_stay_on_the_primary(replica, account):
    from django.contrib.auth import get_user_model

    clerk = make_user("writer", role="Clerk")
    with replica_reads():
        assert Customer.objects.get(pk=account.customer_id).last_name == "Replicated"
        assert read_connection().alias == "replica"
        # Who is signed in is never read from the replica (the user is not on it at all).
        assert get_user_model().objects.filter(username="writer").exists()
        customer = Customer.objects.get(pk=account.customer_id)
        customer.first_name = "Ann"
        customer.save(update_fields=["first_name"])
        AccountNote.objects.create(account_id=account.pk, text="Called", written_by=clerk)
        with transaction.atomic():
            locked = Account.objects.select_for_update().get(pk=account.pk)
            assert locked._state.db == "default"
            assert Customer.objects.get(pk=account.customer_id).last_name == "Johnson"
            assert read_connection().alias == "default"
    assert Customer.objects.using("default").get(pk=account.customer_id).first_name == "Ann"
    assert Customer.objects.using("replica").get(pk=account.customer_id).first_name == "Maria"
    assert AccountNote.objects.using("replica").count() == 0
