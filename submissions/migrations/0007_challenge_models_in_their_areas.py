"""The models of the challenge app moved to its areas (competition, teams) and the quota adjustments
here, beside the quotas. Only Django's record of them changes: the tables, their names and their
foreign keys stay as they are."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('competition', '0001_initial'),
        ('submissions', '0006_detection_scores'),
        ('teams', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='integrityflag',
                    name='other_team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team'),
                ),
                migrations.AlterField(
                    model_name='integrityflag',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='integrity_flags', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='integrityflag',
                    name='team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team'),
                ),
                migrations.AlterField(
                    model_name='refusedupload',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='refused_uploads', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='refusedupload',
                    name='team',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='teams.team'),
                ),
                migrations.AlterField(
                    model_name='rescoringjob',
                    name='ground_truth',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rescoring_jobs', to='competition.groundtruth'),
                ),
                migrations.AlterField(
                    model_name='rescoringjob',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rescoring_jobs', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='score',
                    name='ground_truth',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scores', to='competition.groundtruth'),
                ),
                migrations.AlterField(
                    model_name='submission',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='submission',
                    name='team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='teams.team'),
                ),
                migrations.CreateModel(
                    name='QuotaAdjustment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('extra_per_window', models.IntegerField(default=0)),
                        ('extra_total', models.IntegerField(default=0)),
                        ('reason', models.CharField(blank=True, max_length=500)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL)),
                        ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quota_adjustments', to='competition.split')),
                        ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='quota_adjustments', to='teams.team')),
                    ],
                    options={
                        'db_table': 'challenge_quotaadjustment',
                        'constraints': [models.UniqueConstraint(fields=('team', 'split'), name='one_quota_adjustment')],
                    },
                ),
            ],
        ),
    ]
