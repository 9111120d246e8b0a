"""score_pending --loop runs one loop per job (scoring, ranking, chores, mail), so that a backlog of
one never delays another; mail goes out from the outbox, never inside a transaction; and the run
command starts a worker again when it dies."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from challenge.competition.models import ChallengeYear
from challenge.notices.mail import Mail, queue_emails, send_queued_emails
from challenge.notices.models import EmailKind, OutgoingEmail
from submissions.leaderboards.models import LeaderboardArchive
from submissions.models import Submission
from submissions.services import create_submission
from tests.base import VAL_LABELS, make_world, predictions_file

ROOT = Path(__file__).resolve().parents[2]


def _worker(*args: str, env: dict | None = None) -> subprocess.Popen:
    db = connections["default"].settings_dict
    environment = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
                   **(env or {})}
    return subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.05", *args],
                            cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stop(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_results_freeze_happens_on_time_behind_a_backlog_of_ten_thousand_scorings(private_storage):
    world = make_world()
    first = create_submission(team=world.alpha, split=world.val, user=world.alice, entry_name="e",
                              data=predictions_file([[label] for label in VAL_LABELS]))
    template = Submission.objects.get(pk=first.pk)
    Submission.objects.bulk_create([
        Submission(team_id=template.team_id, split_id=template.split_id, submitted_by_id=template.submitted_by_id,
                   entry_name=f"backlog {n}", file_key=template.file_key, file_sha256=template.file_sha256,
                   file_size=template.file_size) for n in range(10_000)], batch_size=2000)
    results_at = timezone.now() + timedelta(seconds=4)
    ChallengeYear.objects.filter(pk=world.year.pk).update(deadline=timezone.now() - timedelta(seconds=1),
                                                          results_at=results_at)
    worker = _worker(env={"MEDIA_ROOT": str(private_storage), "AWS_STORAGE_BUCKET_NAME": ""})
    try:
        deadline = time.monotonic() + 120
        while not LeaderboardArchive.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        frozen_after = (timezone.now() - results_at).total_seconds()
        backlog = Submission.objects.filter(status=Submission.Status.RECEIVED).count()
    finally:
        _stop(worker)
    print(f"\n[loops] results frozen {frozen_after:.1f} s after the results date, {backlog:,} uploads still "
          "waiting to be scored")
    assert LeaderboardArchive.objects.exists() and frozen_after < 15
    assert backlog > 1000  # the freeze did not wait for the scoring to drain


class RecordingBackend(EmailBackend):
    """Django's test outbox, which also notes whether each message left inside a transaction."""

    inside_transaction: list[bool] = []

    def send_messages(self, messages):
        RecordingBackend.inside_transaction.append(connection.in_atomic_block)
        return super().send_messages(messages)


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_from_the_outbox_outside_any_transaction(settings):
    settings.EMAIL_BACKEND = "tests.submissions.test_worker_loops.RecordingBackend"
    RecordingBackend.inside_transaction = []
    queue_emails([Mail(kind=EmailKind.ANNOUNCEMENT, to=f"p{n}@example.org", template="announcement",
                       context={"year": {"title": "Y"}, "announcement": {"title": "T", "body": "B"}})
                  for n in range(3)])
    assert send_queued_emails() == 3
    assert RecordingBackend.inside_transaction and not any(RecordingBackend.inside_transaction)
    assert sorted(m.to[0] for m in mail.outbox) == ["p0@example.org", "p1@example.org", "p2@example.org"]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert send_queued_emails() == 0  # sent once


@pytest.mark.django_db
def test_a_mail_claimed_by_a_worker_that_died_goes_out_once_its_lease_ends():
    queue_emails([Mail(kind=EmailKind.ANNOUNCEMENT, to="p@example.org", template="announcement",
                       context={"year": {"title": "Y"}, "announcement": {"title": "T", "body": "B"}})])
    OutgoingEmail.objects.update(not_before=timezone.now() + timedelta(minutes=10))  # a dead sender's lease
    assert send_queued_emails() == 0
    OutgoingEmail.objects.update(not_before=timezone.now() - timedelta(seconds=1))
    assert send_queued_emails() == 1 and OutgoingEmail.objects.get().status == "sent"


@pytest.mark.django_db
def test_only_takes_known_jobs():
    with pytest.raises(CommandError, match="--only takes scoring, ranking, chores, mail"):
        call_command("score_pending", only="scoring,cooking", stdout=StringIO())


@pytest.mark.django_db
def test_one_job_at_a_time_leaves_the_others_alone(world):
    submission = create_submission(team=world.alpha, split=world.val, user=world.alice, entry_name="e",
                                   data=predictions_file([[label] for label in VAL_LABELS]))
    call_command("score_pending", only="chores,mail", stdout=StringIO())
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.RECEIVED
    call_command("score_pending", only="scoring", stdout=StringIO())
    assert Submission.objects.get(pk=submission.pk).status == Submission.Status.SCORED


def test_the_supervisor_starts_a_worker_again_when_it_dies(tmp_path):
    runs = tmp_path / "runs"
    script = f"import os, sys; open({str(runs)!r}, 'a').write(str(os.getpid()) + chr(10)); sys.exit(3)"
    supervisor = subprocess.Popen([str(ROOT / "scripts" / "supervise"), sys.executable, "-c", script],
                                  stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not runs.exists() or len(runs.read_text().split()) < 3):
            time.sleep(0.1)
    finally:
        supervisor.send_signal(signal.SIGTERM)
        _, said = supervisor.communicate(timeout=10)
    assert len(set(runs.read_text().split())) >= 3  # died three times, started again each time
    assert "exited with 3; starting it again" in said
    assert supervisor.returncode == 0
    assert " ".join(["scripts/supervise", ".venv/bin/python", "manage.py", "score_pending", "--loop"]) in (
        ROOT / "scripts" / "run").read_text()
