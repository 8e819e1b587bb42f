from django.db import migrations

# The deposit ledger and the history of waivers are money records: the database refuses
# UPDATE and DELETE on them, as on the account ledger (core.0002's function).
TRIGGERS = """
CREATE TRIGGER deposits_depositentry_append_only
BEFORE UPDATE OR DELETE ON deposits_depositentry
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
CREATE TRIGGER deposits_depositwaiver_append_only
BEFORE UPDATE OR DELETE ON deposits_depositwaiver
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""

DROP = """
DROP TRIGGER deposits_depositentry_append_only ON deposits_depositentry;
DROP TRIGGER deposits_depositwaiver_append_only ON deposits_depositwaiver;
"""


class Migration(migrations.Migration):
    dependencies = [("deposits", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [migrations.RunSQL(TRIGGERS, DROP)]
