#!/usr/bin/env python3
"""The last hour before a deadline: 50 leaderboard readers and 5 teams submitting without pause.

Starts a throwaway PostgreSQL cluster (or uses --database-url), gunicorn on 127.0.0.1, seeds
one open year, then for --seconds runs the readers (GET the leaderboard API) and the teams
(POST /api/submissions/ with a fresh prediction file each time) and prints:

- answers by status (the run fails with exit status 1 on any 5xx),
- lost submissions: every accepted upload must be stored, scored, with the file's SHA-256,
  and a score equal to `manage.py evaluate --json` on the same file (exit status 1 otherwise),
- p50/p99 latency of reads and uploads, and throughput.

Usage: .venv/bin/python bench/deadline_rush.py [--seconds 60] [--readers 50] [--teams 5] [--workers 3]
Runs as root (PostgreSQL's tools run as the postgres user through runuser).
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests import livesite  # noqa: E402  (the same helpers the fault tests use)

PASSWORD = "deadline rush password 1"
YEAR, TASK, N_IMAGES = "rush", "classification", 10_000

SEED = f"""
import numpy as np
from challenge.models import Split
from tests.base import make_task, make_team, make_user, make_year
year = make_year({YEAR!r}, days_left=1)
labels = np.random.default_rng(0).integers(1, 1001, {N_IMAGES}).tolist()
task = make_task(year, {TASK!r}, val_labels=labels)
Split.objects.filter(task=task).update(quota_per_window=1_000_000)
for n in range(TEAMS):
    user = make_user(f"team{{n}}")
    user.set_password({PASSWORD!r}); user.save()
    make_team(year, f"Team {{n}}", user)
"""

CHECK = f"""
import io, json, hashlib
from django.core.files.storage import default_storage
from django.core.management import call_command
from challenge.models import Split
from submissions.models import Submission
accepted = json.load(open(ACCEPTED_PATH))
split = Split.objects.get(task__year__slug={YEAR!r}, task__slug={TASK!r}, name="val")
truth = default_storage.path(split.current_ground_truth.labels_key)
rows = {{s.pk: s for s in Submission.objects.filter(pk__in=[int(k) for k in accepted])}}
lost = []
for key, path in accepted.items():
    s = rows.get(int(key))
    data = open(path, "rb").read()
    if s is None or s.status != "scored" or s.file_sha256 != hashlib.sha256(data).hexdigest():
        lost.append((key, "missing" if s is None else s.status)); continue
    out = io.StringIO()
    call_command("evaluate", task={TASK!r}, ground_truth=truth, predictions=path, json=True, stdout=out)
    expected = json.loads(out.getvalue())
    score = s.current_score
    if (score.top5_error, score.top1_error) != (expected["top5_error"], expected["top1_error"]):
        lost.append((key, f"score {{score.top5_error}} != evaluate {{expected['top5_error']}}"))
