import unicodedata

import django.db.models.functions.comparison
from django.db import migrations, models

# name_key as it stood when this migration was written (accounts.validation.name_key).
_PLAIN_LETTERS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "æ": "ae", "œ": "oe"})


def name_key(text):
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.casefold().translate(_PLAIN_LETTERS)


ASCII_KEYS = """
UPDATE accounts_customer
SET search_last = lower(last_name), search_first = lower(first_name)
"""
BEYOND_ASCII = r"[^\x01-\x7f]"


def fold_accents(apps, schema_editor):
    """Names on file compare without accents, as new ones will. For ASCII names lower() is
    the key (one statement); the few with a letter beyond ASCII are keyed here. The name-word
    trigger adds the new words of search_name."""
    schema_editor.execute(ASCII_KEYS)
    Customer = apps.get_model("accounts", "Customer")
    beyond = (
        models.Q(search_name__regex=BEYOND_ASCII)
        | models.Q(last_name__regex=BEYOND_ASCII)
        | models.Q(first_name__regex=BEYOND_ASCII)
        | models.Q(organisation_name__regex=BEYOND_ASCII)
    )
    changed = []
    for customer in Customer.objects.filter(beyond):
        if customer.kind == "organisation":
            whole = customer.organisation_name
        else:
            whole = f"{customer.first_name} {customer.last_name}".strip()
        customer.search_name = name_key(whole)
        customer.search_last = name_key(customer.last_name)
        customer.search_first = name_key(customer.first_name)
        changed.append(customer)
    Customer.objects.bulk_update(
        changed, ["search_name", "search_last", "search_first"], batch_size=1000
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_name_words_anywhere")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="search_last",
            field=models.CharField(default="", editable=False, max_length=60),
        ),
        migrations.AddField(
            model_name="customer",
            name="search_first",
            field=models.CharField(default="", editable=False, max_length=60),
        ),
        # Backwards: the folded keys still find every name; the columns go with the fields.
        migrations.RunPython(fold_accents, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="customer", name="customer_last_first_c"),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(
                django.db.models.functions.comparison.Collate("search_last", "C"),
                django.db.models.functions.comparison.Collate("search_first", "C"),
                name="customer_search_last_first_c",
            ),
        ),
    ]
