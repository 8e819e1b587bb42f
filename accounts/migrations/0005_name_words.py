from django.db import migrations

# Keep the name-word dictionary current from the database itself, whatever writes customers
# (services, admin, COPY loads). Words are only added: a word no longer used costs nothing.

CREATE = """
CREATE FUNCTION accounts_customer_name_words() RETURNS trigger AS $$
BEGIN
    INSERT INTO accounts_nameword (word)
    SELECT DISTINCT w FROM new_rows, unnest(string_to_array(new_rows.search_name, ' ')) AS w
    WHERE length(w) >= 2
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER accounts_customer_name_words_insert
AFTER INSERT ON accounts_customer REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION accounts_customer_name_words();

CREATE TRIGGER accounts_customer_name_words_update
AFTER UPDATE ON accounts_customer REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION accounts_customer_name_words();

INSERT INTO accounts_nameword (word)
SELECT DISTINCT w FROM accounts_customer, unnest(string_to_array(search_name, ' ')) AS w
WHERE length(w) >= 2
ON CONFLICT DO NOTHING;
"""

DROP = """
DROP TRIGGER accounts_customer_name_words_insert ON accounts_customer;
DROP TRIGGER accounts_customer_name_words_update ON accounts_customer;
DROP FUNCTION accounts_customer_name_words();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_name_search_indexes")]

    operations = [migrations.RunSQL(CREATE, DROP)]
