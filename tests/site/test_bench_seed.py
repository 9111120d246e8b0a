"""bench/leaderboard.py seeds its year with binary COPY, outside the ORM: a column the models gain
(NOT NULL, no database default) breaks it only when someone runs the bench. This seeds a small
board through the same code, so the suite says so first."""

import importlib.util
from pathlib import Path

import pytest
from django.utils import timezone

from submissions.models import Score, Submission
from tests.base import make_world

pytestmark = pytest.mark.django_db

_SPEC = importlib.util.spec_from_file_location(
    "leaderboard_seed", Path(__file__).resolve().parents[2] / "bench" / "leaderboard_seed.py")
leaderboard_seed = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(leaderboard_seed)


def test_the_leaderboard_benchs_seeding_writes_rows_the_models_read():
    world = make_world()
    split = world.val
    teams, members = [world.alpha, world.charlies_team], [world.alice, world.charlie]
    written, best = leaderboard_seed.seed_entries(split=split, ground_truth=split.current_ground_truth, teams=teams,
                                                  members=members, per_team=2, images=split.n_images, seed=1,
                                                  now=timezone.now())
    assert written == 4 and set(best) == {world.alpha.pk, world.charlies_team.pk}
    assert Submission.objects.filter(split=split, status="scored").count() == 4
    scores = Score.objects.filter(submission__split=split)
    assert sorted(round(s.top5_error, 9) for s in scores)[0] == round(min(best.values()), 9)
