"""The site under bench/deadline_rush.py: a throwaway PostgreSQL cluster, the seeded year and
board (run through `manage.py shell`), the check of every accepted upload against `manage.py
evaluate`, prediction files made ahead of time, and wrk as the readers."""

import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from tests import livesite

PASSWORD = "deadline rush password 1"
YEAR, TASK, N_IMAGES = "rush", "classification", 10_000
BOARD_API = f"/api/years/{YEAR}/tasks/{TASK}/leaderboard/?split=val"
PAGE_SIZE = 100  # entries per board page (leaderboards.rendering.PAGE_SIZE)

SEED = f"""
import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from challenge.competition.models import ChallengeYear, Split
from challenge.teams.models import Membership, Team
from submissions.leaderboards.services import rebuild_leaderboard
from submissions.ledger import append_record, score_recorded_payload, submission_received_payload
from submissions.models import LedgerRecord, Score, Submission
from tests.base import make_task, make_team, make_user, make_year
year = make_year({YEAR!r}, days_left=1, leaderboard_rows=ChallengeYear.LeaderboardRows.ALL_ENTRIES)
rng = np.random.default_rng(0)
labels = rng.integers(1, 1001, {N_IMAGES})
split = Split.objects.get(task=make_task(year, {TASK!r}, val_labels=labels.tolist()), name="val")
Split.objects.filter(pk=split.pk).update(quota_per_window=1_000_000)
for n in range(TEAMS):
    user = make_user(f"team{{n}}")
    user.set_password({PASSWORD!r}); user.save()
    make_team(year, f"Team {{n}}", user)
# The board: one scored entry per team, top-5 errors 0.5-0.95 (every upload does better), with
# the per-image arrays a real score has (bits for intervals and tests, top-1 labels for the
# integrity check), and in the ledger like any score.
User = get_user_model()
users = User.objects.bulk_create(User(username=f"board-{{i}}", password="!") for i in range(BOARD))
teams = Team.objects.bulk_create(Team(year=year, name=f"Board team {{i:04d}}", created_by=u) for i, u in enumerate(users))
Membership.objects.bulk_create(Membership(team=t, user=u, year=year) for t, u in zip(teams, users))
rows = Submission.objects.bulk_create(Submission(
    team=t, split=split, submitted_by=u, entry_name="seeded", file_key=f"seeded/{{t.pk}}", file_sha256=f"{{t.pk:064x}}",
    file_size=1, status="scored") for t, u in zip(teams, users))
scores = []
for submission in rows:
    top5 = rng.random({N_IMAGES}) < rng.uniform(0.05, 0.5)
    top1 = top5 & (rng.random({N_IMAGES}) < 0.75)
    scores.append(Score(submission=submission, ground_truth=split.current_ground_truth, images={N_IMAGES},
                        top1_error=float(1 - top1.mean()), top5_error=float(1 - top5.mean()),
                        top1_bits=np.packbits(top1).tobytes(), top5_bits=np.packbits(top5).tobytes(),
                        top1_labels=np.where(top1, labels, rng.integers(1, 1001, {N_IMAGES})).astype("<i2").tobytes()))
Score.objects.bulk_create(scores, batch_size=200)
with transaction.atomic():
    for submission, score in zip(rows, scores):
        append_record(kind=LedgerRecord.Kind.SUBMISSION_RECEIVED, payload=submission_received_payload(submission))
        append_record(kind=LedgerRecord.Kind.SCORE_RECORDED, payload=score_recorded_payload(score))
rebuild_leaderboard(split=split)
"""

CHECK = f"""
import io, json, hashlib
from django.core.files.storage import default_storage
from django.core.management import call_command
from challenge.competition.models import Split
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


def prediction_files(labels: np.ndarray, *, count: int, seed: int) -> list[bytes]:
    """Fresh prediction files, each better than every seeded entry (top-5 error 0.05-0.45).
    Made before the clock starts: formatting 10,000 lines in Python takes tens of
    milliseconds, and a client busy with its GIL would slow its own uploads, not the site."""
    rng = np.random.default_rng(seed)
    files = []
    for _ in range(count):
        rows = rng.integers(1, 1001, (N_IMAGES, 5))
        right = rng.random(N_IMAGES) < rng.uniform(0.55, 0.95)
        rows[right, 0] = labels[right]
        files.append(("\n".join(" ".join(map(str, row)) for row in rows.tolist()) + "\n").encode())
    return files


def nth_file(pool: list[bytes], k: int) -> bytes:
    """The k-th upload of a team: a file of its pool, its first line made unique to k (a
    back-to-back run may need more files than the pool holds)."""
    if k < len(pool):
        return pool[k]
    first = " ".join(str(1 + (k * 5 + j) % 1000) for j in range(5)).encode()
    return first + b"\n" + pool[k % len(pool)].split(b"\n", 1)[1]


def wrk(port: int, readers: int, seconds: float, path: str = BOARD_API) -> subprocess.Popen:
    """Readers as wrk connections: a Python client would measure its own GIL, not the site."""
    return subprocess.Popen(["wrk", "-t", "2", "-c", str(readers), "-d", f"{max(int(seconds), 1)}s", "--latency",
                             "--timeout", "30s", f"http://127.0.0.1:{port}{path}"], stdout=subprocess.PIPE, text=True)


def parse_wrk(output: str) -> dict:
    found = {"non_2xx": 0, "socket_errors": "", "rate": 0.0, "requests": 0, "50%": math.nan, "99%": math.nan}
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


def measure(port: int, readers: int, seconds: float, path: str = BOARD_API) -> dict:
    return parse_wrk(wrk(port, readers, seconds, path).communicate(timeout=seconds + 120)[0])


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time used so far by these processes (Linux /proc)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
