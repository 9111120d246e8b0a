"""Organizers create and edit years and tasks in the site; the public sees published years only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.audit.models import AuditEntry
from challenge.competition.models import ChallengeYear, DeadlineChange, Split, Task
from tests.base import PASSWORD, ilsvrc2012


def year_form(**overrides):
    now = timezone.now()
    data = {
        "slug": "y2031", "title": "ILSVRC 2031", "description": "Hello **world** <script>alert(1)</script>",
        "rules": "* two a week", "terms_of_access": "Research only.", "class_set": ilsvrc2012().pk,
        "status": "draft", "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        "deadline": (now + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"),
        "results_at": (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "leaderboard_rows": "best", "excluded_display": "struck", "deadline_reason": "",
    }
    data.update(overrides)
    return data


def split_form(prefix, **overrides):
    data = {"n_images": "10", "quota_per_window": "2", "quota_window_days": "7", "quota_total": "",
            "visibility": "hidden", "public_subset_fraction": "0.3", "max_final_entries": "2"}
    data.update(overrides)
    return {f"{prefix}-{key}": value for key, value in data.items()}


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


@pytest.mark.django_db
def test_it_creates_a_draft_year_that_only_organizers_preview(organizer, client, world):
    response = organizer.post(reverse("organize:year-create"), year_form())
    assert response.status_code == 302
    year = ChallengeYear.objects.get(slug="y2031")
    assert year.status == "draft" and year.class_set.slug == "ilsvrc2012"
    assert AuditEntry.objects.filter(action="year.create", actor=world.olivia, year=year).exists()

    preview = organizer.get(reverse("challenge:year-detail", args=["y2031"]))
    assert preview.status_code == 200 and b"Draft" in preview.content
    assert b"<strong>world</strong>" in preview.content and b"<script>" not in preview.content

    client.logout()
    assert client.get(reverse("challenge:year-detail", args=["y2031"])).status_code == 404
    assert b"ILSVRC 2031" not in client.get(reverse("challenge:home")).content
    client.login(username="alice", password=PASSWORD)
    assert client.get(reverse("challenge:year-detail", args=["y2031"])).status_code == 404


@pytest.mark.django_db
def test_it_refuses_a_deadline_before_the_opening(organizer, world):
    now = timezone.now()
    response = organizer.post(reverse("organize:year-create"), year_form(
        deadline=(now - timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 200
    assert b"must come after the opening" in response.content
    assert not ChallengeYear.objects.filter(slug="y2031").exists()


@pytest.mark.django_db
def test_it_records_every_deadline_extension_and_publishes(organizer, client, world):
    organizer.post(reverse("organize:year-create"), year_form())
    year = ChallengeYear.objects.get(slug="y2031")
    new_deadline = (year.deadline + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = organizer.post(reverse("organize:year-edit", args=["y2031"]), year_form(
        status="published", deadline=new_deadline, deadline_reason="Server outage on Friday"))
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.status == "published"
    change = DeadlineChange.objects.filter(year=year).exclude(old_deadline=None).get()
    assert change.reason == "Server outage on Friday" and change.changed_by == world.olivia
    assert change.new_deadline == year.deadline and change.old_deadline < change.new_deadline
    entry = AuditEntry.objects.filter(action="year.update", year=year).get()
    assert "deadline" in entry.details["fields"] and "status" in entry.details["fields"]

    client.logout()
    public = client.get(reverse("challenge:year-detail", args=["y2031"]))
    assert public.status_code == 200 and b"Server outage on Friday" in public.content


@pytest.mark.django_db
def test_it_creates_and_edits_a_task_with_its_two_splits(organizer, world):
    url = reverse("organize:task-create", args=[world.year.slug])
    data = {"slug": "loc", "title": "Localization", "kind": "localization", "description": "", "position": "1",
            **split_form("val", visibility="immediate", labels_public="on", quota_per_window="20",
                         quota_window_days="1"),
            **split_form("test", visibility="public_subset", quota_total="40", max_final_entries="3")}
    assert organizer.post(url, data).status_code == 302
    task = Task.objects.get(year=world.year, slug="loc")
    assert task.kind == "localization"
    val, test = task.splits.get(name="val"), task.splits.get(name="test")
    assert (val.labels_public, val.quota_per_window, val.visibility) == (True, 20, "immediate")
    assert (test.quota_per_window, test.quota_window_days, test.quota_total) == (2, 7, 40)
    assert (test.visibility, test.max_final_entries) == (Split.Visibility.PUBLIC_SUBSET, 3)
    assert AuditEntry.objects.filter(action="task.create", target=str(task)).exists()

    data["test-quota_per_window"] = "5"
    edit = reverse("organize:task-edit", args=[world.year.slug, "loc"])
    assert organizer.post(edit, data).status_code == 302
    test.refresh_from_db()
    assert test.quota_per_window == 5 and task.splits.count() == 2


@pytest.mark.django_db
def test_it_refuses_a_duplicate_task_slug_and_a_bad_subset_fraction(organizer, world):
    url = reverse("organize:task-create", args=[world.year.slug])
    data = {"slug": "classification", "title": "Again", "kind": "classification", "position": "0",
            **split_form("val"), **split_form("test", visibility="public_subset", public_subset_fraction="1.5")}
    response = organizer.post(url, data)
    assert response.status_code == 200
    assert b"already has a task with this slug" in response.content
    assert b"Between 0 and 1" in response.content
    assert world.year.tasks.count() == 1


@pytest.mark.django_db
def test_it_shows_the_audit_log_to_organizers(organizer, world):
    organizer.post(reverse("organize:year-create"), year_form())
    page = organizer.get(reverse("organize:audit"))
    assert page.status_code == 200
    assert b"created the year" in page.content and b"olivia" in page.content
    assert b"created the year" in organizer.get(reverse("organize:dashboard")).content


@pytest.mark.django_db
def test_it_rebuilds_the_boards_when_a_ranking_setting_changes(organizer, world, django_capture_on_commit_callbacks):
    from submissions.leaderboards.models import LeaderboardBoard
    from submissions.services import create_submission
    from tests.base import VAL_LABELS, predictions_file, run_scoring_worker

    create_submission(team=world.alpha, split=world.val, user=world.alice,
                      data=predictions_file([[label] for label in VAL_LABELS]), entry_name="e")
    run_scoring_worker()
    before = {b.pk: b.built_at for b in LeaderboardBoard.objects.filter(split=world.val)}
    assert before
    data = year_form(slug=world.year.slug, title=world.year.title, status="published", leaderboard_rows="all",
                     opens_at=world.year.opens_at.strftime("%Y-%m-%dT%H:%M"),
                     deadline=world.year.deadline.strftime("%Y-%m-%dT%H:%M"),
                     results_at=world.year.results_at.strftime("%Y-%m-%dT%H:%M"))
    with django_capture_on_commit_callbacks(execute=True):
        assert organizer.post(reverse("organize:year-edit", args=[world.year.slug]), data).status_code == 302
    after = {b.pk: b.built_at for b in LeaderboardBoard.objects.filter(split=world.val)}
    assert after and all(after[pk] > built for pk, built in before.items() if pk in after)


@pytest.mark.django_db
def test_a_task_edit_rebuilds_its_splits_boards_after_the_commit(organizer, world, django_capture_on_commit_callbacks):
    from submissions.leaderboards.models import LeaderboardBoard

    def built():
        return dict(LeaderboardBoard.objects.filter(split__task=world.task).values_list("split_id", "built_at"))

    before = built()
    data = {"slug": world.task.slug, "title": world.task.title, "kind": world.task.kind, "description": "",
            "position": "0", **split_form("val", visibility="immediate", labels_public="on"),
            **split_form("test", visibility="hidden")}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = organizer.post(reverse("organize:task-edit", args=[world.year.slug, world.task.slug]), data)
    assert response.status_code == 302
    assert built() == before  # not before the commit: the rebuild must read the new settings
    for callback in callbacks:
        callback()
    assert set(built()) == set(world.task.splits.values_list("pk", flat=True))
