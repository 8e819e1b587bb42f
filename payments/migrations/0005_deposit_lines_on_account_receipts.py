# A receipt may pay a security deposit beside the account's balance (payment lines): its
# ledger entry is then the account's part only, or none when it is all deposit, and a
# returned check undoes the deposit's part first. What came back is kept on the payment.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0013_merge_counter_search_premise_keys'),
        ('payments', '0004_merge_0003_payment_lines_0003_receipt_balance'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='payment',
            name='payment_for_account_has_ledger_entry',
        ),
        migrations.RemoveConstraint(
            model_name='payment',
            name='undone_payment_has_reversal',
        ),
        migrations.AddField(
            model_name='payment',
            name='returned_amount',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=14, null=True),
        ),
        # Returns recorded before: what came back is what their reversal took off.
        migrations.RunSQL(
            """
            UPDATE payments_payment p SET returned_amount = r.amount
            FROM accounts_ledgerentry r
            WHERE r.id = p.reversal_entry_id AND p.status = 'returned'
            """,
            migrations.RunSQL.noop,
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'voided'), _negated=True), ('reversal_entry__isnull', False), ('ledger_entry__isnull', True), _connector='OR'), name='voided_payment_has_reversal'),
        ),
        migrations.AddConstraint(
            model_name='payment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'returned'), _negated=True), ('returned_amount__gt', 0), _connector='OR'), name='returned_payment_says_what_came_back'),
        ),
    ]
