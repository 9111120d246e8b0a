"""Issue 23, item 12: a year published before its ground truth takes uploads that wait (counted,
`received`) and are scored when the organizers upload the first version; the scoring loop never
claims them meanwhile, so it neither fails them nor spins over them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.competition.models import Split
from submissions import quotas, services
from submissions.ground_truth_uploads import upload_ground_truth
from submissions.management.commands.score_pending import Command
from submissions.models import Submission
from tests.base import PASSWORD, TEST_LABELS, labels_file, make_task, make_team, make_user, make_year, \
    predictions_file, run_scoring_worker

pytestmark = pytest.mark.django_db

GOOD_TEST = predictions_file([[label] for label in TEST_LABELS])


@pytest.fixture
def early(db):
    """A published year whose test split has no ground truth yet, and alice's team."""
    year = make_year("y2031")
    task = make_task(year, val_labels=[1, 2, 3])
    split = Split.objects.create(task=task, name=Split.Name.TEST, n_images=len(TEST_LABELS), quota_per_window=2,
                                 quota_window_days=7)
    alice, olivia = make_user("alice"), make_user("olivia", organizer=True)
    team = make_team(year, "Alpha", alice)
    return split, team, alice, olivia


def test_item12_an_upload_before_the_ground_truth_waits_counted_and_is_never_claimed(early):
    split, team, alice, _ = early
    submission = services.create_submission(team=team, split=split, user=alice, data=GOOD_TEST, entry_name="early")
    assert quotas.quota_for(team=team, user=alice, split=split).remaining == 1  # counted as any upload
    assert "scored 0" in run_scoring_worker()
    submission.refresh_from_db()
    assert (submission.status, submission.failure_reason, submission.refunded) == (Submission.Status.RECEIVED, "",
                                                                                  False)
    assert services.claimable_submission_ids() == []
    assert Command().score_one() is False  # an idle loop sleeps: no busy loop over waiting rows


def test_item12_the_first_ground_truth_starts_their_scoring(early):
    split, team, alice, olivia = early
    waiting = services.create_submission(team=team, split=split, user=alice, data=GOOD_TEST, entry_name="early")
    run_scoring_worker()
    upload_ground_truth(user=olivia, split=split, labels=labels_file(TEST_LABELS))
    assert services.claimable_submission_ids() == [waiting.pk]
    assert "scored 1" in run_scoring_worker()
    waiting.refresh_from_db()
    assert waiting.status == Submission.Status.SCORED and waiting.current_score.top5_error == 0.0


def test_item12_the_submission_page_says_it_waits_for_the_organizers_ground_truth(client, early):
    split, team, alice, _ = early
    submission = services.create_submission(team=team, split=split, user=alice, data=GOOD_TEST, entry_name="early")
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("submissions:detail", args=[submission.pk])).content.decode()
    assert "waits for the organizers' ground truth" in page
    status = client.get(reverse("submissions:status", args=[submission.pk])).json()
    assert status["status"] == "received" and status["waiting_for_ground_truth"] is True


def test_item12_the_organizer_is_told_the_waiting_uploads_are_scored_now(client, early):
    split, team, alice, _ = early
    services.create_submission(team=team, split=split, user=alice, data=GOOD_TEST, entry_name="early")
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:ground-truth", args=[split.task.year.slug, split.task.slug, split.name])
    response = client.post(url, {"labels": SimpleUploadedFile("labels.txt", labels_file(TEST_LABELS))}, follow=True)
    assert "1 upload that waited for it is scored now" in response.content.decode()
