"""A real headless Chromium logs in, uploads a prediction file (plain or gzip) and sees the score."""

import gzip
import hashlib

import pytest

from submissions.models import Submission
from tests.base import VAL_LABELS, make_world, predictions_file, run_scoring_worker
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_logs_in_uploads_and_sees_the_score(live_server, page, tmp_path):
    world = make_world()
    predictions = tmp_path / "predictions.txt"
    predictions.write_bytes(predictions_file([[label] for label in VAL_LABELS[:9]] + [[1000]]))

    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")

    page.get_by_label("Entry name").fill("browser entry")
    page.get_by_label("Prediction file").set_input_files(str(predictions))
    page.get_by_role("button", name="Upload and score").click()

    page.wait_for_url("**/submissions/*/")
    # The upload is answered once stored; a scoring worker scores it, and the page shows it by itself.
    assert page.locator("#status").get_attribute("data-status") == "received"
    assert "scored in the background" in page.locator("#status-note").inner_text()
    run_scoring_worker()
    page.locator('#status[data-status="scored"]').wait_for()
    assert page.locator("#top5").inner_text() == "10.000%"
    assert page.locator("#top1").inner_text() == "10.000%"


def test_a_gzip_file_uploaded_in_the_browser_scores_like_the_plain_file(live_server, page, tmp_path):
    world = make_world()
    plain = predictions_file([[label] for label in VAL_LABELS[:9]] + [[1000]])
    predictions = tmp_path / "predictions.txt.gz"
    predictions.write_bytes(gzip.compress(plain))

    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    page.get_by_label("Entry name").fill("gzip entry")
    page.get_by_label("Prediction file").set_input_files(str(predictions))
    page.get_by_role("button", name="Upload and score").click()

    page.wait_for_url("**/submissions/*/")
    run_scoring_worker()
    page.locator('#status[data-status="scored"]').wait_for()
    # The scores of the plain file in the test above; the text is what was stored and hashed.
    assert page.locator("#top5").inner_text() == "10.000%" and page.locator("#top1").inner_text() == "10.000%"
    assert Submission.objects.get().file_sha256 == hashlib.sha256(plain).hexdigest()
