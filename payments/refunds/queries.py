# ruff: noqa: S608 - the SQL text is built from our own constants (choices); every value is a parameter
"""Read-side queries for refunds: the supervisor's queue, a refund's page, an account's
refunds, and the register and unclaimed-property lists the reports catalogue runs."""

from datetime import date, timedelta

from django.db.models import Q, Sum

from accounts import queries as account_queries
from payments.refunds.models import Refund, RefundSource, RefundStatus
from utilityclerk.core.models import Policy
from utilityclerk.money import ZERO


def waiting() -> list[Refund]:
    """Requests waiting for a supervisor, oldest first, each with its account's balance now
    (one query for the refunds, one for the balances)."""
    refunds = list(
        Refund.objects.filter(status=RefundStatus.REQUESTED)
        .select_related("account__customer", "requested_by")
        .order_by("requested_at", "id")
    )
    ids = sorted({r.account_id for r in refunds if r.account_id})
    balances = account_queries.aging_for_accounts(ids) if ids else {}
    for refund in refunds:
        aging = balances.get(refund.account_id)
        refund.balance_now = aging.balance if aging else (ZERO if refund.account_id else None)
    return refunds


def waiting_count() -> int:
    return Refund.objects.filter(status=RefundStatus.REQUESTED).count()


def refund_detail(pk: int) -> Refund:
    return Refund.objects.select_related(
        "account__customer",
        "requested_by",
        "decided_by",
        "voided_by",
        "cashed_recorded_by",
        "ledger_entry",
        "reversal_entry",
        "payment",
    ).get(pk=pk)


def for_account(account_id: int) -> list[Refund]:
    return list(
        Refund.objects.filter(account_id=account_id)
        .select_related("requested_by", "decided_by")
        .order_by("-requested_at", "-id")
    )


def for_reference(reference: str) -> list[Refund]:
    return list(
        Refund.objects.filter(source=RefundSource.PERMIT, reference=reference).order_by(
            "requested_at", "id"
        )
    )


def available_credit(account_id: int) -> "tuple":
    """(credit balance, requested and waiting, what is left to request) for the form."""
    balance = account_queries.balance_of(account_id)
    credit = -balance if balance < ZERO else ZERO
    waiting_total = (
        Refund.objects.filter(account_id=account_id, status=RefundStatus.REQUESTED).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    return credit, waiting_total, max(credit - waiting_total, ZERO)


# The register and the unclaimed list: SQL with named parameters, for the reports catalogue
# (reports wraps them to sort, page, total and stream) and for the tests to reread.

_PAYEE_AND_ACCOUNT = """
       r.payee_name AS payee,
       REPLACE(r.mailing_address, E'\\n', ', ') AS address,
       COALESCE(ac.number, '') AS account,
       CASE WHEN r.source = 'permit' THEN r.reference ELSE '' END AS permit,
"""

_SOURCE_LABEL = (
    "(CASE r.source "
    + " ".join(f"WHEN '{v}' THEN '{label}'" for v, label in RefundSource.choices)
    + " END)"
)
_STATUS_NOW = """(CASE WHEN r.status = 'voided' THEN 'Voided'
       WHEN r.cashed_on IS NOT NULL THEN 'Cashed' ELSE 'Check requested' END)"""

REGISTER_SQL = f"""
SELECT r.check_request_number AS check_request,
       r.approved_on AS approved_on,
       {_PAYEE_AND_ACCOUNT}
       {_SOURCE_LABEL} AS source,
       r.reason AS reason,
       {_STATUS_NOW} AS status,
       r.amount AS amount
FROM refunds_refund r
LEFT JOIN accounts_account ac ON ac.id = r.account_id
WHERE r.approved_on BETWEEN %(start)s AND %(end)s
  AND r.status IN ('approved', 'voided')
  AND (%(source)s = '' OR r.source = %(source)s)
"""


def register_sql(filters: dict) -> tuple[str, dict]:
    """Every refund approved in the period (its check requested from accounts payable),
    including any voided since: the status says so."""
    return REGISTER_SQL, {
        "start": filters["start"],
        "end": filters["end"],
        "source": filters.get("source") or "",
    }


UNCLAIMED_SQL = f"""
SELECT r.check_request_number AS check_request,
       r.approved_on AS approved_on,
       (%(as_of)s::date - r.approved_on) AS days_out,
       {_PAYEE_AND_ACCOUNT}
       {_SOURCE_LABEL} AS source,
       r.amount AS amount
FROM refunds_refund r
LEFT JOIN accounts_account ac ON ac.id = r.account_id
WHERE r.status = 'approved' AND r.cashed_on IS NULL
  AND r.approved_on <= %(cutoff)s
"""


def unclaimed_cutoff(as_of: date, days: int | None = None) -> date:
    """A check approved on or before this day and never cashed is unclaimed on as_of."""
    days = Policy.current().refund_unclaimed_days if days is None else days
    return as_of - timedelta(days=days)


def unclaimed_sql(filters: dict) -> tuple[str, dict]:
    as_of = filters["as_of"]
    return UNCLAIMED_SQL, {"as_of": as_of, "cutoff": unclaimed_cutoff(as_of)}


def unclaimed(as_of: date) -> list[Refund]:
    """The same list as models, oldest first (for a screen of one's own or a test)."""
    return list(
        Refund.objects.filter(
            Q(status=RefundStatus.APPROVED)
            & Q(cashed_on__isnull=True)
            & Q(approved_on__lte=unclaimed_cutoff(as_of))
        ).order_by("approved_on", "id")
    )
