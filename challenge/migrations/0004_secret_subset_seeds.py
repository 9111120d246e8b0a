"""Public subsets drawn with a secret seed: new splits get one from `secrets`, and the zero
seeds every split had so far (a subset anyone could compute) are replaced. The boards of the
changed splits are rebuilt by the next `score_pending` pass, which finds entries computed on
another subset (leaderboards.services.rebuild_boards_of_changed_subsets)."""

import secrets

import challenge.competition.models.years
from django.db import migrations, models


def replace_zero_seeds(apps, schema_editor):
    Split = apps.get_model("challenge", "Split")
    for split in Split.objects.filter(public_subset_seed=0):
        split.public_subset_seed = secrets.randbelow(2**63 - 1) + 1
        split.save(update_fields=["public_subset_seed"])


class Migration(migrations.Migration):

    dependencies = [
        ('challenge', '0003_classset_imported_at'),
    ]

    operations = [
        migrations.AlterField(
            model_name='split',
            name='public_subset_seed',
            field=models.PositiveBigIntegerField(default=challenge.competition.models.years.new_subset_seed),
        ),
        migrations.RunPython(replace_zero_seeds, migrations.RunPython.noop),
    ]
