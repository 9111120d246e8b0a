"""Hidden ground truth: validated against the class set and the number of images, stored privately, committed publicly."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.audit.models import AuditEntry
from challenge.competition.models import GroundTruth, Split, Task
from tests.base import PASSWORD, TEST_LABELS, labels_file, make_task

NEW_TEST_LABELS = [1, 1, 1, 1, 1, 2, 2, 2, 2, 2]


def post_truth(client, split, labels: bytes, **files):
    url = reverse("organize:ground-truth", args=[split.task.year.slug, split.task.slug, split.name])
    data = {"labels": SimpleUploadedFile("labels.txt", labels)}
    data.update({name: SimpleUploadedFile(f"{name}.txt", content) for name, content in files.items()})
    return client.post(url, data)


@pytest.fixture
def organizer(client, world):
    client.login(username="olivia", password=PASSWORD)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("labels, expected", [
    (labels_file([1, 2, 3]), b"expected 10 lines (one per image, in image order), found 3"),
    (labels_file([1, 2, 3, 4, 5, 6, 7, 8, 9, 1001]), b"line 10"),
    (labels_file([0, 2, 3, 4, 5, 6, 7, 8, 9, 10]), b"line 1"),
    (b"1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n", b"line 4"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), b"labels file, line 3: NUL byte"),
])
def test_it_refuses_bad_ground_truth_with_line_numbered_errors(organizer, world, labels, expected):
    before = world.test.current_ground_truth
    response = post_truth(organizer, world.test, labels)
    assert response.status_code == 400
    assert b"The ground truth was not stored" in response.content
    assert expected in response.content
    assert world.test.current_ground_truth == before
    assert GroundTruth.objects.filter(split=world.test).count() == 1


@pytest.mark.django_db
def test_it_ignores_boxes_for_a_classification_task_and_refuses_a_bad_blacklist(organizer, world):
    # The form of a classification task has no boxes field: a boxes file sent anyway is not stored.
    response = post_truth(organizer, world.test, labels_file(NEW_TEST_LABELS), boxes=b"ImageId,PredictionString\n")
    assert response.status_code == 302 and world.test.current_ground_truth.boxes_key == ""
    response = post_truth(organizer, world.test, labels_file(TEST_LABELS), blacklist=b"3\n11\n")
    assert response.status_code == 400 and b"blacklist file, line 2" in response.content


@pytest.mark.django_db
def test_it_requires_boxes_for_localization_and_checks_them(organizer, world):
    task = make_task(world.year, "loc", kind=Task.Kind.LOCALIZATION, val_labels=[1, 2])
    task.splits.get(name="val").ground_truths.all().delete()
    val = task.splits.get(name="val")
    assert b"needs the boxes file" in post_truth(organizer, val, labels_file([1, 2])).content
    bad = b"ImageId,PredictionString\nILSVRC2012_val_00000001,1 10 10 50 50\nILSVRC2012_val_00000003,2 1 1 5 5\n"
    assert post_truth(organizer, val, labels_file([1, 2]), boxes=bad).status_code == 400
    good = b"ImageId,PredictionString\nILSVRC2012_val_00000001,1 10 10 50 50\nILSVRC2012_val_00000002,2 1 1 5 5\n"
    assert post_truth(organizer, val, labels_file([1, 2]), boxes=good).status_code == 302
    stored = val.current_ground_truth
    assert stored.boxes_sha256 == hashlib.sha256(good).hexdigest()


@pytest.mark.django_db
def test_it_stores_a_replacement_privately_and_keeps_the_old_version(organizer, world, private_storage):
    old = world.test.current_ground_truth
    new_labels = labels_file(NEW_TEST_LABELS)
    response = post_truth(organizer, world.test, new_labels)
    assert response.status_code == 302
    new = world.test.current_ground_truth
    assert new.labels_sha256 == hashlib.sha256(new_labels).hexdigest() and new != old
    old.refresh_from_db()
    assert not old.is_current
    assert (private_storage / new.labels_key).read_bytes() == new_labels
    entry = AuditEntry.objects.get(action="ground_truth.replace")
    assert entry.actor == world.olivia and entry.details["previous_sha256"] == old.labels_sha256
    assert new_labels.decode() not in str(entry.details)


@pytest.mark.django_db
def test_it_publishes_the_test_commitment_only_once_the_year_is_published(client, world):
    commitment = world.test.current_ground_truth.labels_sha256
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert commitment in page
    val_commitment = world.val.current_ground_truth.labels_sha256
    assert val_commitment not in page  # only the test split's is promised
    world.year.status = "draft"
    world.year.save()
    client.login(username="olivia", password=PASSWORD)
    assert commitment not in client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()


@pytest.mark.django_db
def test_it_never_shows_hidden_labels_on_any_page(client, world):
    hidden = labels_file(TEST_LABELS).decode()
    client.login(username="olivia", password=PASSWORD)
    pages = [
        reverse("organize:year", args=[world.year.slug]),
        reverse("organize:ground-truth", args=[world.year.slug, "classification", "test"]),
        reverse("organize:audit"), reverse("challenge:year-detail", args=[world.year.slug]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert hidden not in body and world.test.current_ground_truth.labels_key not in body, url
    assert Split.objects.get(pk=world.test.pk).current_ground_truth.labels_key.startswith("ground-truth/")
