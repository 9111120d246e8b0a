"""The `--through-nginx` part of bench/leaderboard.py: the anonymous leaderboard page read through
deploy/nginx.conf (run by Debian's nginx, tests/liveproxy.py) beside the same gunicorn alone,
while the split's boards are rebuilt every second, and how stale a reader's board can be.

Both runs use the same board, URL, wrk connections and duration, one after the other, each with
the rebuilds going on (a separate process, as a scoring worker is) and a poller reading the page
every 20 ms. A poll's staleness is how long a newer board than the one it shows (by
X-Board-Built-At) had been committed when its answer arrived; the target is at most 3 s for
every poll through nginx. Also printed: how long before the newest committed board the board
shown was built, which adds the time between two rebuilds to that (a rebuild of 1,000 teams x
20 entries takes over a second on 2 busy cores).

    .venv/bin/python bench/leaderboard_nginx.py --rebuild-loop SPLIT_ID BASIS TRACK
is the rebuild process: it rebuilds the split's boards once a second and prints, for each
rebuild, when it committed and when the watched board was built (seconds since the epoch).
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = ROOT / ".venv" / "bin" / "python"

from tests.liveproxy import Nginx  # noqa: E402  (after sys.path, as the other benches)

TARGET_STALENESS = 3.0
POLL_EVERY = 0.02


@dataclass
class Run:
    """One wrk run with the rebuilds and the poller going on."""

    requests_per_second: float
    p99_ms: float
    polls: int
    worst_staleness: float  # s a poll's board had been superseded by a committed newer one
    worst_build_gap: float  # s between the build of the newest committed board and the one shown


@dataclass
class ThroughNginx:
    alone: Run
    nginx: Run
    rebuilds: int
    seconds_per_rebuild: float
    cache_statuses: Counter  # nginx's $upstream_cache_status of each page request: HIT, STALE, ...


class Poller:
    """Reads the page every POLL_EVERY seconds; keeps (time answered, build time shown) per answer."""

    def __init__(self, connect: Callable[[], http.client.HTTPConnection], path: str):
        self.connect, self.path = connect, path
        self.seen: list[tuple[float, float]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        connection = self.connect()
        while not self.stopping.wait(POLL_EVERY):
            try:
                connection.request("GET", self.path, headers={"Accept-Encoding": "gzip"})
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = self.connect()
                continue
            if response.will_close:
                connection.close()
                connection = self.connect()
            stamp = response.getheader("X-Board-Built-At")
            if response.status == 200 and stamp:
                self.seen.append((time.time(), datetime.fromisoformat(stamp).timestamp()))

    def __enter__(self) -> "Poller":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)


def staleness(seen: list[tuple[float, float]], builds: list[tuple[float, float]]) -> tuple[float, float]:
    """Over the polls (answered at, build shown), given the builds (committed at, built at): the
    longest any poll's board had been superseded by a committed newer one when the answer came,
    and the largest gap between the newest committed board's build and the shown one's."""
    worst, worst_gap = 0.0, 0.0
    for answered, shown in seen:
        superseded = [committed for committed, built in builds if built > shown and committed <= answered]
        worst = max(worst, answered - min(superseded, default=answered))
        newest = max((built for committed, built in builds if committed <= answered), default=shown)
        worst_gap = max(worst_gap, newest - shown)
    return worst, worst_gap


def measure(*, gunicorn_port: int, page: str, duration: int, connections: int,
            wrk: Callable[..., tuple[float, float]]) -> ThroughNginx:
    """wrk on the page against gunicorn alone, then through nginx, while the boards are rebuilt."""
    from submissions.leaderboards.models import LeaderboardBoard

    first = _get(lambda: http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=30), page)
    initial_build = datetime.fromisoformat(first.getheader("X-Board-Built-At"))
    board = LeaderboardBoard.objects.select_related("split").get(built_at=initial_build)
    builds = [(0.0, initial_build.timestamp())]
    proxy = Nginx(upstream_port=gunicorn_port).start()
    rebuilding = subprocess.Popen([str(PYTHON), __file__, "--rebuild-loop", str(board.split_id), board.basis,
                                   board.track], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    collector = threading.Thread(
        target=lambda: builds.extend(tuple(map(float, line.split())) for line in rebuilding.stdout), daemon=True)
    collector.start()
    runs = {}
    try:
        # The seeded board is older than the first rebuild by however long seeding and the other
        # runs took: polls start once two rebuilds have committed, a second apart.
        started = time.monotonic()
        while len(builds) < 3 and time.monotonic() - started < 120 and rebuilding.poll() is None:
            time.sleep(0.05)
        targets = {"alone": (f"http://127.0.0.1:{gunicorn_port}",
                             lambda: http.client.HTTPConnection("127.0.0.1", gunicorn_port, timeout=30)),
                   "nginx": (proxy.url, lambda: proxy.connect(timeout=30))}
        for name, (base, connect) in targets.items():
            subprocess.run(["wrk", "-t1", "-c4", "-d1s", base + page], check=True, capture_output=True)  # warm
            with Poller(connect, page) as poller:
                rps, p99 = wrk(base + page, duration=duration, connections=connections)
            runs[name] = (rps, p99, poller.seen)
        statuses = Counter(re.findall(rf'"GET {re.escape(page)} HTTP/1.1" \d+ .* cache=(\S+)', proxy.access_log()))
    finally:
        rebuilding.terminate()
        rebuilding.wait(timeout=30)
        collector.join(timeout=30)
        proxy.stop()
    rebuilt = builds[1:]
    span = rebuilt[-1][0] - rebuilt[0][0] if len(rebuilt) > 1 else 0.0
    return ThroughNginx(
        **{name: Run(rps, p99, len(seen), *staleness(seen, builds)) for name, (rps, p99, seen) in runs.items()},
        rebuilds=len(rebuilt), seconds_per_rebuild=span / max(1, len(rebuilt) - 1), cache_statuses=statuses)


def report(result: ThroughNginx, *, connections: int, duration: int) -> None:
    alone, nginx = result.alone, result.nginx
    ratio = nginx.requests_per_second / alone.requests_per_second
    print(f"\nanonymous page through nginx: {nginx.requests_per_second:.0f} requests/s ({ratio:.1f} x gunicorn alone) "
          f"(target >= 5): {'met' if ratio >= 5 else 'NOT met'}")
    print(f"  deploy/nginx.conf over TLS vs gunicorn (2 workers) alone at {alone.requests_per_second:.0f} requests/s; "
          f"wrk -c{connections} -d{duration}s each; p99 {nginx.p99_ms:.1f} ms through nginx, "
          f"{alone.p99_ms:.1f} ms alone")
    statuses = result.cache_statuses
    upstream = sum(n for status, n in statuses.items() if status in ("MISS", "EXPIRED", "BYPASS", "STALE"))
    print(f"  nginx's answers: {', '.join(f'{status} {n}' for status, n in statuses.most_common())} "
          f"({upstream} of {sum(statuses.values())} asked gunicorn)")
    met = nginx.worst_staleness <= TARGET_STALENESS
    print(f"worst staleness through nginx: {nginx.worst_staleness:.2f} s (target <= {TARGET_STALENESS:.0f} s): "
          f"{'met' if met else 'NOT met'}")
    print(f"  the longest a reader was shown a board after a newer one had been committed, over {nginx.polls} polls "
          f"through nginx ({alone.worst_staleness:.2f} s over {alone.polls} polls of gunicorn alone), while the "
          f"split's boards were rebuilt {result.rebuilds} times, every {result.seconds_per_rebuild:.2f} s; the board "
          f"shown was built at most {nginx.worst_build_gap:.2f} s before the newest ({alone.worst_build_gap:.2f} s "
          f"alone), one rebuild's interval included")


def _get(connect, path: str) -> http.client.HTTPResponse:
    connection = connect()
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def rebuild_loop(*, split_id: int, basis: str, track: str) -> None:
    """Rebuild a split's boards once a second (back to back when a rebuild takes longer), as a
    scoring worker does under a stream of uploads; print each rebuild's commit and build times."""
    import django

    django.setup()
    from challenge.competition.models import Split
    from submissions.leaderboards.models import LeaderboardBoard
    from submissions.leaderboards.services import rebuild_leaderboard

    split = Split.objects.get(pk=split_id)
    while True:
        started = time.monotonic()
        rebuild_leaderboard(split=split)
        committed = time.time()
        built = LeaderboardBoard.objects.values_list("built_at", flat=True).get(split=split, basis=basis, track=track)
        print(f"{committed:.6f} {built.timestamp():.6f}", flush=True)
        time.sleep(max(0.0, 1 - (time.monotonic() - started)))


if __name__ == "__main__":
    if sys.argv[1:2] != ["--rebuild-loop"] or len(sys.argv) != 5:
        sys.exit(__doc__)
    rebuild_loop(split_id=int(sys.argv[2]), basis=sys.argv[3], track=sys.argv[4])
