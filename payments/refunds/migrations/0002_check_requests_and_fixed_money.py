from django.db import migrations

# A refund's money never changes once requested, and a refund is never deleted: a mistake
# is cancelled, rejected or voided (with a reversing ledger entry), so the register and the
# check request always say what was asked for. The status and its dates do change.
FIXED_MONEY = """
CREATE FUNCTION refunds_refuse_changed_money() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'refunds are never deleted: cancel, reject or void them';
    END IF;
    IF NEW.amount <> OLD.amount
       OR NEW.account_id IS DISTINCT FROM OLD.account_id
       OR NEW.source <> OLD.source
       OR NEW.reference <> OLD.reference
       OR (OLD.check_request_number IS NOT NULL
           AND NEW.check_request_number IS DISTINCT FROM OLD.check_request_number)
       OR (OLD.ledger_entry_id IS NOT NULL
           AND NEW.ledger_entry_id IS DISTINCT FROM OLD.ledger_entry_id) THEN
        RAISE EXCEPTION 'a refund''s amount, account, source and check request never change';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER refunds_refund_fixed_money
BEFORE UPDATE OR DELETE ON refunds_refund
FOR EACH ROW EXECUTE FUNCTION refunds_refuse_changed_money();
"""


class Migration(migrations.Migration):
    dependencies = [("refunds", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE refund_check_request_seq START 100001;",
            "DROP SEQUENCE refund_check_request_seq;",
        ),
        migrations.RunSQL(
            FIXED_MONEY,
            "DROP TRIGGER refunds_refund_fixed_money ON refunds_refund;"
            "DROP FUNCTION refunds_refuse_changed_money();",
        ),
    ]
