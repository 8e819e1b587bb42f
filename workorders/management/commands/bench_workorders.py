"""Benchmark the work order board at scale.

    DATABASE_URL=postgres:///utilityclerk_workorders DEBUG=1 SECRET_KEY=x \
        python manage.py bench_workorders --orders 50000

Seeds (once) premises, accounts and open work orders with bulk inserts, then times the board
through django.test.Client, filtered and paginated, and reports p50/p95 server time and the
SQL query count (and the SQL time of one request) of each view. Run it against a bench
database, never production. Timings are wall-clock: on a busy machine they carry its load.
"""

import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Account, Customer, Premise
from accounts.validation import account_number_for
from utilityclerk import business_day
from workorders.models import Crew, Vendor, WorkOrder, WorkOrderKind

BENCH_MARK = "BENCH"  # premises seeded here carry this street suffix


class Command(BaseCommand):
    help = "Seed open work orders and time the work order board (p50/p95, SQL queries)."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=50_000)
        parser.add_argument("--premises", type=int, default=10_000)
        parser.add_argument("--repeat", type=int, default=60)

    def handle(self, *args, orders, premises, repeat, **options):
        random.seed(6)
        existing = WorkOrder.objects.filter(premise__street__endswith=BENCH_MARK).count()
        if existing < orders:
            self._seed(orders - existing, premises)
        # Fresh statistics and visibility map, as autovacuum would leave them after a bulk load.
        with connection.cursor() as cursor:
            for table in (
                "workorders_workorder",
                "accounts_premise",
                "accounts_account",
                "accounts_customer",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
        # The test client's host is allowed for the run, so DEBUG=0 (production settings,
        # cached templates) can be measured as well.
        with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "localhost"]):
            self._time(repeat)

    # Seeding ---------------------------------------------------------------------------

    def _seed(self, count, premise_count):
        started = time.perf_counter()
        with transaction.atomic():
            crews = [Crew.objects.get_or_create(name=f"Bench crew {i}")[0] for i in range(1, 9)]
            vendors = [
                Vendor.objects.get_or_create(
                    name=f"Bench vendor {i}", defaults={"trade": "Meters", "turnaround_days": 5}
                )[0]
                for i in range(1, 5)
            ]
            have = list(Premise.objects.filter(street__endswith=BENCH_MARK))
            start = len(have)
            new_premises = Premise.objects.bulk_create(
                Premise(
                    house_number=str(100 + i),
                    street=f"ST {i % 300} {BENCH_MARK}",
                    city="CIBOLO",
                    state="TX",
                    zip_code="78108",
                )
                for i in range(start, premise_count)
            )
            premises = have + new_premises
            customers = Customer.objects.bulk_create(
                Customer(
                    first_name="Bench",
                    last_name=f"Customer {i}",
                    search_name=f"bench customer {i}",
                    mail_street="1 MAIN ST",
                    mail_city="CIBOLO",
                    mail_state="TX",
                    mail_zip="78108",
                )
                for i in range(len(new_premises))
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval('account_number_seq') FROM generate_series(1, %s)",
                    [len(customers)],
                )
                numbers = [account_number_for(row[0]) for row in cursor.fetchall()]
            today = business_day.today()
            Account.objects.bulk_create(
                Account(
                    number=number,
                    customer=customer,
                    premise=premise,
                    status="active",
                    mail_street="1 MAIN ST",
                    mail_city="CIBOLO",
                    mail_state="TX",
                    mail_zip="78108",
                    opened_on=today - timedelta(days=400),
                )
                for number, customer, premise in zip(numbers, customers, new_premises, strict=True)
            )
            accounts = {a.premise_id: a.pk for a in Account.objects.filter(premise__in=premises)}
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval('work_order_number_seq') FROM generate_series(1, %s)", [count]
                )
                wo_numbers = [f"WO-{row[0]}" for row in cursor.fetchall()]
            kinds = list(WorkOrderKind.values)
            now = timezone.now()
            batch = []
            for number in wo_numbers:
                premise = random.choice(premises)
                raised = today - timedelta(days=random.randint(0, 60))
                batch.append(
                    WorkOrder(
                        number=number,
                        type_id=random.choice(kinds),
                        premise=premise,
                        account_id=accounts.get(premise.pk),
                        due_date=raised + timedelta(days=random.randint(0, 20)),
                        raised_on=raised,
                        raised_at=now,
                    )
                )
            WorkOrder.objects.bulk_create(batch, batch_size=5000)
            # A third scheduled to crews, a sixth of those dispatched, a few to vendors: the
            # valid steps only (the transition trigger checks every row).
            ids = [o.pk for o in batch]
            random.shuffle(ids)
            third = len(ids) // 3
            for i, crew in enumerate(crews):
                WorkOrder.objects.filter(pk__in=ids[i : third : len(crews)]).update(
                    status="scheduled", crew=crew, scheduled_for=today
                )
            for i, vendor in enumerate(vendors):
                WorkOrder.objects.filter(
                    pk__in=ids[third + i : third + third // 5 : len(vendors)]
                ).update(status="scheduled", vendor=vendor, scheduled_for=today)
            WorkOrder.objects.filter(pk__in=ids[: third // 6]).update(status="dispatched")
        self.stdout.write(
            f"Seeded {count:,} open work orders over {len(premises):,} premises "
            f"in {time.perf_counter() - started:.1f} s."
        )

    # Timing ----------------------------------------------------------------------------

    def _time(self, repeat):
        user, _ = get_user_model().objects.get_or_create(username="bench-clerk")
        user.groups.add(Group.objects.get(name="Clerk"))
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        crew = Crew.objects.filter(name="Bench crew 3").first()
        vendor = Vendor.objects.filter(name="Bench vendor 2").first()
        due_by = (business_day.today() + timedelta(days=3)).isoformat()
        total = WorkOrder.objects.filter(status__in=["open", "scheduled", "dispatched"]).count()
        self.stdout.write(f"Orders still to do: {total:,}")
        cases = [
            ("still to do, page 1", "/workorders/"),
            ("still to do, page 400", "/workorders/?page=400"),
            ("type turn_on, page 20", "/workorders/?type=turn_on&page=20"),
            ("crew, page 5", f"/workorders/?crew={crew.pk if crew else ''}&page=5"),
            (
                "vendor + scheduled",
                f"/workorders/?vendor={vendor.pk if vendor else ''}&status=scheduled",
            ),
            ("overdue, page 50", "/workorders/?overdue=on&page=50"),
            ("due by + type, page 3", f"/workorders/?due_by={due_by}&type=re_read&page=3"),
            ("status=all, last page", "/workorders/?status=all&page=99999"),
        ]
        self.stdout.write(f"{'view':<28}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}{'SQL ms':>9}")
        for label, url in cases:
            for kind, headers in (
                ("", {}),
                (" (htmx)", {"HX-Request": "true", "HX-Target": "board-results"}),
            ):
                client.get(url, secure=True, headers=headers)  # warm
                queries = []

                def count(run, sql, params, many, context, queries=queries):
                    began = time.perf_counter()
                    try:
                        return run(sql, params, many, context)
                    finally:
                        queries.append(time.perf_counter() - began)

                with connection.execute_wrapper(count):
                    response = client.get(url, secure=True, headers=headers)
                assert response.status_code == 200, (url, response.status_code)
                timings = []
                for _ in range(repeat):
                    began = time.perf_counter()
                    client.get(url, secure=True, headers=headers)
                    timings.append((time.perf_counter() - began) * 1000)
                p50 = statistics.median(timings)
                p95 = statistics.quantiles(timings, n=20)[18]
                sql_ms = sum(queries) * 1000
                self.stdout.write(
                    f"{label + kind:<28}{p50:>9.1f}{p95:>9.1f}{len(queries):>9}{sql_ms:>9.1f}"
                )
