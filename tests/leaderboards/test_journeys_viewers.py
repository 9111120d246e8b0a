"""Viewers' journeys (issue 13, items 11 and 13): past years that lead to their results, cards that
say what a year holds, and boards that say what they hold, mark one's own rows and download."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear
from submissions.leaderboards.archives import freeze_results
from tests.base import PASSWORD, make_team, make_user
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def _board_url(world, split="val"):
    return reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", split])


# ---------------------------------------------------------------- 11. past years

def test_a_historical_year_page_leads_to_its_results_and_offers_no_team_or_empty_data(client):
    call_command("load_history")
    page = client.get(reverse("challenge:year-detail", args=["ilsvrc2012"])).content.decode()
    assert reverse("leaderboards:history-year", args=["ilsvrc2012"]) in page
    assert "Winner of the classification task: <strong>SuperVision</strong>, top-5 error 15.315%" in page
    assert "Sign up" not in page.split("<main")[1] and "form a team" not in page and "Your team" not in page
    assert "0 files" not in page and "to download" not in page
    response = client.get(reverse("leaderboards:leaderboard", args=["ilsvrc2012", "classification", "test"]))
    assert response.status_code == 302 and response["Location"] == reverse("leaderboards:history-year", args=["ilsvrc2012"])


def test_a_closed_year_shows_no_sign_up_box_to_people_without_a_team(client, world):
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(days=1))
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "form a team and submit" not in page and "Your team" not in page
    page = client.login(username="alice", password=PASSWORD) and client.get(
        reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "Your submissions" in page  # a team of that year still finds its way back


def test_home_cards_say_what_past_years_hold_and_what_to_do_next_in_the_open_one(client, world):
    call_command("load_history")
    page = client.get(reverse("challenge:home")).content.decode()
    assert "Winner: <strong>SuperVision</strong>, top-5 error 15.315%" in page
    assert "Winner: <strong>WMW</strong>, top-5 error 2.251%" in page
    open_card = page.index(world.year.title)
    assert open_card < page.index("ILSVRC 2017")  # the open year comes first
    assert "sign up</a>, form a team and submit" in page
    client.login(username="alice", password=PASSWORD)
    assert "submit a prediction file</a> for team Alpha" in client.get(reverse("challenge:home")).content.decode()
    make_user("dana")
    client.login(username="dana", password=PASSWORD)
    assert "create a team</a>, or join one" in client.get(reverse("challenge:home")).content.decode()


def test_a_finished_year_held_here_names_its_winner_once_the_final_board_is_frozen(client, world):
    submit(world.test, world.alpha, world.alice, wrong=2, entry="a")
    submit(world.test, world.charlies_team, world.charlie, wrong=1, entry="c")
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(days=2),
                                                          results_at=timezone.now() - timedelta(days=1))
    freeze_results(split=world.test)
    page = client.get(reverse("challenge:home")).content.decode()
    assert "Winner: <strong>Charlie&#x27;s Angles</strong>, top-5 error 10.000%" in page
    page = client.get(reverse("challenge:year-detail", args=[world.year.slug])).content.decode()
    assert "Test leaderboard: final results" in page and "won with top-5 error 10.000%" in page


# ---------------------------------------------------------------- 13. boards

def test_a_board_says_what_it_holds_and_marks_the_viewers_team(client, world):
    open_quota(world.val)
    submit(world.val, world.alpha, world.alice, wrong=1, entry="a1")
    submit(world.val, world.charlies_team, world.charlie, wrong=2, entry="c1")
    page = client.get(_board_url(world)).content.decode()
    assert "2 entries from 2 teams · updated " in page and " UTC" in page
    assert "data-own-team" not in page
    assert reverse("challenge:year-detail", args=[world.year.slug]) in page
    assert reverse("submissions:submit", args=[world.year.slug]) in page
    client.login(username="bob", password=PASSWORD)
    page = client.get(_board_url(world)).content.decode()
    assert f'data-team="{world.alpha.pk}" data-own-team>' in page
    assert f'data-team="{world.charlies_team.pk}" data-own-team' not in page
    assert "Rows of your team, <strong>Alpha</strong>, are highlighted." in page


def test_the_live_board_downloads_as_csv_and_json_what_the_viewer_may_see(client, world):
    open_quota(world.val)
    for i in range(3):
        user = make_user(f"u{i}")
        submit(world.val, make_team(world.year, f"Team {i}", user), user, wrong=i, entry=f"e{i}")
    base = reverse("leaderboards:export", args=[world.year.slug, "classification", "val", "csv"])
    rows = list(csv.DictReader(io.StringIO(client.get(base).content.decode())))
    assert [(r["rank"], r["team"], r["top5_error"]) for r in rows] == [
        ("1", "Team 0", "0.00000"), ("2", "Team 1", "0.10000"), ("3", "Team 2", "0.20000")]
    document = client.get(reverse("leaderboards:export", args=[world.year.slug, "classification", "val", "json"])).json()
    assert document["count"] == 3 and [e["entry"] for e in document["entries"]] == ["e0", "e1", "e2"]
    assert client.get(base, {"track": "outside"}).content.decode().count("\n") == 1  # the header only
    submit(world.test, world.alpha, world.alice, wrong=1)
    hidden = reverse("leaderboards:export", args=[world.year.slug, "classification", "test", "csv"])
    assert client.get(hidden).status_code == 404  # hidden until the results date
    assert client.get(base.replace(".csv", ".xml")).status_code == 404


def test_a_page_beyond_the_last_does_not_claim_the_board_is_empty(client, world):
    submit(world.val, world.alpha, world.alice, wrong=1, entry="a1")
    page = client.get(_board_url(world), {"page": 5}).content.decode()
    assert "No scored entries yet" not in page
    assert "This board has no page 5." in page and "Go to its first page" in page
