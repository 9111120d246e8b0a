"""A real headless Chromium walks from the history page to a year, its leaderboard and a team."""

import pytest
from django.core.management import call_command

from tests.base import make_world
from tests.leaderboard_helpers import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_goes_from_history_to_a_year_to_a_leaderboard_to_a_team(live_server, page):
    call_command("load_history")
    world = make_world()
    submit(world.val, world.alpha, world.alice, wrong=1, entry="browser entry")

    page.goto(f"{live_server.url}/history/")
    chart = page.locator("svg.chart")
    assert ("Winning top-5 classification error and detection mAP by year"
            in chart.locator("title").first.text_content())
    assert chart.get_attribute("role") == "img"
    assert page.locator("table.chart-data:not(.detection) tbody tr").count() == 8
    assert page.locator("table.chart-data.detection tbody tr").count() == 5

    page.get_by_role("link", name="ILSVRC 2012").first.click()
    page.wait_for_url("**/history/ilsvrc2012/")
    assert page.get_by_role("rowheader", name="SuperVision").first.is_visible()
    page.get_by_role("link", name="All years").click()

    page.get_by_role("link", name=world.year.title).click()
    page.wait_for_url(f"**/years/{world.year.slug}/")
    page.get_by_role("link", name="Validation leaderboard").click()
    page.wait_for_url("**/val/leaderboard/")
    row = page.locator("table.leaderboard tbody tr").first
    assert "browser entry" in row.inner_text() and "10.000%" in row.inner_text()

    row.get_by_role("link", name="Alpha").click()
    page.wait_for_url(f"**/teams/{world.alpha.pk}/")
    assert page.get_by_role("heading", name="Alpha").first.is_visible()
