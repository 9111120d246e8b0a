"""How large a prediction file and its parts may be: lines, numbers, and the whole file."""

from __future__ import annotations

from ..errors import LineError, PredictionFileError
from ..tasks import ALL_TASKS, DETECTION, MAX_GUESSES

__all__ = [
    "DETECTION_BYTES_PER_IMAGE",
    "MAX_DIGITS",
    "MAX_LINE_BYTES",
    "NUMBER_BYTES",
    "check_upload_size",
    "long_line_message",
    "max_upload_bytes",
]

#: Lines longer than this are refused (a valid line is at most ~250 bytes).
MAX_LINE_BYTES = 2048
#: Class ids have at most this many digits (WNIDs: ``n`` + 8 digits).
MAX_DIGITS = 8
#: The longest number the file limits make room for: a coordinate or confidence as a detector writes
#: it (``119.976089``, ``1234567.12345678``, Python's ``repr`` of a double such as
#: ``0.12345678901234566``). Longer numbers are read too; they only count against the file's limit.
NUMBER_BYTES = 16
#: A detection line of such numbers: index and class (9 bytes each), a confidence of 24 bytes
#: (``1.2345678901234567e-05``), four coordinates, separators: 113 bytes, rounded up.
DETECTION_LINE_BYTES = 128
#: What a detection file may hold per image: 100 such detections (bounds the scorer's memory).
DETECTION_BYTES_PER_IMAGE = 100 * DETECTION_LINE_BYTES


def long_line_message(length: int) -> str:
    """Why a line of ``length`` bytes is refused (every format checks the length first)."""
    return f"the line is {length:,} bytes long; at most {MAX_LINE_BYTES:,} expected"


def max_upload_bytes(task: str, n_images: int) -> int:
    """The largest prediction file accepted for ``task`` and ``n_images`` images.

    Twice the size of a file with 5 guesses of maximal length per line (9-byte WNIDs,
    coordinates of :data:`NUMBER_BYTES`, one separator each), plus 64 KiB. A detection file has
    no fixed number of lines: it may hold DETECTION_BYTES_PER_IMAGE per image. Raises
    ``ValueError`` for an unknown task or a negative ``n_images``.
    """
    if task not in ALL_TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(ALL_TASKS)}")
    if n_images < 0:
        raise ValueError("n_images must be >= 0")
    if task == DETECTION:
        return DETECTION_BYTES_PER_IMAGE * n_images + 65536
    if task == "localization":
        per_line = MAX_GUESSES * (10 + 4 * (NUMBER_BYTES + 1)) + 2
    else:
        per_line = MAX_GUESSES * 10 + 2
    return 2 * per_line * n_images + 65536


def check_upload_size(size: int, task: str, n_images: int) -> None:
    """Refuse a file of ``size`` bytes above :func:`max_upload_bytes`, before reading or parsing it.

    Raises :class:`.errors.PredictionFileError` saying the size and the limit.
    """
    limit = max_upload_bytes(task, n_images)
    if size > limit:
        raise PredictionFileError(
            [LineError(None, f"the file is {size:,} bytes; at most {limit:,} are accepted for {n_images:,} images")]
        )
