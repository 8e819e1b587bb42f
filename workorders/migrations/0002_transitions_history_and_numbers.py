from django.db import migrations

# The valid status transitions, as in workorders.models.TRANSITIONS (a test proves they agree).
# The database refuses any other change of status, whatever code or console tries it, and
# every order starts open.
TRANSITION_TRIGGER = """
CREATE FUNCTION workorder_refuse_invalid_transition() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'open' THEN
            RAISE EXCEPTION 'work order % must start open, not %', NEW.number, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND (OLD.status, NEW.status) NOT IN (
        ('open', 'scheduled'), ('open', 'cancelled'),
        ('scheduled', 'dispatched'), ('scheduled', 'open'), ('scheduled', 'cancelled'),
        ('scheduled', 'completed'),
        ('dispatched', 'completed'), ('dispatched', 'scheduled'), ('dispatched', 'cancelled')
    ) THEN
        RAISE EXCEPTION 'work order % cannot go from % to %', OLD.number, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER workorders_workorder_valid_transition
BEFORE INSERT OR UPDATE OF status ON workorders_workorder
FOR EACH ROW EXECUTE FUNCTION workorder_refuse_invalid_transition();
"""

HISTORY_TRIGGERS = """
CREATE TRIGGER workorders_statuschange_append_only
BEFORE UPDATE OR DELETE ON workorders_workorderstatuschange
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
CREATE TRIGGER workorders_meterread_append_only
BEFORE UPDATE OR DELETE ON workorders_meterread
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""


class Migration(migrations.Migration):
    dependencies = [("workorders", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [
        migrations.RunSQL(
            TRANSITION_TRIGGER,
            "DROP TRIGGER workorders_workorder_valid_transition ON workorders_workorder;"
            "DROP FUNCTION workorder_refuse_invalid_transition();",
        ),
        migrations.RunSQL(
            HISTORY_TRIGGERS,
            "DROP TRIGGER workorders_statuschange_append_only ON workorders_workorderstatuschange;"
            "DROP TRIGGER workorders_meterread_append_only ON workorders_meterread;",
        ),
        migrations.RunSQL(
            "CREATE SEQUENCE work_order_number_seq START 1000001;",
            "DROP SEQUENCE work_order_number_seq;",
        ),
    ]
