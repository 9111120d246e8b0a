"""Teams always know where they stand (issue 24, items 5 and 6), in a real Chromium: after an
upload the page shows the score, the rank it would have, the team's best so far and a link to its
row on the board; a test entry says the date its score appears; boards switch between the splits
and tasks of a year; a file is checked without spending quota, and a file for the wrong task
says so first. Screenshots of the page after a scored upload go to SCREENSHOT_DIR when it is set."""

import os
from pathlib import Path

import pytest

from submissions.models import Submission
from tests.base import TEST_LABELS, VAL_LABELS, make_task, make_team, make_user, make_world, predictions_file, \
    run_scoring_worker
from tests.browser import log_in
from tests.leaderboard_helpers import open_quota, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def board_world():
    world = make_world()
    open_quota(world.val)
    for i, wrong in enumerate([0, 2, 4]):
        user = make_user(f"rival{i}")
        submit(world.val, make_team(world.year, f"Rival {i}", user), user, wrong=wrong, entry=f"rival {i}")
    submit(world.val, world.alpha, world.bob, wrong=3, entry="alpha's first")
    return world


def upload(page, path: Path, entry: str, split_label: str | None = None) -> None:
    if split_label:
        page.get_by_label("Task and split").select_option(label=split_label)
    page.get_by_label("Entry name").fill(entry)
    page.get_by_label("Prediction file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and score").click()
    page.wait_for_url("**/submissions/*/")


@pytest.mark.parametrize("screen", list(SCREENS), ids=list(SCREENS))
def test_after_an_upload_the_page_says_where_the_entry_stands(live_server, browser, tmp_path, screen):
    world = board_world()
    predictions = tmp_path / "val.txt"
    predictions.write_bytes(predictions_file([[500] if i == 0 else [label] for i, label in enumerate(VAL_LABELS)]))
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    upload(page, predictions, "resnet-ish")
    run_scoring_worker()
    page.locator('#status[data-status="scored"]').wait_for()
    page.locator("#standing-rank").wait_for()
    # 10% error: behind Rival 0 (0%), ahead of Rival 1 (20%) and of its own earlier 30%.
    assert page.locator("#standing-score").inner_text() == "10.000%"
    assert page.locator("#standing-rank").inner_text() == "2"
    assert "of 4 teams on the Classification validation board" in page.locator("#standing").inner_text()
    assert page.locator("#standing-best").inner_text() == "10.000%" and "this entry" in page.locator("#standing").inner_text()
    for selector in ("#standing-score", "#standing-rank", "#standing-row"):
        box = page.locator(selector).bounding_box()
        assert box["y"] + box["height"] <= SCREENS[screen]["height"], selector  # on the first screen
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"after-upload-{screen}.png"))
    page.locator("#standing-row").click()
    page.wait_for_url("**/leaderboard/#position-2")
    row = page.locator("#position-2")
    assert row.get_attribute("data-own-team") is not None and "Alpha" in row.inner_text()
    context.close()


def test_a_test_entry_says_when_its_score_appears_and_boards_switch_between_splits_and_tasks(live_server, page,
                                                                                           tmp_path):
    world = board_world()
    make_task(world.year, "second", val_labels=VAL_LABELS, test_labels=TEST_LABELS)
    predictions = tmp_path / "test.txt"
    predictions.write_bytes(predictions_file([[label] for label in TEST_LABELS]))
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    upload(page, predictions, "hidden one", split_label="Classification: Test (10 lines)")
    appears = page.locator("#appears")
    assert "this entry's score appears on" in appears.inner_text()
    assert appears.locator("time").get_attribute("datetime") == world.year.results_at.isoformat()
    run_scoring_worker()
    page.locator('#status[data-status="scored"]').wait_for()
    assert "score appears on" in page.locator("#standing").inner_text()

    page.goto(f"{live_server.url}/years/{world.year.slug}/tasks/classification/val/leaderboard/")
    switch = page.get_by_role("navigation", name="Boards of this year")
    assert switch.get_by_role("link", name="Validation").first.get_attribute("aria-current") == "page"
    switch.get_by_role("link", name="Test").first.click()
    page.wait_for_url("**/tasks/classification/test/leaderboard/")
    page.get_by_role("navigation", name="Boards of this year").get_by_role("link", name="Validation").nth(1).click()
    page.wait_for_url("**/tasks/second/val/leaderboard/")


def test_check_only_checks_a_file_without_spending_quota_and_names_the_wrong_task(live_server, page, tmp_path):
    world = make_world()
    detection = tmp_path / "detections.txt"
    detection.write_bytes(b"".join(b"%d 5 0.9 10 20 30 40\n" % i for i in range(1, 11)))
    good = tmp_path / "good.txt"
    good.write_bytes(predictions_file([[label] for label in VAL_LABELS]))
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    page.get_by_label("Prediction file").set_input_files(str(detection))
    page.get_by_role("button", name="Check only").click()
    result = page.locator("#check-result")
    result.wait_for()
    assert result.locator("h2").inner_text() == "Not ready"
    first = result.locator("li").first.inner_text()
    assert first.startswith("This looks like an object detection file") and "but this task is classification" in first
    page.get_by_label("Prediction file").set_input_files(str(good))
    page.get_by_role("button", name="Check only").click()
    page.locator("#check-result.ready").wait_for()
    assert "Uploading it would use 1 of the 10 submissions" in page.locator("#check-message").inner_text()
    assert not Submission.objects.exists()
