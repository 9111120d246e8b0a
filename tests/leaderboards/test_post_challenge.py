"""After results day (issue 24, item 1): a year past its results date takes entries onto a
post-challenge board beside the frozen official one, which never changes (its API JSON and its
archive's exports are compared byte for byte before and after), with the split's quota afresh;
between the deadline and the results date nothing is taken."""

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.competition.models import ChallengeYear, Split
from challenge.policy import Board
from submissions.leaderboards.models import LeaderboardArchive
from submissions.models import Submission
from tests.base import TEST_LABELS, predictions_file, run_scoring_worker
from tests.leaderboard_helpers import submit

pytestmark = pytest.mark.django_db


def api_as(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def upload_test(user, world, *, wrong: int, entry: str):
    rows = [[500 + i] if i < wrong else [label] for i, label in enumerate(TEST_LABELS)]
    data = {"year": world.year.slug, "task": "classification", "split": "test", "entry": entry,
            "file": SimpleUploadedFile("preds.txt", predictions_file(rows)),
            "method_url": "https://arxiv.org/abs/1512.03385", "code_url": "https://example.org/code"}
    return api_as(user).post("/api/submissions/", data, format="multipart")


def move_dates(world, *, deadline_ago: timedelta, results_in: timedelta):
    now = timezone.now()
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=now - deadline_ago, results_at=now + results_in)


def board_bytes(client, world, **params) -> bytes:
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    response = client.get(url, {"split": "test", **params})
    assert response.status_code == 200
    return response.content


def archive_bytes() -> dict:
    client, found = Client(), {}
    for archive in LeaderboardArchive.objects.order_by("track"):
        for fmt in ("csv", "json"):
            url = reverse("leaderboards:archive-export", args=[archive.public_id, fmt])
            found[(archive.track, fmt)] = client.get(url).content
    return found


def test_a_year_past_its_results_takes_test_entries_onto_a_board_of_their_own_and_the_official_one_stays(world):
    submit(world.test, world.alpha, world.alice, wrong=3, entry="during")
    submit(world.test, world.charlies_team, world.charlie, wrong=2, entry="charlie during")

    # Between the deadline and the results date nothing is taken: no test score may show early.
    move_dates(world, deadline_ago=timedelta(hours=2), results_in=timedelta(hours=1))
    closed = upload_test(world.alice, world, wrong=0, entry="too early")
    assert closed.status_code == 403
    assert "results are published on" in closed.json()["errors"][0]["message"]

    move_dates(world, deadline_ago=timedelta(hours=2), results_in=-timedelta(minutes=1))
    run_scoring_worker()  # the chores freeze the official results
    anonymous, organizer = Client(), Client()
    organizer.force_login(world.olivia)
    before = {"public": board_bytes(anonymous, world), "outside": board_bytes(anonymous, world, track="outside"),
              "organizer": board_bytes(organizer, world), "archives": archive_bytes()}
    assert len(before["archives"]) == 6 and b'"frozen":true' in before["public"]

    after = upload_test(world.alice, world, wrong=0, entry="after the results")
    assert after.status_code == 201, after.json()
    body = after.json()
    assert body["board"] == Board.POST_CHALLENGE and body["method_url"] == "https://arxiv.org/abs/1512.03385"
    run_scoring_worker()

    assert board_bytes(anonymous, world) == before["public"]
    assert board_bytes(anonymous, world, track="outside") == before["outside"]
    assert board_bytes(organizer, world) == before["organizer"]
    assert archive_bytes() == before["archives"]

    late = board_bytes(anonymous, world, board="post-challenge")
    document = json.loads(late)
    assert document["board"] == "post-challenge" and document["basis"] == "all" and document["count"] == 1
    row = document["entries"][0]
    assert (row["entry"], row["rank"], row["scores"]["top5_error"]["value"]) == ("after the results", 1, 0.0)
    assert row["team_entries"] == 1 and row["code_url"] == "https://example.org/code"
    # Public and on all images, whatever the split's visibility was: its team and anyone see it.
    mine = api_as(world.bob).get(f"/api/submissions/{body['id']}/").json()
    assert mine["scores"]["top5_error"] == 0.0 and mine["scores"]["basis"] == "all"
    listed = {entry["id"]: entry["board"] for entry in api_as(world.alice).get("/api/submissions/").json()}
    assert listed[body["id"]] == "post-challenge" and set(listed.values()) == {"official", "post-challenge"}

    # The year page shows the best entry since the challenge beside the winner.
    page = anonymous.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "won with top-5 error 20.000%" in page
    assert "Best since the challenge: <strong>Alpha</strong>" in page and "0.000%" in page
    history = anonymous.get(reverse("leaderboards:history")).content.decode()
    assert "best since the challenge: <strong>Alpha</strong>" in history


def test_entries_after_the_challenge_have_the_splits_quota_afresh_and_it_holds(world):
    submit(world.test, world.alpha, world.alice, wrong=3, entry="one")
    submit(world.test, world.alpha, world.alice, wrong=2, entry="two")  # the official quota (2 a week) used up
    move_dates(world, deadline_ago=timedelta(days=2), results_in=-timedelta(days=1))
    assert [upload_test(world.bob, world, wrong=i, entry=f"after {i}").status_code for i in range(3)] == [201, 201, 429]
    assert Submission.objects.filter(split=world.test, board=Board.POST_CHALLENGE).count() == 2
    assert Submission.objects.filter(split=world.test, board=Board.OFFICIAL).count() == 2


def test_an_organizer_switches_a_split_off_after_the_challenge(world):
    move_dates(world, deadline_ago=timedelta(days=2), results_in=-timedelta(days=1))
    Split.objects.filter(pk=world.test.pk).update(post_challenge=False)
    refused = upload_test(world.alice, world, wrong=0, entry="late")
    assert refused.status_code == 403 and "takes no entries after the challenge" in refused.json()["errors"][0]["message"]
    assert upload_test(world.alice, world, wrong=0, entry="x").status_code == 403
    client = Client()
    client.force_login(world.alice)
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert "This split takes no entries after the challenge." in page and "after the challenge</span>" in page
