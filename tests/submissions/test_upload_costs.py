"""Issue 23, items 1-2 (the service side): a team with no slot left makes the server parse
nothing, and a web worker validates at most VALIDATIONS_PER_WORKER files at once; beyond that an
upload is answered 503 with Retry-After, nothing stored, nothing counted."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from submissions import quotas, services
from submissions.errors import ValidationsBusy
from submissions.models import RefusedUpload, Submission
from tests.base import PASSWORD, TEST_LABELS, make_world, predictions_file

GOOD_TEST = predictions_file([[label] for label in TEST_LABELS])
# Ten lines, every one of them bad: a parser that reads it refuses it.
BAD_TEST = b"cat\n" * 10


class CountedReads(ContentFile):
    """An upload that counts how often its bytes are read (the parser reads; the quota does not)."""

    reads = 0

    def read(self, *args, **kwargs):
        self.reads += 1
        return super().read(*args, **kwargs)


class HeldUpload(ContentFile):
    """An upload whose first read waits until the test lets it go: a validation in progress."""

    def __init__(self, content: bytes, *, started: threading.Event, release: threading.Event):
        super().__init__(content, name="held.txt")
        self.started, self.release = started, release

    def read(self, *args, **kwargs):
        self.started.set()
        assert self.release.wait(timeout=30), "the test never let the upload go"
        return super().read(*args, **kwargs)


def _use_up_the_test_quota(world) -> None:
    for user in (world.alice, world.bob):
        services.create_submission(team=world.alpha, split=world.test, user=user, data=GOOD_TEST, entry_name="e")


# ---------------------------------------------------------------- item 1: the quota before the parser

@pytest.mark.django_db
def test_item1_a_team_without_a_slot_is_refused_before_its_file_is_parsed(world):
    _use_up_the_test_quota(world)
    upload = CountedReads(BAD_TEST, name="bad.txt")
    with pytest.raises(quotas.QuotaExceeded):
        services.create_submission(team=world.alpha, split=world.test, user=world.alice, data=upload,
                                   entry_name="hostile")
    assert upload.reads == 0
    assert Submission.objects.filter(split=world.test).count() == 2
    assert list(RefusedUpload.objects.values_list("kind", flat=True)) == [RefusedUpload.Kind.QUOTA]


@pytest.mark.django_db
def test_item1_the_api_answers_429_not_400_to_a_bad_file_over_quota(world):
    _use_up_the_test_quota(world)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.alice).key}")
    response = client.post("/api/submissions/", {
        "year": world.year.slug, "task": "classification", "split": "test",
        "file": SimpleUploadedFile("bad.txt", BAD_TEST), "entry": "hostile"}, format="multipart")
    assert response.status_code == 429
    assert "quota is used up" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_item1_a_team_with_a_slot_still_gets_its_files_line_errors(world):
    with pytest.raises(services.SubmissionRefused) as refused:
        services.create_submission(team=world.alpha, split=world.test, user=world.alice, data=BAD_TEST,
                                   entry_name="e")
    assert refused.value.errors[0][0] == 1


# ---------------------------------------------------------------- item 2: validations at once per worker

def _hold_validations(world, count: int):
    """`count` uploads of alice's team, each stopped inside its validation, in threads; returns
    (the threads, the event that lets them go, what each ended with)."""
    release, outcomes = threading.Event(), []

    def upload(started: threading.Event) -> None:
        try:
            services.create_submission(team=world.alpha, split=world.val, user=world.alice, entry_name="held",
                                       data=HeldUpload(predictions_file([[1]] * 10), started=started,
                                                       release=release))
            outcomes.append("created")
        except Exception as exc:  # noqa: BLE001 - asserted below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = []
    for _ in range(count):
        started = threading.Event()
        threads.append(threading.Thread(target=upload, args=(started,)))
        threads[-1].start()
        assert started.wait(timeout=30), "an upload never reached its validation"
    return threads, release, outcomes


def _finish(threads, release) -> None:
    release.set()
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.django_db(transaction=True)
def test_item2_a_third_validation_at_once_is_refused_busy_and_costs_nothing(settings):
    settings.VALIDATIONS_PER_WORKER = 2
    world = make_world()
    threads, release, outcomes = _hold_validations(world, 2)
    try:
        with pytest.raises(ValidationsBusy) as busy:
            services.create_submission(team=world.charlies_team, split=world.val, user=world.charlie,
                                       data=predictions_file([[1]] * 10), entry_name="third")
        assert busy.value.retry_after > 0 and "try again" in str(busy.value)
        assert not Submission.objects.filter(team=world.charlies_team).exists()
    finally:
        _finish(threads, release)
    assert outcomes == ["created", "created"]
    assert not RefusedUpload.objects.exists()
    # The slots are free again: the next upload is validated as usual.
    services.create_submission(team=world.charlies_team, split=world.val, user=world.charlie,
                               data=predictions_file([[1]] * 10), entry_name="later")


@pytest.mark.django_db(transaction=True)
def test_item2_the_api_and_the_submit_page_answer_503_with_retry_after(settings, client):
    settings.VALIDATIONS_PER_WORKER = 1
    world = make_world()
    threads, release, _ = _hold_validations(world, 1)
    try:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=world.charlie).key}")
        response = api.post("/api/submissions/", {
            "year": world.year.slug, "task": "classification", "split": "val",
            "file": SimpleUploadedFile("p.txt", predictions_file([[1]] * 10)), "entry": "api"}, format="multipart")
        assert response.status_code == 503 and int(response["Retry-After"]) > 0
        assert "checking other uploads" in response.json()["errors"][0]["message"]

        client.login(username="charlie", password=PASSWORD)
        page = client.post(reverse("submissions:submit", args=[world.year.slug]), {
            "split": world.val.pk, "entry_name": "page", "file": SimpleUploadedFile("p.txt", predictions_file([[1]] * 10))})
        assert page.status_code == 503 and int(page["Retry-After"]) > 0
        assert "checking other uploads" in page.content.decode()
        assert not Submission.objects.filter(team=world.charlies_team).exists()
    finally:
        _finish(threads, release)
    assert not RefusedUpload.objects.exists()
