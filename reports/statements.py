"""The account statement: the ledger between two dates with opening and closing balances
and the aging on the closing date."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from accounts import queries
from accounts.models import Account, LedgerEntry
from utilityclerk.money import ZERO


@dataclass
class Statement:
    account: Account
    start: date
    end: date
    opening_balance: Decimal
    entries: list[LedgerEntry]
    closing_balance: Decimal
    total_charges: Decimal
    total_credits: Decimal
    aging: queries.Aging


def build_statement(account: Account, start: date, end: date) -> Statement:
    entries = list(queries.ledger_with_running_balance(account.pk, start=start, end=end))
    opening = queries.balance_of(account.pk, as_of=start - timedelta(days=1))
    charges = sum((e.amount for e in entries if e.amount > 0), ZERO)
    credits = sum((e.amount for e in entries if e.amount < 0), ZERO)
    return Statement(
        account=account,
        start=start,
        end=end,
        opening_balance=opening,
        entries=entries,
        closing_balance=opening + charges + credits,
        total_charges=charges,
        total_credits=credits,
        aging=queries.aging_for_account(account.pk, as_of=end),
    )
