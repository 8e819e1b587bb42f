"""Time the daily cash and vault report for a busy day.

    DATABASE_URL=postgres:///utilityclerk_closeout_bench python manage.py bench_closeout --receipts 2000

Takes the receipts through the real payment service across several drawers (cash with change,
checks, cards, a few split tenders and voids), counts and verifies every drawer, then renders
the report a few times and prints the figures. Use a database of its own: it adds data.
"""

import random
import time
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from payments import services as payment_services
from payments.closeout import queries, reports, services
from payments.closeout.services import CountInput
from payments.models import Drawer
from payments.tenders import TenderInput

D = Decimal


class Command(BaseCommand):
    help = "Render the daily cash and vault report for a day of N receipts and print timings."

    def add_arguments(self, parser):
        parser.add_argument("--receipts", type=int, default=2000)
        parser.add_argument("--drawers", type=int, default=8)
        parser.add_argument("--runs", type=int, default=3)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, receipts, drawers, runs, seed, **options):
        rng = random.Random(seed)
        User = get_user_model()
        tag = uuid.uuid4().hex[:6]
        clerk_group, supervisor_group = (
            Group.objects.get(name="Clerk"),
            Group.objects.get(name="Supervisor"),
        )
        supervisor = User.objects.create_user(f"bench-sup-{tag}", password=None)
        supervisor.groups.add(supervisor_group)
        if not Account.objects.exists():
            call_command("seed_accounts", accounts=200, months=2, stdout=self.stdout)
        # Accounts that take checks: not closed, not cash only.
        accounts = list(
            Account.objects.exclude(status="closed")
            .filter(customer__cash_only_until__isnull=True)
            .order_by("?")[:200]
        )

        started = time.perf_counter()
        sessions = []
        for i in range(drawers):
            clerk = User.objects.create_user(f"bench-clerk-{tag}-{i}", password=None)
            clerk.groups.add(clerk_group)
            drawer = Drawer.objects.create(code=f"B{tag[:3]}{i}", name=f"Bench {i}")
            sessions.append(
                (
                    clerk,
                    payment_services.open_drawer_session(
                        drawer=drawer, opening_float=D("200.00"), clerk=clerk
                    ),
                )
            )
        for n in range(receipts):
            clerk, _session = sessions[n % drawers]
            amount = D(rng.randint(1500, 25000)) / 100
            style = rng.random()
            if style < 0.45:
                tendered = (amount / 20).to_integral_value(rounding="ROUND_CEILING") * 20
                tenders = [TenderInput(kind="cash", amount=tendered)]
            elif style < 0.7:
                tenders = [TenderInput(kind="check", amount=amount, number=str(5000 + n))]
            elif style < 0.95:
                tenders = [
                    TenderInput(
                        kind="card", amount=amount, card_last4="4242", card_auth_code=f"A{n}"
                    )
                ]
            else:
                half = (amount / 2).quantize(D("0.01"))
                tenders = [
                    TenderInput(kind="check", amount=half, number=str(9000 + n)),
                    TenderInput(kind="cash", amount=amount - half + D("5.00")),
                ]
            payment_services.take_payment(
                account=rng.choice(accounts),
                amount=amount,
                tenders=tenders,
                clerk=clerk,
                idempotency_key=uuid.uuid4(),
            )
        posted = time.perf_counter() - started
        self.stdout.write(f"Posted {receipts} receipts in {drawers} drawers in {posted:.1f} s")

        for clerk, session in sessions:
            expected = queries.expected_for(session)
            cents = int(expected["cash"] * 100)
            services.count_drawer(
                session=session,
                counted=CountInput(
                    denominations={D("1.00"): cents // 100, D("0.01"): cents % 100},
                    check_count=1 if expected["check"] else 0,
                    check_total=expected["check"],
                    card_slip_count=1 if expected["card"] else 0,
                    card_total=expected["card"],
                ),
                by=clerk,
            )
            services.verify_session(session=session, by=supervisor)
        business_date = sessions[0][1].business_date

        timings = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                pdf = reports.daily_cash_pdf(business_date, by=supervisor)
                timings.append(time.perf_counter() - t0)
        board = queries.day_board(business_date)
        self.stdout.write(
            f"Daily cash and vault report for {business_date} ({board.receipt_count} receipts that day): "
            f"{len(pdf) / 1024:.0f} KiB, {len(ctx.captured_queries)} SQL queries"
        )
        self.stdout.write(
            "Render seconds: "
            + ", ".join(f"{t:.2f}" for t in timings)
            + f"  (best {min(timings):.2f} s)"
        )
        _clerk, busiest = sessions[0]
        t0 = time.perf_counter()
        pdf = reports.drawer_closeout_pdf(busiest, by=supervisor)
        self.stdout.write(
            f"Drawer close-out PDF for one drawer ({receipts // drawers} receipts listed): "
            f"{time.perf_counter() - t0:.2f} s, {len(pdf) / 1024:.0f} KiB"
        )
