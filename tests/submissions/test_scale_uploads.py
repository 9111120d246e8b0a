"""Large uploads through the site: gzip prediction and ground-truth files, decompression bombs,
uploads streamed to storage (never whole in memory), and size limits that follow each split's
number of images (API and submit form; PostgreSQL; local disk and S3)."""

import gzip
import hashlib
import tracemalloc

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse
from rest_framework.authtoken.models import Token

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import Split, Task
from challenge.storage import read_private_file
from submissions import scoring
from submissions.ground_truth import scoring_class_set
from submissions.models import Submission
from tests.base import PASSWORD, labels_file, make_task, predictions_file, run_scoring_worker
from tests.detection_site import expected_result, set_up_detection_task, submit_by_api
from tests.datafiles.test_downloads import s3_storage  # noqa: F401  (a fixture: private storage on moto's S3)

pytestmark = pytest.mark.django_db

N_IMAGES = 2_000
LABELS = np.random.default_rng(0).integers(1, 1001, N_IMAGES)


def guesses(seed: int, hits: float = 0.6) -> bytes:
    """Five guesses per image, the label among them for about `hits` of the images."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(1, 1001, (N_IMAGES, 5))
    right = rng.random(N_IMAGES) < hits
    rows[right, rng.integers(0, 5, N_IMAGES)[right]] = LABELS[right]
    return predictions_file(rows.tolist())


@pytest.fixture
def big(world):
    """A classification task of the open year whose validation split has N_IMAGES images."""
    return make_task(world.year, "big", val_labels=LABELS.tolist()).splits.get(name="val")


def api_upload(world, content: bytes, *, task="big", name="preds.txt.gz", entry="api"):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=world.alice)[0].key}")
    return client.post("/api/submissions/", {"year": world.year.slug, "task": task, "split": "val",
                                             "file": SimpleUploadedFile(name, content), "entry": entry},
                       format="multipart")


def form_upload(client, world, split, content: bytes, *, name="preds.txt.gz", entry="form"):
    client.login(username="alice", password=PASSWORD)
    return client.post(reverse("submissions:submit", args=[world.year.slug]),
                       {"split": split.pk, "entry_name": entry, "file": SimpleUploadedFile(name, content)})


def scores_of(pk: int) -> tuple:
    score = Submission.objects.get(pk=pk).current_score
    return score.top1_error, score.top5_error, bytes(score.top1_bits), bytes(score.top5_bits)


def test_a_gzip_upload_through_the_api_is_stored_as_its_text_and_scores_like_the_plain_file(world, big):
    plain = guesses(1)
    packed = api_upload(world, gzip.compress(plain), name="whatever.bin")  # found by its bytes, not its name
    same = api_upload(world, plain, name="preds.txt", entry="plain")
    assert packed.status_code == 201 and same.status_code == 201, packed.json()
    stored = Submission.objects.get(pk=packed.json()["id"])
    assert stored.file_sha256 == hashlib.sha256(plain).hexdigest() == same.json()["file_sha256"]
    assert stored.file_size == len(plain) and read_private_file(stored.file_key) == plain
    run_scoring_worker()
    assert scores_of(stored.pk) == scores_of(same.json()["id"])
    assert 0.3 < Submission.objects.get(pk=stored.pk).current_score.top5_error < 0.5


def test_a_gzip_upload_through_the_submit_form_scores_like_the_plain_file(client, world, big):
    plain = guesses(2)
    packed = form_upload(client, world, big, gzip.compress(plain))
    same = form_upload(client, world, big, plain, name="preds.txt", entry="plain")
    assert packed.status_code == 302 and same.status_code == 302
    first, second = Submission.objects.order_by("pk")
    assert first.file_sha256 == second.file_sha256 == hashlib.sha256(plain).hexdigest()
    run_scoring_worker()
    assert scores_of(first.pk) == scores_of(second.pk)
    # The team downloads the text that was scored, streamed from storage.
    download = client.get(reverse("submissions:file", args=[first.pk]))
    assert b"".join(download.streaming_content) == plain


def test_a_gzip_upload_on_s3_storage_is_stored_and_scored(s3_storage, world, big):  # noqa: F811
    # (s3_storage first: the ground truth the fixtures store goes to the bucket too)
    plain = guesses(3)
    response = api_upload(world, gzip.compress(plain))
    assert response.status_code == 201
    run_scoring_worker()
    submission = Submission.objects.get(pk=response.json()["id"])
    assert submission.status == "scored" and read_private_file(submission.file_key) == plain


@pytest.mark.parametrize("path", ["api", "form"])
def test_a_gzip_bomb_is_refused_with_a_clear_message_and_costs_no_quota(client, world, big, path):
    bomb = gzip.compress(b"1 2 3 4 5\n" * 2_000_000, 9)  # 20 MB of text in about 20 KB
    limit = scoring.max_upload_bytes("classification", N_IMAGES)
    assert len(bomb) < limit < 20_000_000
    if path == "api":
        response = api_upload(world, bomb)
        assert response.status_code == 400
        [error] = response.json()["errors"]
        message = error["message"]
    else:
        response = form_upload(client, world, big, bomb)
        assert response.status_code == 400
        message = response.content.decode()
    assert f"decompresses to more than {limit:,} bytes" in message
    assert not Submission.objects.exists()
    # The whole quota is still there: ten accepted uploads a day on this split.
    for n in range(10):
        assert api_upload(world, gzip.compress(guesses(n)), entry=f"after {n}").status_code == 201


def test_broken_gzip_is_refused_with_a_clear_message(world, big):
    data = gzip.compress(guesses(4))
    response = api_upload(world, data[: len(data) // 2])
    assert response.status_code == 400
    assert "truncated" in response.json()["errors"][0]["message"]
    assert not Submission.objects.exists()


def test_bad_lines_of_a_gzip_file_are_named_like_those_of_a_plain_file(world, big):
    lines = guesses(5).split(b"\n")
    lines[1233] = b"1 2 0"
    lines[1500] = b"1,2,3"
    bad = b"\n".join(lines)
    packed, plain = api_upload(world, gzip.compress(bad)), api_upload(world, bad, name="preds.txt")
    assert packed.status_code == plain.status_code == 400
    assert packed.json() == plain.json()
    assert {1234, 1501} <= {error["line"] for error in packed.json()["errors"]}


@pytest.mark.parametrize("path", ["api", "form"])
def test_a_streamed_upload_is_stored_and_scored_without_the_whole_file_in_memory(world, settings, path):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
    n_images = 1_000_000
    labels = np.random.default_rng(6).integers(1, 1001, n_images)
    split = make_task(world.year, "huge", val_labels=labels.tolist()).splits.get(name="val")
    others = np.random.default_rng(7).integers(1, 1001, (n_images, 4))
    plain = predictions_file(np.column_stack([labels, others]).tolist())
    content = gzip.compress(plain, 1) if path == "api" else plain
    fields = {"file": SimpleUploadedFile("big.txt", content)}
    if path == "api":
        fields |= {"year": world.year.slug, "task": "huge", "split": "val", "entry": "big"}
        token = Token.objects.get_or_create(user=world.alice)[0].key
        request = RequestFactory().post("/api/submissions/", fields, HTTP_AUTHORIZATION=f"Token {token}")
    else:
        fields |= {"split": split.pk, "entry_name": "big"}
        request = RequestFactory().post(reverse("submissions:submit", args=[world.year.slug]), fields)
        request.user = world.alice
    match = resolve(request.path)
    scoring_class_set(world.year.class_set)  # built once per process (about 5 MB), not per upload
    tracemalloc.start()  # the request's body was built before: only what the view allocates counts
    response = match.func(request, *match.args, **match.kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    request.close()  # as the handler does once the response is sent
    assert response.status_code in (201, 302), getattr(response, "data", response)
    assert isinstance(request.FILES["file"], TemporaryUploadedFile)  # Django spooled it to disk
    # A piece read, a window of lines and the parser's working arrays (about 6 MB), never the file.
    assert peak < len(plain) / 2, f"peak {peak:,} bytes for a {len(plain):,}-byte file"
    submission = Submission.objects.get()
    assert submission.file_sha256 == hashlib.sha256(plain).hexdigest() and submission.file_size == len(plain)
    run_scoring_worker()
    score = Submission.objects.get().current_score
    assert score.top1_error == 0.0 and score.images == n_images
    print(f"[memory] {path}: view peak {peak:,} bytes for {len(plain):,} bytes of text")


def test_a_file_just_above_a_small_splits_limit_is_refused_before_it_is_read(world):
    limit = scoring.max_upload_bytes("classification", world.val.n_images)
    response = api_upload(world, b"x" * (limit + 1), task="classification", name="preds.txt")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        f"The file is {limit + 1:,} bytes; this task accepts at most {limit:,}.")
    assert not Submission.objects.exists()


def test_a_request_no_split_could_accept_is_refused_unread_and_a_larger_split_raises_the_ceiling(world, settings):
    largest = scoring.max_upload_bytes("classification", world.val.n_images)
    content = b"1\n" * ((largest + settings.DATA_UPLOAD_MAX_MEMORY_SIZE) // 2 + 1000)  # beyond it with the fields
    response = api_upload(world, content, task="classification", name="preds.txt")
    assert response.status_code == 413 and "larger than this site accepts" in response.json()["errors"][0]["message"]
    task = Task.objects.create(year=world.year, slug="wide", title="Wide", kind=Task.Kind.CLASSIFICATION)
    Split.objects.create(task=task, name=Split.Name.VAL, n_images=100_000, labels_public=True)
    # Now some split could take it: it reaches the service, which applies the chosen split's own limit.
    response = api_upload(world, content, task="classification", name="preds.txt")
    assert response.status_code == 400 and "this task accepts at most" in response.json()["errors"][0]["message"]


@pytest.mark.slow
def test_a_file_far_above_the_old_64_mib_limit_is_accepted_by_a_large_split(world):
    n_images = 4_000_000
    task = Task.objects.create(year=world.year, slug="scale", title="Scale", kind=Task.Kind.CLASSIFICATION)
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=n_images, labels_public=True)
    replace_ground_truth(split=split, labels=b"1\n" * n_images)
    plain = b"1000 999 998 997 1\n" * n_images
    assert len(plain) > 64 * 2**20 + 2**20
    response = api_upload(world, plain, task="scale", name="preds.txt")
    assert response.status_code == 201, response.json()
    run_scoring_worker()
    score = Submission.objects.get().current_score
    assert (score.top1_error, score.top5_error) == (1.0, 0.0)


def organizer_upload(client, world, split, **files):
    client.login(username="olivia", password=PASSWORD)
    url = reverse("organize:ground-truth", args=[world.year.slug, split.task.slug, split.name])
    return client.post(url, {name: SimpleUploadedFile(f"{name}.gz", data) for name, data in files.items()})


def test_ground_truth_may_be_gzip_and_is_committed_to_as_its_text(client, world, big):
    new_labels = labels_file((LABELS % 1000 + 1).tolist())
    response = organizer_upload(client, world, big, labels=gzip.compress(new_labels))
    assert response.status_code == 302
    current = Split.objects.get(pk=big.pk).current_ground_truth
    assert current.labels_sha256 == hashlib.sha256(new_labels).hexdigest()
    assert read_private_file(current.labels_key) == new_labels
    # The same labels again, plain this time, are the same version: refused, nothing rescored.
    again = organizer_upload(client, world, big, labels=new_labels)
    assert again.status_code == 400 and "identical to the current ground truth" in again.content.decode()


def test_a_ground_truth_bomb_is_refused_and_nothing_is_stored(client, world, big):
    before = big.current_ground_truth
    bomb = gzip.compress(b"1\n" * 10_000_000, 9)
    limit = scoring.max_upload_bytes("classification", N_IMAGES)
    response = organizer_upload(client, world, big, labels=bomb)
    assert response.status_code == 400
    assert f"labels file: the gzip file decompresses to more than {limit:,} bytes" in response.content.decode()
    assert Split.objects.get(pk=big.pk).current_ground_truth == before


def test_a_ground_truth_file_above_its_limit_is_refused_before_it_is_read(client, world, big):
    limit = scoring.max_upload_bytes("classification", N_IMAGES)
    response = organizer_upload(client, world, big, labels=b"\x1f\x8b" + b"0" * limit)
    assert response.status_code == 400
    assert f"The file is {limit + 2:,} bytes; at most {limit:,} are accepted" in response.content.decode()


def test_a_gzip_detection_file_is_checked_whole_and_scores_like_the_plain_file(world):
    det = set_up_detection_task(world)
    predictions = det.files["val"].predictions
    response = submit_by_api(world.alice, world, "val", gzip.compress(predictions), "gzip detections")
    assert response.status_code == 201, response.json()
    stored = Submission.objects.get()
    assert stored.file_sha256 == hashlib.sha256(predictions).hexdigest()
    run_scoring_worker()
    expected = expected_result(det.files["val"], predictions).mean_average_precision
    assert Submission.objects.get().current_score.mean_average_precision == pytest.approx(expected, abs=1e-12)
