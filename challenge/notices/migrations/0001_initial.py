"""The announcements and e-mail outbox moved here from the challenge app. Their tables already exist (made by the challenge
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
                    name='Announcement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200)),
                        ('body', models.TextField(help_text='Markdown; raw HTML is removed when shown.')),
                        ('posted_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='announcements', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_announcement',
                        'ordering': ['-created_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='EmailOptOut',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('address', models.EmailField(max_length=254)),
                        ('kind', models.CharField(choices=[('announcement', 'Announcements of the years your teams take part in'), ('scoring_failed', 'A submission of yours failed to score'), ('deadline_reminder', 'The deadline is 48 hours away and your team has chosen no final entry'), ('results_published', 'The results of a year you take part in are published'), ('invitation', 'Invitations to join a team')], max_length=20)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'challenge_emailoptout',
                        'constraints': [models.UniqueConstraint(fields=('address', 'kind'), name='email_opt_out_once')],
                    },
                ),
                migrations.CreateModel(
                    name='OutgoingEmail',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('announcement', 'Announcements of the years your teams take part in'), ('scoring_failed', 'A submission of yours failed to score'), ('deadline_reminder', 'The deadline is 48 hours away and your team has chosen no final entry'), ('results_published', 'The results of a year you take part in are published'), ('invitation', 'Invitations to join a team')], max_length=20)),
                        ('to_address', models.EmailField(max_length=254)),
                        ('subject', models.CharField(max_length=300)),
                        ('body', models.TextField()),
                        ('once_key', models.CharField(blank=True, max_length=200, null=True, unique=True)),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('sent', 'Sent'), ('skipped', 'Not sent: the person opted out'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('not_before', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'challenge_outgoingemail',
                        'ordering': ['-created_at', '-id'],
                        'indexes': [models.Index(condition=models.Q(('status', 'queued')), fields=['status', 'id'], name='outgoing_email_queue')],
                    },
                ),
            ],
        ),
    ]
