"""Nothing lost, nothing stuck: score_pending finishes what a crash left, once per row."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from submissions import quotas, services
from submissions.ledger import append_record
from submissions.management.commands.score_pending import Command
from submissions.models import LedgerRecord, Score, Submission
from tests.base import VAL_LABELS, make_world, predictions_file

GOOD_VAL = predictions_file([[label] for label in VAL_LABELS])


def _received(world, user=None) -> Submission:
    """A submission as a crash right after the upload's commit leaves it: stored, not scored."""
    return services.create_submission(team=world.alpha, split=world.val, user=user or world.alice,
                                      data=GOOD_VAL, entry_name="crashed")


@pytest.mark.django_db
def test_it_scores_what_a_crash_left_received(world):
    submission = _received(world)
    assert submission.status == Submission.Status.RECEIVED and submission.file_sha256
    out = StringIO()
    call_command("score_pending", stdout=out)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.SCORED and submission.current_score.top5_error == 0.0
    assert "scored 1 submission" in out.getvalue()


@pytest.mark.django_db
def test_it_takes_over_a_stale_claim_but_not_a_fresh_one(world):
    stale, fresh = _received(world), _received(world, world.bob)
    Submission.objects.filter(pk=stale.pk).update(status="scoring", claimed_at=timezone.now() - timedelta(hours=1))
    Submission.objects.filter(pk=fresh.pk).update(status="scoring", claimed_at=timezone.now())
    call_command("score_pending", stdout=StringIO())
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "scored" and fresh.status == "scoring"


@pytest.mark.django_db
def test_scoring_twice_changes_nothing(world):
    submission = _received(world)
    services.score_submission(submission_id=submission.pk)
    services.score_submission(submission_id=submission.pk)
    call_command("score_pending", stdout=StringIO())
    assert Score.objects.filter(submission=submission).count() == 1


@pytest.mark.django_db
def test_it_gives_up_and_refunds_after_repeated_crashes(world):
    submission = _received(world)
    Submission.objects.filter(pk=submission.pk).update(
        status="scoring", attempts=services.MAX_ATTEMPTS, claimed_at=timezone.now() - timedelta(hours=1))
    assert Command().score_one() is True
    submission.refresh_from_db()
    assert submission.status == "failed" and submission.refunded
    assert Command().score_one() is False


@pytest.mark.django_db(transaction=True)
def test_several_workers_never_score_the_same_row_twice():
    world = make_world()
    rows = [_received(world, world.alice if i % 2 else world.bob) for i in range(2)]
    rows += [services.create_submission(team=world.charlies_team, split=world.val, user=world.charlie,
                                        data=GOOD_VAL, entry_name=f"c{i}") for i in range(4)]
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            while Command().score_one():
                pass
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(Submission.objects.values_list("status", flat=True)) == {"scored"}
    for submission in rows:
        assert Score.objects.filter(submission=submission).count() == 1
        assert Submission.objects.get(pk=submission.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_scores_and_stops_cleanly_on_sigterm(private_storage):
    world = make_world()
    _received(world)
    db = connections["default"].settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DATABASE_URL": url,
           "MEDIA_ROOT": str(private_storage), "AWS_STORAGE_BUCKET_NAME": ""}
    worker = subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 60  # a loaded machine may take seconds to start Django
    while Submission.objects.get().status != "scored" and time.monotonic() < deadline:
        time.sleep(0.1)
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=20)
    assert worker.returncode == 0, err
    assert "scored 1 submission(s)" in out and "unavailable" not in err
    assert Submission.objects.get().status == "scored"


