from django.db import migrations

from accounts.validation import name_key


def fold_accents(apps, schema_editor):
    """Names already on file compare without their accents, as new ones will. Only names with
    a character beyond ASCII can change; the name-word trigger adds their new words."""
    Customer = apps.get_model("accounts", "Customer")
    changed = []
    for customer in Customer.objects.filter(search_name__regex=r"[^\x01-\x7f]").only(
        "id", "search_name"
    ):
        folded = name_key(customer.search_name)
        if folded != customer.search_name:
            customer.search_name = folded
            changed.append(customer)
    Customer.objects.bulk_update(changed, ["search_name"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0008_name_words_anywhere")]

    # Backwards: the folded keys still find every name, so there is nothing to undo.
    operations = [migrations.RunPython(fold_accents, migrations.RunPython.noop)]
