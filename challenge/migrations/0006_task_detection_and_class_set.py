"""Object detection is a task kind, and a task may have its own class set (the 200 DET classes)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0005_signin_brake'),
    ]

    operations = [
        migrations.AddField(
            model_name='task',
            name='class_set',
            field=models.ForeignKey(blank=True, help_text="Empty: the year's class set.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='challenge.classset'),
        ),
        migrations.AlterField(
            model_name='task',
            name='kind',
            field=models.CharField(choices=[('classification', 'Classification (top-5 error)'), ('hierarchical', 'Classification with hierarchical error'), ('localization', 'Classification with localization'), ('detection', 'Object detection (mean average precision)')], default='classification', max_length=20),
        ),
    ]
