"""The results day: the final ranking of a split published once, as a frozen archive with
byte-exact CSV and JSON exports (and their SHA-256) that later changes cannot alter."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from challenge import policy
from challenge.competition.models import Split
from submissions.leaderboards.models import Basis, LeaderboardArchive, Track
from submissions.leaderboards.rendering import board_csv, board_payload, metrics_of, render_rows
from submissions.leaderboards.services import rank_rows, store_board


def freeze_results(*, split: Split, at: datetime | None = None) -> list[LeaderboardArchive]:
    """Publish the final ranking of a split once its year's results date has passed.

    Stores, per track, the rendered rows and the JSON and CSV exports with their SHA-256.
    Never overwrites: an archive that exists is returned as it is. Returns [] before the date.
    """
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    if not policy.results_are_out(split.task.year, at):
        return []
    archives = []
    basis, frozen_at, metrics = policy.final_basis(split), at or timezone.now(), metrics_of(split)
    for track in Track.values:
        existing = LeaderboardArchive.objects.filter(split=split, track=track).first()
        if existing:
            archives.append(existing)
            continue
        rows = rank_rows(split=split, basis=basis, track=track, at=frozen_at)
        payload = board_payload(split, basis=basis, track=track, rows=rows, frozen=True)
        payload["frozen_at"] = frozen_at.isoformat()
        json_text = json.dumps(payload, indent=1, sort_keys=True)
        csv_text = board_csv(rows, metrics)
        try:
            with transaction.atomic():
                store_board(split=split, basis=Basis.FINAL, track=track, rows=rows)
                archives.append(LeaderboardArchive.objects.create(
                    split=split, track=track, basis=basis, frozen_at=frozen_at,
                    html=render_rows(rows, metrics),
                    json_text=json_text, json_sha256=hashlib.sha256(json_text.encode()).hexdigest(),
                    csv_text=csv_text, csv_sha256=hashlib.sha256(csv_text.encode()).hexdigest(),
                ))
        except IntegrityError:  # another worker froze it first; theirs is the published one
            archives.append(LeaderboardArchive.objects.get(split=split, track=track))
    return archives


def freeze_due_results(*, at: datetime | None = None) -> int:
    """Freeze every split whose year's results date has passed and that has no archive yet
    (run periodically by score_pending). Returns how many archives were created."""
    at = at or timezone.now()
    # A split counts as due until every track is archived (a freeze may have stopped between tracks).
    due = (Split.objects.filter(policy.frozen_results_due(at))
           .annotate(archived=Count("leaderboard_archives")).filter(archived__lt=len(Track.values)))
    created = 0
    for split in due:
        created += len(freeze_results(split=split, at=at)) - split.archived
    return created
