#!/usr/bin/env python3
"""The last hour before a deadline: 50 leaderboard readers while 5 teams keep submitting.

Starts a throwaway PostgreSQL cluster (or uses --database-url), seeds one open year whose
validation board already ranks --teams-on-board teams (one scored entry each, so ranking costs
what it costs on a real results day), and starts gunicorn (--workers sync workers) and
--scoring-workers `score_pending --loop` workers on 127.0.0.1. After a warm-up (the readers
for a few seconds, one upload per team, their scores ranked) it measures, with wrk:

1. the baseline: the readers (GET the leaderboard API) with nobody submitting, --seconds long;
2. the rush: the same readers while each team uploads a fresh 10,000-image file (POST
   /api/submissions/) every --upload-every seconds (0: back to back), --seconds long;
3. the baseline again, --seconds long; the lower of the two is the one the rush is held to.

It prints answers by status (exit status 1 on any 5xx or connection error), reads/s of the
rush against the lower baseline, p50/p99 latency of reads and uploads, the time from an
upload's 201 to its score on the public board (a reader polling the board as anyone does),
and checks every accepted upload: stored, scored, with the file's SHA-256, and a score equal
to `manage.py evaluate --json` on the same file; and the ledger (exit status 1 otherwise).
The seeded entries are all worse than any upload and the year shows every entry, so each
upload gets its own row near the top, where the poller finds it on the first pages (and
where each new one moves every row below it).

--saturate: uploads back to back, and prints the highest upload rate sustained with no error
and the reads ratio at that rate (a figure, no target), and how many of those uploads the
scoring workers ranked within the run. The baseline after a rush waits until every upload is
on the board, so that no backlog of scoring slows it.

Usage: .venv/bin/python bench/deadline_rush.py [--seconds 60] [--readers 50] [--teams 5]
       [--upload-every 2] [--teams-on-board 1000] [--workers 3] [--scoring-workers 2] [--saturate]
Runs as root (PostgreSQL's tools run as the postgres user through runuser); needs wrk.
"""

import argparse
import json
import math
import shutil
import signal
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
from bench.rush_site import (BOARD_API, CHECK, N_IMAGES, PAGE_SIZE, PASSWORD, SEED, TASK, YEAR,  # noqa: E402
                             cpu_seconds, measure, nth_file, parse_wrk, prediction_files, start_cluster, wrk)

TOKENS: list[str] = []  # each team's API token, taken before the clock starts (a sign-in hashes a password)

