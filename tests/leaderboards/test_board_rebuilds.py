"""Boards are rebuilt by the scoring workers, once for many scores, never under a reader's feet.

A score counts a change on its split's BoardBuild row; a worker rebuilds a split whose boards
lag behind at most once per LEADERBOARD_REBUILD_SECONDS, holding that row (SKIP LOCKED) until
its transaction commits. Readers see the previous board until then.
"""

import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from submissions import services
from submissions.leaderboards.models import BoardBuild, BoardSegment, LeaderboardBoard
from submissions.leaderboards.selectors import board_rows, page_body
from submissions.leaderboards.services import rebuild_due_boards, rebuild_leaderboard
from submissions.management.commands.score_pending import Command
from submissions.models import Submission
from tests.base import VAL_LABELS, make_team, make_user, make_world, predictions_file, run_scoring_worker
from tests.leaderboard_helpers import open_quota


def _upload(world, team, user, entry: str) -> Submission:
    return services.create_submission(team=team, split=world.val, user=user, entry_name=entry,
                                      data=predictions_file([[label] for label in VAL_LABELS]))


def _board(client, world) -> list[str]:
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    return sorted(entry["entry"] for entry in client.get(url, {"split": "val"}).json()["entries"])


def _teams(world, n):
    for i in range(n):
        user = make_user(f"member{i}")
        yield make_team(world.year, f"Team {i}", user), user


@pytest.mark.django_db
def test_scores_within_the_window_are_ranked_by_one_rebuild_and_readers_keep_the_board_until_then(
        client, world, settings):
    settings.LEADERBOARD_REBUILD_SECONDS = 60
    open_quota(world.val)
    _upload(world, world.alpha, world.alice, "first")
    Command().drain()  # boards never built: due at once
    assert _board(client, world) == ["first"]
    for team, user in _teams(world, 3):
        _upload(world, team, user, team.name)
    assert Command().drain() == 3
    build = BoardBuild.objects.get(split=world.val)
    assert (build.changes, build.built_changes) == (4, 1)
    assert _board(client, world) == ["first"]  # within the window: the previous board
    BoardBuild.objects.filter(pk=build.pk).update(built_at=timezone.now() - timedelta(seconds=61))
    assert Command().rebuild_one() is True
    assert _board(client, world) == ["Team 0", "Team 1", "Team 2", "first"]
    assert Command().rebuild_one() is False
    build.refresh_from_db()
    assert (build.changes, build.built_changes) == (4, 4)


@pytest.mark.django_db
def test_run_once_it_leaves_no_board_behind_its_scores(client, world, settings):
    settings.LEADERBOARD_REBUILD_SECONDS = 60
    _upload(world, world.alpha, world.alice, "first")
    run_scoring_worker()
    _upload(world, world.charlies_team, world.charlie, "second")
    run_scoring_worker()  # cron, or a restore: the window does not hold a one-off run back
    assert _board(client, world) == ["first", "second"]


@pytest.mark.django_db
def test_every_other_writer_rebuilds_at_once_and_marks_the_boards_current(world, settings):
    settings.LEADERBOARD_REBUILD_SECONDS = 60
    submission = _upload(world, world.alpha, world.alice, "first")
    services.score_submission(submission_id=submission.pk)
    rebuild_leaderboard(split=world.val)  # as moderation, rescoring and organizer settings do
    build = BoardBuild.objects.get(split=world.val)
    assert build.changes == build.built_changes == 1 and build.built_at is not None
    assert rebuild_due_boards(coalesce=False) is False


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def _wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


class OpenRebuild(threading.Thread):
    """A rebuild of the split inside a transaction kept open until `finish` is set, as a worker's
    rebuild is while it ranks and stores (in its own thread and connection)."""

    def __init__(self, split):
        super().__init__()
        self.split, self.inside, self.finish = split, threading.Event(), threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                rebuild_leaderboard(split=self.split)
                self.inside.set()
                self.finish.wait(20)
        finally:
            connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_while_one_worker_rebuilds_a_split_another_skips_it_and_readers_see_the_previous_board(client):
    world = make_world()
    _upload(world, world.alpha, world.alice, "first")
    run_scoring_worker()
    services.score_submission(submission_id=_upload(world, world.charlies_team, world.charlie, "second").pk)
    rebuild = OpenRebuild(world.val)
    rebuild.start()
    try:
        rebuild.inside.wait(20)
        assert rebuild_due_boards(coalesce=False) is False  # held by the other: skipped, not waited for
        assert _board(client, world) == ["first"]  # the new board is not committed yet; no wait either
    finally:
        rebuild.finish.set()
        rebuild.join(timeout=30)
    assert _board(client, world) == ["first", "second"]
    assert rebuild_due_boards(coalesce=False) is False  # that rebuild saw both changes


