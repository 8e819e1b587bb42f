"""seed_accounts: the demo history it loads balances, matches its bills, repeats for a seed and
loads only once when asked to."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts import demo_data, queries
from accounts.models import Account, Bill, BillLine, Customer, LedgerEntry, Premise, Service
from utilityclerk import business_day

ACCOUNTS, MONTHS = 30, 6


def seed(**options) -> str:
    out = StringIO()
    options = {"accounts": ACCOUNTS, "months": MONTHS, "seed": 11, **options}
    call_command("seed_accounts", stdout=out, **options)
    return out.getvalue()


def ledger_sums() -> dict[int, Decimal]:
    sums: dict[int, Decimal] = defaultdict(Decimal)
    for account_id, amount in LedgerEntry.objects.values_list("account_id", "amount"):
        sums[account_id] += amount
    return sums


def test_seed_loads_the_accounts_their_services_and_history(db):
    seed()

    assert Account.objects.count() == ACCOUNTS
    assert Premise.objects.count() == ACCOUNTS
    assert 0 < Customer.objects.count() <= ACCOUNTS
    assert not Account.objects.filter(services__isnull=True).exists()
    bills = Bill.objects.count()
    assert 0 < bills <= ACCOUNTS * MONTHS + ACCOUNTS  # monthly, plus a final bill on move-out
    assert BillLine.objects.count() >= 3 * bills
    assert LedgerEntry.objects.filter(kind="payment").exists()
    assert not LedgerEntry.objects.filter(business_date__gt=business_day.today()).exists()
    for account in Account.objects.all():
        assert account.services.count() == account.premise.service_points.count()


def test_seeded_customers_pass_the_customer_form(db):
    """A seeded customer can be edited and saved as it is: the data obeys the form's rules
    (the preferred contact has its details, search keys are set)."""
    from accounts.forms import CustomerForm

    seed(extra_customers=40)
    for customer in Customer.objects.all():
        assert customer.search_name and (customer.search_last or customer.organisation_name)
        if customer.preferred_contact in ("phone", "text"):
            assert customer.phone, customer
        if customer.preferred_contact == "email":
            assert customer.email, customer
    sample = Customer.objects.order_by("id")[:25]
    for customer in sample:
        data = {
            name: getattr(customer, name) or ""
            for name in CustomerForm._meta.fields
            if name not in CustomerForm.PROTECTION_FIELDS
        }
        form = CustomerForm(data, instance=customer, user=None)
        for name in CustomerForm.PROTECTION_FIELDS:
            form.fields.pop(name)
        assert form.is_valid(), (customer, form.errors)


def test_every_balance_is_its_ledger_sum_and_its_aging(db):
    seed()
    sums = ledger_sums()
    aging = queries.aging_for_all_accounts()

    for account in Account.objects.all():
        balance = sums.get(account.pk, Decimal("0.00"))
        assert queries.balance_of(account.pk) == balance
        if account.pk not in aging:
            assert balance == 0  # no entries at all (pending)
            continue
        row = aging[account.pk]
        buckets = sum(amount for _, amount in row.buckets())
        assert row.balance == balance
        assert buckets - row.credit == balance, account.number
        assert min(amount for _, amount in row.buckets()) >= 0


def test_bill_entries_carry_their_bill_total_which_is_the_sum_of_its_lines(db):
    seed()
    entries = {entry.bill_id: entry for entry in LedgerEntry.objects.filter(kind="bill")}

    for bill in Bill.objects.prefetch_related("lines"):
        entry = entries.pop(bill.pk)
        assert entry.amount == bill.total == sum(line.amount for line in bill.lines.all())
        assert entry.account_id == bill.account_id
        assert entry.reference == bill.number
        assert entry.business_date == bill.bill_date
        assert entry.due_date == bill.due_date == bill.bill_date + timedelta(days=20)
        assert bill.period_start <= bill.period_end < bill.bill_date + timedelta(days=3)
    assert entries == {}


def test_payments_are_credits_without_a_due_date_and_charges_have_one(db):
    seed()

    assert not LedgerEntry.objects.filter(kind="payment", amount__gte=0).exists()
    assert not LedgerEntry.objects.filter(kind="payment", due_date__isnull=False).exists()
    assert not LedgerEntry.objects.filter(amount__gt=0, due_date__isnull=True).exists()


def test_the_same_seed_gives_the_same_accounts_and_names(db):
    def snapshot(first_id):
        accounts = Account.objects.filter(pk__gte=first_id).select_related("customer", "premise")
        rows = list(accounts.order_by("pk"))
        first_number = int(rows[0].number[:-1])
        return [
            (
                # Numbers come from account_number_seq, so they repeat relative to where the
                # sequence stood; the check digit follows the number. Addresses follow the
                # premise id the same way, so they are left out here.
                int(a.number[:-1]) - first_number,
                a.number[-1] == demo_data.account_number_for(int(a.number[:-1]))[-1],
                a.customer.display_name,
                a.customer.phone,
                a.status,
                str(queries.balance_of(a.pk)),
            )
            for a in rows
        ]

    seed()
    first = snapshot(0)
    start = Account.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1
    seed()
    second = snapshot(start)

    assert first == second
    assert len({name for _, _, name, *_ in first}) > ACCOUNTS // 2


class FixedBlocks:
    """Ids without a database: every block starts at the same number."""

    def sequence_for(self, table):
        return table

    def reserve(self, sequence, count):
        return 1_000_001


def test_the_generator_writes_identical_rows_for_a_seed():
    def rows(seed_value):
        data = demo_data.DemoData(seed=seed_value, months=4, today=date(2026, 3, 15))
        data.blocks = FixedBlocks()
        return [batch.text for batch in data.history_batches(12)] + [
            batch.text for batch in data.extra_batches(5)
        ]

    assert rows(3) == rows(3)
    assert rows(3) != rows(4)


def test_the_demo_customers_are_the_same_whatever_day_it_is_loaded():
    # The README's search examples ("jsoe", "ending 9848") name demo customers: loaded
    # on another day, the history differs, the people must not. They once did from one day
    # to the next, since the history drew as many random numbers as the day made it.
    def customers(today):
        data = demo_data.DemoData(seed=42, months=24, today=today)
        data.blocks = FixedBlocks()
        made, seen = data._customer, []

        def customer(person, since, *, mail):
            row = made(person, since, mail=mail)
            seen.append((person.first, person.last, person.organisation, row.phone, row.email))
            return row

        data._customer = customer
        for _ in data.history_batches(300):
            pass
        return seen

    monday = customers(date(2026, 12, 7))
    assert len(monday) > 250
    assert customers(date(2026, 12, 6)) == monday == customers(date(2027, 3, 1))


def test_if_empty_seeds_once(db):
    seed(if_empty=True)
    counts = (Account.objects.count(), LedgerEntry.objects.count(), Customer.objects.count())

    # load_demo_data's call, keyword for keyword.
    out = StringIO()
    call_command("seed_accounts", accounts=ACCOUNTS, if_empty=True, stdout=out)

    assert "nothing seeded" in out.getvalue()
    assert (Account.objects.count(), LedgerEntry.objects.count(), Customer.objects.count()) == (
        counts
    )


def test_extra_customers_each_have_a_premise_and_an_account_but_no_history(db):
    seed(accounts=0, extra_customers=25)

    assert Customer.objects.count() == Premise.objects.count() == Account.objects.count() == 25
    assert not LedgerEntry.objects.exists()
    assert not Service.objects.exists()
    assert set(Account.objects.values_list("status", flat=True)) <= {"closed", "pending"}


def test_cibolo_water_rates():
    assert demo_data.water_charge(1_200) == 13_25
    # $27.15 base, then 5,800 gal at $5.95 and 1,000 gal at $7.61 per 1,000.
    assert demo_data.water_charge(8_000) == 27_15 + 34_51 + 7_61
    assert demo_data.sewer_charge(4_500) == 18_11 + 7_92
    assert demo_data.stormwater_charge(15) == 9_75
    assert demo_data.money_text(12_345) == "123.45"
    assert demo_data.money_text(-5) == "-0.05"


def test_seeded_addresses_are_normalised_and_unique():
    addresses = [demo_data.address_for(premise_id) for premise_id in range(1, 20_001)]

    assert len(set(addresses)) == len(addresses)
    assert addresses[0][1] == "N MAIN ST"
    assert any(unit for _, _, unit in addresses)


def test_the_fast_path_checks_every_foreign_key_after_the_load(db):
    result = demo_data.seed(accounts=5, months=3, extra_customers=3, seed=5, today=date.today())
    assert result.counts["accounts_account"] == 8
    assert demo_data.verify_foreign_keys({"accounts_billline": 1}) == []

    # An orphan row, as a load with per-row checks off could leave: Django's foreign keys are
    # deferred to commit, and the savepoint holding the orphan is rolled back.
    first_line = BillLine.objects.order_by("pk").values_list("pk", flat=True)[0]

    class RollBack(Exception):
        pass

    with pytest.raises(RollBack), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # the seed set them immediate
            cursor.execute(
                "INSERT INTO accounts_billline (bill_id, utility, description, usage_unit, amount) "
                "VALUES (-1, 'water', 'orphan', '', 1)"
            )
        problems = demo_data.verify_foreign_keys({"accounts_billline": first_line})
        raise RollBack
    assert problems == ["accounts_billline.bill_id: 1 rows point at no accounts_bill"]
