"""Organizers download every submission of a split at once: one zip, streamed as it is written
(never whole in memory or on disk), holding each file as stored and a manifest CSV (team,
entry, submitted, SHA-256, scores, board); each download is audited."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

from django.utils.text import slugify

from challenge.audit.services import record_audit
from challenge.competition.models import Split
from challenge.storage import open_private_file
from submissions.leaderboards.ranking import METRICS_BY_KIND
from submissions import selectors
from submissions.models import Submission

CHUNK = 1024 * 1024
MANIFEST = "manifest.csv"


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken away as they come (zipfile writes to it; the
    response reads from it). Not seekable, so zipfile writes data descriptors after each file."""

    def __init__(self):
        super().__init__()
        self.pending = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.pending += data
        return len(data)

    def take(self) -> bytes:
        data, self.pending = bytes(self.pending), bytearray()
        return data


def split_submissions(split: Split):
    """Every stored submission of the split, oldest first, with its current score."""
    return selectors.organizer_entries(year=split.task.year, split=split).order_by("created_at", "pk")


def member_name(submission: Submission) -> str:
    """The file's name inside the zip: its id and its team, never the uploader's own file name."""
    return f"files/{submission.pk:07d}-{slugify(submission.team.name)[:40] or 'team'}.txt"


def manifest(split: Split, submissions: list[Submission]) -> bytes:
    """The manifest CSV: one line per submission, its file's name in the zip and SHA-256, and its
    current scores as fractions (empty until scored)."""
    metrics = METRICS_BY_KIND[split.task.kind]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "team", "team_id", "entry", "submitted_at", "submitted_by", "board", "status",
                     "file", "sha256", "bytes", *metrics, "disqualified", "withdrawn", "is_final", "is_baseline",
                     "outside_data", "method_url", "code_url"])
    for s in submissions:
        score = s.current[0] if s.current else None
        values = ["" if score is None or getattr(score, m) is None else f"{getattr(score, m):.5f}" for m in metrics]
        writer.writerow([s.pk, s.team.name, s.team_id, s.entry_name, s.created_at.isoformat(),
                         s.submitted_by.get_username(), s.board, s.status, member_name(s), s.file_sha256, s.file_size,
                         *values, s.disqualified, s.withdrawn, s.is_final, s.is_baseline, s.external_data,
                         s.method_url, s.code_url])
    return out.getvalue().encode()


def download_split_submissions(*, user, split: Split) -> tuple[str, Iterator[bytes]]:
    """Audit the download, and return the zip's file name and its bytes as they are written.
    Storage errors while streaming end the download (the zip is then incomplete, and says so by
    having no central directory); they are raised from the iterator."""
    submissions = list(split_submissions(split))
    record_audit(actor=user, action="split.download_submissions", target=str(split), year=split.task.year,
                 obj=split, submissions=len(submissions), bytes=sum(s.file_size for s in submissions))
    name = f"{split.task.year.slug}-{split.task.slug}-{split.name}-submissions.zip"
    return name, _zip_stream(split, submissions)


def _zip_stream(split: Split, submissions: list[Submission]) -> Iterator[bytes]:
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr(MANIFEST, manifest(split, submissions))
        yield pipe.take()
        for submission in submissions:
            with archive.open(member_name(submission), mode="w", force_zip64=True) as member, \
                    open_private_file(submission.file_key) as stored:
                while chunk := stored.read(CHUNK):
                    member.write(chunk)
                    if len(pipe.pending) >= CHUNK:
                        yield pipe.take()
            yield pipe.take()
    yield pipe.take()
