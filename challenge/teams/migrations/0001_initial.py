"""The teams and memberships moved here from the challenge app. Their tables already exist (made by the challenge
app's migrations) and keep their names (db_table), so this changes Django's state only: no row moves."""

import challenge.teams.models
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
                    name='Team',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100)),
                        ('affiliation', models.CharField(blank=True, max_length=200)),
                        ('invite_token', models.CharField(default=challenge.teams.models.new_invite_token, max_length=64, unique=True)),
                        ('banned_until', models.DateTimeField(blank=True, null=True)),
                        ('ban_reason', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='teams', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_team',
                        'ordering': ['year', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='Membership',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('joined_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='competition.challengeyear')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='teams.team')),
                    ],
                    options={
                        'db_table': 'challenge_membership',
                        'ordering': ['team', 'joined_at'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='team',
                    constraint=models.UniqueConstraint(fields=('year', 'name'), name='team_unique_name_per_year'),
                ),
                migrations.AddConstraint(
                    model_name='membership',
                    constraint=models.UniqueConstraint(fields=('user', 'year'), name='one_team_per_person_per_year'),
                ),
            ],
        ),
    ]
