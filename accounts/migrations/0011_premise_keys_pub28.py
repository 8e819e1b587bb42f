"""Premises keyed by USPS Publication 28 (suffixes, directionals, unit designators).

Premises that would now share one key are left as they were and listed here (and by
`manage.py rekey_premises --dry-run`), never merged.
"""

from django.db import migrations


def rekey(apps, schema_editor):
    from accounts.premise_keys import rekey_premises

    report = rekey_premises(apps.get_model("accounts", "Premise"))
    if report.changed or report.collisions:
        print()
        for line in report.lines():
            print(f"  {line}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0010_aging_charges_index")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=True)]
