"""The rules of time and visibility that no other test pinned down: each test here failed on a
one-line change of the rule it names (a mutant that survived the whole suite before)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.competition.models import ChallengeYear, Split
from submissions import quotas, services
from submissions.leaderboards import ranking
from submissions.models import Submission
from tests.base import PASSWORD, VAL_LABELS, predictions_file
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def _board(client, world, split: str) -> dict:
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    return client.get(url, {"split": split}).json()


def _submission_api(user, pk: int) -> dict:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client.get(f"/api/submissions/{pk}/").json()


def _results_out(world) -> None:
    ChallengeYear.objects.filter(pk=world.year.pk).update(
        deadline=timezone.now() - timedelta(hours=2), results_at=timezone.now() - timedelta(minutes=1))


# ---------------------------------------------------------------- validation splits follow their rule too

def test_a_hidden_validation_split_shows_no_score_to_the_public_or_the_team(client, world):
    Split.objects.filter(pk=world.val.pk).update(visibility=Split.Visibility.HIDDEN)
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=2, entry="hidden-val")
    board = _board(client, world, "val")
    assert board["visible"] is False and board["entries"] == []
    assert _submission_api(world.alice, entry.pk)["scores"] is None
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("submissions:detail", args=[entry.pk])).content.decode()
    assert "0.20000" not in page and "hidden until the results are announced" in page
    assert _board(client, world, "val")["entries"] == []
    _results_out(world)
    assert [e["entry"] for e in _board(APIClient(), world, "val")["entries"]] == ["hidden-val"]


def test_a_public_subset_validation_split_shows_subset_scores_until_the_results(client, world):
    Split.objects.filter(pk=world.val.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET,
                                                 public_subset_fraction=0.3, public_subset_seed=7)
    open_quota(world.val)
    public = ranking.public_subset_mask(10, seed=7, fraction=0.3).nonzero()[0].tolist()
    entry = submit(world.val, world.alpha, world.alice, wrong=public, entry="subset-val")
    board = _board(client, world, "val")
    assert board["basis"] == "public" and board["entries"][0]["scores"]["top5_error"]["value"] == 1.0
    assert _submission_api(world.alice, entry.pk)["scores"]["top5_error"] == 1.0
    _results_out(world)
    assert _board(client, world, "val")["entries"][0]["scores"]["top5_error"]["value"] == 0.0  # the rest


def test_a_ladder_validation_split_shows_only_significant_improvements(client, world):
    Split.objects.filter(pk=world.val.pk).update(visibility=Split.Visibility.LADDER)
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=6, entry="first")
    better = submit(world.val, world.alpha, world.alice, wrong=5, entry="one-image-better")
    board = _board(client, world, "val")
    assert board["basis"] == "ladder"
    assert [(e["entry"], e["scores"]["top5_error"]["value"]) for e in board["entries"]] == [("first", 0.6)]
    assert _submission_api(world.alice, better.pk)["scores"]["top5_error"] == 0.6


# ---------------------------------------------------------------- per-class reports

def test_per_class_reports_exist_only_where_the_validation_labels_are_public(client, world):
    open_quota(world.val)
    entry = submit(world.val, world.alpha, world.alice, wrong=2)
    client.login(username="alice", password=PASSWORD)
    report = reverse("leaderboards:per-class", args=[entry.pk])
    assert client.get(report).status_code == 200
    assert report in client.get(reverse("submissions:detail", args=[entry.pk])).content.decode()

    Split.objects.filter(pk=world.val.pk).update(labels_public=False)
    assert client.get(report).status_code == 404
    assert report not in client.get(reverse("submissions:detail", args=[entry.pk])).content.decode()


# ---------------------------------------------------------------- the final board's tests run on its own images

def test_the_final_board_of_a_public_subset_split_tests_entries_on_the_private_images(client, world):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET,
                                                  public_subset_fraction=0.3, public_subset_seed=7)
    open_quota(world.test)
    private = (~ranking.public_subset_mask(10, seed=7, fraction=0.3)).nonzero()[0].tolist()
    assert len(private) == 7  # 7 discordant images all one way: McNemar's exact p = 2/128 < 0.05
    submit(world.test, world.alpha, world.alice, wrong=[], entry="strong")
    submit(world.test, world.charlies_team, world.charlie, wrong=private, entry="weak-on-the-rest")
    live = _board(client, world, "test")  # identical on the public images: tied there
    assert live["basis"] == "public" and live["entries"][0]["better_than_next"] is False
    _results_out(world)
    final = _board(client, world, "test")
    assert [e["entry"] for e in final["entries"]] == ["strong", "weak-on-the-rest"]
    assert final["entries"][0]["better_than_next"] is True
    assert final["entries"][0]["tie_group"] != final["entries"][1]["tie_group"]


# ---------------------------------------------------------------- final entries reach the board

def test_saving_final_entries_changes_a_final_per_team_board_at_once(client, world):
    world.year.leaderboard_rows = ChallengeYear.LeaderboardRows.FINAL_PER_TEAM
    world.year.save(update_fields=["leaderboard_rows"])
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=0, entry="best")
    chosen = submit(world.val, world.alpha, world.alice, wrong=3, entry="chosen")
    assert [e["entry"] for e in _board(client, world, "val")["entries"]] == ["best"]
    services.mark_final_entries(team=world.alpha, split=world.val, submission_ids=[chosen.pk])
    assert [e["entry"] for e in _board(client, world, "val")["entries"]] == ["chosen"]


# ---------------------------------------------------------------- quotas

def test_when_the_window_and_the_total_are_both_used_no_next_slot_is_promised(world):
    Split.objects.filter(pk=world.val.pk).update(quota_per_window=2, quota_window_days=1, quota_total=2)
    good = predictions_file([[label] for label in VAL_LABELS])
    for n in range(2):
        services.create_submission(team=world.alpha, split=world.val, user=world.alice, data=good, entry_name=f"e{n}")
    with pytest.raises(quotas.QuotaExceeded) as refused:
        services.create_submission(team=world.alpha, split=world.val, user=world.alice, data=good, entry_name="e2")
    assert refused.value.quota.next_slot_at is None and refused.value.quota.total_exhausted
    assert "next slot" not in str(refused.value)


# ---------------------------------------------------------------- scoring retries

def _claimed_before(world, attempts: int) -> Submission:
    good = predictions_file([[label] for label in VAL_LABELS])
    submission = services.create_submission(team=world.alpha, split=world.val, user=world.alice, data=good,
                                            entry_name="retried")
    Submission.objects.filter(pk=submission.pk).update(attempts=attempts)
    return submission


def test_a_submission_is_scored_on_its_third_claim(world):
    submission = _claimed_before(world, attempts=2)
    scored = services.score_submission(submission_id=submission.pk)
    assert (scored.status, scored.attempts) == (Submission.Status.SCORED, 3)


def test_a_submission_claimed_a_fourth_time_fails_and_is_refunded(world):
    submission = _claimed_before(world, attempts=3)
    failed = services.score_submission(submission_id=submission.pk)
    assert (failed.status, failed.refunded) == (Submission.Status.FAILED, True)


# ---------------------------------------------------------------- throttles count per person

def test_the_upload_throttle_counts_per_person_not_per_address(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"submission": "2/min",
                                                                                     "token": "10/min"}}

    def upload(user):
        client = APIClient(REMOTE_ADDR="203.0.113.9")  # both people behind one address
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        data = {"year": world.year.slug, "task": "classification", "split": "val", "entry": "e",
                "file": SimpleUploadedFile("p.txt", predictions_file([[label] for label in VAL_LABELS]))}
        return client.post("/api/submissions/", data, format="multipart").status_code

    assert [upload(world.alice) for _ in range(3)] == [201, 201, 429]
    assert upload(world.charlie) == 201
