"""The sign-in failures and rate counts moved here from the challenge app. Their tables already exist (made by the challenge
app's migrations) and keep their names (db_table), so this changes Django's state only: no row moves."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('challenge', '0007_rate_counts'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='RateCount',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=200, unique=True)),
                        ('window_start', models.DateTimeField()),
                        ('count', models.PositiveIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'challenge_ratecount',
                        'indexes': [models.Index(fields=['window_start'], name='rate_count_window')],
                    },
                ),
                migrations.CreateModel(
                    name='SignInFailure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('username', models.CharField(max_length=150)),
                        ('address', models.GenericIPAddressField()),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'challenge_signinfailure',
                        'indexes': [models.Index(fields=['username', 'at'], name='signin_failure_username'), models.Index(fields=['address', 'at'], name='signin_failure_address'), models.Index(fields=['at'], name='signin_failure_at')],
                    },
                ),
            ],
        ),
    ]
