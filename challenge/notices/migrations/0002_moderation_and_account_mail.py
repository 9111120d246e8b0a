"""Two kinds of mail (issue 23, items 7 and 9): a disqualified entry (one can stop it) and the
account's own mail (confirming its address, resetting its password; always sent)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='emailoptout',
            name='kind',
            field=models.CharField(choices=[('announcement', 'Announcements of the years your teams take part in'), ('scoring_failed', 'A submission of yours failed to score'), ('deadline_reminder', 'The deadline is 48 hours away and your team has chosen no final entry'), ('results_published', 'The results of a year you take part in are published'), ('invitation', 'Invitations to join a team'), ('moderation', 'An entry of your team was disqualified'), ('account', 'Your account: confirming its address, resetting its password')], max_length=20),
        ),
        migrations.AlterField(
            model_name='outgoingemail',
            name='kind',
            field=models.CharField(choices=[('announcement', 'Announcements of the years your teams take part in'), ('scoring_failed', 'A submission of yours failed to score'), ('deadline_reminder', 'The deadline is 48 hours away and your team has chosen no final entry'), ('results_published', 'The results of a year you take part in are published'), ('invitation', 'Invitations to join a team'), ('moderation', 'An entry of your team was disqualified'), ('account', 'Your account: confirming its address, resetting its password')], max_length=20),
        ),
    ]
