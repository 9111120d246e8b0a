"""Journeys of issue 13 in a real headless Chromium: an invitation that survives signing up, the
submit page's quota and refusals, a board that marks one's team and opens descriptions, and the
team page's copy button and confirmed leaving."""

import pytest

from challenge.teams.models import Membership
from challenge.teams.services import invite_by_email
from submissions import services
from tests.base import PASSWORD, VAL_LABELS, make_user, make_world, predictions_file
from tests.browser import fill_login_form, log_in
from tests.leaderboard_helpers import submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_invited_newcomer_signs_up_comes_back_to_the_invitation_and_joins(live_server, page):
    world = make_world()
    join = f"/teams/join/{invite_by_email(team=world.alpha, user=world.alice, address='newcomer@example.org').token}/"
    page.goto(live_server.url + join)
    assert page.get_by_role("heading", name="Join Alpha").is_visible()
    assert "Alpha University" in page.locator("main").inner_text()
    page.locator("main").get_by_role("link", name="log in").click()  # the way in for people with an account
    page.locator("main").get_by_role("link", name="Sign up").click()  # ... and from there, for those without one
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**" + join)
    page.get_by_role("button", name="Join Alpha").click()
    page.wait_for_url(f"**/teams/{world.alpha.pk}/")
    assert "newcomer" in page.locator("#members").inner_text()


def test_an_invited_person_with_an_account_logs_in_and_comes_back(live_server, page):
    world = make_world()
    make_user("erin")
    join = f"/teams/join/{invite_by_email(team=world.alpha, user=world.alice, address='erin@example.org').token}/"
    page.goto(live_server.url + join)
    page.locator("main").get_by_role("link", name="log in").click()
    fill_login_form(page, "erin")
    page.wait_for_url("**" + join)
    page.get_by_role("button", name="Join Alpha").click()
    page.wait_for_url(f"**/teams/{world.alpha.pk}/")
    assert Membership.objects.filter(team=world.alpha, user__username="erin").exists()


def test_the_submit_page_blocks_a_used_up_split_and_sets_the_checkbox_beside_its_label(live_server, page):
    world = make_world()
    for _ in range(2):
        submit(world.test, world.alpha, world.alice, wrong=1, entry="t")
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    test_option = page.locator(f'#id_split option[value="{world.test.pk}"]')
    assert test_option.is_disabled() and "none left now" in test_option.inner_text()
    assert page.locator("#id_split").input_value() == str(world.val.pk)
    assert "none left until" in page.locator("#id_split_helptext").inner_text()
    box, label = page.locator("#id_external_data").bounding_box(), page.get_by_text("Uses outside training data").bounding_box()
    assert abs((box["y"] + box["height"] / 2) - (label["y"] + label["height"] / 2)) < 8  # on the label's line
    assert box["x"] > label["x"] + label["width"] - 2  # right after it, not below


def test_a_refused_upload_does_not_leave_the_bar_at_100_percent(live_server, page, tmp_path):
    world = make_world()
    log_in(page, live_server.url, "alice", next_path=f"/years/{world.year.slug}/submit/")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"banana\n" * 10)
    page.get_by_label("Entry name").fill("oops")
    page.get_by_label("Prediction file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and score").click()
    page.locator("#file-errors").wait_for(state="visible")
    assert page.locator("#upload-status").is_hidden()
    assert page.locator("#upload-progress").get_attribute("value") in (None, "0")
    assert "100%" not in page.locator("#upload-percent").inner_text()


def test_a_board_marks_the_viewers_team_and_opens_an_entrys_description(live_server, page):
    world = make_world()
    services.score_submission(submission_id=services.create_submission(
        team=world.alpha, split=world.val, user=world.alice, data=predictions_file([[label] for label in VAL_LABELS]),
        entry_name="ours", description="Five crops and a ResNet.").pk)
    submit(world.val, world.charlies_team, world.charlie, wrong=2, entry="theirs")
    log_in(page, live_server.url, "bob", next_path=f"/years/{world.year.slug}/tasks/classification/val/leaderboard/")
    ours = page.locator(f'table.leaderboard tr[data-team="{world.alpha.pk}"]')
    theirs = page.locator(f'table.leaderboard tr[data-team="{world.charlies_team.pk}"]')
    background = "el => getComputedStyle(el.querySelector('td')).backgroundColor"
    assert ours.evaluate(background) != theirs.evaluate(background)
    assert "(your team)" in ours.locator("th").evaluate("el => getComputedStyle(el, '::after').content")
    description = ours.get_by_text("Five crops and a ResNet.")
    assert not description.is_visible()
    ours.get_by_text("ours").click()
    assert description.is_visible()


def test_the_invitation_link_is_copied_and_leaving_asks_first(live_server, browser):
    world = make_world()
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    invitation = invite_by_email(team=world.alpha, user=world.bob, address="dana@example.org")
    log_in(page, live_server.url, "bob", next_path=f"/teams/{world.alpha.pk}/?sent={invitation.pk}")  # just sent
    page.get_by_role("button", name="Copy link").click()
    page.get_by_role("status").filter(has_text="Copied.").wait_for()
    assert page.evaluate("() => navigator.clipboard.readText()") == page.locator("#invite-link").input_value()
    page.get_by_role("link", name="Leave this team…").click()
    assert page.get_by_role("heading", name="Leave Alpha?").is_visible()
    page.get_by_role("link", name="Stay in the team").click()
    page.wait_for_url(f"**/teams/{world.alpha.pk}/")
    assert Membership.objects.filter(team=world.alpha, user=world.bob).exists()
    page.get_by_role("link", name="Leave this team…").click()
    page.get_by_role("button", name="Leave Alpha").click()
    page.wait_for_url(f"**/years/{world.year.slug}/")
    assert not Membership.objects.filter(team=world.alpha, user=world.bob).exists()
    context.close()
