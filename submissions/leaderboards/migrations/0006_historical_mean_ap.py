"""Historical detection results carry their mean average precision."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('leaderboards', '0005_page_html_rendered_on_read'),
    ]

    operations = [
        migrations.AddField(
            model_name='historicalresult',
            name='mean_ap',
            field=models.FloatField(blank=True, help_text='Object detection: mean average precision.', null=True),
        ),
    ]
