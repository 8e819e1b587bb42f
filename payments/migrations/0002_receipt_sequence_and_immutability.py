from django.db import migrations

# Tenders are what was handed over: never changed afterwards.
TENDER_TRIGGER = """
CREATE TRIGGER payments_tender_append_only
BEFORE UPDATE OR DELETE ON payments_tender
FOR EACH ROW EXECUTE FUNCTION refuse_change_of_append_only_row();
"""

# A posted mail batch and its items are immutable; an open one may be corrected.
BATCH_TRIGGERS = """
CREATE OR REPLACE FUNCTION payments_refuse_change_of_posted_batch() RETURNS trigger AS $$
BEGIN
    IF OLD.status = 'posted' THEN
        RAISE EXCEPTION 'mail batch % is posted: % refused', OLD.id, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION payments_refuse_change_in_posted_batch() RETURNS trigger AS $$
DECLARE
    batch_ids bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        batch_ids := ARRAY[NEW.batch_id];
    ELSIF TG_OP = 'UPDATE' THEN
        batch_ids := ARRAY[OLD.batch_id, NEW.batch_id];
    ELSE
        batch_ids := ARRAY[OLD.batch_id];
    END IF;
    IF EXISTS (SELECT 1 FROM payments_mailbatch
               WHERE id = ANY(batch_ids) AND status = 'posted') THEN
        RAISE EXCEPTION 'mail batch is posted: % of its items refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_mailbatch_posted_immutable
BEFORE UPDATE OR DELETE ON payments_mailbatch
FOR EACH ROW EXECUTE FUNCTION payments_refuse_change_of_posted_batch();

CREATE TRIGGER payments_mailbatchitem_posted_immutable
BEFORE INSERT OR UPDATE OR DELETE ON payments_mailbatchitem
FOR EACH ROW EXECUTE FUNCTION payments_refuse_change_in_posted_batch();
"""

DROP_BATCH_TRIGGERS = """
DROP TRIGGER payments_mailbatchitem_posted_immutable ON payments_mailbatchitem;
DROP TRIGGER payments_mailbatch_posted_immutable ON payments_mailbatch;
DROP FUNCTION payments_refuse_change_in_posted_batch();
DROP FUNCTION payments_refuse_change_of_posted_batch();
"""


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        # Receipt numbers: R100001 onwards, drawn by the posting transaction.
        migrations.RunSQL(
            "CREATE SEQUENCE payment_receipt_seq START 100001;",
            "DROP SEQUENCE payment_receipt_seq;",
        ),
        migrations.RunSQL(
            TENDER_TRIGGER, "DROP TRIGGER payments_tender_append_only ON payments_tender;"
        ),
        migrations.RunSQL(BATCH_TRIGGERS, DROP_BATCH_TRIGGERS),
    ]