def _someone_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_team_uploading_while_its_last_upload_is_scored_neither_deadlocks_nor_fails_the_score():
    """An upload's transaction holds its team's row (the quota) and then wants the ledger; the
    worker's scoring transaction holds the ledger and, at its commit, checks its entry's team
    (a foreign key). The quota's lock must not stop that check, or the two deadlock."""
    world = make_world()
    waiting = _received(world)
    quota_taken, go, outcome = threading.Event(), threading.Event(), {}

    def upload():  # create_submission's transaction, paused between its quota and its ledger record
        try:
            with transaction.atomic():
                quotas.lock_and_check(team=world.alpha, user=world.bob, split=world.val)
                quota_taken.set()
                go.wait(20)
                append_record(kind=LedgerRecord.Kind.SUBMISSION_MODERATED, payload={"probe": True})
        except Exception as exc:
            outcome["upload"] = exc
        finally:
            connections.close_all()

    def score():
        try:
            quota_taken.wait(20)
            services.score_submission(submission_id=waiting.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload), threading.Thread(target=score)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while threads[1].is_alive() and not _someone_waits_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    assert "upload" not in outcome, outcome
    waiting.refresh_from_db()
    assert waiting.status == Submission.Status.SCORED, waiting.failure_reason


@pytest.mark.django_db(transaction=True)
def test_a_database_error_while_scoring_puts_the_submission_back_in_the_queue_rather_than_failing_it():
    """A restart, a lost connection or a lock timeout is the site's trouble, not the file's: the
    row goes back to `received` (not failed, not refunded) and the next pass scores it."""
    from django.db import DatabaseError

    from submissions.leaderboards.models import BoardBuild

    world = make_world()
    waiting = _received(world)
    name = connection.settings_dict["NAME"]
    held, release, outcome = threading.Event(), threading.Event(), {}

    def hold_the_boards():  # a rebuild that lasts longer than the scorer's lock_timeout
        try:
            with transaction.atomic():
                BoardBuild.objects.bulk_create([BoardBuild(split=world.val)], ignore_conflicts=True)
                BoardBuild.objects.select_for_update().get(split=world.val)
                held.set()
                release.wait(20)
        finally:
            connections.close_all()

    def score():
        try:
            services.score_submission(submission_id=waiting.pk)
        except DatabaseError as exc:
            outcome["error"] = exc
        finally:
            connections.close_all()

    with connection.cursor() as cursor:  # for the connections opened from now on
        cursor.execute(f"ALTER DATABASE \"{name}\" SET lock_timeout = '300ms'")
    holder = threading.Thread(target=hold_the_boards)
    holder.start()
    try:
        held.wait(20)
        scorer = threading.Thread(target=score)
        scorer.start()
        scorer.join(timeout=30)
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" RESET lock_timeout')
    assert "lock timeout" in str(outcome.get("error"))
    waiting.refresh_from_db()
    assert (waiting.status, waiting.refunded, waiting.failure_reason, waiting.attempts) == ("received", False, "", 1)
    assert not waiting.scores.exists()
    call_command("score_pending", stdout=StringIO())
    waiting.refresh_from_db()
    assert waiting.status == "scored" and waiting.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_keeps_its_claim_however_long_it_scores_and_a_silent_one_loses_it(settings):
    """The heartbeat: while a worker scores, a thread of its own refreshes the claim, so no other
    worker takes the row however long the scoring lasts; three missed beats and it is claimable
    (a dead worker's), without waiting SCORING_STALE_CLAIM_SECONDS."""
    from django.db.models.functions import Now

    settings.SCORING_HEARTBEAT_SECONDS = 0.2
    world = make_world()
    claimed = _received(world)
    Submission.objects.filter(pk=claimed.pk).update(status="scoring", claimed_at=timezone.now(), heartbeat_at=Now())
    with services.ClaimHeartbeat(submission_id=claimed.pk, every=0.2):
        started = time.monotonic()
        while time.monotonic() - started < 3:  # five times as long as a claim lasts unrefreshed
            assert claimed.pk not in services.claimable_submission_ids()
            time.sleep(0.05)
    quiet = time.monotonic()
    while claimed.pk not in services.claimable_submission_ids():
        assert time.monotonic() - quiet < 5, "a silent claim was never taken to be a dead worker's"
        time.sleep(0.05)
    assert time.monotonic() - quiet >= 0.4  # not before its last beat is three beats old (about 0.6 s)
    assert settings.SCORING_STALE_CLAIM_SECONDS >= 600
