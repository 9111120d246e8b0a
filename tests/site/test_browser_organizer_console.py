"""A real headless Chromium on the organizer console: fields that appear when they apply, the
statistics page with its charts and CSV, and rescoring progress that updates by itself."""

from datetime import timedelta

import pytest

from submissions.rescoring import rescore_next
from submissions.services import create_submission, score_submission
from tests.base import VAL_LABELS, make_world, predictions_file
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, path):
    log_in(page, live_server.url, "olivia", next_path=path)


def test_the_task_form_shows_each_field_only_where_it_applies(live_server, page):
    world = make_world()
    sign_in(page, live_server, f"/organize/years/{world.year.slug}/tasks/new/")

    assert page.locator("#id_val-labels_public").is_visible()
    assert page.locator("#id_test-labels_public").count() == 0
    fraction = page.locator("#id_test-public_subset_fraction")
    assert not fraction.is_visible()  # the test split starts hidden until the results (ILSVRC)
    page.locator("#id_test-visibility").select_option("public_subset")
    assert fraction.is_visible()
    fraction.fill("0.2")
    page.locator("#id_test-visibility").select_option("ladder")
    assert not fraction.is_visible()
    page.locator("#id_test-visibility").select_option("public_subset")

    page.locator("#id_slug").fill("kaggle-style")
    page.locator("#id_title").fill("Kaggle style")
    page.locator("#id_val-n_images").fill("10")
    page.locator("#id_test-n_images").fill("10")
    page.get_by_role("button", name="Create task").click()
    page.wait_for_url(f"**/organize/years/{world.year.slug}/")
    test = world.year.tasks.get(slug="kaggle-style").splits.get(name="test")
    assert (test.visibility, test.public_subset_fraction, test.labels_public) == ("public_subset", 0.2, False)


def test_the_year_form_asks_for_a_reason_only_when_the_deadline_moves(live_server, page):
    world = make_world()
    sign_in(page, live_server, f"/organize/years/{world.year.slug}/edit/")
    reason = page.locator("#id_deadline_reason")
    assert not reason.is_visible()
    new_deadline = (world.year.deadline + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_deadline").fill(new_deadline)
    assert reason.is_visible()
    reason.fill("The evaluation server was down on Friday")
    page.get_by_role("button", name="Save").click()

    # The drafted announcement opens for review; posting it tells the teams.
    page.wait_for_url("**/announcements/*/edit/")
    assert "The evaluation server was down on Friday" in page.locator("#id_body").input_value()
    page.get_by_role("button", name="Post and e-mail the teams").click()
    page.goto(f"{live_server.url}/years/{world.year.slug}/")
    announcement = page.locator("section.announcements article").first
    assert "The deadline is now" in announcement.inner_text()
    assert "The evaluation server was down on Friday" in announcement.inner_text()

    page.goto(f"{live_server.url}/organize/years/new/")
    assert page.locator("#id_deadline_reason").count() == 0


def test_the_statistics_page_draws_its_charts_and_downloads_its_csv(live_server, page):
    world = make_world()
    for user, team, name in ((world.alice, world.alpha, "a"), (world.charlie, world.charlies_team, "c")):
        score_submission(submission_id=create_submission(
            team=team, split=world.val, user=user, entry_name=name,
            data=predictions_file([[label] for label in VAL_LABELS])).pk)
    sign_in(page, live_server, f"/organize/years/{world.year.slug}/statistics/")

    charts = page.get_by_role("img")
    assert charts.count() == 2
    per_day = page.locator("svg[aria-labelledby='per-day-title per-day-desc']")
    assert per_day.is_visible() and per_day.bounding_box()["width"] > 300
    assert "Submissions per day" in per_day.locator("title").first.text_content()
    assert "Classification · Validation: 2" in per_day.locator("desc").text_content()
    assert page.locator("#fig-submissions").inner_text() == "2"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these figures as CSV").click()
    assert download.value.suggested_filename == f"{world.year.slug}-statistics.csv"
    assert "submissions,,,2" in open(download.value.path()).read()


def test_the_statistics_page_is_refused_to_a_participant(live_server, page):
    world = make_world()
    log_in(page, live_server.url, "alice")
    response = page.goto(f"{live_server.url}/organize/years/{world.year.slug}/statistics/")
    assert response.status == 403


def test_rescoring_progress_updates_without_a_reload(live_server, page):
    world = make_world()
    for user, team, name in ((world.alice, world.alpha, "a"), (world.charlie, world.charlies_team, "c")):
        score_submission(submission_id=create_submission(
            team=team, split=world.val, user=user, entry_name=name,
            data=predictions_file([[label] for label in VAL_LABELS])).pk)
    sign_in(page, live_server, f"/organize/years/{world.year.slug}/rescoring/")
    page.get_by_label("Split").select_option(label=str(world.val))
    page.get_by_label("Why (for the audit log)").fill("Scorer 1.4")
    page.get_by_role("button", name="Rescore this split").click()
    assert "0 of 2 rescored" in page.locator("#rescoring-jobs").inner_text()
    assert page.locator("#progress-note").inner_text() == "Progress updates by itself."
    page.evaluate("window.notReloaded = true")

    while rescore_next():  # the worker, in this process
        pass
    page.locator("#rescoring-jobs tbody tr").first.filter(has_text="2 of 2 rescored").wait_for()
    assert page.locator("#rescoring-jobs .job-status").first.inner_text() == "Done"
    assert page.evaluate("window.notReloaded") is True
