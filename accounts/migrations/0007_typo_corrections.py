import django.contrib.postgres.indexes
from django.contrib.postgres.operations import CreateExtension
from django.db import migrations


class Migration(migrations.Migration):
    """Typo corrections that catch a swapped pair of letters in a short name ("smtih" shares
    too few trigrams with "smith"): levenshtein_less_equal() from fuzzystrmatch, and a GiST
    trigram index that returns the nearest dictionary words first."""

    dependencies = [
        ("accounts", "0006_customer_protections_permission"),
    ]

    operations = [
        CreateExtension("fuzzystrmatch"),
        migrations.RemoveIndex(
            model_name="nameword",
            name="nameword_trgm",
        ),
        migrations.AddIndex(
            model_name="nameword",
            index=django.contrib.postgres.indexes.GistIndex(
                fields=["word"], name="nameword_trgm_gist", opclasses=["gist_trgm_ops"]
            ),
        ),
    ]
