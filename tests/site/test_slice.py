"""The walking skeleton end to end: upload, score, see it on the submission page and leaderboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from submissions.models import Submission
from tests.base import PASSWORD, VAL_LABELS, predictions_file, run_scoring_worker

pytestmark = pytest.mark.django_db


def _payload(world, content: bytes, split=None, **overrides):
    payload = {
        "split": (split or world.val).pk,
        "entry_name": "resnet-ish",
        "description": "a method",
        "file": SimpleUploadedFile("preds.txt", content, content_type="text/plain"),
    }
    payload.update(overrides)
    return payload


def _submit(client, world, content: bytes, **overrides):
    client.login(username="alice", password=PASSWORD)
    return client.post(reverse("submissions:submit", args=[world.year.slug]), _payload(world, content, **overrides))


def test_the_home_page_lists_published_years(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert world.year.title in response.content.decode()


def test_it_scores_an_upload_and_shows_it_on_the_leaderboard(client, world):
    # Image i has label i. Guesses: 8 right first, 1 right third, 1 wrong everywhere.
    rows = [[label] for label in VAL_LABELS[:8]] + [[500, 501, 9], [500, 501, 502, 503, 504]]
    response = _submit(client, world, predictions_file(rows))
    submission = Submission.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("submissions:detail", args=[submission.pk])
    assert submission.status == Submission.Status.RECEIVED  # the answer does not wait for scoring
    waiting = client.get(response["Location"]).content.decode()
    assert "Received" in waiting and "scored in the background" in waiting and "10.000%" not in waiting
    run_scoring_worker()
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SCORED
    score = submission.current_score
    assert (score.top1_error, score.top5_error, score.images) == (0.2, 0.1, 10)

    detail = client.get(response["Location"]).content.decode()
    assert "10.000%" in detail and "20.000%" in detail

    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "val"]))
    page = board.content.decode()
    assert "Alpha" in page and "resnet-ish" in page and "10.000%" in page


def test_it_refuses_a_bad_line_and_names_it(client, world):
    rows = [[label] for label in VAL_LABELS]
    rows[3] = ["cat"]
    response = _submit(client, world, predictions_file(rows))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Line 4" in page and "cat" in page
    assert not Submission.objects.exists()


def test_it_hides_test_scores_until_the_results_date(client, world):
    rows = [[label] for label in reversed(VAL_LABELS)]
    response = _submit(client, world, predictions_file(rows), split=world.test)
    run_scoring_worker()
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SCORED
    detail = client.get(response["Location"]).content.decode()
    assert "hidden until the results" in detail and "0.000%" not in detail
    board = client.get(reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", "test"]))
    assert "Alpha" not in board.content.decode()


def test_another_team_cannot_see_a_submission(client, world):
    _submit(client, world, predictions_file([[label] for label in VAL_LABELS]))
    submission = Submission.objects.get()
    client.logout()
    client.login(username="charlie", password=PASSWORD)
    assert client.get(reverse("submissions:detail", args=[submission.pk])).status_code == 404
    client.login(username="bob", password=PASSWORD)
    assert client.get(reverse("submissions:detail", args=[submission.pk])).status_code == 200
