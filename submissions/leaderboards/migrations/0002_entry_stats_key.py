"""Remember which score, bases and public subset an entry's stats were computed from."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leaderboards', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='leaderboardentry',
            name='stats_key',
            field=models.CharField(blank=True, max_length=200),
        ),
    ]
