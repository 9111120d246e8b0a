"""Hostile input: any bytes give a result or a clear, line-numbered error; names are escaped.

The parser properties need no database and run in seconds; the upload and browser checks
use the real site.
"""

import os
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from submissions import scoring

N_IMAGES = 10
CLASS_SET = scoring.ClassSet.ilsvrc2012()
TRUTH = scoring.GroundTruth(labels=np.arange(1, N_IMAGES + 1))
LOC_TRUTH = scoring.GroundTruth(
    labels=np.arange(1, N_IMAGES + 1),
    boxes=scoring.read_boxes_csv(
        b"".join(b"%d,%d 0 0 10 10\n" % (i, i) for i in range(1, N_IMAGES + 1)), class_set=CLASS_SET,
        n_images=N_IMAGES),
)
PARSERS = {
    "classification": lambda data: scoring.parse_classification(data, n_images=N_IMAGES, class_set=CLASS_SET),
    "localization": lambda data: scoring.parse_localization(data, n_images=N_IMAGES, class_set=CLASS_SET),
    "hierarchical": lambda data: scoring.parse_predictions("hierarchical", data, n_images=N_IMAGES,
                                                           class_set=CLASS_SET),
    "evaluate classification": lambda data: scoring.evaluate_bytes("classification", data, TRUTH, class_set=CLASS_SET),
    "evaluate hierarchical": lambda data: scoring.evaluate_bytes("hierarchical", data, TRUTH, class_set=CLASS_SET),
    "evaluate localization": lambda data: scoring.evaluate_bytes("localization", data, LOC_TRUTH,
                                                                 class_set=CLASS_SET),
    "labels": lambda data: scoring.read_labels(data, class_set=CLASS_SET, n_images=N_IMAGES),
    "labels of any length": lambda data: scoring.read_labels(data, class_set=CLASS_SET),
    "boxes": lambda data: scoring.read_boxes_csv(data, class_set=CLASS_SET, n_images=N_IMAGES),
    "blacklist": lambda data: scoring.read_blacklist(data, n_images=N_IMAGES),
}

# Bytes that look almost right: real tokens, separators, and the characters that break parsers.
TOKENS = st.sampled_from([
    b"1", b"10", b"1000", b"1001", b"0", b"-1", b"+1", b"1.0", b"1e3", b"0x1", b"n01440764", b"N01440764",
    b"n99999999", b"99999999999999999999", b"nan", b"inf", b"ImageId", b"PredictionString", b"ILSVRC2012_val_00000001",
    b"\xef\xbb\xbf", b"\x00", b"\xff", b"\xc3\xa9", b"\xe2\x80\x8b", b"\x0b", b"\x0c", b"\x85", b"\xe2\x80\xa8",
])
SEPARATORS = st.sampled_from([b" ", b"  ", b"\t", b",", b"\n", b"\r\n", b"\r", b"\n\n", b";"])
ALMOST_VALID = st.lists(st.tuples(TOKENS, SEPARATORS), max_size=80).map(lambda pairs: b"".join(a + b for a, b in pairs))
ANY_BYTES = st.one_of(st.binary(max_size=3000), ALMOST_VALID)


def _assert_result_or_clear_error(parse, data: bytes):
    try:
        parse(data)
    except scoring.InputFileError as error:
        assert error.errors, "an error must say what is wrong"
        for line_error in error.errors:
            assert isinstance(line_error.message, str) and line_error.message.strip()
            assert line_error.line is None or line_error.line >= 1


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=ANY_BYTES)
def test_every_parser_gives_a_result_or_a_clear_error_for_any_bytes(name, data):
    _assert_result_or_clear_error(PARSERS[name], data)


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_parser_survives_random_binary_data(name):
    rng = np.random.default_rng(7)
    for size in (1, 17, 1000, 60_000):
        _assert_result_or_clear_error(PARSERS[name], rng.bytes(size))
        _assert_result_or_clear_error(PARSERS[name], os.urandom(size).replace(b"\n", b"1"))


