"""Check a file without spending quota (issue 24, item 6), through the API: `check_only=true`
answers 200 with {"ready", "errors": [{"line", "message"}]}, stores nothing, uses no quota, and
the upload throttle still counts it; a file for the wrong task says so in its first message."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from challenge.competition.models import ChallengeYear
from submissions import quotas
from submissions.models import RefusedUpload, Submission
from tests.base import TEST_LABELS, VAL_LABELS, predictions_file
from tests.leaderboard_helpers import submit

pytestmark = pytest.mark.django_db

GOOD = predictions_file([[label] for label in VAL_LABELS])
DETECTIONS = b"".join(b"%d 5 0.9 10 20 30 40\n" % i for i in range(1, 11))


def check(user, world, content, split="val", **extra):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    data = {"year": world.year.slug, "task": "classification", "split": split, "check_only": "true",
            "file": SimpleUploadedFile("p.txt", content), **extra}
    return client.post("/api/submissions/", data, format="multipart")


def test_a_good_file_is_ready_and_nothing_is_stored_or_counted(world):
    before = quotas.quota_for(team=world.alpha, user=world.alice, split=world.val).remaining
    response = check(world.alice, world, GOOD)
    assert response.status_code == 200
    body = response.json()
    assert body["ready"] is True and body["errors"] == [] and "would use 1 of the 10 submissions" in body["message"]
    assert not Submission.objects.exists() and not RefusedUpload.objects.exists()
    assert quotas.quota_for(team=world.alice.memberships.get().team, user=world.alice, split=world.val).remaining == before


def test_a_bad_file_lists_its_lines_and_a_file_for_another_task_says_so_first(world):
    body = check(world.alice, world, b"1\n2\nnot-a-class\n" + b"4\n" * 7).json()
    assert body["ready"] is False and [e["line"] for e in body["errors"]] == [3]
    body = check(world.alice, world, DETECTIONS).json()
    first = body["errors"][0]
    assert body["ready"] is False and first["line"] is None
    assert first["message"].startswith("This looks like an object detection file") and len(body["errors"]) > 1
    assert not Submission.objects.exists()


def test_a_valid_file_that_cannot_be_submitted_now_is_not_ready_and_says_why(world):
    for _ in range(2):
        submit(world.test, world.alpha, world.alice, wrong=1)
    body = check(world.bob, world, predictions_file([[label] for label in TEST_LABELS]), split="test").json()
    assert body["ready"] is False and "quota is used up" in body["errors"][0]["message"]
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(hours=1))
    body = check(world.alice, world, GOOD).json()
    assert body["ready"] is False and "Submissions closed at the deadline" in body["errors"][0]["message"]


def test_the_upload_throttle_counts_checks(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                                                          "submission": "2/min"}}
    assert [check(world.alice, world, GOOD).status_code for _ in range(3)] == [200, 200, 429]


def test_an_entry_name_is_needed_to_submit_but_not_to_check(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.alice)[0].key}")
    response = client.post("/api/submissions/", {"year": world.year.slug, "task": "classification", "split": "val",
                                                 "file": SimpleUploadedFile("p.txt", GOOD)}, format="multipart")
    assert response.status_code == 400 and "entry" in response.json()["errors"][0]["message"]