print(json.dumps({{"checked": len(accepted), "lost": lost, "stored": Submission.objects.count()}}))
"""


def start_cluster(workdir: Path) -> tuple[str, callable]:
    pg_bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    data = workdir / "pg"
    shutil.chown(workdir, "postgres", "postgres")
    port = livesite.free_port()
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, f"{pg_bin}/initdb", "-D", str(data), "-A", "trust", "--no-sync", "-U", "postgres"],
                   check=True, capture_output=True)
    options = (f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
               "-c max_connections=300")
    subprocess.run([*as_postgres, f"{pg_bin}/pg_ctl", "-D", str(data), "-l", str(workdir / "pg.log"), "-w",
                    "-o", options, "start"], check=True, capture_output=True)
    subprocess.run([*as_postgres, f"{pg_bin}/createdb", "-h", "127.0.0.1", "-p", str(port), "rush"], check=True)

    def stop():
        subprocess.run([*as_postgres, f"{pg_bin}/pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"],
                       capture_output=True)
    return f"postgres://postgres@127.0.0.1:{port}/rush", stop


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {"read": [], "upload": []}
        self.statuses: dict[str, dict] = {"read": {}, "upload": {}}
        self.accepted: dict[int, str] = {}

    def record(self, kind: str, status, seconds: float):
        with self.lock:
            self.latency[kind].append(seconds)
            self.statuses[kind][status] = self.statuses[kind].get(status, 0) + 1


def reader(port: int, recorder: Recorder, stop: threading.Event):
    path = f"/api/years/{YEAR}/tasks/{TASK}/leaderboard/?split=val"
    while not stop.is_set():
        started = time.perf_counter()
        try:
            status, _ = livesite.request(port, "GET", path, timeout=60)
        except OSError as exc:
            status = f"error {type(exc).__name__}"
        recorder.record("read", status, time.perf_counter() - started)


def team(port: int, n: int, recorder: Recorder, stop: threading.Event, files: Path, labels: np.ndarray):
    token = livesite.api_token(port, f"team{n}", PASSWORD)
    rng = np.random.default_rng(1000 + n)
    count = 0
    while not stop.is_set():
        count += 1
        rows = rng.integers(1, 1001, (N_IMAGES, 5))
        right = rng.random(N_IMAGES) < rng.random()
        rows[right, 0] = labels[right]
        content = ("\n".join(" ".join(map(str, row)) for row in rows.tolist()) + "\n").encode()
        started = time.perf_counter()
        try:
            status, body = livesite.submit(port, token, year=YEAR, task=TASK, split="val", content=content,
                                           entry=f"team {n} run {count}", timeout=120)
        except OSError as exc:
            status, body = f"error {type(exc).__name__}", b""
        recorder.record("upload", status, time.perf_counter() - started)
        if status == 201:
            pk = json.loads(body)["id"]
            path = files / f"{pk}.txt"
            path.write_bytes(content)
            with recorder.lock:
                recorder.accepted[pk] = str(path)


def wrk_readers(port: int, readers: int, seconds: float, path: str = "") -> subprocess.Popen:
    """Readers as wrk connections: a Python client would measure its own GIL, not the site."""
    url = f"http://127.0.0.1:{port}" + (path or f"/api/years/{YEAR}/tasks/{TASK}/leaderboard/?split=val")
    return subprocess.Popen(["wrk", "-t", "2", "-c", str(readers), "-d", f"{int(seconds)}s", "--latency",
                             "--timeout", "30s", url], stdout=subprocess.PIPE, text=True)


def parse_wrk(output: str) -> dict:
    found = {"non_2xx": 0, "socket_errors": ""}
    for line in output.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] in ("50%", "99%"):
            value = words[1]
            unit = 1 if value.endswith("ms") else 1000 if value.endswith("s") and not value.endswith("us") else 0.001
            found[words[0]] = float(value.rstrip("mus")) * unit
        elif line.strip().startswith("Requests/sec:"):
            found["rate"] = float(words[1])
        elif "requests in" in line:
            found["requests"] = int(words[0])
        elif line.strip().startswith("Non-2xx or 3xx responses:"):
            found["non_2xx"] = int(words[-1])
        elif line.strip().startswith("Socket errors:"):
            found["socket_errors"] = line.strip()
    return found


def percentile(values, q):
    return float(np.percentile(values, q)) * 1000 if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of a throwaway cluster")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="deadline-rush-"))
    workdir.chmod(0o755)  # the postgres user must reach its cluster folder inside
    stop_cluster = None
    server = None
    try:
        database_url = args.database_url
        if not database_url:
            (workdir / "cluster").mkdir()
            database_url, stop_cluster = start_cluster(workdir / "cluster")
        media, static, files = workdir / "media", workdir / "static", workdir / "files"
        for folder in (media, static, files):
            folder.mkdir()
        env = livesite.site_env(database_name="", media_root=media, static_root=static,
                                DATABASE_URL=database_url, DB_CONN_MAX_AGE=60)
        # Until the project ships migrations, --run-syncdb creates its tables; auth's must exist first.
        for step in (["migrate", "auth", "-v", "0"], ["migrate", "--run-syncdb", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"],
                     ["shell", "-c", SEED.replace("TEAMS", str(args.teams))]):
            result = livesite.manage(env, *step, timeout=600)
            if result.returncode != 0:
                sys.exit(f"{step[0]} failed:\n{result.stderr[-3000:]}")
        labels = np.random.default_rng(0).integers(1, 1001, N_IMAGES)
        server = livesite.Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log").start()

        recorder, stop = Recorder(), threading.Event()
        use_wrk = shutil.which("wrk") is not None
        # The machine's speed right now (shared machines are noisy): the same readers on the
        # cheapest page, and on the leaderboard with nobody submitting.
        baselines = {path: parse_wrk(wrk_readers(server.port, args.readers, 3, path).communicate(timeout=60)[0])
                     for path in ("/healthz", f"/api/years/{YEAR}/tasks/{TASK}/leaderboard/?split=val")} \
            if use_wrk else {}
        threads = [] if use_wrk else [threading.Thread(target=reader, args=(server.port, recorder, stop))
                                      for _ in range(args.readers)]
        threads += [threading.Thread(target=team, args=(server.port, n, recorder, stop, files, labels))
                    for n in range(args.teams)]
        started = time.monotonic()
        wrk = wrk_readers(server.port, args.readers, args.seconds) if use_wrk else None
        for thread in threads:
            thread.start()
        time.sleep(args.seconds)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
        reads = parse_wrk(wrk.communicate(timeout=120)[0]) if wrk else None
        elapsed = time.monotonic() - started

        livesite.manage(env, "score_pending", timeout=600)  # anything a crash left behind
        (workdir / "accepted.json").write_text(json.dumps(recorder.accepted))
        check = livesite.manage(env, "shell", "-c", CHECK.replace("ACCEPTED_PATH", repr(str(workdir / "accepted.json"))),
                                timeout=1800)
        if check.returncode != 0:
            sys.exit(f"check failed:\n{check.stderr[-3000:]}")
        verdict = json.loads(check.stdout.strip().splitlines()[-1])
        ledger = livesite.manage(env, "verify_ledger")
        five_xx = sum(n for kind in recorder.statuses.values() for status, n in kind.items()
                      if not isinstance(status, int) or status >= 500)
        if reads is not None:  # wrk counts every non-2xx; none is expected from a public read
            five_xx += reads["non_2xx"] + (1 if reads["socket_errors"] else 0)

        print(f"deadline rush: {args.readers} readers + {args.teams} teams for {elapsed:.1f} s, "
              f"gunicorn -w {args.workers}, {N_IMAGES:,} images per file")
        for path, baseline in baselines.items():
            print(f"  baseline, nobody submitting, 3 s on {path}: {baseline.get('rate', 0):.1f} requests/s, "
                  f"p50 {baseline.get('50%', float('nan')):.1f} ms, p99 {baseline.get('99%', float('nan')):.1f} ms")
        if reads is not None:
            print(f"  read   {reads.get('requests', 0):6d} requests ({reads.get('rate', 0):7.1f}/s)  "
                  f"p50 {reads.get('50%', float('nan')):7.1f} ms  p99 {reads.get('99%', float('nan')):7.1f} ms  "
                  f"non-2xx {reads['non_2xx']} {reads['socket_errors']}  (wrk, {args.readers} connections)")
        for kind in ("upload",) if reads is not None else ("read", "upload"):
            values = recorder.latency[kind]
            print(f"  {kind:6s} {len(values):6d} requests ({len(values) / elapsed:7.1f}/s)  "
                  f"p50 {percentile(values, 50):7.1f} ms  p99 {percentile(values, 99):7.1f} ms  "
                  f"statuses {dict(sorted(recorder.statuses[kind].items(), key=str))}")
        print(f"  5xx or connection errors: {five_xx}")
        print(f"  accepted uploads: {len(recorder.accepted)}; checked against manage.py evaluate: "
              f"{verdict['checked']}; lost or wrong: {len(verdict['lost'])} {verdict['lost'][:5]}")
        print(f"  ledger: {ledger.stdout.strip() or ledger.stderr.strip()}")
        failed = five_xx or verdict["lost"] or ledger.returncode != 0
        sys.exit(1 if failed else 0)
    finally:
        if server:
            server.stop()
        if stop_cluster:
            stop_cluster()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
