"""The years, tasks, splits, class sets and ground-truth versions moved here from the challenge app. Their tables already exist (made by the challenge
app's migrations) and keep their names (db_table), so this changes Django's state only: no row moves."""

import challenge.competition.models.years
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('challenge', '0007_rate_counts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='ClassSet',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(unique=True)),
                        ('name', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('n_classes', models.PositiveIntegerField(default=1000)),
                        ('source', models.CharField(blank=True, help_text='Where the class set was imported from.', max_length=300)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('imported_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        'db_table': 'challenge_classset',
                        'ordering': ['slug'],
                    },
                ),
                migrations.CreateModel(
                    name='ChallengeYear',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(unique=True)),
                        ('title', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True, help_text='Markdown.')),
                        ('rules', models.TextField(blank=True, help_text='Markdown.')),
                        ('terms_of_access', models.TextField(blank=True, help_text='Markdown. Accepted before any download.')),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('published', 'Published')], default='draft', max_length=10)),
                        ('is_historical', models.BooleanField(default=False)),
                        ('opens_at', models.DateTimeField(blank=True, null=True)),
                        ('deadline', models.DateTimeField(blank=True, null=True)),
                        ('results_at', models.DateTimeField(blank=True, help_text='When final results are announced.', null=True)),
                        ('leaderboard_rows', models.CharField(choices=[('best', 'One row per team: its best entry'), ('final', 'One row per team: its selected final entries'), ('all', 'Every entry')], default='best', max_length=10)),
                        ('excluded_display', models.CharField(choices=[('struck', 'Shown struck through with the reason'), ('hidden', 'Hidden')], default='struck', max_length=10)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('class_set', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='years', to='competition.classset')),
                    ],
                    options={
                        'db_table': 'challenge_challengeyear',
                        'ordering': ['-slug'],
                    },
                ),
                migrations.CreateModel(
                    name='DeadlineChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('old_deadline', models.DateTimeField(blank=True, null=True)),
                        ('new_deadline', models.DateTimeField(blank=True, null=True)),
                        ('reason', models.CharField(blank=True, max_length=500)),
                        ('changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('changed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deadline_changes', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_deadlinechange',
                        'ordering': ['-changed_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Task',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField()),
                        ('title', models.CharField(max_length=200)),
                        ('kind', models.CharField(choices=[('classification', 'Classification (top-5 error)'), ('hierarchical', 'Classification with hierarchical error'), ('localization', 'Classification with localization'), ('detection', 'Object detection (mean average precision)')], default='classification', max_length=20)),
                        ('description', models.TextField(blank=True, help_text='Markdown.')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('class_set', models.ForeignKey(blank=True, help_text="Empty: the year's class set.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='competition.classset')),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='competition.challengeyear')),
                    ],
                    options={
                        'db_table': 'challenge_task',
                        'ordering': ['year', 'position', 'slug'],
                    },
                ),
                migrations.CreateModel(
                    name='Split',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(choices=[('val', 'Validation'), ('test', 'Test')], max_length=4)),
                        ('n_images', models.PositiveIntegerField()),
                        ('labels_public', models.BooleanField(default=False, help_text='Validation labels are published with the data.')),
                        ('quota_per_window', models.PositiveIntegerField(default=5)),
                        ('quota_window_days', models.PositiveIntegerField(default=1)),
                        ('quota_total', models.PositiveIntegerField(blank=True, help_text='Empty: no total limit.', null=True)),
                        ('visibility', models.CharField(choices=[('immediate', 'Scores public at once'), ('hidden', 'Hidden until the results date (ILSVRC)'), ('public_subset', 'Live on a public subset; the rest decides the final ranking (Kaggle)'), ('ladder', "Ladder: a team's shown score moves only on a significant improvement")], default='immediate', max_length=16)),
                        ('public_subset_fraction', models.FloatField(default=0.3)),
                        ('public_subset_seed', models.PositiveBigIntegerField(default=challenge.competition.models.years.new_subset_seed)),
                        ('max_final_entries', models.PositiveSmallIntegerField(default=2)),
                        ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='splits', to='competition.task')),
                    ],
                    options={
                        'db_table': 'challenge_split',
                        'ordering': ['task', '-name'],
                    },
                ),
                migrations.CreateModel(
                    name='GroundTruth',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('labels_key', models.CharField(max_length=300)),
                        ('labels_sha256', models.CharField(max_length=64)),
                        ('boxes_key', models.CharField(blank=True, max_length=300)),
                        ('boxes_sha256', models.CharField(blank=True, max_length=64)),
                        ('blacklist_key', models.CharField(blank=True, max_length=300)),
                        ('blacklist_sha256', models.CharField(blank=True, max_length=64)),
                        ('is_current', models.BooleanField(default=True)),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ground_truths', to='competition.split')),
                    ],
                    options={
                        'db_table': 'challenge_groundtruth',
                        'ordering': ['split', '-uploaded_at'],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('split',), name='ground_truth_one_current')],
                    },
                ),
                migrations.CreateModel(
                    name='Synset',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ilsvrc_id', models.PositiveIntegerField()),
                        ('wnid', models.CharField(max_length=16)),
                        ('words', models.CharField(max_length=500)),
                        ('gloss', models.TextField(blank=True)),
                        ('is_leaf', models.BooleanField(default=False)),
                        ('wordnet_height', models.PositiveSmallIntegerField(default=0)),
                        ('num_train_images', models.PositiveIntegerField(default=0)),
                        ('class_set', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='synsets', to='competition.classset')),
                        ('parents', models.ManyToManyField(blank=True, db_table='challenge_synset_parents', related_name='children', to='competition.synset')),
                    ],
                    options={
                        'db_table': 'challenge_synset',
                        'ordering': ['class_set', 'ilsvrc_id'],
                        'constraints': [models.UniqueConstraint(fields=('class_set', 'ilsvrc_id'), name='synset_unique_id'), models.UniqueConstraint(fields=('class_set', 'wnid'), name='synset_unique_wnid')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='task',
                    constraint=models.UniqueConstraint(fields=('year', 'slug'), name='task_unique_slug'),
                ),
                migrations.AddConstraint(
                    model_name='split',
                    constraint=models.UniqueConstraint(fields=('task', 'name'), name='split_unique_name'),
                ),
                migrations.AddConstraint(
                    model_name='split',
                    constraint=models.CheckConstraint(condition=models.Q(('public_subset_fraction__gt', 0), ('public_subset_fraction__lt', 1)), name='split_subset_fraction_range'),
                ),
            ],
        ),
    ]
