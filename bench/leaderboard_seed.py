"""Seeding bench/leaderboard.py's year: teams, scored submissions and their leaderboard entries,
written with PostgreSQL's binary COPY (10,000 teams x 20 entries on 100,000 images is 5 GB of
per-image bits: the ORM's INSERTs would spend most of an hour on it).

Each team has a skill (its top-5 error rate, uniform in 0.05-0.6); each entry's rate is the
skill plus a little noise. An entry's per-image bits are derived from one seed: a pool of
uniform random numbers per image, drawn once, read at a pseudo-random rotation per entry and
compared with the entry's rate, so entries differ image by image as real ones do and the paired
tests have something to test. Each entry's statistics are computed by the product's own
`evidence.entry_stats` (the intervals a score gets when it is recorded), so the first board
build only ranks.
"""

from __future__ import annotations

import io
import json
import struct
from datetime import UTC, datetime

import numpy as np

POOL = 64  # uniform arrays in the pool each entry's bits are read from
_EPOCH_2000 = datetime(2000, 1, 1, tzinfo=UTC)


class BinaryCopy:
    """Rows for `COPY table (columns) FROM STDIN (FORMAT binary)`, encoded by each column's type."""

    def __init__(self, cursor, table: str, columns: list[str]):
        cursor.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = %s",
                       [table])
        types = dict(cursor.fetchall())
        missing = [c for c in columns if c not in types]
        if missing:
            raise ValueError(f"{table} has no column {missing}")
        self.cursor, self.table, self.columns = cursor, table, columns
        self.encoders = [_ENCODERS[types[c]] for c in columns]
        self.buffer = io.BytesIO()
        self.buffer.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))

    def add(self, *values) -> None:
        out = self.buffer
        out.write(struct.pack(">h", len(values)))
        for encode, value in zip(self.encoders, values):
            if value is None:
                out.write(b"\xff\xff\xff\xff")
            else:
                data = encode(value)
                out.write(struct.pack(">i", len(data)))
                out.write(data)

    def send(self) -> None:
        self.buffer.write(struct.pack(">h", -1))
        self.buffer.seek(0)
        self.cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN (FORMAT binary)",
                                self.buffer)
        self.buffer = io.BytesIO()
        self.buffer.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))


def _timestamp(value: datetime) -> bytes:
    return struct.pack(">q", (value - _EPOCH_2000) // _MICROSECOND)


_MICROSECOND = datetime(2000, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH_2000
_ENCODERS = {
    "bigint": lambda v: struct.pack(">q", v),
    "integer": lambda v: struct.pack(">i", v),
    "smallint": lambda v: struct.pack(">h", v),
    "boolean": lambda v: b"\x01" if v else b"\x00",
    "double precision": lambda v: struct.pack(">d", v),
    "character varying": lambda v: v.encode(),
    "text": lambda v: v.encode(),
    "bytea": bytes,
    "jsonb": lambda v: b"\x01" + json.dumps(v, separators=(",", ":")).encode(),
    "timestamp with time zone": _timestamp,
}


def next_ids(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
    return cursor.fetchone()[0]


def seed_entries(*, split, ground_truth, teams: list, members: list, per_team: int, images: int,
                 seed: int, now: datetime) -> tuple[int, dict[int, float]]:
    """Write per_team scored submissions for each team, their scores and leaderboard entries.
    Returns (how many, {team id: its best top-5 error})."""
    from django.db import connection

    from submissions.leaderboards import evidence
    from submissions.leaderboards.services import stats_key
    from submissions.models import Score

    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 65536, (POOL, images), dtype=np.uint16)
    top1_pool = rng.random((POOL, images)) < 0.75  # a top-5 hit is a top-1 hit three times in four
    skill = rng.uniform(0.05, 0.6, len(teams))
    best: dict[int, float] = {}
    with connection.cursor() as cursor:
        submission_id, score_id, entry_id = (next_ids(cursor, t) for t in (
            "submissions_submission", "submissions_score", "submissions_leaderboardentry"))
        submissions = BinaryCopy(cursor, "submissions_submission", [
            "id", "team_id", "split_id", "submitted_by_id", "entry_name", "description", "external_data", "file_key",
            "file_sha256", "file_size", "original_filename", "status", "failure_reason", "refunded", "attempts",
            "created_at", "scored_at", "is_final", "disqualified", "disqualified_reason", "not_comparable",
            "not_comparable_reason", "withdrawn", "board", "is_baseline", "method_url", "code_url"])
        scores = BinaryCopy(cursor, "submissions_score", [
            "id", "submission_id", "ground_truth_id", "is_current", "images", "top1_error", "top5_error",
            "top1_bits", "top5_bits", "warnings", "advice", "revised_metrics", "created_at"])
        entries = BinaryCopy(cursor, "submissions_leaderboardentry", [
            "id", "split_id", "submission_id", "score_id", "team_id", "submitted_at", "stats", "stats_key",
            "ladder_accepted", "updated_at"])
        written = 0
        for t, (team, user) in enumerate(zip(teams, members)):
            for k in range(per_team):
                rate = min(max(skill[t] + rng.normal(0, 0.02), 0.0), 1.0)
                top5, top1 = entry_bits(pool, top1_pool, rng, rate)
                created = now - (per_team - k) * _MINUTE
                score = Score(images=images, ground_truth_id=ground_truth.pk,
                              top1_error=1 - np.count_nonzero(top1) / images,
                              top5_error=1 - np.count_nonzero(top5) / images,
                              top1_bits=np.packbits(top1).tobytes(), top5_bits=np.packbits(top5).tobytes())
                best[team.pk] = min(best.get(team.pk, 1.0), score.top5_error)
                submissions.add(submission_id, team.pk, split.pk, user.pk, f"run {k}", "", team.pk % 4 == 0,
                                f"bench/{team.pk}/{k}", "0" * 64, 1, "", "scored", "", False, 1, created, now,
                                False, False, "", False, "", False, "official", False, "", "")
                scores.add(score_id, submission_id, ground_truth.pk, True, images, score.top1_error,
                           score.top5_error, score.top1_bits, score.top5_bits, [], [], {}, now)
                entries.add(entry_id, split.pk, submission_id, score_id, team.pk, created,
                            evidence.entry_stats(score=score, split=split),
                            stats_key(score_id=score_id, split=split), False, now)
                submission_id, score_id, entry_id, written = submission_id + 1, score_id + 1, entry_id + 1, written + 1
            if (t + 1) % 100 == 0:  # about 50 MB of bits a batch
                for copy in (submissions, scores, entries):
                    copy.send()
        for copy in (submissions, scores, entries):
            copy.send()
        for table in ("submissions_submission", "submissions_score", "submissions_leaderboardentry"):
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
        cursor.execute("ANALYZE")
    return written, best


_MINUTE = datetime(2000, 1, 1, 0, 1, tzinfo=UTC) - _EPOCH_2000


def entry_bits(pool: np.ndarray, top1_pool: np.ndarray, rng: np.random.Generator,
               rate: float) -> tuple[np.ndarray, np.ndarray]:
    """(top-5 correct, top-1 correct) per image for an entry whose top-5 error rate is `rate`."""
    images = pool.shape[1]
    row, shift = int(rng.integers(0, POOL)), int(rng.integers(0, images))
    top5 = np.roll(pool[row], shift) >= int(rate * 65536)
    top1 = top5 & np.roll(top1_pool[int(rng.integers(0, POOL))], int(rng.integers(0, images)))
    return top5, top1
