"""POST/GET /api/submissions/: upload, line errors, quota 429, and nobody else's submissions."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from submissions.models import Submission
from tests.base import TEST_LABELS, VAL_LABELS, predictions_file, run_scoring_worker

pytestmark = pytest.mark.django_db

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])
GOOD_TEST = predictions_file([[label] for label in TEST_LABELS])


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # throttle counts live in the cache; each test starts with none
    yield
    cache.clear()


def api_as(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def upload(client, world, content=GOOD_VAL, split="val", **extra):
    data = {"year": world.year.slug, "task": "classification", "split": split,
            "file": SimpleUploadedFile("preds.txt", content), "entry": "api entry",
            "description": "resnet", "external_data": "true", **extra}
    return client.post("/api/submissions/", data, format="multipart")


def test_it_answers_as_soon_as_the_file_is_stored_and_shows_the_score_once_a_worker_scored_it(world):
    response = upload(api_as(world.alice), world)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "received" and body["scores"] is None
    submission = Submission.objects.get(pk=body["id"])
    assert submission.external_data and submission.entry_name == "api entry" and submission.submitted_by == world.alice
    assert api_as(world.alice).get(f"/api/submissions/{body['id']}/").json()["status"] == "received"
    run_scoring_worker()
    again = api_as(world.alice).get(f"/api/submissions/{body['id']}/").json()
    assert again["status"] == "scored" and again["scores"]["top5_error"] == 0.0


def test_test_split_scores_are_null_while_hidden(world):
    body = upload(api_as(world.alice), world, GOOD_TEST, split="test").json()
    run_scoring_worker()
    again = api_as(world.bob).get(f"/api/submissions/{body['id']}/").json()
    assert again["status"] == "scored" and again["scores"] is None


def test_a_bad_file_gets_400_with_line_numbered_errors_and_costs_nothing(world):
    rows = [[label] for label in VAL_LABELS]
    rows[2] = ["n99999999"]
    response = upload(api_as(world.alice), world, predictions_file(rows))
    assert response.status_code == 400
    assert response.json()["errors"][0]["line"] == 3 and "message" in response.json()["errors"][0]
    assert not Submission.objects.exists()


def test_missing_fields_get_400_in_the_same_shape(world):
    response = api_as(world.alice).post("/api/submissions/", {"year": world.year.slug}, format="multipart")
    assert response.status_code == 400
    messages = [error["message"] for error in response.json()["errors"]]
    assert any(m.startswith("file:") for m in messages) and all(e["line"] is None for e in response.json()["errors"])


def test_over_quota_gets_429_with_the_next_slot(world):
    client = api_as(world.alice)
    first = upload(client, world, GOOD_TEST, split="test").json()
    upload(client, world, GOOD_TEST, split="test")
    response = upload(client, world, GOOD_TEST, split="test")
    assert response.status_code == 429
    created = Submission.objects.get(pk=first["id"]).created_at
    from datetime import datetime, timedelta

    assert datetime.fromisoformat(response.json()["next_slot_at"]) == created + timedelta(days=7)
    assert int(response["Retry-After"]) > 6 * 24 * 3600


def test_someone_without_a_team_gets_403(world):
    from tests.base import make_user

    assert upload(api_as(make_user("dana")), world).status_code == 403


def test_an_unknown_task_or_year_is_404(world):
    client = api_as(world.alice)
    assert upload(client, world, task="nope").status_code == 404
    assert upload(client, world, year="nope").status_code == 404


def test_it_lists_only_your_teams_submissions(world):
    mine = upload(api_as(world.alice), world).json()["id"]
    theirs = upload(api_as(world.charlie), world).json()["id"]
    listed = [row["id"] for row in api_as(world.bob).get("/api/submissions/").json()]
    assert listed == [mine] and theirs not in listed


def test_another_team_gets_404_for_your_submission(world):
    mine = upload(api_as(world.alice), world).json()["id"]
    assert api_as(world.charlie).get(f"/api/submissions/{mine}/").status_code == 404
    assert api_as(world.bob).get(f"/api/submissions/{mine}/").status_code == 200
    assert APIClient().get(f"/api/submissions/{mine}/").status_code in (401, 403)


def test_no_response_carries_ground_truth_or_storage_keys(world):
    body = upload(api_as(world.alice), world, GOOD_TEST, split="test").content.decode()
    submission = Submission.objects.get()
    truth = world.test.current_ground_truth
    for secret in (submission.file_key, truth.labels_key, "labels"):
        assert secret not in body


def test_uploads_are_throttled(world, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"submission": "2/min",
                                                                                     "token": "10/min"}}
    client = api_as(world.alice)
    codes = [upload(client, world).status_code for _ in range(3)]
    assert codes == [201, 201, 429]
    assert Submission.objects.count() == 2


def test_a_public_subset_split_shows_subset_scores_only(world):
    from challenge.competition.models import Split

    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET)
    body = upload(api_as(world.alice), world, GOOD_TEST, split="test").json()
    run_scoring_worker()
    body = api_as(world.alice).get(f"/api/submissions/{body['id']}/").json()
    assert body["scores"]["basis"] == "public" and body["scores"]["top5_error"] == 0.0
    organizer_view = api_as(world.olivia).get(f"/api/submissions/{body['id']}/")
    assert organizer_view.status_code == 200 and organizer_view.json()["scores"]["basis"] == "all"
