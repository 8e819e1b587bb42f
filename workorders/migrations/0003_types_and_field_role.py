import datetime

from django.db import migrations

# Turnaround in business days from shared/POLICIES.md. Final reads and disconnects fall due on
# the requested (stop or disconnect) date: 0 days counted from it.
TYPES = [
    # code, turnaround, same day before, priority, requires read
    ("turn_on", 1, None, "routine", True),
    ("turn_off", 1, None, "routine", True),
    ("disconnect", 0, None, "routine", True),
    ("reconnect", 1, datetime.time(15, 0), "high", True),
    ("final_read", 0, None, "routine", True),
    ("re_read", 3, None, "routine", True),
    ("meter_test", 10, None, "routine", False),
    ("leak_check", 0, None, "high", False),
    ("other", 5, None, "routine", False),
]


def create(apps, schema_editor):
    WorkOrderType = apps.get_model("workorders", "WorkOrderType")
    for code, days, before, priority, read in TYPES:
        WorkOrderType.objects.update_or_create(
            code=code,
            defaults={
                "turnaround_days": days,
                "same_day_before": before,
                "default_priority": priority,
                "requires_read": read,
            },
        )
    # Crew members; their permissions are granted after migrate (utilityclerk.roles).
    apps.get_model("auth", "Group").objects.get_or_create(name="Field")


def remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Field").delete()
    apps.get_model("workorders", "WorkOrderType").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0002_transitions_history_and_numbers"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, remove)]
