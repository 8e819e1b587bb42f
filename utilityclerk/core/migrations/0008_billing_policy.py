from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0007_medical_certificate_policy'),
    ]

    operations = [
        migrations.AddField(
            model_name='policy',
            name='read_high_percent',
            field=models.PositiveSmallIntegerField(default=200, help_text='A read using more than this % of the expected use is high.'),
        ),
        migrations.AddField(
            model_name='policy',
            name='read_low_percent',
            field=models.PositiveSmallIntegerField(default=25, help_text='A read using less than this % of the expected use is low.'),
        ),
    ]
