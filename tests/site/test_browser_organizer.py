"""A real headless Chromium: an organizer creates a year with a task and uploads its ground truth."""

import hashlib

import pytest

from challenge.competition.models import ChallengeYear, Split
from tests.base import ilsvrc2012, labels_file, make_user
from tests.browser import fill_login_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organizer_creates_a_year_with_a_task_and_uploads_its_ground_truth(live_server, page, tmp_path):
    ilsvrc2012()
    make_user("olivia", organizer=True)
    truth = tmp_path / "test_labels.txt"
    truth.write_bytes(labels_file([3, 1, 4, 1, 5]))
    bad = tmp_path / "bad_labels.txt"
    bad.write_bytes(labels_file([3, 1, 4, 1, 5000]))

    page.goto(f"{live_server.url}/organize/")
    fill_login_form(page, "olivia")
    page.get_by_role("link", name="New challenge year").click()

    page.locator("#id_slug").fill("ilsvrc2031")
    page.locator("#id_title").fill("ILSVRC 2031")
    page.locator("#id_description").fill("The **2031** challenge.")
    page.locator("#id_class_set").select_option(label="ILSVRC2012 (1000 classes)")
    page.locator("#id_status").select_option("published")
    page.locator("#id_opens_at").fill("2031-01-01T00:00")
    page.locator("#id_deadline").fill("2031-09-30T23:59")
    page.locator("#id_results_at").fill("2031-10-15T12:00")
    page.get_by_role("button", name="Create year").click()
    page.wait_for_url("**/organize/years/ilsvrc2031/")

    page.get_by_role("link", name="Add a task").click()
    page.locator("#id_slug").fill("classification")
    page.locator("#id_title").fill("Classification")
    page.locator("#id_kind").select_option("classification")
    page.locator("#id_val-n_images").fill("5")
    page.locator("#id_test-n_images").fill("5")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_url("**/organize/years/ilsvrc2031/")

    page.locator("a[href$='/classification/test/ground-truth/']").click()
    page.get_by_label("Labels", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Upload ground truth").click()
    assert "line 5" in page.get_by_role("alert").first.inner_text()

    page.get_by_label("Labels", exact=True).set_input_files(str(truth))
    page.get_by_role("button", name="Upload ground truth").click()
    page.wait_for_url("**/organize/years/ilsvrc2031/rescoring/")
    digest = hashlib.sha256(truth.read_bytes()).hexdigest()
    assert digest in page.locator(".messages").inner_text()

    year = ChallengeYear.objects.get(slug="ilsvrc2031")
    test = Split.objects.get(task__year=year, name="test")
    assert (test.n_images, test.quota_per_window, test.quota_window_days, test.visibility) == (5, 2, 7, "hidden")
    assert test.current_ground_truth.labels_sha256 == digest

    page.goto(f"{live_server.url}/years/ilsvrc2031/")
    assert digest in page.content()
    assert "3\n1\n4" not in page.content()
