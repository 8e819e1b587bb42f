"""The demo history follows the late-fee rule: each fee is the policy's percentage of what
was past due on the bills alone (never on earlier fees), and names the bill it is charged on.
(Before collections the demo charged 10% of a past due that held earlier fees, with no bill.)"""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Bill, LedgerEntry
from collections_app.collectible import collectible_for_account
from utilityclerk.money import quantize_money

pytestmark = pytest.mark.django_db


def test_demo_late_fees_are_never_charged_on_fees_and_name_their_bill():
    call_command("seed_accounts", accounts=60, months=12, seed=7, stdout=StringIO())
    fees = list(LedgerEntry.objects.filter(kind="late_fee").order_by("id"))
    assert fees
    bills = set(Bill.objects.values_list("number", flat=True))
    on_accounts_with_earlier_fees = 0
    for fee in fees:
        assert fee.reference in bills
        # What the collectible says the base was the day before the fee, counting charges
        # due before the fee's day as past due.
        before = collectible_for_account(
            fee.account_id, fee.business_date - timedelta(days=1), cutoff=fee.business_date
        )
        assert fee.amount == quantize_money(before.late_fee_base() * Decimal("0.10")), fee.memo
        if before.fees:
            on_accounts_with_earlier_fees += 1
    # The rule was exercised: some fees fell on accounts that still owed earlier fees.
    assert on_accounts_with_earlier_fees > 0
