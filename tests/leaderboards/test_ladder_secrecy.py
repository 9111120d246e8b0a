"""Issue 23, item 14: before the results date, Ladder and public-subset boards show nothing that
depends on the hidden images beyond what they release: the Ladder its score rounded to its step
(never the exact count), no categories won computed on all images, no advice computed on them."""

import csv
import io
from datetime import timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from challenge import policy
from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, Split, Task
from submissions import scoring
from submissions.leaderboards.evidence import positives_of
from submissions.leaderboards.ranking import public_subset_mask
from submissions.leaderboards.selectors import visible_scores
from submissions.models import Submission
from submissions.services import create_submission, score_submission
from tests.base import PASSWORD, labels_file, predictions_file, run_scoring_worker
from tests.detection_site import set_up_detection_task

pytestmark = pytest.mark.django_db

N_LADDER = 1000  # the Ladder's step: 10^-ceil(log10(sqrt(1000))) = 0.01
LADDER_LABELS = [1 + i % 1000 for i in range(N_LADDER)]


def _ladder_split(world) -> Split:
    task = Task.objects.create(year=world.year, slug="ladder", title="Ladder", kind=Task.Kind.CLASSIFICATION)
    split = Split.objects.create(task=task, name=Split.Name.TEST, n_images=N_LADDER, quota_per_window=100,
                                 visibility=Split.Visibility.LADDER)
    replace_ground_truth(split=split, labels=labels_file(LADDER_LABELS))
    return split


def _entry(split, team, user, *, wrong: int, entry: str):
    rows = [[label % 1000 + 1] if i < wrong else [label] for i, label in enumerate(LADDER_LABELS)]
    submission = create_submission(team=team, split=split, user=user, data=predictions_file(rows), entry_name=entry)
    run_scoring_worker()
    submission.refresh_from_db()
    return submission


def _board_api(client, world, slug, **params):
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, slug])
    return client.get(url, {"split": "test", **params}).json()


# ---------------------------------------------------------------- (a) the Ladder's step

def test_item14_the_ladder_step_follows_the_largest_standard_error_of_its_test(world):
    split = world.test
    for n, decimals in [(1, 0), (10, 1), (1000, 2), (10_000, 2), (50_000, 3), (100_000, 3), (1_000_000, 3),
                        (10_000_000, 4)]:
        split.n_images = n
        assert policy.ladder_decimals(split) == decimals, n
        assert policy.score_decimals(split=split, basis=policy.Basis.LADDER) == decimals
        assert policy.score_decimals(split=split, basis=policy.Basis.ALL) == 5
        # The step never exceeds the largest standard error the Ladder's paired test can ask for.
        assert 10 ** -decimals <= 1 / np.sqrt(n) + 1e-12


def test_item14_a_hierarchical_ladder_steps_by_the_range_of_its_costs(world):
    task = Task.objects.create(year=world.year, slug="hier", title="Hier", kind=Task.Kind.HIERARCHICAL)
    split = Split.objects.create(task=task, name=Split.Name.TEST, n_images=100_000, visibility=Split.Visibility.LADDER)
    height = world.year.class_set.synsets.order_by("-wordnet_height").first().wordnet_height  # 18 in ILSVRC2012
    assert policy.ladder_decimals(split) == int(np.ceil(np.log10(np.sqrt(100_000) / height)))