@pytest.mark.django_db(transaction=True)
def test_a_score_recorded_during_a_rebuild_waits_for_it_and_counts_for_the_next(client):
    world = make_world()
    _upload(world, world.alpha, world.alice, "first")
    run_scoring_worker()
    late = _upload(world, world.charlies_team, world.charlie, "late")
    rebuild = OpenRebuild(world.val)
    rebuild.start()
    rebuild.inside.wait(20)
    scorer = threading.Thread(target=lambda: (services.score_submission(submission_id=late.pk),
                                              connections.close_all()))
    scorer.start()
    try:
        _wait_until(_someone_waits_for_a_lock)  # the score's transaction waits for the rebuild
        assert Submission.objects.get(pk=late.pk).status == "scoring"
    finally:
        rebuild.finish.set()
        rebuild.join(timeout=30)
        scorer.join(timeout=30)
    assert Submission.objects.get(pk=late.pk).status == "scored"
    assert _board(client, world) == ["first"]
    assert rebuild_due_boards(coalesce=False) is True
    assert _board(client, world) == ["first", "late"]


@pytest.mark.django_db
def test_a_rebuild_that_raises_keeps_the_previous_boards_and_the_worker_scoring(client, world, settings, caplog):
    from challenge.competition.models import Task

    settings.LEADERBOARD_REBUILD_SECONDS = 60
    _upload(world, world.alpha, world.alice, "first")
    run_scoring_worker()
    _upload(world, world.charlies_team, world.charlie, "second")
    Command().score_one()
    Task.objects.filter(pk=world.task.pk).update(kind="no such kind")  # ranking cannot know its metrics
    BoardBuild.objects.update(built_at=None)
    assert Command().rebuild_one() is True  # no exception: the worker lives on
    assert "rebuilding the boards of split" in caplog.text
    assert _board(client, world) == ["first"]
    assert Command().rebuild_one() is False  # tried again a window later, not in a loop
    Task.objects.filter(pk=world.task.pk).update(kind=Task.Kind.CLASSIFICATION)
    BoardBuild.objects.update(built_at=timezone.now() - timedelta(seconds=61))
    assert Command().rebuild_one() is True and _board(client, world) == ["first", "second"]


@pytest.mark.django_db
def test_a_ban_that_ends_by_itself_is_shown_ended_after_the_workers_chores(client, world):
    from submissions.leaderboards.services import mark_ended_bans
    from submissions.moderation import ban_team

    _upload(world, world.alpha, world.alice, "alpha")
    run_scoring_worker()
    ban_team(user=world.olivia, team=world.alpha, banned_until=timezone.now() + timedelta(seconds=1), reason="copied")
    url = reverse("leaderboard_api:leaderboard", args=[world.year.slug, "classification"])
    assert client.get(url, {"split": "val"}).json()["entries"][0]["excluded"] == "Team banned: copied"
    assert mark_ended_bans() == 0  # still banned
    time.sleep(1.2)
    assert mark_ended_bans() == 1 and mark_ended_bans() == 0  # marked once, when it ended
    assert Command().rebuild_one() is True
    [entry] = client.get(url, {"split": "val"}).json()["entries"]
    assert entry["excluded"] is None and entry["rank"] == 1


@pytest.mark.django_db
def test_a_reader_holding_a_board_from_before_an_update_is_served_the_board_as_it_is_now(world):
    # A process keeps the boards it looked up for up to LEADERBOARD_CACHE_SECONDS; meanwhile an
    # update (in another process) may replace and delete the segments that copy names.
    open_quota(world.val)
    services.score_submission(submission_id=_upload(world, world.alpha, world.alice, "first").pk)
    while rebuild_due_boards(coalesce=False):
        pass
    held = LeaderboardBoard.objects.get(split=world.val, basis="all", track="combined")
    (team, user), = _teams(world, 1)
    services.score_submission(submission_id=_upload(world, team, user, "second").pk)
    while rebuild_due_boards(coalesce=False):
        pass
    assert not BoardSegment.objects.filter(pk__in=[item[0] for item in held.segments]).exists()
    cache.clear()  # as in another process, which never read the replaced segments
    page = json.loads(page_body(board=held, page=1, body="json", split=world.val))
    assert sorted(entry["entry"] for entry in page["entries"]) == ["first", "second"]
    assert sorted(row["entry"] for row in board_rows(held)) == ["first", "second"]
