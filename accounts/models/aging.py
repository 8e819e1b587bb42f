"""What every account owes, kept from the ledger so that aging every account at once (the
aging reports, the aging totals) reads a row or two per account instead of the whole ledger.

The ledger stays the truth: the account page ages one account from its entries. These tables
are kept by the database itself (accounts.aging_summary has the SQL):
- every INSERT into the ledger appends its effect to AgingChange (a trigger; append-only, so
  a posting never waits on another's lock);
- `fold()` moves those changes into AccountBalance and ChargesDue and works out again what is
  unpaid of the accounts they touched (cron, every 15 minutes, with the scheduled reports);
- a read adds the changes not folded yet, so it is exact whenever it runs.
"""

from django.db import models
from django.db.models import Q

from accounts.models.account import Account
from utilityclerk.fields import money_field as money


class AccountBalance(models.Model):
    """The sum of the account's ledger, and of its charges (ChargesDue), as of the last
    fold."""

    account = models.OneToOneField(
        Account, primary_key=True, on_delete=models.DO_NOTHING, related_name="+"
    )
    balance = money()
    charged = money()

    def __str__(self):
        return f"Balance {self.balance} of account {self.account_id}"


class ChargesDue(models.Model):
    """An account's charges falling due on one day (less those reversed), as of the last
    fold. Credits pay the oldest charges first, so what is owed sits on the newest: the
    charges due after this day (the account's `charged` less `due_up_to`) come before it,
    and `unpaid` is what the balance leaves of it after them."""

    # Indexed by the unique (account, due date).
    account = models.ForeignKey(
        Account, on_delete=models.DO_NOTHING, related_name="+", db_index=False
    )
    due_date = models.DateField()
    amount = money()
    # The account's charges due on or before this day.
    due_up_to = money()
    unpaid = money()

    class Meta:
        verbose_name_plural = "charges due"
        constraints = [
            models.UniqueConstraint(fields=["account", "due_date"], name="charges_due_one_per_day")
        ]
        indexes = [
            # Aging every account reads only what is unpaid: a few rows per owing account.
            models.Index(
                fields=["account"],
                name="charges_due_unpaid",
                include=["due_date", "unpaid"],
                condition=Q(unpaid__gt=0),
            ),
            # An account whose postings are not folded yet (or aged as of a past day) is aged
            # again from its newest charges only: those the balance can reach.
            models.Index(
                fields=["account", "due_up_to", "due_date"],
                name="charges_due_newest",
                include=["amount"],
            ),
        ]

    def __str__(self):
        return (
            f"{self.amount} due {self.due_date} ({self.unpaid} unpaid) on account {self.account_id}"
        )


class AgingChange(models.Model):
    """One ledger INSERT's effect on an account, not folded in yet: the balance moves by
    `balance`; the charges due on `due_date` (none: not a charge) by `charge`."""

    # The ledger entry's own key holds the account; no second check or index on each posting.
    account = models.ForeignKey(
        Account,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    due_date = models.DateField(null=True)
    charge = money()
    balance = money()

    def __str__(self):
        return f"Change of {self.balance} on account {self.account_id}"
