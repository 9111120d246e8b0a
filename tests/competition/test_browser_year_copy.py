"""An organizer makes next year from this one and sees what is left to set up (issue 24, item
10): tasks, splits, quotas, rules, class set and data files' entries are copied, entries and
ground truth are not; the console's checklist names what is missing before publishing."""

import pytest

from challenge.audit.models import AuditEntry
from challenge.competition.models import ChallengeYear, Split
from challenge.datafiles.models import DataFile
from challenge.datafiles.services import remove_data_file
from challenge.storage import read_private_file, store_private_file
from submissions.models import Submission
from tests.base import make_world
from tests.browser import log_in
from tests.leaderboard_helpers import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_organizer_copies_a_year_and_the_checklist_says_what_is_missing(live_server, page):
    world = make_world()
    ChallengeYear.objects.filter(pk=world.year.pk).update(rules="Be fair.", terms_of_access="Research only.")
    Split.objects.filter(pk=world.test.pk).update(quota_per_window=3, post_challenge=False)
    key, sha256 = store_private_file(prefix="data-files/uploads", data=b"devkit bytes\n")
    DataFile.objects.create(year=world.year, title="Development kit", description="Formats and tools.",
                            filename="devkit.txt", storage_key=key, size=13, sha256=sha256)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="stays in its year")

    log_in(page, live_server.url, "olivia", next_path=f"/organize/years/{world.year.slug}/")
    assert "Setup checklist: ready" in page.locator("#checklist").inner_text()
    page.get_by_text("Make a new year from this one").click()
    page.locator("#id_slug").fill("y2031")
    page.locator("#id_title").fill("Challenge 2031")
    page.get_by_role("button", name="Copy this year").click()
    page.wait_for_url("**/organize/years/y2031/")

    copy = ChallengeYear.objects.get(slug="y2031")
    assert (copy.status, copy.rules, copy.terms_of_access, copy.class_set_id) == (
        "draft", "Be fair.", "Research only.", world.year.class_set_id)
    assert copy.deadline is None and copy.results_at is None and not copy.teams.exists()
    test = Split.objects.get(task__year=copy, name="test")
    assert (test.quota_per_window, test.quota_window_days, test.visibility, test.post_challenge) == (3, 7, "hidden", False)
    assert test.public_subset_seed != world.test.public_subset_seed  # a new secret subset
    assert not Submission.objects.filter(split__task__year=copy).exists() and test.current_ground_truth is None
    files = DataFile.objects.get(year=copy)
    assert (files.title, files.description, files.sha256) == ("Development kit", "Formats and tools.", sha256)
    assert AuditEntry.objects.filter(action="year.copy", details__source=world.year.slug).exists()

    checklist = page.locator("#checklist").locator("xpath=..")
    text = checklist.inner_text()
    assert "Setup checklist: 3 things to do" in page.locator("#checklist").inner_text()
    assert "Dates: opening, deadline, results date not set" in text
    assert "Ground truth of Classification, Validation: missing" in text
    assert "Ground truth of Classification, Test: missing" in text
    assert "Terms of access" in text and "Data files: 1" in text
    page.get_by_role("link", name="Ground truth of Classification, Test: missing").click()
    page.wait_for_url(f"**/organize/years/y2031/#split-{test.pk}")
    page.locator(f"#split-{test.pk}").get_by_role("link", name="Upload").click()
    page.wait_for_url("**/organize/years/y2031/tasks/classification/test/ground-truth/")

    # The copy lists the same stored file; unlisting it in one year keeps it for the other.
    remove_data_file(user=world.olivia, data_file=files)
    assert read_private_file(key) == b"devkit bytes\n"


def test_the_dashboard_counts_what_each_year_still_needs(live_server, page):
    world = make_world()
    log_in(page, live_server.url, "olivia", next_path="/organize/")
    row = page.locator("tr", has_text=world.year.title)
    assert "2 to do" in row.inner_text()  # terms of access and data files
