"""Reads for the payment screens and reports: each a queryset or one SQL statement."""

import re
from decimal import Decimal

from django.db.models import Count, Prefetch, Sum

from payments.models import (
    DrawerSession,
    MailBatch,
    Payment,
    SessionStatus,
    Tender,
)
from utilityclerk.money import ZERO

_RECEIPT = re.compile(r"^\s*[Rr]?[\s#-]*(\d{1,12})\s*$")


def parse_receipt_number(text: str) -> int | None:
    """R100234, r 100234, #100234 or 100234 -> 100234."""
    match = _RECEIPT.match(text or "")
    return int(match[1]) if match else None


def open_session_for(user) -> DrawerSession | None:
    return (
        DrawerSession.objects.filter(opened_by=user, status=SessionStatus.OPEN)
        .select_related("drawer")
        .first()
    )


def open_session_with_receipt_count(user) -> DrawerSession | None:
    """The user's open drawer with `receipts`, how many payments it took (voided too: they
    are receipts in the drawer's list), in one query."""
    return (
        DrawerSession.objects.filter(opened_by=user, status=SessionStatus.OPEN)
        .select_related("drawer")
        .annotate(receipts=Count("payments"))
        .first()
    )


def _with_tenders(payments):
    return payments.prefetch_related(Prefetch("tenders", queryset=Tender.objects.order_by("id")))


def payment_for_receipt(number: int) -> Payment | None:
    """One payment with everything its receipt shows, in two queries."""
    return (
        _with_tenders(
            Payment.objects.select_related(
                "account__customer",
                "account__premise",
                "taken_by",
                "voided_by",
                "returned_by",
                "session__drawer",
                "ledger_entry",
            )
        )
        .filter(receipt_number=number)
        .first()
    )


def payments_for_account(account_id: int, limit: int = 50) -> list[Payment]:
    return list(
        _with_tenders(
            Payment.objects.filter(account_id=account_id).select_related("taken_by", "ledger_entry")
        ).order_by("-taken_at", "-id")[:limit]
    )


def session_payments(session: DrawerSession, limit: int = 200) -> list[Payment]:
    return list(
        _with_tenders(
            Payment.objects.filter(session=session).select_related(
                "account__customer", "ledger_entry"
            )
        ).order_by("-receipt_number")[:limit]
    )


def batch_totals(batch: MailBatch) -> tuple[int, Decimal]:
    totals = batch.items.aggregate(count=Count("id"), total=Sum("amount"))
    return totals["count"], totals["total"] or ZERO


def recent_batches(limit: int = 30):
    return (
        MailBatch.objects.select_related("keyed_by")
        .annotate(keyed_count=Count("items"), keyed_total=Sum("items__amount"))
        .order_by("-created_at")[:limit]
    )
