"""A row per split counting the score changes its stored boards do not show yet: the rebuild queue."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0001_initial'),
        ('leaderboards', '0003_history_citations_board_team_count'),
    ]

    operations = [
        migrations.CreateModel(
            name='BoardBuild',
            fields=[
                ('split', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='challenge.split')),
                ('changes', models.PositiveBigIntegerField(default=0)),
                ('built_changes', models.PositiveBigIntegerField(default=0)),
                ('built_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
    ]