class Uploads:
    """The teams' uploads: latencies and statuses, accepted files, and when each was answered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency: list[float] = []
        self.statuses: dict = {}
        self.accepted: dict[int, str] = {}
        self.answered_at: dict[str, float] = {}  # entry name -> monotonic time of its 201

    def record(self, status, seconds: float, entry: str):
        with self.lock:
            self.latency.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == 201:
                self.answered_at[entry] = time.monotonic()


class BoardWatcher(threading.Thread):
    """Polls the public board (anonymous, like everyone) and notes when each upload first
    shows on it; it reads only the first pages, where the uploads rank."""

    def __init__(self, port: int, uploads: Uploads, *, rows_above: int = 0, interval: float = 0.2):
        super().__init__(daemon=True)
        self.port, self.uploads, self.rows_above, self.interval = port, uploads, rows_above, interval
        self.seen_at: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(self.interval):
            with self.uploads.lock:
                waiting = [name for name in self.uploads.answered_at if name not in self.seen_at]
                pages = math.ceil((len(self.uploads.answered_at) + self.rows_above + 1) / PAGE_SIZE)
            if not waiting:
                continue
            names = set()
            for page in range(1, pages + 1):
                try:
                    status, body = livesite.request(self.port, "GET", f"{BOARD_API}&page={page}", timeout=30)
                except OSError:
                    break
                if status == 200:
                    names.update(entry["entry"] for entry in json.loads(body)["entries"])
            now = time.monotonic()  # the answer's arrival: an upper bound of when it showed
            for name in waiting:
                if name in names:
                    self.seen_at[name] = now

    def delays(self, uploads: Uploads, until: float | None = None) -> list[float]:
        return [self.seen_at[name] - at for name, at in uploads.answered_at.items()
                if name in self.seen_at and (until is None or self.seen_at[name] <= until)]

    def wait_for_all(self, uploads: Uploads, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(name in self.seen_at for name in list(uploads.answered_at)):
                return True
            time.sleep(0.1)
        return False


def team(port: int, n: int, teams: int, every: float, uploads: Uploads, stop: threading.Event, files: Path,
         pool: list[bytes], started: float, tag: str = "run", count_limit: int | None = None):
    token = TOKENS[n]
    next_at = started + every * n / teams  # spread the teams over the interval
    count = 0
    while not stop.is_set() and (count_limit is None or count < count_limit):
        if every and stop.wait(max(next_at - time.monotonic(), 0)):
            break
        next_at += every
        content = nth_file(pool, count)
        count += 1
        entry = f"team {n} {tag} {count}"
        sent = time.perf_counter()
        try:
            status, body = livesite.submit(port, token, year=YEAR, task=TASK, split="val", content=content,
                                           entry=entry, timeout=120)
        except OSError as exc:
            status, body = f"error {type(exc).__name__}", b""
        uploads.record(status, time.perf_counter() - sent, entry)
        if status == 201:
            pk = json.loads(body)["id"]
            path = files / f"{pk}.txt"
            path.write_bytes(content)
            with uploads.lock:
                uploads.accepted[pk] = str(path)


def percentile(values, q, scale=1000):
    return float(np.percentile(values, q)) * scale if values else math.nan


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def rush(args, port: int, uploads: Uploads, files: Path, pools: list[list[bytes]], tag: str, seconds: float,
         count_limit: int | None = None) -> tuple[dict | None, float]:
    """Teams upload for `seconds` (or until each made count_limit uploads) while wrk reads,
    unless readers is 0. Returns wrk's figures and the elapsed time."""
    stop = threading.Event()
    started = time.monotonic()
    every = 0 if args.saturate else args.upload_every
    threads = [threading.Thread(target=team, args=(port, n, args.teams, every, uploads, stop, files, pools[n],
                                                   started, tag, count_limit)) for n in range(args.teams)]
    readers = wrk(port, args.readers, seconds) if args.readers and count_limit is None else None
    for thread in threads:
        thread.start()
    if count_limit is None:
        time.sleep(seconds)
        stop.set()
    for thread in threads:
        thread.join(timeout=180)
    reads = parse_wrk(readers.communicate(timeout=120)[0]) if readers else None
    return reads, time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60, help="length of the rush and of each baseline")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--teams", type=int, default=5)
    parser.add_argument("--upload-every", type=float, default=2, help="seconds between one team's uploads (0: back to back)")
    parser.add_argument("--teams-on-board", type=int, default=1000, help="seeded teams already ranked on the board")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--scoring-workers", type=int, default=2, help="score_pending --loop workers (the run command's default)")
    parser.add_argument("--saturate", action="store_true", help="upload back to back; print the highest sustained rate")
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use instead of a throwaway cluster")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (scripts/test installs it)")

    workdir = Path(tempfile.mkdtemp(prefix="deadline-rush-"))
    workdir.chmod(0o755)  # the postgres user must reach its cluster folder inside
    stop_cluster, server, scorers = None, None, []
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
        seed = SEED.replace("BOARD", str(args.teams_on_board)).replace("TEAMS", str(args.teams))
        for step in (["migrate", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"], ["shell", "-c", seed]):
            result = livesite.manage(env, *step, timeout=900)
            if result.returncode != 0:
                sys.exit(f"{step[0]} failed:\n{result.stderr[-3000:]}")
        labels = np.random.default_rng(0).integers(1, 1001, N_IMAGES)
        per_team = 40 if args.saturate else math.ceil(args.seconds / args.upload_every) + 1 if args.upload_every else 40
        warm_pools = [prediction_files(labels, count=2, seed=n) for n in range(args.teams)]
        pools = [prediction_files(labels, count=per_team, seed=100 + n) for n in range(args.teams)]
        server = livesite.Gunicorn(env, workers=args.workers, log_path=workdir / "gunicorn.log").start()
        scorers = [subprocess.Popen([sys.executable, "manage.py", "score_pending", "--loop"], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=open(workdir / "scoring.log", "ab"))
                   for _ in range(args.scoring_workers)]

        TOKENS[:] = [livesite.api_token(server.port, f"team{n}", PASSWORD) for n in range(args.teams)]
        # Warm up: every web worker's connections and caches, and the scoring workers' memo of
        # paired tests (a worker's first rebuild tests every pair of neighbours on the board).
        uploads, warmup = Uploads(), Uploads()
        warm_watcher = BoardWatcher(server.port, warmup)
        warm_watcher.start()
        for path in ("/healthz", BOARD_API):
            measure(server.port, args.readers, 3, path)
        rush(args, server.port, warmup, files, warm_pools, "warm-up", 0, count_limit=2)
        if not warm_watcher.wait_for_all(warmup, timeout=120):
            print("  warning: the warm-up uploads did not all reach the board within 120 s")
        warm_watcher.stop.set()
        uploads.accepted.update(warmup.accepted)

        watcher = BoardWatcher(server.port, uploads, rows_above=len(warmup.accepted))
        watcher.start()
        healthz = measure(server.port, args.readers, 5, "/healthz")
        before = measure(server.port, args.readers, args.seconds)
        scoring_cpu = cpu_seconds([scorer.pid for scorer in scorers])
        reads, elapsed = rush(args, server.port, uploads, files, pools, "run", args.seconds)
        rush_end = time.monotonic()
        scoring_cpu = (cpu_seconds([scorer.pid for scorer in scorers]) - scoring_cpu) / elapsed
        # "Nobody submitting" also means nothing left to score: a backlog would slow the baseline.
        watcher.wait_for_all(uploads, timeout=300)  # one that never shows is reported, not waited for
        after = measure(server.port, args.readers, args.seconds)
        watcher.stop.set()

        livesite.manage(env, "score_pending", timeout=600)  # anything a crash left behind
        (workdir / "accepted.json").write_text(json.dumps(uploads.accepted))
        check = livesite.manage(env, "shell", "-c", CHECK.replace("ACCEPTED_PATH", repr(str(workdir / "accepted.json"))),
                                timeout=1800)
        if check.returncode != 0:
            sys.exit(f"check failed:\n{check.stderr[-3000:]}")
        checked = json.loads(check.stdout.strip().splitlines()[-1])
        ledger = livesite.manage(env, "verify_ledger")
        five_xx = sum(n for status, n in uploads.statuses.items() if not isinstance(status, int) or status >= 500)
        for figures in (reads, before, after, healthz):  # wrk counts every non-2xx; none is expected from a read
            five_xx += figures["non_2xx"] + (1 if figures["socket_errors"] else 0)

        report(args, elapsed=elapsed, healthz=healthz, before=before, after=after, reads=reads, uploads=uploads,
               watcher=watcher, rush_end=rush_end, five_xx=five_xx, checked=checked, ledger=ledger,
               scoring_cpu=scoring_cpu)
        sys.exit(1 if five_xx or checked["lost"] or ledger.returncode != 0 else 0)
    finally:
        for scorer in scorers:
            scorer.send_signal(signal.SIGTERM)
        for scorer in scorers:
            try:
                scorer.wait(timeout=30)
            except subprocess.TimeoutExpired:
                scorer.kill()
        if server:
            server.stop()
        if stop_cluster:
            stop_cluster()
        shutil.rmtree(workdir, ignore_errors=True)


def report(args, *, elapsed, healthz, before, after, reads, uploads, watcher, rush_end, five_xx, checked, ledger,
           scoring_cpu):
    mode = "back to back" if args.saturate else f"a 10,000-image file each every {args.upload_every:g} s"
    print(f"deadline rush: {args.readers} readers + {args.teams} teams ({mode}) for {elapsed:.1f} s; "
          f"{args.teams_on_board:,} teams on the board; gunicorn -w {args.workers}, "
          f"{args.scoring_workers} scoring worker(s); {N_IMAGES:,} images per file")
    print(f"  /healthz, nobody submitting, 5 s: {healthz['rate']:.1f} requests/s, p50 {healthz['50%']:.1f} ms, "
          f"p99 {healthz['99%']:.1f} ms")
    for name, figures in (("before", before), ("after", after)):
        print(f"  baseline {name} the rush, nobody submitting, {args.seconds:g} s on the leaderboard API: "
              f"{figures['rate']:.1f} requests/s, p50 {figures['50%']:.1f} ms, p99 {figures['99%']:.1f} ms")
    print(f"  read   {reads['requests']:6d} requests ({reads['rate']:7.1f}/s)  p50 {reads['50%']:7.1f} ms  "
          f"p99 {reads['99%']:7.1f} ms  non-2xx {reads['non_2xx']} {reads['socket_errors']}  "
          f"(wrk, {args.readers} connections)")
    values = uploads.latency
    print(f"  upload {len(values):6d} requests ({len(values) / elapsed:7.1f}/s)  p50 {percentile(values, 50):7.1f} ms  "
          f"p99 {percentile(values, 99):7.1f} ms  statuses {dict(sorted(uploads.statuses.items(), key=str))}")
    baseline = min(before["rate"], after["rate"])
    ratio = reads["rate"] / baseline if baseline else math.nan
    delays = watcher.delays(uploads)
    missing = len(uploads.answered_at) - len(delays)
    print(f"  reads during the rush / the lower baseline: {ratio:.2f}", end="")
    print(f" (target >= 0.80): {verdict(ratio >= 0.8)}" if not args.saturate else "")
    print(f"  upload 201 to visible on the public board: p50 {percentile(delays, 50, 1):.2f} s, "
          f"p99 {percentile(delays, 99, 1):.2f} s ({len(delays)} seen, {missing} never)", end="")
    print(f" (target p99 < 5 s): {verdict(not missing and percentile(delays, 99, 1) < 5)}" if not args.saturate else "")
    if not args.saturate:
        print(f"  read p99 during the rush: {reads['99%']:.1f} ms (target < 300 ms): {verdict(reads['99%'] < 300)}")
        print(f"  upload p99: {percentile(values, 99):.1f} ms (target < 300 ms): "
              f"{verdict(percentile(values, 99) < 300)}")
    else:
        answered = sum(n for status, n in uploads.statuses.items() if status == 201) / elapsed
        ranked = len(watcher.delays(uploads, until=rush_end)) / elapsed
        errors = sum(n for status, n in uploads.statuses.items() if status != 201) + five_xx
        print(f"  highest sustained upload rate (back to back): {answered:.1f} uploads/s answered 201, "
              f"{'with no error' if not errors else f'WITH {errors} ERRORS'}; reads ratio at that rate {ratio:.2f}; "
              f"the scoring workers ranked {ranked:.1f}/s of them within the run (the rest queued)")
    print(f"  scoring workers during the rush: {scoring_cpu:.2f} CPU-seconds per second (scoring and ranking)")
    print(f"  5xx or connection errors: {five_xx}")
    print(f"  accepted uploads: {len(uploads.accepted)} (warm-up included); checked against manage.py evaluate: "
          f"{checked['checked']}; lost or wrong: {len(checked['lost'])} {checked['lost'][:5]}")
    print(f"  ledger: {ledger.stdout.strip() or ledger.stderr.strip()}")


if __name__ == "__main__":
    main()
