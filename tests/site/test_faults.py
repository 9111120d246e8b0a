"""Faults against the real thing: gunicorn workers, the scoring worker and PostgreSQL killed or
stopped mid-work, storage failing. Nothing accepted is lost, nothing stays stuck, the site
comes back by itself, and meanwhile it answers a clear 503, never a traceback.

Each test prints its figures (run with -s to see them): `scripts/test tests/site/test_faults.py -s`.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from django.utils import timezone

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import Split, Task
from submissions.ground_truth_uploads import upload_ground_truth
from submissions.models import RescoringItem, RescoringJob, Submission
from submissions.services import create_submission, score_submission
from tests import livesite
from tests.base import PASSWORD, VAL_LABELS, labels_file, predictions_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("static")
    env = livesite.site_env(database_name="unused", media_root=root / "unused-media", static_root=root)
    livesite.collectstatic(env)
    return root


@pytest.fixture
def site_env(world, private_storage, static_root):
    private_storage.mkdir(parents=True, exist_ok=True)
    # The test settings hash with MD5 for speed; the real site only knows its own hashers.
    hasher = PBKDF2PasswordHasher()
    get_user_model().objects.update(password=hasher.encode(PASSWORD, hasher.salt()))
    return livesite.site_env(database_name=connection.settings_dict["NAME"], media_root=private_storage,
                             static_root=static_root)


@pytest.fixture
def site(site_env, tmp_path):
    server = livesite.Gunicorn(site_env, log_path=tmp_path / "gunicorn.log").start()
    yield server
    server.stop()
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "Traceback" not in log or "Internal Server Error" not in log, log[-3000:]


def _big_split(world, n_images: int, seed: int = 1) -> tuple[Split, np.ndarray]:
    labels = np.random.default_rng(seed).integers(1, 1001, n_images)
    task = Task.objects.create(year=world.year, slug=f"big{n_images}", title="Big", kind=Task.Kind.CLASSIFICATION)
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=n_images, labels_public=True,
                                 quota_per_window=1000, quota_window_days=1)
    replace_ground_truth(split=split, labels=labels_file(labels.tolist()))
    return split, labels


def _guesses(labels: np.ndarray, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    rows = rng.integers(1, 1001, (len(labels), 5))
    right = rng.random(len(labels)) < 0.6
    rows[right, rng.integers(0, 5, len(labels))[right]] = labels[right]
    return predictions_file(rows.tolist())


def _evaluate(env, labels_path, predictions: bytes, tmp_path) -> dict:
    path = tmp_path / f"predictions-{time.monotonic_ns()}.txt"
    path.write_bytes(predictions)
    result = livesite.manage(env, "evaluate", "--task", "classification", "--ground-truth", str(labels_path),
                             "--predictions", str(path), "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _assert_ledger_intact(env):
    result = livesite.manage(env, "verify_ledger")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_worker_killed_in_the_middle_of_an_upload_loses_nothing(site, site_env, world):
    token = livesite.api_token(site.port, "alice", PASSWORD)
    good = predictions_file([[label] for label in VAL_LABELS])
    status, _ = livesite.submit(site.port, token, year="y2030", task="classification", split="val", content=good,
                                entry="before")
    assert status == 201
    body, content_type = livesite.multipart({"year": "y2030", "task": "classification", "split": "val",
                                             "entry": "cut off"}, "file", "p.txt", good)
    head = (f"POST /api/submissions/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"Authorization: Token {token}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", site.port)) as client:
        client.sendall(head + body[: len(body) // 2])
        worker = livesite.Gunicorn.wait_until(lambda: site.worker_serving(client.getsockname()[1]), timeout=10) and \
            site.worker_serving(client.getsockname()[1])
        os.kill(worker, signal.SIGKILL)
        client.settimeout(10)
        assert client.recv(1000) == b""  # the connection dies with the worker; no half answer
    back = site.wait_until(lambda: livesite.request(site.port, "GET", "/healthz")[0] == 200, timeout=30)
    respawned = site.wait_until(lambda: len(site.worker_pids()) == 2 and worker not in site.worker_pids(), timeout=30)
    status, _ = livesite.submit(site.port, token, year="y2030", task="classification", split="val", content=good,
                                entry="after")
    assert status == 201
    assert livesite.manage(site_env, "score_pending").returncode == 0  # the scoring worker's part
    entries = sorted(Submission.objects.values_list("entry_name", "status"))
    assert entries == [("after", "scored"), ("before", "scored")]
    _assert_ledger_intact(site_env)
    print(f"\n[fault] worker killed mid-upload: site answering {back:.2f} s later, worker respawned "
          f"{respawned:.2f} s later; "
          f"submissions stored 2 of 2 accepted, 0 from the cut-off upload")


def test_the_scoring_worker_killed_in_the_middle_of_scoring_leaves_a_row_that_the_next_one_finishes(
        site, site_env, world, private_storage, tmp_path):
    split, labels = _big_split(world, 200_000)
    token = livesite.api_token(site.port, "alice", PASSWORD)
    board = f"/api/years/y2030/tasks/{split.task.slug}/leaderboard/?split=val"
    for attempt in range(5):
        content = _guesses(labels, seed=attempt)
        sent = time.monotonic()
        status, body = livesite.submit(site.port, token, year="y2030", task=split.task.slug, split="val",
                                       content=content, entry=f"big {attempt}", timeout=60)
        answered = time.monotonic() - sent
        assert status == 201 and json.loads(body)["status"] == "received"  # the answer never waits for scoring
        worker = _score_pending_loop(site_env, tmp_path / f"worker{attempt}.log")
        caught = _wait_for_status(Submission.Status.SCORING, after=json.loads(body)["id"] - 1, timeout=60)
        if caught is not None:
            read_started = time.monotonic()
            assert livesite.request(site.port, "GET", board)[0] == 200  # readers do not wait behind it
            read = time.monotonic() - read_started
        worker.kill()
        worker.wait()
        if caught is not None and Submission.objects.get(pk=caught).status == Submission.Status.SCORING:
            break
        # Scored before the worker could be killed: try again with a new file.
    else:
        pytest.fail("scoring was never caught in the act in 5 tries")
    stuck = Submission.objects.get(pk=caught)
    assert stuck.status == Submission.Status.SCORING and not stuck.scores.exists()
    # A claim is taken to be a dead worker's once its heartbeats stop (three missed beats, or for a
    # claim without heartbeats SCORING_STALE_CLAIM_SECONDS); let that time pass.
    long_ago = timezone.now() - timedelta(hours=1)
    Submission.objects.filter(pk=caught).update(claimed_at=long_ago, heartbeat_at=long_ago)
    started = time.monotonic()
    result = livesite.manage(site_env, "score_pending")
    recovered = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    stuck.refresh_from_db()
    assert stuck.status == Submission.Status.SCORED
    score = stuck.current_score
    gt_path = private_storage / split.current_ground_truth.labels_key
    expected = _evaluate(site_env, gt_path, content, tmp_path)
    assert score.top5_error == pytest.approx(expected["top5_error"], abs=1e-12)
    assert score.top1_error == pytest.approx(expected["top1_error"], abs=1e-12)
    assert not Submission.objects.filter(status__in=["received", "scoring"]).exists()
    shown = json.loads(livesite.request(site.port, "GET", board)[1])["entries"]
    assert stuck.entry_name in [entry["entry"] for entry in shown]  # and ranked
    _assert_ledger_intact(site_env)
    print(f"\n[fault] scoring worker killed mid-scoring (200,000 images): upload answered in {answered:.2f} s, "
          f"a read during the scoring in {read:.2f} s; the next score_pending finished the claimed row in "
          f"{recovered:.2f} s and ranked it; score equals evaluate")


def _wait_for_status(status, *, after: int, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = Submission.objects.filter(pk__gt=after, status__in=[status, Submission.Status.SCORED])
        row = rows.values_list("pk", "status").first()
        if row is not None:
            return row[0] if row[1] == status else None
        time.sleep(0.002)
    return None


def test_the_scoring_worker_killed_in_the_middle_of_a_rescore_resumes_where_it_stopped(
        site_env, world, private_storage, tmp_path):
    split, labels = _big_split(world, 60_000, seed=2)
    files = {}
    for n in range(8):
        content = _guesses(labels, seed=100 + n)
        submission = create_submission(team=world.alpha, split=split, user=world.alice, data=content,
                                       entry_name=f"entry {n}")
        files[score_submission(submission_id=submission.pk).pk] = content
    new_labels = labels.copy()
    new_labels[: len(labels) // 3] = np.random.default_rng(3).integers(1, 1001, len(labels) // 3)
    ground_truth = upload_ground_truth(user=world.olivia, split=split, labels=labels_file(new_labels.tolist()))
    job = RescoringJob.objects.get(ground_truth=ground_truth)
    assert job.total == 8

    worker = _score_pending_loop(site_env, tmp_path / "worker1.log")
    site_wait = livesite.Gunicorn.wait_until
    site_wait(lambda: RescoringJob.objects.get(pk=job.pk).done >= 2, timeout=120, interval=0.01)
    worker.kill()
    worker.wait()
    done_at_kill = RescoringJob.objects.get(pk=job.pk).done
    assert done_at_kill < job.total, "the worker finished before it could be killed; use bigger files"

    worker = _score_pending_loop(site_env, tmp_path / "worker2.log")
    try:
        resumed = site_wait(lambda: RescoringJob.objects.get(pk=job.pk).done == job.total, timeout=180, interval=0.05)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    job.refresh_from_db()
    assert job.failed == 0 and not RescoringItem.objects.filter(job=job, status="pending").exists()
    gt_path = private_storage / ground_truth.labels_key
    for n, submission in enumerate(Submission.objects.filter(split=split).order_by("pk")):
        current = submission.scores.filter(is_current=True)
        assert current.count() == 1 and current.get().ground_truth_id == ground_truth.pk
        assert submission.scores.count() == 2  # the first score is kept, no longer current
        if n in (0, 7):  # the first and the last against the command line; each run costs seconds
            expected = _evaluate(site_env, gt_path, files[submission.pk], tmp_path)
            assert current.get().top5_error == pytest.approx(expected["top5_error"], abs=1e-12)
    _assert_ledger_intact(site_env)
    print(f"\n[fault] score_pending killed mid-rescore at {done_at_kill}/{job.total}; a new worker finished the "
          f"other {job.total - done_at_kill} in {resumed:.2f} s; "
          f"0 lost, 0 scored twice, all equal to evaluate")


def _score_pending_loop(env, log_path):
    return subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.1"],
                            cwd=livesite.ROOT, env=env, stdout=open(log_path, "ab"), stderr=subprocess.STDOUT)


class Traffic:
    """Readers and a submitter hitting the site in threads; every answer is kept."""

    def __init__(self, site, token):
        self.site, self.token, self.answers, self.accepted = site, token, [], []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self.read, args=(path,)) for path in
                        ("/healthz", "/years/y2030/tasks/classification/val/leaderboard/", "/api/years/", "/")]
        self.threads.append(threading.Thread(target=self.submit))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def read(self, path):
        while not self.stop.is_set():
            self._record(lambda: livesite.request(self.site.port, "GET", path, timeout=15))
            time.sleep(0.02)

    def submit(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            answer = self._record(lambda: livesite.submit(
                self.site.port, self.token, year="y2030", task="classification", split="val",
                content=predictions_file([[label] for label in VAL_LABELS]), entry=f"rush {n}", timeout=15))
            if answer and answer[0] == 201:
                self.accepted.append(json.loads(answer[1])["id"])
            time.sleep(0.1)

    def _record(self, call):
        try:
            status, body = call()
        except OSError as exc:
            self.answers.append((time.monotonic(), "error", str(exc)))
            return None
        self.answers.append((time.monotonic(), status, body[:3000]))
        return status, body

    def statuses(self) -> dict:
        counts = {}
        for _, status, _ in self.answers:
            counts[status] = counts.get(status, 0) + 1
        return counts


@pytest.mark.skipif(not livesite.PostgresCluster.available(), reason="needs the cluster of scripts/test (TEST_PG_*)")
def test_postgresql_restarted_under_traffic_gives_503s_then_recovers_by_itself(site, site_env, world, tmp_path,
                                                                               request):
    Split.objects.filter(pk=world.val.pk).update(quota_per_window=10_000)
    token = livesite.api_token(site.port, "alice", PASSWORD)
    cluster = livesite.PostgresCluster()
    worker = _score_pending_loop(site_env, tmp_path / "worker.log")
    # Gone whatever fails below: a worker left running would claim (and fail) the next tests' uploads.
    request.addfinalizer(lambda: worker.poll() is None and worker.kill())
    with Traffic(site, token) as traffic:
        time.sleep(1)
        connections.close_all()
        cluster.stop()
        stopped_at = time.monotonic()
        time.sleep(3)
        cluster.start()
        started_at = time.monotonic()
        time.sleep(2.5)
    connections.close_all()
    first_ok_after = min((at for at, status, _ in traffic.answers if at > started_at and status == 200), default=None)
    assert first_ok_after is not None, "the site did not come back by itself"
    counts = traffic.statuses()
    assert 500 not in counts and "error" not in counts, counts
    unavailable = [body for _, status, body in traffic.answers if status == 503]
    assert unavailable, "the outage was never seen: no 503 while PostgreSQL was down"
    assert all(b"Traceback" not in body for body in unavailable)
    assert all(b"Temporarily unavailable" in body or b"unavailable" in body for body in unavailable)
    assert set(counts) <= {200, 201, 503}, [body for _, status, body in traffic.answers if status not in (200, 201, 503)][:3]
    # Every accepted upload is stored and scored by the worker that ran through the outage, by itself:
    # one it was scoring when the database went away goes back to the queue, neither failed nor stuck.
    try:
        scored_within = site.wait_until(lambda: set(Submission.objects.filter(pk__in=traffic.accepted)
                                                    .values_list("status", flat=True)) == {"scored"}, timeout=120)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, (tmp_path / "worker.log").read_text()[-3000:]
    stored = dict(Submission.objects.filter(pk__in=traffic.accepted).values_list("pk", "status"))
    assert len(stored) == len(traffic.accepted) and set(stored.values()) == {"scored"}
    _assert_ledger_intact(site_env)
    outage = [at for at, status, _ in traffic.answers if status == 503]
    print(f"\n[fault] PostgreSQL down {started_at - stopped_at:.1f} s under traffic: answers {counts}; "
          f"503s from {min(outage) - stopped_at:+.2f} s to {max(outage) - stopped_at:+.2f} s after the stop; "
          f"first 200 {first_ok_after - started_at:.2f} s after the restart; "
          f"{len(traffic.accepted)} uploads accepted, {len(stored)} stored and scored by the worker "
          f"(all within {scored_within:.1f} s after the traffic stopped)")


def test_storage_failing_for_a_moment_refuses_cleanly_and_loses_nothing(site, site_env, world, private_storage):
    Split.objects.filter(pk=world.val.pk).update(quota_per_window=10_000)
    token = livesite.api_token(site.port, "alice", PASSWORD)
    good = predictions_file([[label] for label in VAL_LABELS])
    assert livesite.submit(site.port, token, year="y2030", task="classification", split="val", content=good,
                           entry="before")[0] == 201
    # The storage folder turns into a plain file: every save and read fails, as with a dead mount.
    away = private_storage.with_name("private-away")
    private_storage.rename(away)
    private_storage.write_bytes(b"")
    try:
        during = [livesite.submit(site.port, token, year="y2030", task="classification", split="val",
                                  content=good, entry=f"during {n}") for n in range(3)]
        page = livesite.request(site.port, "GET", "/years/y2030/tasks/classification/val/leaderboard/")
    finally:
        private_storage.unlink()
        away.rename(private_storage)
    statuses = [status for status, _ in during]
    assert all(status == 503 for status in statuses), [(s, b[:300]) for s, b in during]
    assert all(b"Traceback" not in body for _, body in during)
    assert page[0] == 200  # pages that need no file keep working
    after = livesite.submit(site.port, token, year="y2030", task="classification", split="val", content=good,
                            entry="after")
    assert after[0] == 201
    livesite.manage(site_env, "score_pending")
    rows = dict(Submission.objects.values_list("entry_name", "status"))
    assert rows == {"before": "scored", "after": "scored"}, rows  # nothing half-stored from the outage
    _assert_ledger_intact(site_env)
    print(f"\n[fault] storage unavailable: uploads answered {statuses}; before and after both scored")
