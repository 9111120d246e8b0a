"""The new-score part of bench/leaderboard.py: how long a new score takes to reach the stored board.

A ranking worker runs as in production (`manage.py score_pending --loop --only ranking`, its own
process, woken by the commit). This process then records new scores one at a time as a scoring
worker does (`record_score` in a transaction, with per-image bits drawn as the seeding draws
them): half from new teams (a random skill), half from teams that improve on their best, so
each lands somewhere on the board, not at its end. For each it measures from the commit of the
score to the commit of the board update that shows it (the split's BoardBuild row counting the
change as built, polled every half millisecond), then checks that the entry is on the stored
board (its team's placement names it). The first few are a warm-up and not counted.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
WARM_UP = 5
TARGET_MEDIAN_MS, TARGET_P99_MS = 200, 1000


@dataclass
class Latencies:
    milliseconds: list[float]
    new_teams: int
    improvements: int


def measure(*, split, ground_truth, best: dict[int, float], count: int, seed: int) -> Latencies:
    """Record `count` new scores (after a warm-up) and time each one's way onto the stored board."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from bench.leaderboard_seed import POOL, entry_bits
    from challenge.teams.models import Membership, Team
    from submissions import scoring
    from submissions.leaderboards.models import BoardBuild, BoardPlacement, LeaderboardEntry
    from submissions.models import Submission
    from submissions.services import record_score

    worker = subprocess.Popen([str(PYTHON), "manage.py", "score_pending", "--loop", "--only", "ranking"], cwd=ROOT)
    try:
        rng = np.random.default_rng(seed)
        images = ground_truth.split.n_images
        pool = rng.integers(0, 65536, (POOL, images), dtype=np.uint16)
        top1_pool = rng.random((POOL, images)) < 0.75
        members = dict(Membership.objects.filter(team_id__in=list(best)).values_list("team_id", "user_id"))
        latencies, new_teams, improvements = [], 0, 0
        table = BoardBuild._meta.db_table
        for n in range(count + WARM_UP):
            if rng.random() < 0.5:
                user = get_user_model().objects.create(username=f"bench-new-{seed}-{n}", password="!")
                team = Team.objects.create(year=split.task.year, name=f"New team {seed}-{n}", created_by=user)
                Membership.objects.create(team=team, user=user, year=split.task.year)
                team_id, user_id, rate = team.pk, user.pk, rng.uniform(0.05, 0.6)
                members[team_id] = user_id
                new_teams += n >= WARM_UP
            else:
                team_id = int(rng.choice(list(best)))
                user_id, rate = members[team_id], max(best[team_id] - rng.uniform(0.002, 0.02), 0.0)
                improvements += n >= WARM_UP
            top5, top1 = entry_bits(pool, top1_pool, rng, rate)
            while round(1 - np.count_nonzero(top5) / images, 5) >= round(best.get(team_id, 1.0), 5):
                rate = max(rate - 0.002, 0.0)  # an improvement must beat the best it improves on
                top5, top1 = entry_bits(pool, top1_pool, rng, rate)
            result = scoring.Result(task="classification", images=images, guesses=5,
                                    metrics={"top1_error": 1 - np.count_nonzero(top1) / images,
                                             "top5_error": 1 - np.count_nonzero(top5) / images},
                                    top1_correct=top1, top5_correct=top5, top1_labels=np.zeros(images, np.int16))
            submission = Submission.objects.create(
                team_id=team_id, split=split, submitted_by_id=user_id, entry_name=f"new {n}",
                file_key=f"bench/new/{n}", file_sha256="0" * 64, file_size=1, status=Submission.Status.SCORING)
            with transaction.atomic():  # as score_submission records a score
                record_score(submission=submission, result=result, ground_truth=ground_truth)
                Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.SCORED,
                                                                   scored_at=timezone.now())
                change = BoardBuild.objects.values_list("changes", flat=True).get(split=split)
            committed = time.perf_counter()
            with connection.cursor() as cursor:
                while True:
                    cursor.execute(f"SELECT built_changes FROM {table} WHERE split_id = %s", [split.pk])
                    if cursor.fetchone()[0] >= change:
                        break
                    time.sleep(0.0005)
            shown = time.perf_counter()
            best[team_id] = min(best.get(team_id, 1.0), result.metrics["top5_error"])
            entry = LeaderboardEntry.objects.values_list("pk", flat=True).get(submission=submission)
            placed = BoardPlacement.objects.values_list("rows", flat=True).get(split=split, team_id=team_id)
            if entry not in [key[-1] for key, _ in placed.get("official:all:combined", [])]:  # a key ends with the entry
                sys.exit(f"new score {n} (entry {entry}) is not on the stored board")
            if n >= WARM_UP:
                latencies.append((shown - committed) * 1000)
            time.sleep(rng.uniform(0, 0.05))
        return Latencies(latencies, new_teams, improvements)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def report(latencies: Latencies) -> None:
    values = np.array(latencies.milliseconds)
    median, p99 = float(np.median(values)), float(np.percentile(values, 99))
    met = median < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS
    print(f"new score on the stored board: median {median:.1f} ms, p99 {p99:.1f} ms "
          f"(target median < {TARGET_MEDIAN_MS} ms, p99 < {TARGET_P99_MS} ms): {'met' if met else 'NOT met'}; "
          f"{len(values)} new scores ({latencies.new_teams} from new teams, {latencies.improvements} improving a "
          f"team's best), slowest {values.max():.1f} ms, from the score's commit to the commit of the board update")
