"""Issue 23, item 11: a hosted data file never serves hidden ground truth, whichever way it was
made (the organizers' upload and registration, the Django admin, a row written by hand)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from challenge.competition.ground_truth import replace_ground_truth
from challenge.datafiles.models import DataFile, TermsAcceptance
from tests.base import PASSWORD, TEST_LABELS, VAL_LABELS, labels_file

pytestmark = pytest.mark.django_db

HOSTED = b"devkit readme\n"


@pytest.fixture
def hosted(client, world):
    """A data file an organizer uploaded, and alice (a team member) who accepted the terms."""
    client.login(username="olivia", password=PASSWORD)
    assert client.post(reverse("organize:data-files", args=[world.year.slug]), {
        "upload-title": "Readme", "upload-description": "",
        "upload-file": SimpleUploadedFile("readme.txt", HOSTED)}).status_code == 302
    client.logout()
    TermsAcceptance.objects.create(user=world.alice, year=world.year)
    return DataFile.objects.get(year=world.year)


@pytest.fixture
def admin_client(client):
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    client.login(username="root", password=PASSWORD)
    return client


def _download(client, data_file):
    client.logout()
    client.login(username="alice", password=PASSWORD)
    url = reverse("datafiles:download", args=[data_file.year.slug, data_file.pk, data_file.filename])
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, body


def _admin_fields(data_file: DataFile, **changes) -> dict:
    fields = {"year": data_file.year_id, "title": data_file.title, "description": data_file.description,
              "filename": data_file.filename, "storage_key": data_file.storage_key,
              "position": data_file.position, "created_by": "", "created_at_0": "2030-01-01",
              "created_at_1": "12:00:00"}
    return {**fields, **changes}


def test_item11_the_admin_refuses_a_ground_truth_key_and_the_download_never_gives_the_labels(
        world, hosted, admin_client):
    labels_key = world.test.current_ground_truth.labels_key
    change = reverse("admin:datafiles_datafile_change", args=[hosted.pk])
    response = admin_client.post(change, _admin_fields(hosted, storage_key=labels_key))
    assert response.status_code == 200 and b"under data/" in response.content
    hosted.refresh_from_db()
    assert hosted.storage_key != labels_key

    status, body = _download(admin_client, hosted)
    assert status == 200 and body == HOSTED and body != labels_file(TEST_LABELS)


def test_item11_the_admin_cannot_add_a_data_file_over_ground_truth(admin_client, world):
    labels_key = world.test.current_ground_truth.labels_key
    add = reverse("admin:datafiles_datafile_add")
    template = DataFile(year=world.year, title="Answers", filename="answers.txt", storage_key=labels_key)
    response = admin_client.post(add, _admin_fields(template))
    assert response.status_code == 200 and b"under data/" in response.content
    assert not DataFile.objects.exists()


def test_item11_a_row_pointing_at_ground_truth_is_refused_at_download(client, world):
    """A row written outside every form (the shell, a fixture): the download refuses it."""
    TermsAcceptance.objects.create(user=world.alice, year=world.year)
    truth = world.test.current_ground_truth
    row = DataFile.objects.create(year=world.year, title="Oops", filename="oops.txt", storage_key=truth.labels_key,
                                  size=10, sha256="0" * 64)
    status, body = _download(client, row)
    assert status == 404 and labels_file(TEST_LABELS) not in body


def test_item11_a_copy_of_hidden_ground_truth_is_refused_everywhere_with_a_message(admin_client, world):
    answers = labels_file(TEST_LABELS)  # the hidden test split's labels, byte for byte
    # The organizers' upload.
    response = admin_client.post(reverse("organize:data-files", args=[world.year.slug]), {
        "upload-title": "Answers", "upload-description": "", "upload-file": SimpleUploadedFile("a.txt", answers)})
    assert response.status_code == 400 and b"hidden ground truth" in response.content
    folder = f"data/uploads/{world.year.pk}/"
    assert not default_storage.exists(folder) or default_storage.listdir(folder)[1] == []  # nothing left behind
    # The organizers' registration of a key under data/.
    key = default_storage.save("data/copied-answers.txt", ContentFile(answers))
    response = admin_client.post(reverse("organize:data-files", args=[world.year.slug]), {
        "register-title": "Answers", "register-description": "", "register-storage_key": key,
        "register-filename": ""})
    assert response.status_code == 400 and b"hidden ground truth" in response.content
    # The Django admin, with the same key.
    template = DataFile(year=world.year, title="Answers", filename="answers.txt", storage_key=key)
    response = admin_client.post(reverse("admin:datafiles_datafile_add"), _admin_fields(template))
    assert response.status_code == 200 and b"hidden ground truth" in response.content
    assert not DataFile.objects.exists()


def test_item11_an_older_version_boxes_and_blacklists_count_too(admin_client, world):
    old = labels_file(TEST_LABELS)
    replace_ground_truth(split=world.test, labels=labels_file(list(reversed(TEST_LABELS))),
                         blacklist=b"3\n")
    for content in (old, b"3\n"):
        key = default_storage.save("data/copy.txt", ContentFile(content))
        response = admin_client.post(reverse("organize:data-files", args=[world.year.slug]), {
            "register-title": "Copy", "register-description": "", "register-storage_key": key,
            "register-filename": ""})
        assert response.status_code == 400 and b"hidden ground truth" in response.content
    assert not DataFile.objects.exists()


def test_item11_published_validation_labels_may_still_be_hosted(admin_client, world):
    assert world.val.labels_public
    response = admin_client.post(reverse("organize:data-files", args=[world.year.slug]), {
        "upload-title": "Validation labels", "upload-description": "",
        "upload-file": SimpleUploadedFile("val.txt", labels_file(VAL_LABELS))})
    assert response.status_code == 302 and DataFile.objects.filter(filename="val.txt").exists()


def test_item11_a_hosted_file_that_became_hidden_ground_truth_is_not_served(client, world, hosted):
    """Ground truth uploaded after the data file, with the same bytes: the download refuses it."""
    replace_ground_truth(split=world.test, labels=HOSTED)
    status, body = _download(client, hosted)
    assert status == 404 and body != HOSTED


def test_item11_the_admin_still_adds_a_hosted_file_with_its_size_and_sha256(admin_client, world):
    key = default_storage.save("data/ILSVRC2030_devkit.tar", ContentFile(b"x" * 300))
    template = DataFile(year=world.year, title="Devkit", filename="devkit.tar", storage_key=key)
    response = admin_client.post(reverse("admin:datafiles_datafile_add"), _admin_fields(template))
    assert response.status_code == 302
    added = DataFile.objects.get()
    assert (added.storage_key, added.size) == (key, 300) and len(added.sha256) == 64
    renamed = admin_client.post(reverse("admin:datafiles_datafile_change", args=[added.pk]),
                                _admin_fields(added, title="Development kit"))
    assert renamed.status_code == 302 and DataFile.objects.get().title == "Development kit"
