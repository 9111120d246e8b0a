"""On a phone (390 x 844) no page scrolls sideways, and a board shows rank, team and primary score
on its first screen (issue 13, item 15). A real headless Chromium measures the laid-out pages."""

import pytest
from django.core.management import call_command

from challenge.datafiles.models import DataFile
from challenge.storage import store_private_file
from tests.base import make_team, make_user, make_world
from tests.browser import log_in
from tests.leaderboard_helpers import open_quota, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_no_page_scrolls_sideways_on_a_phone_and_the_board_starts_with_what_matters(live_server, browser):
    call_command("load_history")
    world = make_world()
    open_quota(world.val)
    for i in range(12):
        user = make_user(f"phone{i}")
        submit(world.val, make_team(world.year, f"A rather long team name number {i}", user), user, wrong=i % 10,
               entry=f"an entry with a long name, number {i}")
    submit(world.val, world.alpha, world.alice, wrong=3, entry="alpha entry")
    key, sha256 = store_private_file(prefix="data-files", data=b"devkit bytes\n")
    DataFile.objects.create(year=world.year, title="Development kit", filename="ILSVRC2012_devkit_t12.tar.gz",
                            storage_key=key, size=13, sha256=sha256)
    # Not is_mobile: a mobile viewport zooms out to fit a too-wide page, which would hide the very fault.
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server.url, "alice")
    slug = world.year.slug
    paths = ["/", f"/years/{slug}/", f"/years/{slug}/tasks/classification/val/leaderboard/", f"/years/{slug}/submit/",
             f"/years/{slug}/data/", f"/years/{slug}/classes/", "/history/", "/history/ilsvrc2012/",
             "/years/ilsvrc2012/", f"/years/{slug}/submissions/", f"/teams/{world.alpha.pk}/"]
    too_wide = {}
    for path in paths:
        assert page.goto(live_server.url + path).ok, path
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[1] == PHONE["width"], path
        if widths[0] > widths[1]:
            too_wide[path] = widths
    assert too_wide == {}

    page.goto(f"{live_server.url}/years/{slug}/tasks/classification/val/leaderboard/")
    first = page.locator("table.leaderboard tbody tr").first
    for cell in (first.locator("td").nth(0), first.locator("th"), first.locator("td.num").first):
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] and box["y"] + box["height"] <= PHONE["height"]
    assert first.locator("td").nth(0).inner_text() == "1" and "0.000%" in first.locator("td.num").first.inner_text()

    page.goto(f"{live_server.url}/years/{slug}/data/")
    code = page.locator("code.hash").first
    assert code.bounding_box()["width"] < 120 and code.inner_text() == sha256  # shortened on screen, whole in the page
    assert page.get_by_role("button", name="Copy the SHA-256 of ILSVRC2012_devkit_t12.tar.gz").is_visible()
    context.close()
