"""Stamp every class-set import, so the per-process hierarchy caches can tell they are current."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0002_console_announcements_email_audit_links'),
    ]

    operations = [
        migrations.AddField(
            model_name='classset',
            name='imported_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
    ]
