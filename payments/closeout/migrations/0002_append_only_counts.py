from django.db import migrations

# Counts, denomination lines, drops, reasons, verifications and change-fund movements are the
# evidence of the close-out: kept as they were written, never changed or deleted.
TABLES = [
    "closeout_drawercount",
    "closeout_denominationcount",
    "closeout_cashdrop",
    "closeout_overshortreason",
    "closeout_verification",
    "closeout_changefundmovement",
]


class Migration(migrations.Migration):
    dependencies = [("closeout", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();",
            f"DROP TRIGGER {table}_append_only ON {table};",
        )
        for table in TABLES
    ]
