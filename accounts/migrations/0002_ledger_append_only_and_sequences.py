from django.db import migrations

LEDGER_TRIGGER = """
CREATE TRIGGER accounts_ledgerentry_append_only
BEFORE UPDATE OR DELETE ON accounts_ledgerentry
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""

# Bills are financial documents: once issued their numbers do not change.
BILL_TRIGGERS = """
CREATE TRIGGER accounts_bill_append_only
BEFORE UPDATE OR DELETE ON accounts_bill
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
CREATE TRIGGER accounts_billline_append_only
BEFORE UPDATE OR DELETE ON accounts_billline
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [
        migrations.RunSQL(
            LEDGER_TRIGGER,
            "DROP TRIGGER accounts_ledgerentry_append_only ON accounts_ledgerentry;",
        ),
        migrations.RunSQL(
            BILL_TRIGGERS,
            "DROP TRIGGER accounts_bill_append_only ON accounts_bill;"
            "DROP TRIGGER accounts_billline_append_only ON accounts_billline;",
        ),
        # Account numbers: seven digits from here, plus a check digit.
        migrations.RunSQL(
            "CREATE SEQUENCE account_number_seq START 1000001 MAXVALUE 9999999;",
            "DROP SEQUENCE account_number_seq;",
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE bill_number_seq START 100000001;", "DROP SEQUENCE bill_number_seq;"
        ),
    ]
