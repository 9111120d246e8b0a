"""Stamp every class-set import, so the per-process hierarchy caches can tell they are current."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='classset',
            name='imported_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
