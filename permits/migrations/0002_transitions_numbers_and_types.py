from django.db import migrations

# The valid status transitions, as in permits.models.TRANSITIONS (a test proves they agree).
# The database refuses any other change of status, whatever code or console tries it, and
# every permit starts submitted.
TRANSITION_TRIGGER = """
CREATE FUNCTION permit_refuse_invalid_transition() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'submitted' THEN
            RAISE EXCEPTION 'permit % must start submitted, not %', NEW.number, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND (OLD.status, NEW.status) NOT IN (
        ('submitted', 'under_review'), ('submitted', 'denied'), ('submitted', 'withdrawn'),
        ('under_review', 'approved'), ('under_review', 'denied'), ('under_review', 'withdrawn'),
        ('approved', 'issued'), ('approved', 'withdrawn'), ('approved', 'expired'),
        ('issued', 'closed'), ('issued', 'expired')
    ) THEN
        RAISE EXCEPTION 'permit % cannot go from % to %', OLD.number, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER permits_permit_valid_transition
BEFORE INSERT OR UPDATE OF status ON permits_permit
FOR EACH ROW EXECUTE FUNCTION permit_refuse_invalid_transition();
"""

APPEND_ONLY = """
CREATE TRIGGER permits_statuschange_append_only
BEFORE UPDATE OR DELETE ON permits_permitstatuschange
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
CREATE TRIGGER permits_backflowtest_append_only
BEFORE UPDATE OR DELETE ON permits_backflowtest
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""


def add_types(apps, schema_editor):
    from permits.defaults import ensure_permit_types

    ensure_permit_types(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("permits", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [
        migrations.RunSQL(
            TRANSITION_TRIGGER,
            "DROP TRIGGER permits_permit_valid_transition ON permits_permit;"
            "DROP FUNCTION permit_refuse_invalid_transition();",
        ),
        migrations.RunSQL(
            APPEND_ONLY,
            "DROP TRIGGER permits_statuschange_append_only ON permits_permitstatuschange;"
            "DROP TRIGGER permits_backflowtest_append_only ON permits_backflowtest;",
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE permit_number_seq START 1000001;"
            "CREATE SEQUENCE will_serve_number_seq START 1001;",
            "DROP SEQUENCE permit_number_seq; DROP SEQUENCE will_serve_number_seq;",
        ),
        migrations.RunPython(add_types, migrations.RunPython.noop),
    ]
