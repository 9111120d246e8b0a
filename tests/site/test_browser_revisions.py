"""Revisions of the labels in a real headless Chromium (issue 25, sections 1 and 2): an organizer
uploads revised labels and retires a class on the console; visitors then see the ReaL and
revised-class columns beside the original ones, and the year page notes the revision."""

import pytest

from challenge.competition.models import Split
from submissions.services import create_submission
from tests.base import make_world, predictions_file, run_scoring_worker
from tests.browser import log_in
from tests.leaderboards.test_revised_labels import GUESSES, REVISED

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _scored_entry(world):
    Split.objects.filter(pk=world.val.pk).update(quota_per_window=100)
    create_submission(team=world.alpha, split=world.val, user=world.alice, data=predictions_file(GUESSES),
                      entry_name="hand-worked")
    run_scoring_worker()


def test_an_organizer_revises_the_labels_and_the_board_shows_real_beside_the_original(live_server, page, tmp_path):
    world = make_world()
    _scored_entry(world)
    revised = tmp_path / "real.txt"
    revised.write_bytes(REVISED)
    log_in(page, live_server.url, "olivia", next_path="/organize/years/y2030/tasks/classification/val/ground-truth/")
    page.get_by_label("Revised labels").set_input_files(str(revised))
    page.get_by_label("Where they come from (public)").fill("a hand-worked revision")
    page.get_by_role("button", name="Upload revised labels").click()
    page.wait_for_url("**/organize/years/y2030/rescoring/")
    assert "Revised labels stored" in page.locator("main").inner_text()
    run_scoring_worker()  # the scoring worker rescores the entry
    page.goto(f"{live_server.url}/years/y2030/tasks/classification/val/leaderboard/")
    headers = page.locator("table.leaderboard thead").inner_text()
    assert "Top-5 error" in headers and "ReaL top-5 error" in headers and "ReaL top-1 error" in headers
    row = page.locator("table.leaderboard tbody tr").first.inner_text()
    assert "30.000%" in row and "11.111%" in row and "22.222%" in row
    page.goto(f"{live_server.url}/years/y2030/")
    assert "a hand-worked revision" in page.locator("#revisions + p + ul").inner_text()


def test_an_organizer_retires_a_class_and_the_year_page_and_board_say_so(live_server, page):
    world = make_world()
    _scored_entry(world)
    log_in(page, live_server.url, "olivia", next_path="/organize/years/y2030/")
    page.get_by_role("link", name="Class revisions").click()
    page.get_by_label("Classes to retire").fill("5")
    page.get_by_label("Public reason").fill("Not imageable, as ImageNet's 2019 filtering found.")
    page.get_by_role("button", name="Retire these classes").click()
    page.wait_for_url("**/organize/years/y2030/classes/revisions/")
    assert "1 class(es) retired" in page.locator("main").inner_text()
    run_scoring_worker()
    page.goto(f"{live_server.url}/years/y2030/")
    revisions = page.locator("ul.revisions").inner_text()
    assert "1 class retired" in revisions and "Not imageable, as ImageNet's 2019 filtering found." in revisions
    page.goto(f"{live_server.url}/years/y2030/tasks/classification/val/leaderboard/")
    assert "Top-5 error, revised classes" in page.locator("table.leaderboard thead").inner_text()
    assert "33.333%" in page.locator("table.leaderboard tbody tr").first.inner_text()
