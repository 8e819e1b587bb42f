# Joins the deposit policy values (this branch) with the backflow shut-off and refund ones.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0015_deposits_policy'),
        ('core', '0015_merge_backflow_shutoff_refund_unclaimed'),
    ]

    operations = [
    ]
