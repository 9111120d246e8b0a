"""The competition and teams models moved out of the challenge app; the boards' foreign keys now
name them there. Django's state only: the tables and constraints stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('competition', '0001_initial'),
        ('leaderboards', '0006_historical_mean_ap'),
        ('teams', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.AlterField(
                    model_name='boardbuild',
                    name='split',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='historicalresult',
                    name='task',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='historical_results', to='competition.task'),
                ),
                migrations.AlterField(
                    model_name='leaderboardarchive',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='leaderboard_archives', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='leaderboardboard',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard_boards', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='leaderboardentry',
                    name='split',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard_entries', to='competition.split'),
                ),
                migrations.AlterField(
                    model_name='leaderboardentry',
                    name='team',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team'),
                ),
            ],
        ),
    ]
