"""The browser's submit page, submission page, status poll and file download."""

import json
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.competition.models import Split
from submissions import services
from submissions.models import Submission
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, predictions_file, run_scoring_worker

pytestmark = pytest.mark.django_db

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])
GOOD_TEST = predictions_file([[label] for label in TEST_LABELS])


def _post(client, world, content: bytes, split=None, json_reply=False, **extra):
    payload = {"split": (split or world.val).pk, "entry_name": "my entry", "description": "d",
               "external_data": "on", "file": SimpleUploadedFile("p.txt", content)}
    headers = {"HTTP_ACCEPT": "application/json"} if json_reply else {}
    return client.post(reverse("submissions:submit", args=[world.year.slug]), payload, **headers, **extra)


def _as(client, username):
    client.login(username=username, password=PASSWORD)
    return client


def test_it_states_the_quota_rule_what_is_left_and_the_next_slot(client, world):
    _as(client, "alice")
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert "2 submissions per team and per person every 7 days" in page
    _post(client, world, GOOD_TEST, split=world.test)
    _post(client, world, GOOD_TEST, split=world.test)
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    first = Submission.objects.filter(split=world.test).order_by("created_at").first()
    opens = first.created_at + timedelta(days=7)
    row = page[page.index(f'data-split="{world.test.pk}"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="num quota-left">0</td>' in row and f'datetime="{opens.isoformat()}"' in row
    response = _post(client, world, GOOD_TEST, split=world.test)
    assert response.status_code == 429 and "next slot opens" in response.content.decode()


def test_it_records_the_form_fields(client, world):
    _as(client, "alice")
    _post(client, world, GOOD_VAL)
    submission = Submission.objects.get()
    assert (submission.entry_name, submission.description, submission.external_data) == ("my entry", "d", True)
    assert submission.submitted_by == world.alice and submission.team == world.alpha


def test_the_json_reply_gives_line_numbered_errors_or_the_next_page(client, world):
    _as(client, "alice")
    rows = [[label] for label in VAL_LABELS]
    rows[6] = [1001]
    refused = _post(client, world, predictions_file(rows), json_reply=True)
    assert refused.status_code == 400
    errors = refused.json()["errors"]
    assert errors[0]["line"] == 7 and "1001" in errors[0]["message"]
    accepted = _post(client, world, GOOD_VAL, json_reply=True)
    assert accepted.json()["redirect"] == reverse("submissions:detail", args=[Submission.objects.get().pk])


def test_someone_without_a_team_is_told_to_form_one(client, world):
    from tests.base import make_user

    make_user("dana")
    _as(client, "dana")
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert reverse("teams:create", args=[world.year.slug]) in page
    assert _post(client, world, GOOD_VAL).status_code == 403
    assert not Submission.objects.exists()


def test_the_status_poll_reveals_validation_scores_but_not_hidden_test_scores(client, world):
    _as(client, "alice")
    _post(client, world, GOOD_VAL)
    _post(client, world, GOOD_TEST, split=world.test)
    val, test = Submission.objects.get(split=world.val), Submission.objects.get(split=world.test)
    waiting = client.get(reverse("submissions:status", args=[val.pk])).json()
    assert (waiting["status"], waiting["status_display"], waiting["scores"]) == ("received", "Received", None)
    run_scoring_worker()
    shown = client.get(reverse("submissions:status", args=[val.pk])).json()
    assert shown["status"] == "scored" and shown["scores"]["top5_error"] == 0.0
    hidden = client.get(reverse("submissions:status", args=[test.pk]))
    assert hidden.json()["status"] == "scored" and hidden.json()["scores"] is None
    assert "0.0" not in json.dumps(hidden.json()) and "top5" not in hidden.content.decode()
    detail = client.get(reverse("submissions:detail", args=[test.pk])).content.decode()
    assert "hidden until the results" in detail and 'id="top5"></td>' in detail


def test_organizers_see_hidden_scores(client, world):
    submission = services.submit_upload(team=world.alpha, user=world.alice, split=world.test,
                                        file=SimpleUploadedFile("p.txt", GOOD_TEST), entry_name="e")
    run_scoring_worker()
    _as(client, "olivia")
    assert client.get(reverse("submissions:status", args=[submission.pk])).json()["scores"]["top5_error"] == 0.0


def test_another_team_can_neither_see_poll_nor_download_a_submission(client, world):
    _as(client, "alice")
    _post(client, world, GOOD_VAL)
    submission = Submission.objects.get()
    assert client.get(reverse("submissions:file", args=[submission.pk])).getvalue() == GOOD_VAL
    _as(client, "charlie")
    for name in ("submissions:detail", "submissions:status", "submissions:file"):
        assert client.get(reverse(name, args=[submission.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("submissions:file", args=[submission.pk])).status_code == 302


def test_a_failed_scoring_is_shown_with_its_reason_and_refunded(client, world):
    _as(client, "alice")
    _post(client, world, GOOD_VAL)
    default_storage.delete(Submission.objects.get().file_key)  # the site's fault: the stored file is gone
    run_scoring_worker()
    submission = Submission.objects.get()
    assert submission.status == "failed" and submission.refunded
    status = client.get(reverse("submissions:status", args=[submission.pk])).json()
    assert status["status"] == "failed" and "does not count" in status["failure_reason"]


def test_the_team_list_shows_every_split_and_its_submissions(client, world):
    _as(client, "bob")
    _post(client, world, GOOD_VAL)
    page = client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()
    assert "my entry" in page and "Validation" in page and "Test" in page
    _as(client, "charlie")
    assert "my entry" not in client.get(reverse("submissions:list", args=[world.year.slug])).content.decode()


def test_the_pages_load_their_scripts_from_static_files(client, world):
    _as(client, "alice")
    page = client.get(reverse("submissions:submit", args=[world.year.slug])).content.decode()
    assert "js/submit.js" in page and "<script>" not in page
    assert Split.objects.filter(task=world.task).count() == 2


def test_the_sent_file_downloads_as_a_private_attachment(client, world):
    _as(client, "alice")
    _post(client, world, GOOD_VAL)
    submission = Submission.objects.get()
    response = client.get(reverse("submissions:file", args=[submission.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="submission-{submission.pk}.txt"'
    assert "no-store" in response.get("Cache-Control", "")
    assert b"".join(response.streaming_content) == GOOD_VAL