def test_item14_the_ladder_board_pages_api_and_exports_show_only_the_rounded_released_score(client, world):
    split = _ladder_split(world)
    first = _entry(split, world.alpha, world.alice, wrong=123, entry="first")  # exact error 0.123
    exact = "0.123"
    board = _board_api(client, world, "ladder")
    assert board["basis"] == "ladder" and board["decimals"] == 2
    row = board["entries"][0]
    assert row["scores"] == {"top5_error": {"value": 0.12, "ci_low": None, "ci_high": None}}
    assert row["p_value_next"] is None and row["better_than_next"] is None and "categories_won" not in row

    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "ladder", "test"])).content.decode()
    # An error is shown as a percentage with the board's precision (issue 24, item 8): 12%.
    assert "12%" in page and exact not in page and "12.3" not in page and "Ladder" in page
    export = client.get(reverse("leaderboards:export", args=[world.year.slug, "ladder", "test", "csv"])).content
    line = next(csv.DictReader(io.StringIO(export.decode())))
    assert line["top5_error"] == "0.12" and line["top5_error_ci_low"] == "" and exact not in export.decode()
    export = client.get(reverse("leaderboards:export", args=[world.year.slug, "ladder", "test", "json"])).content
    assert exact not in export.decode()

    assert visible_scores(submission=first, user=world.alice)["scores"] == {"top5_error": [0.12, None, None]}
    client.login(username="alice", password=PASSWORD)
    shown = client.get(reverse("submissions:detail", args=[first.pk])).content.decode()
    assert "12%" in shown and exact not in shown and "12.3" not in shown
    status = client.get(reverse("submissions:status", args=[first.pk])).json()["scores"]
    assert status["top5_error"] == 0.12 and status["decimals"] == 2 and "top1_error" not in status
    team_page = client.get(reverse("teams:detail", args=[world.alpha.pk])).content.decode()
    assert exact not in team_page
    api = APIClient()
    api.force_authenticate(world.alice)
    scores = api.get(f"/api/submissions/{first.pk}/").json()["scores"]
    assert scores["top5_error"] == 0.12 and scores["intervals"] == {} and exact not in str(scores)

    # Organizers see the exact figure, as they see every board.
    olivia = APIClient()
    olivia.force_authenticate(world.olivia)
    assert olivia.get(f"/api/submissions/{first.pk}/").json()["scores"]["top5_error"] == 0.123


def test_item14_ladder_rows_are_ranked_by_released_scores_earlier_first(client, world):
    split = _ladder_split(world)
    _entry(split, world.charlies_team, world.charlie, wrong=124, entry="earlier")  # 0.124: released 0.12
    _entry(split, world.alpha, world.alice, wrong=117, entry="later")  # 0.117: released 0.12 too
    rows = _board_api(client, world, "ladder")["entries"]
    assert [(r["entry"], r["rank"], r["scores"]["top5_error"]["value"]) for r in rows] == [
        ("earlier", 1, 0.12), ("later", 1, 0.12)]


# ---------------------------------------------------------------- (b) categories won

def _detection_live_split(world, visibility) -> tuple:
    det = set_up_detection_task(world)
    test = det.split("test")
    Split.objects.filter(pk=test.pk).update(visibility=visibility, quota_per_window=100)
    full = det.files["test"].predictions
    lines = full.decode().splitlines()
    half = "\n".join(lines[::2]).encode() + b"\n"  # a weaker detector
    for team, user, data, name in [(world.alpha, world.alice, full, "full"), (world.charlies_team, world.charlie,
                                                                               half, "half")]:
        create_submission(team=team, split=test, user=user, data=data, entry_name=name)
    run_scoring_worker()
    return det, Split.objects.get(pk=test.pk)


def test_item14_a_ladder_board_shows_no_categories_won_before_the_results_date(client, world):
    _, test = _detection_live_split(world, Split.Visibility.LADDER)
    body = _board_api(client, world, "det")
    assert body["basis"] == "ladder" and len(body["entries"]) == 2
    assert all("categories_won" not in row for row in body["entries"])
    page = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "det", "test"])).content.decode()
    assert "Categories won" not in page
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(hours=2),
                                                          results_at=timezone.now() - timedelta(minutes=1))
    call_command("freeze_results", stdout=StringIO())
    final = _board_api(client, world, "det")
    assert final["basis"] == "final" and isinstance(final["entries"][0]["categories_won"], int)


