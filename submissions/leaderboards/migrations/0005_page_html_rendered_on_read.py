"""Board pages keep only their JSON; each process renders a page's HTML from it on first read."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('leaderboards', '0004_board_build'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='leaderboardpage',
            name='html',
        ),
    ]
