"""Results-day load on the leaderboard: new scores reaching the stored board, and the page and API
against a trivial view, same gunicorn, same run.

    .venv/bin/python bench/leaderboard.py                 # throwaway PostgreSQL (needs root), 1,000 teams
    .venv/bin/python bench/leaderboard.py --teams 10000 --per-team 20 --images 100000   # Kaggle-sized
    DATABASE_URL=postgres://... .venv/bin/python bench/leaderboard.py
    .venv/bin/python bench/leaderboard.py --teams 100 --per-team 5 --duration 5   # a quick look
    .venv/bin/python bench/leaderboard.py --through-nginx   # also the page through deploy/nginx.conf

Seeds one year with 1,000 teams and 20,000 scored submissions on a 10,000-image split (per-image
correctness derived from a seed, each team with its own skill; binary COPY, see
bench/leaderboard_seed.py) and ranks it whole (rebuild_leaderboard); prints `seeded in N s`.
Then a ranking worker runs as in production while --new-scores (200) new scores are recorded
one at a time, half from new teams, half improving a team's best (bench/leaderboard_latency.py):
it prints `new score on the stored board: median N ms, p99 N ms`, from the score's commit to the
commit of the board that shows it (targets: median under 200 ms, p99 under 1 s), and whether the
boards so updated equal a whole ranking of the split. Then it starts gunicorn (2 workers,
--no-control-socket) on 127.0.0.1 and measures with wrk (50 connections): /healthz, the
leaderboard page and the leaderboard API. Prints requests/s and p99 latency for each, and whether
the targets hold: the page and the API each at no less than half the trivial view's throughput
(`page / trivial throughput: N`), and the page's p99 under 100 ms (`page p99: N ms`).
With --through-nginx it then reads the page through nginx running deploy/nginx.conf beside the
same gunicorn alone, while the boards are rebuilt every second (bench/leaderboard_nginx.py):
targets 5x gunicorn alone, and no reader shown a board built more than 3 s before the newest.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"

from bench import leaderboard_latency, leaderboard_nginx  # noqa: E402  (after sys.path)
from tests.liveproxy import nginx_binary  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster in /tmp owned by the postgres user, as scripts/test starts one."""

    def __enter__(self) -> str:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            sys.exit("No PostgreSQL server binaries; set DATABASE_URL or install postgresql.")
        self.bin = bins[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="bench-pg."))
        shutil.chown(self.dir, "postgres", "postgres")
        self.port = free_port()
        run = ["runuser", "-u", "postgres", "--"]
        subprocess.run(run + [str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "--no-sync",
                              "-U", "postgres"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(run + [str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                              "-w", "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                              "-c synchronous_commit=off -c max_connections=100", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(run + [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "bench"], check=True)
        return f"postgres://postgres@127.0.0.1:{self.port}/bench"

    def __exit__(self, *exc):
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-m", "immediate", "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


def seed(*, teams: int, per_team: int, images: int) -> tuple[str, str, dict]:
    """Create the year, teams and scored submissions (bench/leaderboard_seed.py: binary COPY);
    build the boards. Returns (page path, API path, what the new-score phase needs)."""
    import django

    django.setup()
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from bench.leaderboard_seed import seed_entries
    from challenge.competition.ground_truth import replace_ground_truth
    from challenge.competition.models import ChallengeYear, ClassSet, Split, Task
    from challenge.competition.services import import_ilsvrc2012
    from challenge.teams.models import Membership, Team
    from submissions.leaderboards.services import rebuild_leaderboard

    seeding = time.perf_counter()
    class_set = ClassSet.objects.filter(slug="ilsvrc2012").first() or import_ilsvrc2012()
    ChallengeYear.objects.filter(slug="bench").delete()
    now = timezone.now()
    year = ChallengeYear.objects.create(slug="bench", title="Bench year", class_set=class_set,
                                        status=ChallengeYear.Status.PUBLISHED, opens_at=now - timezone.timedelta(days=1),
                                        deadline=now + timezone.timedelta(days=30),
                                        results_at=now + timezone.timedelta(days=40))
    task = Task.objects.create(year=year, slug="classification", title="Classification")
    split = Split.objects.create(task=task, name=Split.Name.VAL, n_images=images, labels_public=True)
    rng = np.random.default_rng(0)
    ground_truth = replace_ground_truth(split=split, labels=("\n".join(map(str, rng.integers(1, 1001, images))) + "\n").encode())
    User = get_user_model()
    User.objects.filter(username__startswith="bench-").delete()
    users = User.objects.bulk_create((User(username=f"bench-{i}", password="!") for i in range(teams)), batch_size=2000)
    team_rows = Team.objects.bulk_create((Team(year=year, name=f"Team {i:05d}", created_by=u) for i, u in enumerate(users)),
                                         batch_size=2000)
    Membership.objects.bulk_create((Membership(team=t, user=u, year=year) for t, u in zip(team_rows, users)),
                                   batch_size=2000)
    written, best = seed_entries(split=split, ground_truth=ground_truth, teams=team_rows, members=users,
                                 per_team=per_team, images=images, seed=0, now=now)
    started = time.perf_counter()
    rebuild_leaderboard(split=split)
    print(f"seeded {teams} teams, {written} scored submissions; boards built in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    print(f"seeded in {time.perf_counter() - seeding:.1f} s (binary COPY of the entries and their per-image bits, "
          f"then the first whole ranking)", flush=True)
    started = time.perf_counter()
    rebuild_leaderboard(split=split)  # what ranking the whole split again costs (its pair tests memoized)
    print(f"re-ranking and storing every board of the split (a whole ranking, as after a change of settings): "
          f"{time.perf_counter() - started:.2f} s", flush=True)
    return ("/years/bench/tasks/classification/val/leaderboard/",
            "/api/years/bench/tasks/classification/leaderboard/?split=val",
            {"split": split, "ground_truth": ground_truth, "best": best})


def check_against_whole_ranking(split) -> str:
    """Whether the boards updated score by score equal a whole ranking of the split, row by row."""
    from submissions.leaderboards.models import LeaderboardBoard
    from submissions.leaderboards.selectors import board_rows
    from submissions.leaderboards.services import rank_rows

    differing = [f"{board.kind}:{board.basis}:{board.track}" for board in LeaderboardBoard.objects.filter(split=split)
                 if board_rows(board) != rank_rows(split=split, basis=board.basis, track=board.track, board=board.kind)]
    return "yes" if not differing else f"NO ({', '.join(differing)})"


def wrk(url: str, *, duration: int, connections: int) -> tuple[float, float]:
    # As browsers do; the same header for every URL (the trivial view's body is too small to compress).
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
                          "-H", "Accept-Encoding: gzip", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        sys.exit(f"{url}: {non_2xx.group(1)} error responses\n{out}")
    return rps, p99_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--per-team", type=int, default=20)
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per URL")
    parser.add_argument("--new-scores", type=int, default=200,
                        help="new scores timed from their commit to the stored board (after a warm-up of 5)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--through-nginx", action="store_true",
                        help="also read the page through deploy/nginx.conf, beside gunicorn alone, during rebuilds")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk (scripts/test installs it)")
    if args.through_nginx:
        try:
            nginx_binary()
        except RuntimeError as exc:
            sys.exit(str(exc))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-secret-key")
    os.environ.update(DEBUG="False", SECURE_SSL_REDIRECT="False", SECURE_COOKIES="False", LOG_LEVEL="WARNING")
    private = tempfile.mkdtemp(prefix="bench-media.")
    os.environ.setdefault("MEDIA_ROOT", private)
    os.environ.setdefault("STATIC_ROOT", os.path.join(private, "static"))
    database = ThrowawayPostgres() if not os.environ.get("DATABASE_URL") else None
    try:
        if database:
            os.environ["DATABASE_URL"] = database.__enter__()
        # Apps with migrations first, then (while this phase has none of its own) syncdb for ours.
        for extra in ([], ["--run-syncdb"]):
            subprocess.run([str(PYTHON), "manage.py", "migrate", *extra, "--noinput", "-v", "0"], cwd=ROOT, check=True)
        subprocess.run([str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, check=True)
        page, api, seeded = seed(teams=args.teams, per_team=args.per_team, images=args.images)
        latencies = leaderboard_latency.measure(split=seeded["split"], ground_truth=seeded["ground_truth"],
                                                best=seeded["best"], count=args.new_scores, seed=1)
        leaderboard_latency.report(latencies)
        print(f"boards updated score by score equal a whole ranking: {check_against_whole_ranking(seeded['split'])}",
              flush=True)
        port = free_port()
        server = subprocess.Popen([str(GUNICORN), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                                   "--workers", "2", "--no-control-socket", "--log-level", "warning"], cwd=ROOT)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            for path in ("/healthz", page, api):  # warm both workers' caches and connections
                subprocess.run(["wrk", "-t1", "-c4", "-d1s", base + path], check=True, capture_output=True)
            results = {name: wrk(base + path, duration=args.duration, connections=args.connections)
                       for name, path in (("trivial view (/healthz)", "/healthz"), ("leaderboard page", page),
                                          ("leaderboard API", api))}
            through_nginx = (leaderboard_nginx.measure(gunicorn_port=port, page=page, duration=args.duration,
                                                       connections=args.connections, wrk=wrk)
                             if args.through_nginx else None)
        finally:
            server.terminate()
            server.wait(timeout=30)
    finally:
        if database:
            database.__exit__(None, None, None)
        shutil.rmtree(private, ignore_errors=True)

    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s (Accept-Encoding: gzip) against gunicorn (2 workers) on 127.0.0.1; "
          f"{args.teams} teams x {args.per_team} submissions, {args.images:,} images\n")
    print(f"{'':28}{'requests/s':>12}{'p99 ms':>10}")
    for name, (rps, p99) in results.items():
        print(f"{name:28}{rps:12.0f}{p99:10.1f}")
    trivial, page_rps, page_p99 = results["trivial view (/healthz)"][0], *results["leaderboard page"]
    api_rps = results["leaderboard API"][0]
    print(f"\npage / trivial throughput: {page_rps / trivial:.2f} (target >= 0.50): "
          f"{'met' if page_rps >= trivial / 2 else 'NOT met'}")
    print(f"API / trivial throughput: {api_rps / trivial:.2f} (target >= 0.50): "
          f"{'met' if api_rps >= trivial / 2 else 'NOT met'}")
    print(f"page p99: {page_p99:.1f} ms (target < 100 ms): {'met' if page_p99 < 100 else 'NOT met'}")
    if through_nginx:
        leaderboard_nginx.report(through_nginx, connections=args.connections, duration=args.duration)


if __name__ == "__main__":
    main()
