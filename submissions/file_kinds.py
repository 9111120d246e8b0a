"""Which task a refused prediction file was written for, guessed from its first lines, so that a
file sent to the wrong task says so in its first message (a detection file sent to classification
used to get "7 guesses; at most 5 allowed" ten times, and nothing else).

Only a guess, asked only once the scoring core has refused the file: the core's own messages
follow it unchanged. Reads at most HEAD_BYTES of the plain text.
"""

from __future__ import annotations

import gzip
import re
import zlib

HEAD_BYTES = 64 * 1024
LINES = 20
_INTEGER = re.compile(r"^\d+$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_WNID = re.compile(r"^n\d{8}$")

FORMATS = {
    "classification": "up to 5 class ids or WNIDs a line, one line per image",
    "localization": "up to 5 groups of `label xmin ymin xmax ymax` a line, one line per image",
    "detection": "`image_index class_id confidence xmin ymin xmax ymax` a line, one line per detection",
}
NAMES = {"classification": "classification", "hierarchical": "classification", "localization": "localization",
         "detection": "object detection"}


def _label(token: str) -> bool:
    return bool(_INTEGER.match(token) or _WNID.match(token))


def _kinds_of_line(tokens: list[str]) -> set[str]:
    """The formats a line fits: five class ids are also one class id with its box."""
    kinds = set()
    if len(tokens) == 7 and _INTEGER.match(tokens[0]) and _label(tokens[1]) and all(_NUMBER.match(t) for t in tokens[2:]):
        kinds.add("detection")
    if 5 <= len(tokens) <= 25 and len(tokens) % 5 == 0 and all(_label(t) for t in tokens[0::5]) \
            and all(_NUMBER.match(t) for i, t in enumerate(tokens) if i % 5):
        kinds.add("localization")
    if 1 <= len(tokens) <= 5 and all(_label(t) for t in tokens):
        kinds.add("classification")
    return kinds


def _share(lines: list[set[str]], kind: str) -> bool:
    return sum(kind in kinds for kinds in lines) * 10 >= 9 * len(lines)


def guess_kind(head: bytes, *, expected: str) -> str | None:
    """The task whose format the first lines of `head` follow, when it is not `expected`'s: None
    when the lines may be `expected`'s (nine in ten of them fit it), or fit no one format that well."""
    lines = [line.split() for line in head.decode("utf-8", "replace").splitlines()[:LINES] if line.strip()]
    if len(lines) > 1 and len(head) >= HEAD_BYTES:
        lines = lines[:-1]  # the last line may be cut off
    kinds = [_kinds_of_line(tokens) for tokens in lines]
    if not kinds or _share(kinds, expected):
        return None
    return next((kind for kind in FORMATS if _share(kinds, kind)), None)


def read_head(upload) -> bytes:
    """The first HEAD_BYTES of an upload's plain text (gunzipped when it is gzip), from its start;
    b"" when it cannot be read. Leaves the file at its start."""
    try:
        upload.seek(0)
        raw = upload.read(HEAD_BYTES)
        if raw[:2] == b"\x1f\x8b":
            upload.seek(0)
            with gzip.GzipFile(fileobj=upload, mode="rb") as unpacked:
                raw = unpacked.read(HEAD_BYTES)
        upload.seek(0)
        return raw
    except (OSError, EOFError, zlib.error):
        return b""


def wrong_task_message(*, task_kind: str, head: bytes) -> str | None:
    """The first message for a file that looks written for another task than `task_kind`, or None."""
    expected = "classification" if task_kind == "hierarchical" else task_kind
    guessed = guess_kind(head, expected=expected)
    if guessed is None:
        return None
    article = "an" if NAMES[guessed][0] in "aeiou" else "a"
    return (f"This looks like {article} {NAMES[guessed]} file ({FORMATS[guessed]}), but this task is "
            f"{NAMES[task_kind]}: it takes {FORMATS[expected]}. Check the task you chose.")
