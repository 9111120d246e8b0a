"""The sign-in brake counts failures per username and per address (each with its index, and one
on the time for purging), and DRF's throttles count in a database cache table, which this
migration makes so that `migrate` alone prepares a fresh database (CACHES["throttle"])."""

from django.core.management import call_command
from django.db import migrations, models


def create_cache_tables(apps, schema_editor):
    # Creates the table of every DatabaseCache in settings.CACHES that does not exist yet.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0004_secret_subset_seeds'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='signinfailure',
            name='challenge_s_usernam_00f17e_idx',
        ),
        migrations.AddIndex(
            model_name='signinfailure',
            index=models.Index(fields=['username', 'at'], name='signin_failure_username'),
        ),
        migrations.AddIndex(
            model_name='signinfailure',
            index=models.Index(fields=['address', 'at'], name='signin_failure_address'),
        ),
        migrations.AddIndex(
            model_name='signinfailure',
            index=models.Index(fields=['at'], name='signin_failure_at'),
        ),
        migrations.RunPython(create_cache_tables, migrations.RunPython.noop),
    ]
