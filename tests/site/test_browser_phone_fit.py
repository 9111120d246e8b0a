"""Phones (issue 24, item 12): on a 390 x 844 screen the profile page, every organizer page and
the history chart fit the screen's width (measured in a real Chromium), the chart's text stays
readable and inside the picture, and the submit form is on the submit page's first screen. The
same on a laptop (1280 x 800)."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from challenge.datafiles.models import DataFile
from challenge.notices.models import Announcement
from challenge.storage import store_private_file
from submissions.leaderboards.archives import freeze_results
from tests.base import make_team, make_user, make_world
from tests.browser import log_in
from tests.leaderboard_helpers import open_quota, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


def widths(page) -> tuple[int, int]:
    return tuple(page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]"))


def organizer_paths(world) -> list[str]:
    slug, task = world.year.slug, world.task.slug
    return ["/organize/", "/organize/audit/", "/organize/class-sets/", "/organize/years/new/",
            f"/organize/years/{slug}/", f"/organize/years/{slug}/edit/", f"/organize/years/{slug}/tasks/new/",
            f"/organize/years/{slug}/tasks/{task}/edit/", f"/organize/years/{slug}/tasks/{task}/val/ground-truth/",
            f"/organize/years/{slug}/files/", f"/organize/years/{slug}/announcements/",
            f"/organize/years/{slug}/announcements/new/", f"/organize/years/{slug}/rescoring/",
            f"/organize/years/{slug}/entries/", f"/organize/years/{slug}/teams/", f"/organize/years/{slug}/signals/",
            f"/organize/years/{slug}/statistics/"]


@pytest.fixture
def busy_world(live_server):
    call_command("load_history")
    world = make_world()
    open_quota(world.val)
    for i in range(6):
        user = make_user(f"phone{i}")
        submit(world.val, make_team(world.year, f"A rather long team name number {i}", user), user, wrong=i % 10,
               entry=f"an entry with a long name, number {i}")
    submit(world.val, world.alpha, world.alice, wrong=3, entry="alpha entry")
    key, sha256 = store_private_file(prefix="data-files", data=b"devkit bytes\n")
    DataFile.objects.create(year=world.year, title="Development kit", filename="ILSVRC2012_devkit_t12.tar.gz",
                            storage_key=key, size=13, sha256=sha256)
    Announcement.objects.create(year=world.year, title="A long announcement title that wraps on a phone",
                                body="Hello **teams**.")
    Token.objects.create(user=world.alice)
    return world


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_profile_and_every_organizer_page_fit_the_screen(live_server, browser, busy_world, screen):
    world = busy_world
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    too_wide = {}
    log_in(page, live_server.url, "alice")
    for path in ["/accounts/profile/", "/history/"]:
        assert page.goto(live_server.url + path).ok, path
        if widths(page)[0] > screen["width"]:
            too_wide[path] = widths(page)
    page.goto(live_server.url + "/accounts/profile/")
    token = page.locator("#api-token")
    assert token.bounding_box()["x"] + token.bounding_box()["width"] <= screen["width"]
    context.close()

    context = browser.new_context(viewport=screen)
    page = context.new_page()
    log_in(page, live_server.url, "olivia")
    for path in organizer_paths(world):
        assert page.goto(live_server.url + path).ok, path
        if widths(page)[0] > screen["width"]:
            too_wide[path] = widths(page)
    context.close()
    assert not too_wide, "; ".join(f"{path} {w}" for path, w in sorted(too_wide.items()))


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_history_chart_keeps_its_legend_and_labels_inside_and_readable(live_server, browser, busy_world, screen):
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    page.goto(live_server.url + "/history/")
    chart = page.locator("svg.chart").first
    box = chart.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= screen["width"]
    texts = page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart')[0].querySelectorAll('text'))
        .map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right, r.top, r.bottom, r.height]; })""")
    legend = [t for t in texts if t[0].startswith("Detection mAP") or t[0].startswith("Top-5 classification")]
    assert len(legend) == 2  # both series are named in the legend
    outside = [t[0] for t in texts if t[1] < box["x"] - 0.5 or t[2] > box["x"] + box["width"] + 0.5
               or t[3] < box["y"] - 0.5 or t[4] > box["y"] + box["height"] + 0.5]
    assert outside == []
    assert min(t[5] for t in texts) >= 9  # no text smaller than 9 px on screen
    context.close()


@pytest.mark.parametrize("screen", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_the_submit_form_is_on_the_first_screen_of_the_submit_page(live_server, browser, busy_world, screen):
    world = busy_world
    context = browser.new_context(viewport=screen)
    page = context.new_page()
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    for name in ("Upload and score", "Check only"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["y"] + box["height"] <= screen["height"], (name, box)
    for label in ("Task and split", "Prediction file", "Entry name"):
        box = page.get_by_label(label).bounding_box()
        assert box["y"] + box["height"] <= screen["height"], (label, box)
    assert widths(page)[0] <= screen["width"]
    if os.environ.get("SCREENSHOT_DIR"):
        name = "phone" if screen == PHONE else "laptop"
        page.screenshot(path=str(Path(os.environ["SCREENSHOT_DIR"]) / f"submit-page-{name}.png"))
    context.close()
