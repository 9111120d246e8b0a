"""The audit log moved here from the challenge app. Their tables already exist (made by the challenge
app's migrations) and keep their names (db_table), so this changes Django's state only: no row moves."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('challenge', '0007_rate_counts'),
        ('competition', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('action', models.CharField(max_length=100)),
                        ('target', models.CharField(blank=True, max_length=300)),
                        ('target_type', models.CharField(blank=True, max_length=40)),
                        ('target_id', models.PositiveBigIntegerField(blank=True, null=True)),
                        ('details', models.JSONField(blank=True, default=dict)),
                        ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_entries', to='competition.challengeyear')),
                    ],
                    options={
                        'verbose_name_plural': 'audit entries',
                        'db_table': 'challenge_auditentry',
                        'ordering': ['-at'],
                    },
                ),
            ],
        ),
    ]
