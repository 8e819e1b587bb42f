"""The outcome letter: what was disputed, what was decided and why, what was credited, and
what the customer owes now (the numbers as they stand when the letter is made)."""

from django.conf import settings

from accounts.queries import aging_for_account
from collections_app.disputes.models import CaseStatus, Outcome
from utilityclerk.pdf import render_pdf


def letter_context(case) -> dict:
    aging = aging_for_account(case.account_id)
    appeal = getattr(case, "appeal", None) if case.status == CaseStatus.CLOSED else None
    return {
        "case": case,
        "account": case.account,
        "customer": case.account.customer,
        "appeal": appeal,
        "balance": aging.balance,
        "past_due": aging.past_due,
        "credited": case.amount_adjusted,
        "still_owed": max(case.amount - case.amount_adjusted, 0),
        "upheld": case.outcome == Outcome.UPHELD,
        "adjusted": case.outcome == Outcome.ADJUSTED,
        "withdrawn": case.outcome == Outcome.WITHDRAWN,
        "may_appeal": case.status == CaseStatus.RESOLVED and appeal is None,
        "utility_name": settings.UTILITY_NAME,
    }


def outcome_letter_pdf(case, *, generated_by=None) -> bytes:
    return render_pdf(
        "disputes/pdf/outcome_letter.html", letter_context(case), generated_by=generated_by
    )
