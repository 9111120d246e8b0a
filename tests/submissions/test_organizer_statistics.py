"""How the year is going: teams, people, submissions per day per split, refusals and why,
scoring times, quota refusals and the best score over time; as a page with SVG charts and as CSV."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from submissions import quotas
from submissions.models import RefusedUpload, Submission
from submissions.services import SubmissionNotAllowed, SubmissionRefused, create_submission, score_submission
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, make_user, predictions_file

PERFECT_VAL = predictions_file([[label] for label in VAL_LABELS])
HALF_VAL = predictions_file([[label] if i < 5 else [1000] for i, label in enumerate(VAL_LABELS)])
TEST_FILE = predictions_file([[label] for label in TEST_LABELS])


def upload(world, team, user, split, data, name, days_ago=0):
    submission = score_submission(submission_id=create_submission(
        team=team, split=split, user=user, data=data, entry_name=name).pk)
    when = timezone.now() - timedelta(days=days_ago)
    Submission.objects.filter(pk=submission.pk).update(created_at=when, claimed_at=when,
                                                       scored_at=when + timedelta(seconds=2))
    return submission


@pytest.fixture
def activity(world):
    upload(world, world.alpha, world.alice, world.val, HALF_VAL, "half", days_ago=2)
    upload(world, world.charlies_team, world.charlie, world.val, HALF_VAL, "c-half", days_ago=2)
    upload(world, world.alpha, world.bob, world.val, PERFECT_VAL, "perfect", days_ago=0)
    upload(world, world.alpha, world.alice, world.test, TEST_FILE, "test 1", days_ago=1)
    upload(world, world.alpha, world.alice, world.test, TEST_FILE, "test 2", days_ago=0)
    refusals = [
        dict(team=world.alpha, user=world.alice, split=world.test, data=TEST_FILE),  # the quota: 2 a week
        dict(team=world.alpha, user=world.alice, split=world.val, data=b"1\n2\n3\n"),  # too few lines
        dict(team=world.charlies_team, user=world.charlie, split=world.val, data=b"1\n"),  # too few lines
        dict(team=None, user=make_user("loner"), split=world.val, data=PERFECT_VAL),  # in no team
    ]
    for refused in refusals:
        with pytest.raises((quotas.QuotaExceeded, SubmissionRefused, SubmissionNotAllowed)):
            create_submission(entry_name="refused", **refused)


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


@pytest.mark.django_db
def test_it_counts_each_refused_upload_with_its_reason_and_nothing_of_the_file(world, activity):
    kinds = sorted(RefusedUpload.objects.values_list("kind", flat=True))
    assert kinds == ["invalid_file", "invalid_file", "not_allowed", "quota"]
    reasons = set(RefusedUpload.objects.filter(kind="invalid_file").values_list("reason", flat=True))
    assert len(reasons) == 1  # "found 3" and "found 1" are one reason
    assert "3" not in reasons.pop()


@pytest.mark.django_db
def test_the_page_shows_the_figures_and_two_charts(organizer, world, activity):
    response = organizer.get(reverse("organize:statistics", args=[world.year.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<dd id="fig-teams">2</dd>' in page and '<dd id="fig-people">3</dd>' in page
    assert '<dd id="fig-submissions">5</dd>' in page and '<dd id="fig-quota">1</dd>' in page
    assert "44.4%" in page  # 4 refused of 9 uploads
    assert '<dd id="fig-scoring">2.0 / 2.0 s</dd>' in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert '<title id="per-day-title">Submissions per day</title>' in page
    assert '<title id="best-score-title">Best error so far, per split (lower is better)</title>' in page
    assert "Classification · Validation" in page and "Classification · Test" in page
    assert "The file did not validate" in page and "The quota was used up" in page


@pytest.mark.django_db
def test_the_csv_holds_the_same_figures(organizer, world, activity):
    response = organizer.get(reverse("organize:statistics-csv", args=[world.year.slug]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="y2030-statistics.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    value = {(r["figure"], r["split"], r["key"]): r["value"] for r in rows}
    today, two_days_ago = timezone.now().date(), (timezone.now() - timedelta(days=2)).date()
    val, test = str(world.val), str(world.test)
    assert value[("teams", "", "")] == "2" and value[("people", "", "")] == "3"
    assert value[("submissions", "", "")] == "5" and value[("quota_refusals", "", "")] == "1"
    assert value[("refused_share", "", "")] == "0.44444"
    assert value[("submissions_per_day", val, two_days_ago.isoformat())] == "2"
    assert value[("submissions_per_day", val, (today - timedelta(days=1)).isoformat())] == "0"
    assert value[("submissions_per_day", test, today.isoformat())] == "1"
    # The best validation error: 0.5 (top-5) two days ago, then 0 with today's perfect file.
    assert value[("best_primary_error", val, two_days_ago.isoformat())] == "0.50000"
    assert value[("best_primary_error", val, today.isoformat())] == "0.00000"
    assert value[("scoring_p50", "", "")] == "2.0"
    assert value[("refused_uploads", val, "invalid_file")] == "2"


@pytest.mark.django_db
def test_it_is_for_organizers_only(client, world):
    url = reverse("organize:statistics", args=[world.year.slug])
    csv_url = reverse("organize:statistics-csv", args=[world.year.slug])
    assert client.get(url).status_code == 302
    client.login(username="alice", password=PASSWORD)
    assert client.get(url).status_code == 403 and client.get(csv_url).status_code == 403


@pytest.mark.django_db
def test_a_year_without_activity_says_so(organizer, world):
    page = organizer.get(reverse("organize:statistics", args=[world.year.slug])).content.decode()
    assert "No submissions yet." in page and "No upload was refused." in page and "<svg" not in page
