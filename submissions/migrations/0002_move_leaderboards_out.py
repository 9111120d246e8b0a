"""The leaderboard and history models moved to the leaderboards app (submissions.leaderboards).
Only Django's record of them moves: their tables keep their names (db_table) and their rows."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='leaderboardarchive',
                    name='split',
                ),
                migrations.RemoveField(
                    model_name='leaderboardboard',
                    name='split',
                ),
                migrations.RemoveField(
                    model_name='leaderboardpage',
                    name='board',
                ),
                migrations.RemoveField(
                    model_name='leaderboardentry',
                    name='score',
                ),
                migrations.RemoveField(
                    model_name='leaderboardentry',
                    name='split',
                ),
                migrations.RemoveField(
                    model_name='leaderboardentry',
                    name='submission',
                ),
                migrations.RemoveField(
                    model_name='leaderboardentry',
                    name='team',
                ),
                migrations.DeleteModel(
                    name='HistoricalResult',
                ),
                migrations.DeleteModel(
                    name='LeaderboardArchive',
                ),
                migrations.DeleteModel(
                    name='LeaderboardBoard',
                ),
                migrations.DeleteModel(
                    name='LeaderboardPage',
                ),
                migrations.DeleteModel(
                    name='LeaderboardEntry',
                ),
            ],
        ),
    ]
