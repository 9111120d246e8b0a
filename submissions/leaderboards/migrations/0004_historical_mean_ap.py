"""Historical detection results carry their mean average precision."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leaderboards', '0003_history_citations_board_team_count'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalresult',
            name='mean_ap',
            field=models.FloatField(blank=True, help_text='Object detection: mean average precision.', null=True),
        ),
    ]
