from django.db import migrations


def create_policy_row(apps, schema_editor):
    apps.get_model("core", "Policy").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_role_groups")]

    operations = [migrations.RunPython(create_policy_row, migrations.RunPython.noop)]
