from django.db import migrations

# The valid status changes, as in disputes.models.TRANSITIONS (a test proves they agree). The
# database refuses any other, whatever code or console tries it, and every case starts
# received.
TRANSITION_TRIGGER = """
CREATE FUNCTION dispute_refuse_invalid_transition() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'received' THEN
            RAISE EXCEPTION 'dispute % must start received, not %', NEW.id, NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.status IS DISTINCT FROM OLD.status AND (OLD.status, NEW.status) NOT IN (
        ('received', 'acknowledged'), ('received', 'investigating'), ('received', 'waiting'),
        ('received', 'awaiting_approval'), ('received', 'resolved'), ('received', 'withdrawn'),
        ('acknowledged', 'investigating'), ('acknowledged', 'waiting'),
        ('acknowledged', 'awaiting_approval'), ('acknowledged', 'resolved'),
        ('acknowledged', 'withdrawn'),
        ('investigating', 'waiting'), ('investigating', 'awaiting_approval'),
        ('investigating', 'resolved'), ('investigating', 'withdrawn'),
        ('waiting', 'investigating'), ('waiting', 'withdrawn'),
        ('awaiting_approval', 'resolved'), ('awaiting_approval', 'investigating'),
        ('resolved', 'appealed'),
        ('appealed', 'closed')
    ) THEN
        RAISE EXCEPTION 'dispute % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER disputes_case_valid_transition
BEFORE INSERT OR UPDATE OF status ON disputes_case
FOR EACH ROW EXECUTE FUNCTION dispute_refuse_invalid_transition();
"""

# The history and the documents are kept as they were written.
APPEND_ONLY = """
CREATE TRIGGER disputes_statuschange_append_only
BEFORE UPDATE OR DELETE ON disputes_casestatuschange
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
CREATE TRIGGER disputes_document_append_only
BEFORE UPDATE OR DELETE ON disputes_casedocument
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""


class Migration(migrations.Migration):
    dependencies = [("disputes", "0001_initial"), ("core", "0002_append_only_audit")]

    operations = [
        migrations.RunSQL(
            TRANSITION_TRIGGER,
            "DROP TRIGGER disputes_case_valid_transition ON disputes_case;"
            "DROP FUNCTION dispute_refuse_invalid_transition();",
        ),
        migrations.RunSQL(
            APPEND_ONLY,
            "DROP TRIGGER disputes_statuschange_append_only ON disputes_casestatuschange;"
            "DROP TRIGGER disputes_document_append_only ON disputes_casedocument;",
        ),
    ]
