"""Time the deposit runs on the seeded database: a deposit on every third active account
(taken by mail thirteen months ago) and a three-month instalment plan on every tenth, then
the review, the interest and the instalment runs, proof and post, and posted again (posting
nothing). Everything is rolled back at the end. Prints figures; asserts nothing about time."""

import time
from datetime import date

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction

from payments.deposits import queries, runs
from utilityclerk import business_day
from utilityclerk.business_day import add_months
from utilityclerk.core.models import Policy

SEED = """
CREATE TEMPORARY TABLE bench_deposit AS
SELECT id AS account_id, number, nextval('payment_receipt_seq') AS receipt
FROM accounts_account WHERE status = 'active' AND id %% 3 = 0;
INSERT INTO payments_payment
    (receipt_number, account_id, channel, business_date, status, idempotency_key, taken_by_id,
     taken_at, amount, change_given, memo, print_count, void_reason, return_reason)
SELECT receipt, account_id, 'mail', %(on)s, 'posted', gen_random_uuid(), %(by)s, now(), 100,
       0, 'Security deposit', 0, '', ''
FROM bench_deposit;
INSERT INTO payments_tender (payment_id, kind, amount, number, card_last4, card_auth_code)
SELECT p.id, 'check', 100, '1', '', '' FROM payments_payment p
JOIN bench_deposit b ON b.receipt = p.receipt_number;
INSERT INTO payments_paymentline (payment_id, purpose, reference, amount)
SELECT p.id, 'deposit', b.number, 100 FROM payments_payment p
JOIN bench_deposit b ON b.receipt = p.receipt_number;
INSERT INTO deposits_depositentry
    (account_id, kind, amount, business_date, posted_at, posted_by_id, payment_id, reference,
     memo)
SELECT b.account_id, 'collected', 100, %(on)s, now(), %(by)s, p.id, 'R' || b.receipt, 'Bench'
FROM payments_payment p JOIN bench_deposit b ON b.receipt = p.receipt_number;
INSERT INTO workorders_depositrequirement (account_id, amount, rule, recorded_at)
SELECT id, 150, 'Bench', now() FROM accounts_account
WHERE status = 'active' AND id %% 10 = 1
  AND NOT EXISTS (SELECT 1 FROM workorders_depositrequirement r WHERE r.account_id = id);
INSERT INTO deposits_instalmentplan
    (account_id, total, instalment_count, status, set_up_by_id, set_up_at, end_reason)
SELECT id, 150, 3, 'active', %(by)s, now(), '' FROM accounts_account
WHERE status = 'active' AND id %% 10 = 1;
INSERT INTO deposits_depositinstalment (plan_id, number, bill_on, amount)
SELECT p.id, n, %(today)s, 50 FROM deposits_instalmentplan p CROSS JOIN generate_series(1, 3) n
WHERE p.set_up_at >= now() - interval '1 minute';
"""


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Deposit review, interest and instalment runs over the seeded accounts, timed."

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="keep what the runs posted")

    def _time(self, label, fn):
        started = time.monotonic()
        result = fn()
        self.stdout.write(f"  {label:<46} {time.monotonic() - started:7.2f} s")
        return result

    def handle(self, *args, **options):
        today = business_day.today()
        user, _ = get_user_model().objects.get_or_create(username="bench-deposits")
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    self._time(
                        "seed deposits and plans",
                        lambda: cursor.execute(
                            SEED, {"on": add_months(today, -13), "by": user.pk, "today": today}
                        ),
                    )
                    # What autovacuum does on a live database: the planner sees the rows.
                    for table in ("deposits_depositentry", "deposits_depositinstalment"):
                        cursor.execute(f"ANALYZE {table}")
                    cursor.execute("SELECT COUNT(*), SUM(amount) FROM deposits_depositentry")
                    held, total = cursor.fetchone()
                    cursor.execute("SELECT COUNT(*) FROM deposits_depositinstalment")
                    (instalments,) = cursor.fetchone()
                self.stdout.write(
                    f"Deposits benchmark: {held:,} deposit rows (${total:,.2f} held), "
                    f"{instalments:,} instalments"
                )
                sample = queries.review(today)[0].account_id
                started = time.monotonic()
                for _ in range(100):
                    queries.figures(sample)
                self.stdout.write(
                    f"  {'one account figures (the header line), mean':<46} "
                    f"{(time.monotonic() - started) * 10:7.2f} ms"
                )
                proof = self._time("review proof", lambda: runs.review_proof(today))
                self.stdout.write(f"    {proof['counts']} {proof['exclusions']}")
                posted = self._time(
                    "review post (credit)", lambda: runs.post_review(today, by=user)
                )
                self.stdout.write(f"    {posted}")
                again = self._time("review post again", lambda: runs.post_review(today, by=user))
                self.stdout.write(f"    {again['Deposits returned']} returned")
                Policy.current()
                Policy.objects.filter(pk=Policy.SINGLETON_ID).update(
                    deposit_interest_percent="6.00"
                )
                year = today.year - 1
                self._time("interest proof (6%)", lambda: runs.interest_proof(year))
                posted = self._time("interest post", lambda: runs.post_interest(year, by=user))
                self.stdout.write(f"    {posted}")
                proof = self._time("instalment proof", lambda: runs.instalment_proof(today))
                self.stdout.write(f"    {proof['counts']} {proof['totals']}")
                posted = self._time(
                    "instalment post", lambda: runs.post_instalments(today, by=user)
                )
                self.stdout.write(f"    {posted}")
                again = self._time(
                    "instalment post again", lambda: runs.post_instalments(today, by=user)
                )
                self.stdout.write(f"    {again}")
                if not options["keep"]:
                    raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: the database is as it was.")
        assert isinstance(today, date)
