"""Rate limits count in one row per key, incremented atomically (challenge.rates); the database
cache table the throttles used before (made by 0005) is dropped."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0006_task_detection_and_class_set'),
    ]

    operations = [
        migrations.CreateModel(
            name='RateCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('window_start', models.DateTimeField()),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'indexes': [models.Index(fields=['window_start'], name='rate_count_window')],
            },
        ),
        migrations.RunSQL("DROP TABLE IF EXISTS throttle_cache", migrations.RunSQL.noop),
    ]
