"""Ranking, ties, tracks, rows per team and excluded entries on the materialized boards."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear
from submissions.leaderboards.services import rank_rows, rebuild_leaderboard
from submissions.models import Submission
from tests.base import make_team, make_user
from tests.leaderboard_helpers import open_quota, stored_rows, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(world):
    open_quota(world.val, world.test)
    world.dora = make_user("dora")
    world.delta = make_team(world.year, "Delta", world.dora)
    return world


def _board_rows(split, track="combined"):
    return stored_rows(split, track=track)


def test_it_ranks_by_the_primary_metric_with_secondary_metrics_beside_it(board):
    submit(board.val, board.alpha, board.alice, wrong=3, entry="a")
    submit(board.val, board.charlies_team, board.charlie, wrong=1, entry="c")
    rows = _board_rows(board.val)
    assert [(r["rank"], r["team"]["name"], r["scores"]["top5_error"]["value"]) for r in rows] == [
        (1, "Charlie's Angles", 0.1), (2, "Alpha", 0.3)]
    assert rows[0]["scores"]["top1_error"]["value"] == 0.1


def test_equal_rounded_scores_share_a_rank_and_the_earlier_entry_comes_first(board):
    submit(board.val, board.alpha, board.alice, wrong=2, entry="later", minutes_ago=5)
    submit(board.val, board.charlies_team, board.charlie, wrong=[3, 4], entry="earlier", minutes_ago=10)
    submit(board.val, board.delta, board.dora, wrong=5, entry="worse")
    rows = _board_rows(board.val)
    assert [(r["rank"], r["entry"]) for r in rows] == [(1, "earlier"), (1, "later"), (3, "worse")]


def test_it_shows_one_row_per_team_its_best_unless_told_otherwise(board):
    submit(board.val, board.alpha, board.alice, wrong=4, entry="first")
    submit(board.val, board.alpha, board.bob, wrong=2, entry="better")
    assert [r["entry"] for r in _board_rows(board.val)] == ["better"]
    ChallengeYear.objects.filter(pk=board.year.pk).update(leaderboard_rows=ChallengeYear.LeaderboardRows.ALL_ENTRIES)
    rebuild_leaderboard(split=board.val)
    assert [r["entry"] for r in _board_rows(board.val)] == ["better", "first"]


def test_final_entries_replace_the_best_when_chosen(board):
    first = submit(board.val, board.alpha, board.alice, wrong=4, entry="chosen")
    submit(board.val, board.alpha, board.bob, wrong=2, entry="best")
    Submission.objects.filter(pk=first.pk).update(is_final=True)
    ChallengeYear.objects.filter(pk=board.year.pk).update(leaderboard_rows=ChallengeYear.LeaderboardRows.FINAL_PER_TEAM)
    rebuild_leaderboard(split=board.val)
    assert [r["entry"] for r in _board_rows(board.val)] == ["chosen"]


def test_tracks_separate_provided_data_from_outside_data(board):
    submit(board.val, board.alpha, board.alice, wrong=1, entry="outside", outside=True)
    submit(board.val, board.charlies_team, board.charlie, wrong=2, entry="provided")
    assert [r["entry"] for r in _board_rows(board.val, "provided")] == ["provided"]
    assert [r["entry"] for r in _board_rows(board.val, "outside")] == ["outside"]
    assert [r["entry"] for r in _board_rows(board.val, "combined")] == ["outside", "provided"]


def test_disqualified_and_banned_entries_are_struck_with_the_reason_or_hidden(board, client):
    dq = submit(board.val, board.alpha, board.alice, wrong=0, entry="cheat")
    submit(board.val, board.alpha, board.alice, wrong=3, entry="honest")
    submit(board.val, board.delta, board.dora, wrong=1, entry="banned one")
    submit(board.val, board.charlies_team, board.charlie, wrong=2, entry="fine")
    Submission.objects.filter(pk=dq.pk).update(disqualified=True, disqualified_reason="used test labels")
    board.delta.banned_until, board.delta.ban_reason = timezone.now() + timedelta(days=9), "multiple accounts"
    board.delta.save()
    rebuild_leaderboard(split=board.val)
    rows = _board_rows(board.val)
    assert [(r["rank"], r["entry"]) for r in rows if not r["excluded"]] == [(1, "fine"), (2, "honest")]
    assert {r["entry"]: r["excluded"] for r in rows if r["excluded"]} == {
        "cheat": "Disqualified: used test labels", "banned one": "Team banned: multiple accounts"}
    page = client.get(reverse("leaderboards:leaderboard", args=[board.year.slug, "classification", "val"])).content.decode()
    assert "<del>cheat</del>" in page and "used test labels" in page

    ChallengeYear.objects.filter(pk=board.year.pk).update(excluded_display=ChallengeYear.ExcludedDisplay.HIDDEN)
    rebuild_leaderboard(split=board.val)
    assert [r["entry"] for r in _board_rows(board.val)] == ["fine", "honest"]


def test_not_comparable_entries_are_marked(board, client):
    s = submit(board.val, board.alpha, board.alice, wrong=1, entry="odd")
    Submission.objects.filter(pk=s.pk).update(not_comparable=True, not_comparable_reason="trained on val")
    rebuild_leaderboard(split=board.val)
    assert _board_rows(board.val)[0]["not_comparable"] == "trained on val"
    page = client.get(reverse("leaderboards:leaderboard", args=[board.year.slug, "classification", "val"])).content.decode()
    assert "not directly comparable: trained on val" in page


def test_the_page_prints_the_rule_rounds_to_five_decimals_and_links_the_team(board, client):
    submit(board.val, board.alpha, board.alice, wrong=1, entry="a")
    page = client.get(reverse("leaderboards:leaderboard", args=[board.year.slug, "classification", "val"])).content.decode()
    assert "share a rank" in page and "earlier submission is listed first" in page
    assert "10.000%" in page and reverse("teams:detail", args=[board.alpha.pk]) in page


def test_rank_rows_recomputes_what_the_board_stored(board):
    submit(board.val, board.alpha, board.alice, wrong=1)
    submit(board.val, board.charlies_team, board.charlie, wrong=4)
    assert rank_rows(split=board.val, basis="all", track="combined") == _board_rows(board.val)


def test_a_team_that_chose_no_final_entry_is_shown_by_its_best(board):
    chosen = submit(board.val, board.alpha, board.alice, wrong=4, entry="chosen")
    submit(board.val, board.alpha, board.bob, wrong=2, entry="alpha best")
    submit(board.val, board.charlies_team, board.charlie, wrong=5, entry="charlie worse")
    submit(board.val, board.charlies_team, board.charlie, wrong=3, entry="charlie best")
    Submission.objects.filter(pk=chosen.pk).update(is_final=True)
    ChallengeYear.objects.filter(pk=board.year.pk).update(leaderboard_rows=ChallengeYear.LeaderboardRows.FINAL_PER_TEAM)
    rebuild_leaderboard(split=board.val)
    assert [r["entry"] for r in _board_rows(board.val)] == ["charlie best", "chosen"]


def test_paired_tests_follow_a_changed_public_subset(world):
    """The memo of paired tests is keyed by the subset too: a new seed gives new tests."""
    from challenge.competition.models import Split
    from submissions.leaderboards import ranking as statistics
    from submissions.leaderboards import services as leaderboard
    from tests.leaderboard_helpers import open_quota, submit

    test = world.test
    Split.objects.filter(pk=test.pk).update(visibility=Split.Visibility.PUBLIC_SUBSET,
                                            public_subset_fraction=0.5, public_subset_seed=1)
    open_quota(test)
    # Alpha is wrong on images 0-4, Charlie's team on 5-9: which one is better depends on the subset.
    submit(test, world.alpha, world.alice, wrong=[0, 1, 2, 3, 4])
    submit(test, world.charlies_team, world.charlie, wrong=[5, 6, 7, 8, 9])
    for seed in (1, 2, 3):
        split = Split.objects.select_related("task__year").get(pk=test.pk)
        Split.objects.filter(pk=test.pk).update(public_subset_seed=seed)
        split.public_subset_seed = seed
        ranked = sorted(leaderboard.candidates_of(split, timezone.now()), key=lambda c: c.score_id)
        [result, _] = leaderboard._paired_tests(split, "public", "top5_error")(ranked)
        mask = statistics.public_subset_mask(10, seed=seed, fraction=0.5)
        # Alpha (first) is better where only Charlie's team is wrong, and the other way round.
        assert (result.a_better, result.b_better) == (int(mask[5:].sum()), int(mask[:5].sum()))
