"""An organizer's archive of candidate images: a zip file with the images and `manifest.csv`,
one question a line: `file,class[,image][,gold]`, where `file` is the image's path in the archive,
`class` the label asked about (a class id or WNID of the year's class set), `image` the 1-based
index of the split's image it shows (optional) and `gold` the known answer of a gold question
(`yes` or `no`; empty for an ordinary question). Read without trusting sizes it declares."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

MANIFEST = "manifest.csv"
MAX_FILES = 20_000
MAX_IMAGE_BYTES = 32 * 1024 * 1024
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
HEADER = ("file", "class")
MAX_ERRORS = 10


class ArchiveRefused(ValueError):
    """The archive cannot be used; `errors` are (line or None, message), the first ten, and
    `omitted` counts the rest."""

    def __init__(self, errors: list[tuple[int | None, str]], omitted: int = 0):
        self.errors, self.omitted = errors, omitted
        super().__init__("; ".join(f"line {line}: {m}" if line else m for line, m in errors))


@dataclass(frozen=True)
class ManifestRow:
    """One question of the manifest: its `line`, the image `file`, the `label` token, the split
    `image` index (or None) and the `gold` answer (or None)."""

    line: int
    file: str
    label: str
    image: int | None
    gold: bool | None


class _Problems:
    def __init__(self):
        self.errors: list[tuple[int | None, str]] = []
        self.omitted = 0

    def add(self, line: int | None, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line, message))
        else:
            self.omitted += 1

    def raise_any(self) -> None:
        if self.errors:
            raise ArchiveRefused(self.errors, self.omitted)


def open_archive(upload) -> zipfile.ZipFile:
    """The uploaded file as a zip archive. Raises ArchiveRefused when it is not one, holds more
    than MAX_FILES files or no manifest.csv."""
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError):
        raise ArchiveRefused([(None, "not a zip archive: expected a .zip of the images and manifest.csv")]) from None
    names = archive.namelist()
    if len(names) > MAX_FILES:
        raise ArchiveRefused([(None, f"{len(names):,} files; at most {MAX_FILES:,}")])
    if MANIFEST not in names:
        raise ArchiveRefused([(None, f"no {MANIFEST} at the top of the archive")])
    return archive


def read_member(archive: zipfile.ZipFile, name: str, *, limit: int = MAX_IMAGE_BYTES) -> bytes:
    """One file of the archive, read at most `limit` bytes far whatever its header says.
    Raises ArchiveRefused for a larger or corrupt file."""
    try:
        with archive.open(name) as handle:
            data = handle.read(limit + 1)
    except (zipfile.BadZipFile, OSError, KeyError, EOFError) as exc:
        raise ArchiveRefused([(None, f"{name[:80]}: cannot be read from the archive ({type(exc).__name__})")]) from None
    if len(data) > limit:
        raise ArchiveRefused([(None, f"{name[:80]}: larger than {limit // (1024 * 1024)} MB")])
    return data


def read_manifest(archive: zipfile.ZipFile, *, n_images: int | None) -> list[ManifestRow]:
    """The manifest's rows, checked: a header starting `file,class`, each file in the archive,
    an image index in 1..`n_images` (the split's images; no index without a split), a gold
    answer of yes / no. Raises ArchiveRefused naming the line of each problem."""
    raw = read_member(archive, MANIFEST, limit=MAX_MANIFEST_BYTES)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ArchiveRefused([(None, f"{MANIFEST} is not UTF-8 text")]) from None
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header[:2]) != HEADER or not set(header) <= {"file", "class", "image", "gold"}:
        raise ArchiveRefused([(1, "the header must be file,class and optionally image and gold")])
    names = set(archive.namelist())
    problems, rows = _Problems(), []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            problems.add(line, f"{len(values)} values; expected {len(header)} ({','.join(header)})")
            continue
        row = dict(zip(header, (v.strip() for v in values)))
        if row["file"] not in names:
            problems.add(line, f"{row['file'][:80]!r} is not in the archive")
            continue
        image = None
        if row.get("image"):
            if not row["image"].isdigit() or n_images is None or not 1 <= int(row["image"]) <= n_images:
                where = f"1..{n_images:,} (the split's images)" if n_images else "none: the task has no split"
                problems.add(line, f"image {row['image'][:20]!r} is not an image index; expected {where}")
                continue
            image = int(row["image"])
        gold = {"": None, "yes": True, "no": False}.get(row.get("gold", "").lower(), "bad")
        if gold == "bad":
            problems.add(line, f"gold {row['gold'][:20]!r}: expected yes, no or nothing")
            continue
        rows.append(ManifestRow(line, row["file"], row["class"], image, gold))
    problems.raise_any()
    if not rows:
        raise ArchiveRefused([(None, f"{MANIFEST} lists no question")])
    return rows
