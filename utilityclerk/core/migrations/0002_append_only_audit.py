from django.db import migrations

# One trigger function for every append-only table (audit trail, ledger, ...): the database
# itself refuses UPDATE and DELETE, whatever code or console tries it.
CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION refuse_change_of_append_only_row() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

CREATE_TRIGGER = """
CREATE TRIGGER core_auditevent_append_only
BEFORE UPDATE OR DELETE ON core_auditevent
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunSQL(CREATE_FUNCTION, "DROP FUNCTION refuse_change_of_append_only_row();"),
        migrations.RunSQL(
            CREATE_TRIGGER, "DROP TRIGGER core_auditevent_append_only ON core_auditevent;"
        ),
    ]
