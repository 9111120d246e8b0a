"""Detection scores: mAP, AP per class and the ranked trace; the error fields and bits apply to the other tasks only."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('submissions', '0005_score_advice'),
    ]

    operations = [
        migrations.AddField(
            model_name='score',
            name='average_precision',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='score',
            name='detection_trace',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='score',
            name='mean_average_precision',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='score',
            name='top1_bits',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='score',
            name='top1_error',
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='score',
            name='top5_bits',
            field=models.BinaryField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='score',
            name='top5_error',
            field=models.FloatField(blank=True, null=True),
        ),
    ]