@pytest.mark.parametrize("task", ["classification", "localization", "hierarchical"])
def test_a_file_over_the_tasks_limit_is_refused_before_parsing(task):
    limit = scoring.max_upload_bytes(task, N_IMAGES)
    huge = b"1\n" * (limit // 2 + 1)
    with pytest.raises(scoring.PredictionFileError) as raised:
        scoring.parse_predictions(task, huge, n_images=N_IMAGES, class_set=CLASS_SET)
    assert f"{limit:,}" in str(raised.value) or str(limit) in str(raised.value)


def test_a_very_long_line_is_one_clear_error():
    long_line = b"1" * 60_000 + b"\n" + b"2\n" * (N_IMAGES - 1)
    with pytest.raises(scoring.PredictionFileError) as raised:
        PARSERS["classification"](long_line)
    assert raised.value.errors[0].line == 1


def test_a_million_tokens_on_one_line_are_refused_quickly():
    n_images = 100_000
    data = b"1 " * 1_000_000 + b"\n" + b"1\n" * (n_images - 1)
    assert len(data) <= scoring.max_upload_bytes("classification", n_images)
    started = time.perf_counter()
    with pytest.raises(scoring.PredictionFileError) as raised:
        scoring.parse_classification(data, n_images=n_images, class_set=CLASS_SET)
    elapsed = time.perf_counter() - started
    assert raised.value.errors[0].line == 1
    # Generous: a pathological parse would take minutes; this only guards against that.
    assert elapsed < 20, f"{elapsed:.1f} s"


def test_errors_are_capped_however_bad_the_file():
    data = b"cat\n" * 50_000
    with pytest.raises(scoring.PredictionFileError) as raised:
        scoring.parse_classification(data, n_images=50_000, class_set=CLASS_SET)
    assert len(raised.value.errors) <= scoring.MAX_REPORTED_ERRORS


# --- Through the site: names never become paths, markup is never executed -----------------

import re  # noqa: E402

from django.urls import reverse  # noqa: E402

from tests import livesite  # noqa: E402
from tests.base import PASSWORD, VAL_LABELS, make_team, make_user, predictions_file  # noqa: E402

HOSTILE_NAMES = ["../../../../tmp/owned.txt", "..\\..\\windows\\win.ini", "evil\x00.txt", "/etc/passwd",
                 "a" * 5000 + ".txt", "<script>alert(1)</script>.txt", "\u202etxt.exe"]


@pytest.mark.django_db
@pytest.mark.parametrize("filename", HOSTILE_NAMES)
def test_a_hostile_file_name_is_stored_under_a_generated_key(client, world, private_storage, filename):
    from rest_framework.authtoken.models import Token

    from submissions.models import Submission

    token = Token.objects.create(user=world.alice)
    body, content_type = livesite.multipart({"year": "y2030", "task": "classification", "split": "val",
                                             "entry": "names"}, "file", filename,
                                            predictions_file([[label] for label in VAL_LABELS]))
    response = client.post("/api/submissions/", data=body, content_type=content_type,
                           HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code in (201, 400), response.content[:500]
    for submission in Submission.objects.all():
        assert re.fullmatch(r"submissions/\d+/[0-9a-f]{32}\.txt", submission.file_key)
        assert "\x00" not in submission.original_filename and "/" not in submission.original_filename
    stored = [path for path in private_storage.rglob("*") if path.is_file()]
    assert all(path.resolve().is_relative_to(private_storage.resolve()) for path in stored)
    assert not (private_storage.parent / "owned.txt").exists()


TEAM_NAME = "<script>alert('team')</script>"
ENTRY_NAME = "<img src=x onerror=alert('entry')>"
DESCRIPTION = "<script>alert('description')</script><b onmouseover=alert(3)>bold</b>"
AFFILIATION = "<svg onload=alert('affiliation')>"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_names_and_descriptions_with_markup_are_shown_as_text_in_a_real_browser(live_server, page):
    from submissions.services import create_submission
    from tests.base import make_world, run_scoring_worker

    world = make_world()
    mallory = make_user("mallory")
    team = make_team(world.year, TEAM_NAME, mallory, affiliation=AFFILIATION)
    submission = create_submission(team=team, split=world.val, user=mallory, entry_name=ENTRY_NAME,
                                   description=DESCRIPTION, data=predictions_file([[label] for label in VAL_LABELS]))
    run_scoring_worker()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    def visit(path, *expected_texts):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        for expected in expected_texts:
            assert expected in text, f"{path} does not show {expected!r} as text"

    def sign_in(username):
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")

    board = reverse("leaderboards:leaderboard", args=[world.year.slug, world.task.slug, "val"])
    visit(board, TEAM_NAME, ENTRY_NAME)
    visit(reverse("teams:detail", args=[team.pk]), TEAM_NAME)
    sign_in("mallory")
    visit(reverse("submissions:detail", args=[submission.pk]), ENTRY_NAME, TEAM_NAME)
    visit(reverse("submissions:list", args=[world.year.slug]), ENTRY_NAME)
    page.context.clear_cookies()
    sign_in("olivia")  # organizers read these names too: the likeliest target of a stored script
    visit(reverse("organize:entries", args=[world.year.slug]), ENTRY_NAME)
    visit(reverse("organize:teams", args=[world.year.slug]), TEAM_NAME)
    assert dialogs == []
    page.evaluate("alert('control')")  # the listener does catch a script that runs
    assert dialogs == ["control"]


def test_a_compressed_upload_is_refused_not_inflated():
    """The parsers never inflate anything: gzip bytes given to them are a small binary file. (The
    site gunzips uploads before parsing, under the split's limit: tests/submissions/test_scale_uploads.py.)"""
    import gzip

    bomb = gzip.compress(b"1 2 3 4 5\n" * 3_000_000, 9)  # 30 MB inflated, ~30 KB on the wire
    assert len(bomb) < scoring.max_upload_bytes("classification", N_IMAGES)
    with pytest.raises(scoring.PredictionFileError):
        PARSERS["classification"](bomb)