def test_item14_categories_won_on_a_public_subset_board_come_from_the_public_images(client, world):
    det, test = _detection_live_split(world, Split.Visibility.PUBLIC_SUBSET)
    body = _board_api(client, world, "det")
    assert body["basis"] == "public"
    mask = public_subset_mask(test.n_images, seed=test.public_subset_seed, fraction=test.public_subset_fraction)
    aps = {}
    for entry in test.submissions.all():
        score = entry.current_score
        trace = scoring.DetectionTrace.from_bytes(bytes(score.detection_trace))
        weights = scoring.subset_weights(score.images, mask)
        aps[entry.entry_name] = scoring.class_average_precisions(trace, positives_of(score, test), weights)[0][1:]
    ranked = [row["entry"] for row in body["entries"]]
    table = np.nan_to_num(np.array([aps[name] for name in ranked]), nan=-1.0)
    winners = np.argmax(table, axis=0)
    won = np.bincount(winners[table[winners, np.arange(table.shape[1])] > 0], minlength=2).tolist()
    assert [row["categories_won"] for row in body["entries"]] == won
    # A class whose boxes all lie on hidden images counts as unknown on the public board, not as 0.
    stored = test.leaderboard_entries.first().stats["class_ap"]["public"]
    assert all(ap is None or 0.0 <= ap <= 1.0 for ap in stored)


# ---------------------------------------------------------------- (c) advice

N_ADVICE, FRACTION, SEED = 20, 0.3, 4242
CLASS_SET = scoring.ClassSet.ilsvrc2012()


def _advice_entry(world, visibility, *, sorted_on_public: bool):
    """An entry written as sorted-WNID positions (the torchvision mistake) on the public images
    only, or on the hidden ones only; wrong under both readings elsewhere."""
    labels = [int(v) for v in np.random.default_rng(5).integers(1, 1001, N_ADVICE)]
    Split.objects.filter(pk=world.test.pk).update(visibility=visibility, n_images=N_ADVICE, quota_per_window=100,
                                                  public_subset_fraction=FRACTION, public_subset_seed=SEED)
    replace_ground_truth(split=Split.objects.get(pk=world.test.pk), labels=labels_file(labels))
    public = public_subset_mask(N_ADVICE, seed=SEED, fraction=FRACTION)
    sorted_part = public if sorted_on_public else ~public
    rows = []
    for label, in_sorted_order in zip(labels, sorted_part):
        position = int(CLASS_SET.id_to_sorted_index[label]) + 1
        rows.append([position] if in_sorted_order else [1000 if label != 1000 and position != 1000 else 999])
    submission = create_submission(team=world.alpha, split=world.test, user=world.alice, entry_name="sorted",
                                   data=predictions_file(rows))
    return score_submission(submission_id=submission.pk)


def _hints(world, submission) -> list[str]:
    return visible_scores(submission=submission, user=world.alice)["warnings"]


def test_item14_public_subset_advice_comes_from_the_public_images(client, world):
    submission = _advice_entry(world, Split.Visibility.PUBLIC_SUBSET, sorted_on_public=True)
    assert not submission.current_score.advice  # on all images the mistake is too rare to hint at
    hints = _hints(world, submission)
    assert len(hints) == 1 and "sorted-WNID order" in hints[0] and "would give" not in hints[0]  # no figure
    client.login(username="alice", password=PASSWORD)
    assert "sorted-WNID order" in client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()


def test_item14_public_subset_advice_says_nothing_the_hidden_images_alone_show(world):
    submission = _advice_entry(world, Split.Visibility.PUBLIC_SUBSET, sorted_on_public=False)
    assert submission.current_score.advice  # on all images the hint fires: from the hidden part
    assert _hints(world, submission) == []


def test_item14_a_ladder_shows_no_advice_before_the_results_date(world):
    submission = _advice_entry(world, Split.Visibility.LADDER, sorted_on_public=False)
    assert submission.current_score.advice and _hints(world, submission) == []
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(hours=2),
                                                          results_at=timezone.now() - timedelta(minutes=1))
    submission = Submission.objects.get(pk=submission.pk)
    assert _hints(world, submission) == submission.current_score.warnings  # the results are out: all of it
