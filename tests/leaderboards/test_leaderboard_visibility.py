"""What viewers see before and after the results date, the frozen archive, and the Ladder."""

import hashlib
import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear, Split
from submissions.leaderboards import ranking as statistics
from submissions.leaderboards.archives import freeze_due_results
from submissions.leaderboards.models import LeaderboardArchive
from submissions.leaderboards.selectors import visible_scores
from submissions.leaderboards.services import rebuild_leaderboard
from submissions.models import Submission
from tests.base import PASSWORD
from tests.leaderboard_helpers import open_quota, submit

pytestmark = pytest.mark.django_db


def _page(client, world, split="test", **params):
    url = reverse("leaderboards:leaderboard", args=[world.year.slug, "classification", split])
    return client.get(url, params).content.decode()


def _api(client, world, split="test", **params):
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    return client.get(url, {"split": split, **params}).json()


def _results_out(world):
    ChallengeYear.objects.filter(pk=world.year.pk).update(
        deadline=timezone.now() - timedelta(hours=2), results_at=timezone.now() - timedelta(minutes=1))


@pytest.fixture
def hidden(world):
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=2, entry="secret-sauce")
    return world


def test_a_hidden_split_shows_nothing_to_the_public_or_the_team_before_the_results(client, hidden):
    for user in (None, hidden.alice):
        if user:
            client.login(username=user.username, password=PASSWORD)
        page = _page(client, hidden)
        assert "secret-sauce" not in page and "20.000%" not in page and "hidden until the results" in page
        body = _api(client, hidden)
        assert body["visible"] is False and body["entries"] == []


def test_organizers_always_see_raw_scores(client, hidden):
    client.login(username="olivia", password=PASSWORD)
    assert "secret-sauce" in _page(client, hidden) and "20.000%" in _page(client, hidden)
    assert _api(client, hidden)["entries"][0]["scores"]["top5_error"]["value"] == 0.2


def test_the_final_ranking_is_published_and_frozen_at_the_results_date(client, hidden):
    _results_out(hidden)
    assert freeze_due_results() == 6  # both splits, one archive per track each
    page = _page(client, hidden)
    assert "secret-sauce" in page and "20.000%" in page and "permanent link" in page
    body = _api(client, hidden)
    assert body["frozen"] is True and body["entries"][0]["entry"] == "secret-sauce"
    assert freeze_due_results() == 0


def test_the_frozen_archive_cannot_change(client, hidden):
    _results_out(hidden)
    freeze_due_results()
    archive = LeaderboardArchive.objects.get(split=hidden.test, track="combined")
    csv_before = client.get(reverse("leaderboards:archive-export", args=[archive.public_id, "csv"])).content
    json_before = client.get(reverse("leaderboards:archive-export", args=[archive.public_id, "json"])).content
    assert hashlib.sha256(csv_before).hexdigest() == archive.csv_sha256
    assert hashlib.sha256(json_before).hexdigest() == archive.json_sha256
    assert b"secret-sauce" in csv_before and json.loads(json_before)["entries"][0]["rank"] == 1

    Submission.objects.update(disqualified=True, disqualified_reason="late discovery")
    rebuild_leaderboard(split=hidden.test)
    freeze_due_results()
    assert client.get(reverse("leaderboards:archive-export", args=[archive.public_id, "csv"])).content == csv_before
    assert client.get(reverse("leaderboards:archive-export", args=[archive.public_id, "json"])).content == json_before
    assert "late discovery" not in client.get(reverse("leaderboards:archive", args=[archive.public_id])).content.decode()
    page = _page(client, hidden)  # the public board after the results date is the frozen one
    assert "secret-sauce" in page and "late discovery" not in page and "permanent link" in page
    assert LeaderboardArchive.objects.filter(split=hidden.test).count() == 3


