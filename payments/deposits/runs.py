"""The deposit runs: each a proof (what it would post, and what it leaves out and why, worked
out set-based and posting nothing), then the posting in chunks of accounts, each chunk its own
transaction with its accounts locked. Posting again posts nothing twice: an instalment is
billed once (its deposit row is unique), interest once per account and year (a unique
index), and a deposit returned is no longer held.

- Instalments (monthly): each instalment whose day has come is billed to the account's
  ledger (a DEPOSIT_BILLED charge due in the policy's bill days) and held on the deposit
  ledger; less whatever the counter took ahead.
- Interest (yearly): the policy's rate on the days each amount was held in the year.
- Review (monthly): deposits held the policy's months with good history are credited to the
  account, or refunded, as the policy says.
"""

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from accounts.models import Account, EntryKind, LedgerEntry
from payments.deposits import queries, services
from payments.deposits.models import DepositEntry, InstalmentPlan, PlanStatus
from payments.deposits.models import EntryKind as Kind
from utilityclerk import audit, business_day
from utilityclerk.core.models import Policy
from utilityclerk.errors import DomainError
from utilityclerk.money import ZERO, format_money

Progress = Callable[[int, int], None]
CHUNK = 500
REVIEW_CHUNK = 100


def _chunks(ids: list[int], size: int = CHUNK) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _lock_accounts(ids: list[int]) -> None:
    """Lock a chunk's accounts in id order, as every ledger write locks: a counter payment
    on one of them waits for the chunk, or the chunk for it."""
    list(
        Account.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _audit(by, action: str, run, after: dict) -> None:
    audit.record(actor=by, action=action, target=run or Policy.current(), after=after)


# Instalments ---------------------------------------------------------------------------------


def instalment_proof(day: date) -> dict:
    rows = queries.instalment_candidates(day)
    billed = [
        r for r in rows if r["to_bill"] > ZERO and r["account_status"] in ("pending", "active")
    ]
    closed = [r for r in rows if r["account_status"] not in ("pending", "active")]
    ahead = [
        r for r in rows if r["to_bill"] == ZERO and r["account_status"] in ("pending", "active")
    ]
    return {
        "as_of": day.isoformat(),
        "counts": {
            "Instalments to bill": len(billed),
            "Accounts": len({r["account_id"] for r in billed}),
        },
        "totals": {"Deposit instalments": str(sum((r["to_bill"] for r in billed), ZERO))},
        "exclusions": {
            "Paid ahead at the counter, or covered by a letter of credit": len(ahead),
            "Account final or closed (the final bill applies the deposit)": len(closed),
        },
        "rule": "Each instalment whose day has come, billed to the account's ledger and held "
        f"as deposit; due {Policy.current().bill_due_days} days after it is billed",
    }


def post_instalments(day: date, *, by, progress: Progress | None = None, run=None) -> dict:
    policy = Policy.current()
    ids = sorted({r["account_id"] for r in queries.instalment_candidates(day)})
    chunks = _chunks(ids)
    count, total = 0, ZERO
    for done, chunk in enumerate(chunks, start=1):
        with transaction.atomic():
            _lock_accounts(chunk)
            today = business_day.posting_date()
            rows = [
                r
                for r in queries.instalment_candidates(day, chunk)
                if r["to_bill"] > ZERO and r["account_status"] in ("pending", "active")
            ]
            counts = {
                p.pk: p.instalment_count
                for p in InstalmentPlan.objects.filter(pk__in={r["plan_id"] for r in rows})
            }
            charges = LedgerEntry.objects.bulk_create(
                LedgerEntry(
                    account_id=r["account_id"],
                    kind=EntryKind.DEPOSIT_BILLED,
                    amount=r["to_bill"],
                    business_date=today,
                    due_date=today + timedelta(days=policy.bill_due_days),
                    posted_by=by,
                    reference=f"DEP-{r['instalment_id']}",
                    memo=f"Deposit instalment {r['number']} of {counts[r['plan_id']]}",
                )
                for r in rows
            )
            DepositEntry.objects.bulk_create(
                DepositEntry(
                    account_id=r["account_id"],
                    kind=Kind.INSTALMENT_BILLED,
                    amount=r["to_bill"],
                    business_date=today,
                    posted_by=by,
                    ledger_entry=charge,
                    instalment_id=r["instalment_id"],
                    reference=charge.reference,
                    memo=charge.memo,
                )
                for r, charge in zip(rows, charges, strict=True)
            )
            _end_finished_plans(chunk, by=by)
            count += len(rows)
            total += sum((r["to_bill"] for r in rows), ZERO)
            if rows:
                _audit(
                    by,
                    "deposits.instalments",
                    run,
                    {"instalments": len(rows), "total": str(sum(r["to_bill"] for r in rows))},
                )
        if progress:
            progress(done, len(chunks))
    return {"Instalments billed": count, "Deposit instalments": format_money(total)}


def _end_finished_plans(account_ids: list[int], *, by) -> int:
    """A plan ends when nothing of the deposit is left to bill: every instalment billed, or
    the rest paid ahead at the counter. One statement for the chunk."""
    with connection.cursor() as cursor:
        cursor.execute(
            queries.END_FINISHED_PLANS_SQL, {"ids": account_ids, "today": business_day.today()}
        )
        return len(cursor.fetchall())


# Interest ------------------------------------------------------------------------------------

# Accounts holding a deposit with no interest yet for the year, with the year's interest.
_INTEREST_DUE = """
WITH due AS ({interest})
SELECT due.account_id, due.interest
FROM due
WHERE due.interest > 0
  AND (SELECT SUM(h.amount) FROM deposits_depositentry h WHERE h.account_id = due.account_id) > 0
  AND NOT EXISTS (SELECT 1 FROM deposits_depositentry x
                  WHERE x.account_id = due.account_id AND x.kind = 'interest'
                    AND x.interest_year = %(year)s)
  AND (%(ids)s::bigint[] IS NULL OR due.account_id = ANY(%(ids)s::bigint[]))
ORDER BY due.account_id
"""


def _interest_due(year: int, ids: list[int] | None = None) -> list[tuple[int, Decimal]]:
    if year >= business_day.today().year:
        # The year's interest counts the days to 31 December: it is paid once they are past.
        raise services.DepositError(f"{year} is not over yet: its interest is paid after it.")
    rate = Policy.current().deposit_interest_percent
    if rate <= ZERO:
        return []
    sql, params = queries.interest_sql(year=year)
    with connection.cursor() as cursor:
        cursor.execute(
            _INTEREST_DUE.format(interest=sql),
            {**params, "rate": rate, "account_id": None, "year": year, "ids": ids},
        )
        return cursor.fetchall()


def interest_proof(year: int) -> dict:
    rate = Policy.current().deposit_interest_percent
    due = _interest_due(year)
    return {
        "year": year,
        "counts": {"Accounts": len(due)},
        "totals": {"Interest": str(sum((amount for _, amount in due), ZERO))},
        "exclusions": {"Rate is 0%: no interest is paid": 1} if rate <= ZERO else {},
        "rule": f"{rate.normalize():f}% a year, simple, on the days each amount was held in "
        f"{year}; interest already accrued for {year} (at a return) is not paid twice",
    }


def post_interest(year: int, *, by, progress: Progress | None = None, run=None) -> dict:
    ids = [account_id for account_id, _ in _interest_due(year)]
    chunks = _chunks(ids)
    count, total = 0, ZERO
    for done, chunk in enumerate(chunks, start=1):
        with transaction.atomic():
            _lock_accounts(chunk)
            today = business_day.posting_date()
            due = _interest_due(year, chunk)
            DepositEntry.objects.bulk_create(
                DepositEntry(
                    account_id=account_id,
                    kind=Kind.INTEREST,
                    amount=amount,
                    business_date=today,
                    posted_by=by,
                    interest_year=year,
                    memo=f"Interest for {year}",
                )
                for account_id, amount in due
            )
            count += len(due)
            total += sum((amount for _, amount in due), ZERO)
            if due:
                _audit(by, "deposits.interest", run, {"year": year, "accounts": len(due)})
        if progress:
            progress(done, len(chunks))
    return {"Accounts paid interest": count, "Interest": format_money(total)}


# Review --------------------------------------------------------------------------------------


def review_proof(day: date) -> dict:
    policy = Policy.current()
    rows = queries.review(day)
    returned = [r for r in rows if not r.reason]
    exclusions = {
        label: sum(1 for r in rows if r.reason == code)
        for code, label in queries.REVIEW_REASONS.items()
    }
    action = "refunded" if policy.deposit_review_action == services.REFUND else "credited"
    return {
        "as_of": day.isoformat(),
        "counts": {f"Deposits {action}": len(returned), "Deposits held": len(rows)},
        "totals": {
            f"Deposits {action} (before interest)": str(sum((r.held for r in returned), ZERO))
        },
        "exclusions": exclusions,
        "rule": f"Held {policy.deposit_review_months} months or more with at most "
        f"{policy.deposit_review_late_payments_max} late payment(s), no returned payment and "
        f"no disconnection in those months; {action} to the account"
        + (" (the credit it leaves is refunded by check)" if action == "refunded" else ""),
    }


# Credit mode, set-based per chunk: each eligible account's deposit held becomes one
# DEPOSIT_APPLIED credit on its ledger and one APPLIED row on its deposit ledger, joined by
# the account (one of each per account and statement). Only accounts still holding a deposit
# are touched: a second post finds nothing held.
_REVIEW_CREDIT = """
WITH held AS (
    SELECT account_id, SUM(amount) AS held FROM deposits_depositentry
    WHERE account_id = ANY(%(ids)s::bigint[]) GROUP BY account_id HAVING SUM(amount) > 0
), credits AS (
    INSERT INTO accounts_ledgerentry
        (account_id, kind, amount, business_date, posted_at, posted_by_id, reference, memo,
         reason_code)
    SELECT account_id, 'deposit_applied', -held, %(day)s, now(), %(by)s, %(reference)s,
           %(memo)s, ''
    FROM held
    RETURNING id, account_id, amount
)
INSERT INTO deposits_depositentry
    (account_id, kind, amount, business_date, posted_at, posted_by_id, ledger_entry_id,
     reference, memo)
SELECT account_id, 'applied', amount, %(day)s, now(), %(by)s, id, %(reference)s, %(memo)s
FROM credits
RETURNING amount
"""


def post_review(day: date, *, by, progress: Progress | None = None, run=None) -> dict:
    """Return every deposit the review finds (worked out again at posting, chunk by chunk
    under the accounts' locks). Credit, the default: set-based. Refund: account by account,
    since each asks the refunds work for its check."""
    policy = Policy.current()
    how = policy.deposit_review_action
    memo = (
        f"Deposit review {day:%m/%d/%Y}: held {policy.deposit_review_months} months with "
        "good history"
    )
    reference = f"Run {run.pk}" if run else ""
    eligible = [r.account_id for r in queries.review(day) if not r.reason]
    chunks = _chunks(eligible, CHUNK if how == services.APPLY else REVIEW_CHUNK)
    totals = {"returned": ZERO, "applied": ZERO, "refunded": ZERO, "interest": ZERO}
    count = 0
    skipped: dict[str, int] = {}
    for done, chunk in enumerate(chunks, start=1):
        with transaction.atomic():
            _lock_accounts(chunk)
            # Eligible still, now the accounts are locked (a returned check since the proof).
            still = [r.account_id for r in queries.review(day, chunk) if not r.reason]
            if how == services.APPLY:
                n, amounts = _credit_chunk(still, day=day, by=by, memo=memo, reference=reference)
                count += n
                for key, value in amounts.items():
                    totals[key] += value
            else:
                for account in Account.objects.filter(pk__in=still).order_by("pk"):
                    try:
                        with transaction.atomic():
                            result = services.return_deposit(
                                account=account, how=how, by=by, memo=memo, reference=reference
                            )
                    except DomainError as error:
                        skipped[str(error)] = skipped.get(str(error), 0) + 1
                        continue
                    if result is None:
                        continue
                    count += 1
                    totals["returned"] += result.held
                    totals["applied"] += result.applied
                    totals["refunded"] += result.refunded
                    totals["interest"] += result.interest
            if still:
                _audit(by, "deposits.review", run, {"accounts": len(still), "how": how})
        if progress:
            progress(done, len(chunks))
    outcome = {
        "Deposits returned": count,
        "Returned (with interest)": format_money(totals["returned"]),
        "Credited to accounts": format_money(totals["applied"]),
        "Refund checks requested": format_money(totals["refunded"]),
        "Interest accrued at the return": format_money(totals["interest"]),
    }
    for reason, n in skipped.items():
        outcome[f"Left out: {reason}"] = n
    return outcome


def _credit_chunk(ids: list[int], *, day: date, by, memo: str, reference: str):
    """Credit the deposits of a chunk of locked, eligible accounts: interest first (account
    by account, only when the policy pays any), then one statement for the credits."""
    if not ids:
        return 0, {}
    interest = ZERO
    posting_day = business_day.posting_date()
    if Policy.current().deposit_interest_percent > ZERO:
        for account_id in ids:
            interest += services.accrue_interest(account_id=account_id, through=posting_day, by=by)
    InstalmentPlan.objects.filter(account_id__in=ids, status=PlanStatus.ACTIVE).update(
        status=PlanStatus.ENDED, ended_on=business_day.today(), end_reason="Deposit returned"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            _REVIEW_CREDIT,
            {"ids": ids, "day": posting_day, "by": by.pk, "memo": memo, "reference": reference},
        )
        amounts = [-row[0] for row in cursor.fetchall()]
    total = sum(amounts, ZERO)
    return len(amounts), {"returned": total, "applied": total, "interest": interest}
