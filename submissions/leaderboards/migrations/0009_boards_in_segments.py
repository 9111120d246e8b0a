"""Boards stored in segments with their ranks apart (issue 26): a board's rows move from one JSON
column and fixed pages of 100 to segments of about 100 rows that an update rewrites one at a time
(leaderboards.segments), with where each team's rows are (BoardPlacement) and the changes not
shown yet (BoardChange).

Existing boards are carried over as they are (each row keeps its position as `_b`, how many rows
before it share its rank), so pages keep showing them through the upgrade; every split is then
marked for a whole ranking, which a worker does on its next pass (the carried rows have no keys,
so no update could edit them)."""

import json

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F

POSITIONAL = ("position", "rank", "tie_group", "tied_with")
SEGMENT_ROWS = 100


def rows_to_segments(apps, schema_editor):
    LeaderboardBoard = apps.get_model("leaderboards", "LeaderboardBoard")
    BoardSegment = apps.get_model("leaderboards", "BoardSegment")
    BoardBuild = apps.get_model("leaderboards", "BoardBuild")
    BoardChange = apps.get_model("leaderboards", "BoardChange")
    for board in LeaderboardBoard.objects.all().iterator(chunk_size=10):
        stored = []
        for row in board.rows or []:
            kept = {**row, **{name: None for name in POSITIONAL}}
            if row.get("position") is not None:
                kept["_b"] = row["position"] - row["rank"]
            stored.append(kept)
        index = []
        for start in range(0, len(stored), SEGMENT_ROWS):
            chunk = stored[start:start + SEGMENT_ROWS]
            segment = BoardSegment.objects.create(board=board, rows=json.dumps(chunk, separators=(",", ":")))
            ranked = [row for row in chunk if "_b" in row]  # a baseline among them has no place
            flags = [i for i, row in enumerate(ranked) if row.get("better_than_next")]
            index.append([segment.pk, len(chunk), sum(1 for row in chunk if "_b" in row), len(flags),
                          flags[0] if flags else -1, flags[-1] if flags else -1,
                          sum(1 for row in chunk if row.get("older_ground_truth")), None])
        board.segments = index
        board.n_ranked = sum(item[2] for item in index)
        board.n_older = sum(item[6] for item in index)
        board.top = {k: v for k, v in stored[0].items() if not k.startswith("_")} if stored else {}
        board.save(update_fields=["segments", "n_ranked", "n_older", "top"])
    for split_id in BoardBuild.objects.values_list("split_id", flat=True):
        BoardChange.objects.create(split_id=split_id, team=None)
    BoardBuild.objects.update(changes=F("changes") + 1, ranked_with="")


class Migration(migrations.Migration):

    dependencies = [
        ('competition', '0001_initial'),
        ('leaderboards', '0008_board_kind'),
        ('teams', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='boardbuild',
            name='bans_checked_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='boardbuild',
            name='ranked_with',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AddField(
            model_name='leaderboardboard',
            name='n_older',
            field=models.PositiveIntegerField(default=0, help_text='Rows still scored on an earlier ground truth.'),
        ),
        migrations.AddField(
            model_name='leaderboardboard',
            name='n_ranked',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='leaderboardboard',
            name='segments',
            field=models.JSONField(default=list),
        ),
        migrations.AddField(
            model_name='leaderboardboard',
            name='header',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='leaderboardboard',
            name='top',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.CreateModel(
            name='BoardChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='competition.split')),
                ('team', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team')),
            ],
            options={
                'db_table': 'submissions_boardchange',
            },
        ),
        migrations.CreateModel(
            name='BoardPlacement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rows', models.JSONField(default=dict)),
                ('split', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='competition.split')),
                ('team', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='teams.team')),
            ],
            options={
                'db_table': 'submissions_boardplacement',
            },
        ),
        migrations.CreateModel(
            name='BoardSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('rows', models.TextField()),
                ('board', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='leaderboards.leaderboardboard')),
            ],
            options={
                'db_table': 'submissions_boardsegment',
            },
        ),
        migrations.AddConstraint(
            model_name='boardplacement',
            constraint=models.UniqueConstraint(fields=('split', 'team'), name='board_placement_unique'),
        ),
        migrations.RunPython(rows_to_segments, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name='leaderboardboard',
            name='rows',
        ),
        migrations.DeleteModel(
            name='LeaderboardPage',
        ),
    ]
