"""The hosted data files and terms acceptances moved here from the challenge app. Their tables already exist (made by the challenge
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
                    name='DataFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('filename', models.CharField(help_text="The name a downloader's browser saves.", max_length=255)),
                        ('storage_key', models.CharField(max_length=500)),
                        ('size', models.PositiveBigIntegerField()),
                        ('sha256', models.CharField(max_length=64)),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='data_files', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_datafile',
                        'ordering': ['year', 'position', 'title'],
                        'constraints': [models.UniqueConstraint(fields=('year', 'filename'), name='data_file_unique_name'), models.CheckConstraint(condition=models.Q(('storage_key', ''), _negated=True), name='data_file_has_key')],
                    },
                ),
                migrations.CreateModel(
                    name='TermsAcceptance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('accepted_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='terms_acceptances', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='terms_acceptances', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_termsacceptance',
                        'constraints': [models.UniqueConstraint(fields=('user', 'year'), name='terms_accepted_once')],
                    },
                ),
            ],
        ),
    ]
