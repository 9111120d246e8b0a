"""The site on several machines that share nothing but PostgreSQL and S3 (docs/deploy.md).

Two web "hosts" (gunicorn, each a process group of its own) and worker "hosts" (`score_pending
--loop`) run on the test PostgreSQL and the local S3 server, each host with its own empty
folders (MEDIA_ROOT, STATIC_ROOT, VAR_DIR: it collects its own static files and writes nothing
another reads) and the environment docs/deploy.md gives (SEVERAL_HOSTS on, one SECRET_KEY,
the bucket). Run with -s to see the figures: `scripts/test -k several_hosts -s`.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import uuid

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import ChallengeYear, Split, Task
from submissions.models import Submission
from tests import livesite
from tests.base import PASSWORD, VAL_LABELS, labels_file, make_world, predictions_file

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HEARTBEAT = 0.5  # seconds: a claim three beats silent (1.5 s) is a dead worker's
BIG = 300_000  # images of the file a worker host is killed while scoring (seconds of work)


@pytest.fixture
def bucket(settings, monkeypatch):
    """A fresh bucket on the local S3 server; this process stores its files there too."""
    endpoint = os.environ.get("TEST_S3_ENDPOINT")
    if not endpoint:
        pytest.skip("TEST_S3_ENDPOINT is set by scripts/test")
    import boto3

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    name = f"hosts-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=name)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": name, "endpoint_url": endpoint, "addressing_style": "path",
                    "signature_version": "s3v4", "region_name": "us-east-1", "file_overwrite": False}}}
    return endpoint, name


class Host:
    """One machine: its own empty folders, the shared environment, its processes in one group."""

    def __init__(self, name: str, root, shared: dict):
        folders = {kind: root / name / kind for kind in ("media", "static", "var")}
        for folder in folders.values():
            folder.mkdir(parents=True)
        self.name, self.folders = name, folders
        self.env = {**shared, "MEDIA_ROOT": str(folders["media"]), "STATIC_ROOT": str(folders["static"]),
                    "VAR_DIR": str(folders["var"])}
        self.log = root / f"{name}.log"
        self.web: livesite.Gunicorn | None = None
        self.worker: subprocess.Popen | None = None

    def serve(self) -> "Host":
        livesite.collectstatic(self.env)
        self.web = livesite.Gunicorn(self.env, workers=2, log_path=self.log).start()
        return self

    def score(self) -> "Host":
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "score_pending", "--loop", "--interval", "0.1"], cwd=livesite.ROOT,
            env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """The machine dies: every process of it at once, nothing said to anyone."""
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def stop(self) -> None:
        if self.web is not None:
            self.web.stop()
        if self.worker is not None and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            self.worker.wait(timeout=30)

    def files(self) -> list[str]:
        """What the host wrote to its local folders besides its own static files."""
        return [str(path.relative_to(folder)) for kind, folder in self.folders.items() if kind != "static"
                for path in folder.rglob("*") if path.is_file()]


@pytest.fixture
def hosts(bucket, tmp_path):
    endpoint, name = bucket
    world = make_world()
    hasher = PBKDF2PasswordHasher()  # the real site knows its own hashers only
    get_user_model().objects.update(password=hasher.encode(PASSWORD, hasher.salt()))
    Split.objects.filter(pk=world.val.pk).update(quota_per_window=1000)
    ChallengeYear.objects.filter(pk=world.year.pk).update(leaderboard_rows=ChallengeYear.LeaderboardRows.ALL_ENTRIES)
    shared = livesite.site_env(database_name=connection.settings_dict["NAME"], media_root=tmp_path / "unused",
                               static_root=tmp_path / "unused")
    shared.update(SEVERAL_HOSTS="True", AWS_STORAGE_BUCKET_NAME=name, AWS_S3_ENDPOINT_URL=endpoint,
                  AWS_S3_ADDRESSING_STYLE="path", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                  SCORING_HEARTBEAT_SECONDS=str(HEARTBEAT), THROTTLE_TOKEN="5/min", SIGNIN_MAX_FAILURES="3",
                  SIGNIN_MAX_ADDRESS_FAILURES="1000")
    made = {}

    def host(host_name: str) -> Host:
        made[host_name] = Host(host_name, tmp_path, shared)
        return made[host_name]

    yield world, host
    for each in made.values():
        each.stop()


def _exchange(port: int, method: str, path: str, *, body: bytes = b"", headers: dict | None = None):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.msg, response.read()
    finally:
        conn.close()


def _cookie(head, name: str) -> str | None:
    return next((c.split(";")[0].split("=", 1)[1] for c in head.get_all("Set-Cookie") or []
                 if c.startswith(f"{name}=")), None)


def _sign_in(port: int, username: str, password: str) -> tuple[int, str | None, str]:
    """The sign-in form: (status, the session cookie, the CSRF cookie)."""
    _, head, _ = _exchange(port, "GET", "/accounts/login/")
    csrf = _cookie(head, "csrftoken")
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": username, "password": password}).encode()
    status, head, _ = _exchange(port, "POST", "/accounts/login/", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"})
    return status, _cookie(head, "sessionid"), csrf


def _token(port: int, username: str, password: str) -> tuple[int, str | None]:
    status, _, body = _exchange(port, "POST", "/api/auth/token/", body=json.dumps(
        {"username": username, "password": password}).encode(), headers={"Content-Type": "application/json"})
    return status, json.loads(body).get("token") if status == 200 else None


def _board_entries(port: int, task: str = "classification") -> list[str]:
    status, _, body = _exchange(port, "GET", f"/api/years/y2030/tasks/{task}/leaderboard/?split=val")
    assert status == 200, body[:500]
    return [entry["entry"] for entry in json.loads(body)["entries"]]


def _big_split(world) -> tuple[Split, np.ndarray]:
    labels = np.random.default_rng(7).integers(1, 1001, BIG)
    task = Task.objects.create(year=world.year, slug="big", title="Big", kind=Task.Kind.CLASSIFICATION)
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=BIG, labels_public=True,
                                 quota_per_window=1000, quota_window_days=1)
    replace_ground_truth(split=split, labels=labels_file(labels.tolist()))  # to the bucket
    return split, labels


def _big_file(labels: np.ndarray, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    rows = rng.integers(1, 1001, (len(labels), 5))
    right = rng.random(len(labels)) < 0.6
    rows[right, 0] = labels[right]
    return predictions_file(rows.tolist())


def _wait(condition, timeout: float, interval: float = 0.02) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    raise TimeoutError(f"not true after {timeout} s")


def test_several_hosts_share_nothing_but_postgresql_and_s3(hosts):
    world, host = hosts
    a, b = host("web-a").serve(), host("web-b").serve()
    first_worker = host("worker-1").score()

    # Sessions: signed in on A, known on B, and a form posted to B with A's CSRF cookie.
    status, session, csrf = _sign_in(a.web.port, "alice", PASSWORD)
    assert status == 302 and session
    status, _, body = _exchange(b.web.port, "GET", "/accounts/profile/", headers={"Cookie": f"sessionid={session}"})
    assert status == 200 and b"alice" in body
    status, _, _ = _exchange(b.web.port, "POST", "/accounts/profile/token/", body=urllib.parse.urlencode(
        {"csrfmiddlewaretoken": csrf}).encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"sessionid={session}; csrftoken={csrf}"})
    assert status == 302  # a new API token, made on B for the person signed in on A

    # API tokens: taken from A, used on B. Then the token throttle (5/min for one address) counts
    # once for both hosts: 5 answers in all, then 429 from either.
    statuses, token = [], None
    for port in [a.web.port, b.web.port] * 4:
        status, issued = _token(port, "alice", PASSWORD)
        statuses.append(status)
        token = token or issued
    assert statuses == [200] * 5 + [429] * 3, statuses
    status, _, body = _exchange(b.web.port, "GET", "/api/submissions/", headers={"Authorization": f"Token {token}"})
    assert status == 200, body[:300]

    # The sign-in brake (3 failures for one username) counts failures on A and B together.
    failures = [_sign_in(port, "bob", "wrong")[0] for port in (a.web.port, b.web.port, a.web.port)]
    assert failures == [200, 200, 200]  # the form again, with its error
    assert _sign_in(b.web.port, "bob", PASSWORD)[:2] == (429, None)

    # An upload through A is scored by the worker host and shown through B within 2 s (after one
    # upload that the worker host scores first: it reads the ground truth from the bucket then).
    for entry, wrong in (("warm-up", 3), ("from A", 0)):
        rows = [[500] if i < wrong else [label] for i, label in enumerate(VAL_LABELS)]
        status, body = livesite.submit(a.web.port, token, year="y2030", task="classification", split="val",
                                       content=predictions_file(rows), entry=entry)
        assert status == 201, body
        answered = time.monotonic()
        _wait(lambda: entry in _board_entries(b.web.port), timeout=2.0 if entry == "from A" else 60, interval=0.05)
        shown = time.monotonic() - answered

    # Two worker hosts share the big uploads without taking each other's live claims (their
    # heartbeats hold them; tests/submissions/test_score_pending.py holds one open for many beats).
    # Then the worker host scoring the next big file dies, and another takes the work over after
    # three missed beats, not after SCORING_STALE_CLAIM_SECONDS (600 s).
    split, labels = _big_split(world)
    second_worker = host("worker-2").score()
    started = time.monotonic()
    status, body = livesite.submit(a.web.port, token, year="y2030", task="big", split="val",
                                   content=_big_file(labels, 1), entry="long", timeout=120)
    assert status == 201, body
    long_id = json.loads(body)["id"]
    _wait(lambda: Submission.objects.get(pk=long_id).status == "scored", timeout=120)
    long = Submission.objects.get(pk=long_id)
    long_took = (long.scored_at - long.claimed_at).total_seconds()
    assert long.attempts == 1 and long.scores.count() == 1
    second_worker.kill()  # two worker hosts, then one that can be caught in the act

    for attempt in range(5):
        status, body = livesite.submit(a.web.port, token, year="y2030", task="big", split="val",
                                       content=_big_file(labels, 10 + attempt), entry=f"cut {attempt}", timeout=120)
        assert status == 201, body
        cut = json.loads(body)["id"]
        _wait(lambda: Submission.objects.get(pk=cut).status != "received", timeout=60, interval=0.005)
        first_worker.kill()
        killed_at = time.monotonic()
        if Submission.objects.get(pk=cut).status == "scoring":
            break
        first_worker = host(f"worker-1-again-{attempt}").score()  # it finished first: try a new file
    else:
        pytest.fail("the worker host was never caught scoring in 5 tries")
    assert not Submission.objects.get(pk=cut).scores.exists()  # never half-scored
    host("worker-3").score()
    taken_over = _wait(lambda: Submission.objects.get(pk=cut).status == "scored", timeout=30, interval=0.05)
    took_over = time.monotonic() - killed_at

    rows = Submission.objects.values_list("status", flat=True)
    assert set(rows) == {"scored"}  # nothing lost, nothing stuck
    assert Submission.objects.get(pk=cut).attempts == 2
    assert all(s.scores.filter(is_current=True).count() == 1 for s in Submission.objects.all())
    _wait(lambda: {"long", f"cut {attempt}"} <= set(_board_entries(b.web.port, "big")), timeout=5)
    result = livesite.manage(a.env, "verify_ledger")
    assert result.returncode == 0, result.stdout + result.stderr
    for each in (a, b):
        assert each.files() == [], (each.name, each.files())  # nothing local: the bucket holds every file
    print(f"\n[hosts] upload through A shown through B {shown:.2f} s after its 201; a {BIG:,}-image file scored "
          f"once ({long_took:.1f} s from claim to score) with two worker hosts running (heartbeat {HEARTBEAT} s, "
          f"a claim stale after {3 * HEARTBEAT} s); a worker host killed mid-scoring, its work finished by another "
          f"{took_over:.1f} s later "
          f"(scored {taken_over:.1f} s after that host started); sessions, tokens, the token throttle and "
          f"the sign-in brake held across hosts ({time.monotonic() - started:.0f} s for the scoring part)")
