"""Organizer forms ask only for what applies, and the server ignores or refuses what does not.

The browser side (fields shown and hidden as choices change) is in test_browser_organizer_forms.py.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.competition.models import DeadlineChange, GroundTruth, Split, Task
from submissions.models import RescoringJob
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, labels_file, make_task
from tests.competition.test_organizer_years import split_form, year_form


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


def task_data(**overrides):
    data = {"slug": "cls2", "title": "Second", "kind": "classification", "description": "", "position": "1",
            **split_form("val", visibility="immediate", labels_public="on"), **split_form("test")}
    data.update(overrides)
    return data


def year_edit_data(year, **overrides):
    values = dict(slug=year.slug, title=year.title, status="published",
                  opens_at=year.opens_at.strftime("%Y-%m-%dT%H:%M"), deadline=year.deadline.strftime("%Y-%m-%dT%H:%M"),
                  results_at=year.results_at.strftime("%Y-%m-%dT%H:%M"))
    return year_form(**{**values, **overrides})


@pytest.mark.django_db
def test_it_asks_whether_labels_are_public_on_the_validation_split_only(organizer, world):
    page = organizer.get(reverse("organize:task-create", args=[world.year.slug])).content.decode()
    assert 'name="val-labels_public"' in page
    assert 'name="test-labels_public"' not in page

    response = organizer.post(reverse("organize:task-create", args=[world.year.slug]),
                              task_data(**{"test-labels_public": "on"}))
    assert response.status_code == 302
    test = Split.objects.get(task__slug="cls2", name="test")
    assert test.labels_public is False  # a forged value for the test split is ignored


@pytest.mark.django_db
def test_it_ignores_the_subset_fraction_unless_the_split_uses_a_public_subset(organizer, world):
    url = reverse("organize:task-create", args=[world.year.slug])
    # Hidden visibility: the fraction does not apply, so even an impossible value is ignored.
    response = organizer.post(url, task_data(**{"test-public_subset_fraction": "1.5"}))
    assert response.status_code == 302
    test = Split.objects.get(task__slug="cls2", name="test")
    assert test.public_subset_fraction == pytest.approx(0.3)

    edit = reverse("organize:task-edit", args=[world.year.slug, "cls2"])
    response = organizer.post(edit, task_data(**{"test-visibility": "public_subset", "test-public_subset_fraction": "0.25"}))
    assert response.status_code == 302
    test.refresh_from_db()
    assert (test.visibility, test.public_subset_fraction) == ("public_subset", pytest.approx(0.25))

    # Back to hidden: the stored fraction stays as it was, whatever the form sends.
    organizer.post(edit, task_data(**{"test-visibility": "hidden", "test-public_subset_fraction": "0.9"}))
    test.refresh_from_db()
    assert (test.visibility, test.public_subset_fraction) == ("hidden", pytest.approx(0.25))


@pytest.mark.django_db
def test_it_requires_a_fraction_when_the_split_uses_a_public_subset(organizer, world):
    response = organizer.post(reverse("organize:task-create", args=[world.year.slug]), task_data(
        **{"test-visibility": "public_subset", "test-public_subset_fraction": ""}))
    assert response.status_code == 200
    assert b"A public subset needs its fraction" in response.content
    assert not Task.objects.filter(slug="cls2").exists()


@pytest.mark.django_db
def test_it_marks_the_fraction_as_shown_only_for_a_public_subset(organizer, world):
    page = organizer.get(reverse("organize:task-create", args=[world.year.slug])).content.decode()
    assert 'data-show-when="id_test-visibility=public_subset"' in page
    assert 'data-show-when="id_val-visibility=public_subset"' in page


@pytest.mark.django_db
def test_it_offers_the_boxes_file_for_localization_tasks_only(organizer, world):
    cls = reverse("organize:ground-truth", args=[world.year.slug, world.task.slug, "test"])
    assert b"Boxes" not in organizer.get(cls).content
    make_task(world.year, "loc", kind=Task.Kind.LOCALIZATION, val_labels=[1, 2])
    loc = reverse("organize:ground-truth", args=[world.year.slug, "loc", "val"])
    assert b'name="boxes"' in organizer.get(loc).content


@pytest.mark.django_db
def test_the_new_year_form_does_not_ask_for_a_deadline_change_reason(organizer, world):
    page = organizer.get(reverse("organize:year-create")).content.decode()
    assert "deadline_reason" not in page and "Reason for a deadline change" not in page
    edit = organizer.get(reverse("organize:year-edit", args=[world.year.slug])).content.decode()
    assert 'name="deadline_reason"' in edit and 'data-show-when-changed="id_deadline"' in edit


@pytest.mark.django_db
def test_a_changed_deadline_needs_its_reason(organizer, world):
    url = reverse("organize:year-edit", args=[world.year.slug])
    later = (world.year.deadline + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = organizer.post(url, year_edit_data(world.year, deadline=later, deadline_reason=""))
    assert response.status_code == 200
    assert b"Say why the deadline changes" in response.content
    assert not DeadlineChange.objects.filter(year=world.year).exists()


@pytest.mark.django_db
def test_a_reason_without_a_deadline_change_is_ignored(organizer, world):
    url = reverse("organize:year-edit", args=[world.year.slug])
    response = organizer.post(url, year_edit_data(world.year, deadline_reason="nothing moved"))
    assert response.status_code == 302
    assert not DeadlineChange.objects.filter(year=world.year).exists()


def _post_truth(client, split, labels: bytes):
    url = reverse("organize:ground-truth", args=[split.task.year.slug, split.task.slug, split.name])
    return client.post(url, {"labels": SimpleUploadedFile("labels.txt", labels)})


@pytest.mark.django_db
def test_it_refuses_ground_truth_identical_to_the_current_version(organizer, world):
    response = _post_truth(organizer, world.test, labels_file(TEST_LABELS))
    assert response.status_code == 400
    assert b"identical to the current ground truth" in response.content
    assert GroundTruth.objects.filter(split=world.test).count() == 1
    assert not RescoringJob.objects.exists()


@pytest.mark.django_db
def test_the_first_upload_of_a_split_queues_no_empty_rescoring(organizer, world):
    task = make_task(world.year, "fresh", val_labels=VAL_LABELS)
    val = task.splits.get(name="val")
    val.ground_truths.all().delete()
    assert _post_truth(organizer, val, labels_file(VAL_LABELS)).status_code == 302
    assert val.current_ground_truth is not None
    assert not RescoringJob.objects.exists()
