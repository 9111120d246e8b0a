"""The leaderboard and history models, moved here from the submissions app. Their tables already
exist (created by submissions 0001) and keep their names, so this changes Django's state only."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('challenge', '0001_initial'),
        ('submissions', '0002_move_leaderboards_out'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='LeaderboardBoard',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('basis', models.CharField(choices=[('all', 'All images of the split'), ('public', 'The public subset (live scores)'), ('private', 'The rest of the images (the final ranking)'), ('ladder', 'All images, through the Ladder'), ('final', 'The final ranking as frozen at the results date (written once)')], max_length=8)),
                        ('track', models.CharField(choices=[('provided', 'Provided data only'), ('outside', 'With outside data'), ('combined', 'Combined')], max_length=8)),
                        ('n_rows', models.PositiveIntegerField(default=0)),
                        ('n_pages', models.PositiveIntegerField(default=0)),
                        ('rows', models.JSONField(default=list)),
                        ('built_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard_boards', to='challenge.split')),
                    ],
                    options={
                        'db_table': 'submissions_leaderboardboard',
                    },
                ),
                migrations.CreateModel(
                    name='LeaderboardEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('submitted_at', models.DateTimeField()),
                        ('stats', models.JSONField(default=dict)),
                        ('ladder_accepted', models.BooleanField(default=False)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('score', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='submissions.score')),
                        ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard_entries', to='challenge.split')),
                        ('submission', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard_entry', to='submissions.submission')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='challenge.team')),
                    ],
                    options={
                        'db_table': 'submissions_leaderboardentry',
                        'ordering': ['split', 'submitted_at', 'submission_id'],
                    },
                ),
                migrations.CreateModel(
                    name='LeaderboardPage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.PositiveIntegerField()),
                        ('html', models.TextField()),
                        ('json', models.TextField()),
                        ('board', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pages', to='leaderboards.leaderboardboard')),
                    ],
                    options={
                        'db_table': 'submissions_leaderboardpage',
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(help_text='Order in the source table (1 = winner).')),
                        ('team_name', models.CharField(max_length=200)),
                        ('entry', models.CharField(blank=True, max_length=300)),
                        ('extra_training_data', models.CharField(blank=True, max_length=200)),
                        ('top5_cls_error', models.FloatField(blank=True, null=True)),
                        ('top5_loc_error', models.FloatField(blank=True, null=True)),
                        ('source', models.TextField()),
                        ('verified', models.CharField(choices=[('yes', 'Verified against the cited source'), ('partial', 'Partly verified'), ('no', 'Not verified')], max_length=8)),
                        ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='historical_results', to='challenge.task')),
                    ],
                    options={
                        'db_table': 'submissions_historicalresult',
                        'ordering': ['task', 'position'],
                        'constraints': [models.UniqueConstraint(fields=('task', 'position'), name='historical_result_position')],
                    },
                ),
                migrations.CreateModel(
                    name='LeaderboardArchive',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('track', models.CharField(choices=[('provided', 'Provided data only'), ('outside', 'With outside data'), ('combined', 'Combined')], max_length=8)),
                        ('basis', models.CharField(choices=[('all', 'All images of the split'), ('public', 'The public subset (live scores)'), ('private', 'The rest of the images (the final ranking)'), ('ladder', 'All images, through the Ladder'), ('final', 'The final ranking as frozen at the results date (written once)')], max_length=8)),
                        ('frozen_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('html', models.TextField()),
                        ('json_text', models.TextField()),
                        ('json_sha256', models.CharField(max_length=64)),
                        ('csv_text', models.TextField()),
                        ('csv_sha256', models.CharField(max_length=64)),
                        ('split', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leaderboard_archives', to='challenge.split')),
                    ],
                    options={
                        'db_table': 'submissions_leaderboardarchive',
                        'ordering': ['split', 'track'],
                        'constraints': [models.UniqueConstraint(fields=('split', 'track'), name='leaderboard_archive_once')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='leaderboardboard',
                    constraint=models.UniqueConstraint(fields=('split', 'basis', 'track'), name='leaderboard_board_unique'),
                ),
                migrations.AddIndex(
                    model_name='leaderboardentry',
                    index=models.Index(fields=['split', 'team', 'submitted_at'], name='submissions_split_i_540a5a_idx'),
                ),
                migrations.AddConstraint(
                    model_name='leaderboardpage',
                    constraint=models.UniqueConstraint(fields=('board', 'number'), name='leaderboard_page_unique'),
                ),
            ],
        ),
    ]
