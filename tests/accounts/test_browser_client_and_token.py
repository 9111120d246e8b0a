"""The command-line client and tokens (issue 24, item 9), in a real Chromium: the client downloads
as ilsvrc_submit.py; the example command is filled in with the year and the person's token; a new
token is shown in view."""

import pytest
from rest_framework.authtoken.models import Token

from tests.base import make_world
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_token_is_in_view_and_the_example_command_is_filled_in(live_server, browser):
    world = make_world()
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, "alice", next_path="/accounts/profile/")
    assert "--token YOUR_TOKEN" in page.locator("#client-example").inner_text()
    page.get_by_role("button", name="Create a token").click()
    page.wait_for_url("**/accounts/profile/")
    key = Token.objects.get(user=world.alice).key
    field = page.locator("#api-token")
    assert field.input_value() == key
    box = field.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 844 and box["x"] + box["width"] <= 390  # in view
    command = page.locator("#client-example").inner_text()
    assert f"--server {live_server.url} --token {key}" in command
    assert f"--year {world.year.slug} --task classification --split val" in command

    with page.expect_download() as download:
        page.get_by_role("link", name="command-line client").click()
    assert download.value.suggested_filename == "ilsvrc_submit.py"
    context.close()