def test_a_public_subset_split_shows_live_scores_on_the_subset_and_ranks_finally_on_the_rest(client, world):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET,
                                                  public_subset_fraction=0.3, public_subset_seed=7)
    open_quota(world.test)
    public = set(statistics.public_subset_mask(10, seed=7, fraction=0.3).nonzero()[0].tolist())
    submit(world.test, world.alpha, world.alice, wrong=public, entry="overfit-private")
    submit(world.test, world.charlies_team, world.charlie, wrong=[i for i in range(10) if i not in public][:2],
           entry="honest")
    live = _api(client, world)
    assert [(e["entry"], e["scores"]["top5_error"]["value"]) for e in live["entries"]] == [
        ("honest", 0.0), ("overfit-private", 1.0)]
    assert live["basis"] == "public"

    _results_out(world)
    final = _api(client, world)  # before freezing: the live final board
    assert [(e["entry"], e["scores"]["top5_error"]["value"]) for e in final["entries"]] == [
        ("overfit-private", 0.0), ("honest", round(2 / 7, 5))]
    freeze_due_results()
    frozen = _api(client, world)
    assert (frozen["basis"], frozen["frozen"]) == ("final", True)
    assert [e["entry"] for e in frozen["entries"]] == ["overfit-private", "honest"]


def test_the_ladder_shows_a_new_score_only_when_it_is_significantly_better(client, world):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.LADDER)
    open_quota(world.test)
    shown = []
    steps = [range(6), range(5), [], [0]]  # 60%; 50% (1 image better: no); 0% (6 better: p=0.03); 10%
    for wrong in steps:
        submission = submit(world.test, world.alpha, world.alice, wrong=list(wrong))
        entries = _api(client, world)["entries"]
        shown.append(entries[0]["scores"]["top5_error"]["value"])
        assert len(entries) == 1
    assert shown == [0.6, 0.6, 0.0, 0.0]
    assert visible_scores(submission=submission, user=world.alice)["scores"]["top5_error"][0] == 0.0
    client.login(username="olivia", password=PASSWORD)
    assert _api(client, world)["entries"][0]["scores"]["top5_error"]["value"] == 0.0
    assert _api(client, world)["basis"] == "all"


def test_the_ladder_replays_the_same_decisions_when_rebuilt(client, world):
    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.LADDER)
    open_quota(world.test)
    for wrong in (range(6), range(5)):
        submit(world.test, world.alpha, world.alice, wrong=list(wrong))
    rebuild_leaderboard(split=world.test)
    assert _api(client, world)["entries"][0]["scores"]["top5_error"]["value"] == 0.6


def test_visible_scores_follow_the_same_rule_for_the_submission_page(world):
    open_quota(world.test)
    submission = submit(world.test, world.alpha, world.alice, wrong=2)
    assert visible_scores(submission=submission, user=world.alice) is None
    assert visible_scores(submission=submission, user=world.olivia)["scores"]["top5_error"][0] == 0.2


def test_a_freeze_stopped_between_tracks_is_finished_on_the_next_pass(hidden):
    _results_out(hidden)
    assert freeze_due_results() == 6
    LeaderboardArchive.objects.filter(split=hidden.test, track="outside").delete()
    assert freeze_due_results() == 1
    assert LeaderboardArchive.objects.filter(split=hidden.test).count() == 3


def test_after_the_results_organizers_see_the_live_board_and_the_public_the_frozen_one(client, hidden):
    _results_out(hidden)
    freeze_due_results()
    Submission.objects.update(disqualified=True, disqualified_reason="late discovery")
    rebuild_leaderboard(split=hidden.test)
    assert _api(client, hidden)["basis"] == "final"
    submission = Submission.objects.get(split=hidden.test)
    assert visible_scores(submission=submission, user=hidden.alice)["basis"] == "all"
    client.login(username="olivia", password=PASSWORD)
    body = _api(client, hidden)
    assert (body["basis"], body["frozen"]) == ("all", False)
    assert body["entries"][0]["excluded"] == "Disqualified: late discovery"


def test_a_rebuild_keeps_the_intervals_of_unchanged_ladder_entries(world):
    from submissions.leaderboards.models import LeaderboardEntry

    Split.objects.filter(pk=world.test.pk).update(visibility=Split.Visibility.LADDER)
    open_quota(world.test)
    submit(world.test, world.alpha, world.alice, wrong=3)
    before = LeaderboardEntry.objects.get().updated_at
    rebuild_leaderboard(split=world.test)
    assert LeaderboardEntry.objects.get().updated_at == before
