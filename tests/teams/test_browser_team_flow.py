"""A real headless Chromium: sign up, create a team, upload with the progress bar, see the score."""

import json
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from submissions import services
from tests.base import PASSWORD, VAL_LABELS, make_world, predictions_file, run_scoring_worker
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Records what the progress text shows, in sessionStorage, which survives the redirect that follows.
WATCH_PROGRESS = """() => {
  const target = document.getElementById("upload-percent");
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem("seen") || "[]");
    seen.push(target.textContent);
    sessionStorage.setItem("seen", JSON.stringify(seen));
  }).observe(target, {childList: true, characterData: true, subtree: true});
}"""


def _confirmation_link(address: str) -> str:
    call_command("send_notifications", stdout=StringIO())
    body = next(m.body for m in mail.outbox if m.to == [address] and "/accounts/confirm/" in m.body)
    return re.search(r"https?://[^/\s]+(/accounts/confirm/\S+)", body).group(1)


def test_a_newcomer_signs_up_forms_a_team_uploads_and_sees_the_score(live_server, page, tmp_path):
    world = make_world()
    predictions = tmp_path / "predictions.txt"
    predictions.write_bytes(predictions_file([[label] for label in VAL_LABELS[:9]] + [[1000]]))

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.goto(live_server.url + _confirmation_link("newcomer@example.org"))  # the link mailed to confirm the address

    page.goto(f"{live_server.url}/years/{world.year.slug}/")
    page.get_by_role("link", name="create a team").click()
    page.get_by_label("Team name").fill("Newcomers")
    page.get_by_role("button", name="Create team").click()
    assert page.locator("#members .member-name").inner_text() == "newcomer"

    page.get_by_role("link", name="Submit a prediction file").click()
    assert "10 submissions per team and per person every day" in page.content()
    page.get_by_label("Entry name").fill("browser entry")
    page.get_by_label("Prediction file").set_input_files(str(predictions))
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="Upload and score").click()

    page.wait_for_url("**/submissions/*/")
    run_scoring_worker()
    page.locator('#status[data-status="scored"]').wait_for()
    assert page.locator("#top5").inner_text() == "10.000%"
    seen = json.loads(page.evaluate("() => sessionStorage.getItem('seen')") or "[]")
    assert seen and seen[-1].startswith("100%"), seen


def test_a_bad_file_shows_the_engines_message_with_its_line_without_leaving_the_page(live_server, page, tmp_path):
    world = make_world()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"1\n2\n3\nbanana\n" + b"5\n" * 6)
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    page.get_by_label("Entry name").fill("oops")
    page.get_by_label("Prediction file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and score").click()
    errors = page.locator("#file-errors")
    errors.wait_for(state="visible")
    assert "Line 4:" in errors.inner_text() and "banana" in errors.inner_text()
    assert page.url.endswith("/submit/")


def test_the_submission_page_updates_its_status_without_a_reload(live_server, page):
    world = make_world()
    submission = services.create_submission(team=world.alpha, split=world.val, user=world.alice,
                                            data=predictions_file([[label] for label in VAL_LABELS]),
                                            entry_name="waiting")
    log_in(page, live_server.url, "alice", next_path=f"/submissions/{submission.pk}/")
    assert page.locator("#status").get_attribute("data-status") == "received"
    page.evaluate("() => { window.notReloaded = true; }")

    services.score_submission(submission_id=submission.pk)

    page.locator('#status[data-status="scored"]').wait_for()
    assert page.locator("#top5").inner_text() == "0.000%"
    assert page.evaluate("() => window.notReloaded") is True
