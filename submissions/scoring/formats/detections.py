"""Object detection (DET, ILSVRC 2013-2017) prediction files: parsing and validation.

One detection a line, in any order, any number of lines (zero included)::

    <image_index> <class_id> <confidence> <xmin> <ymin> <xmax> <ymax>

* ``image_index``: 1-based index into the image list (at most 9 digits);
* ``class_id``: an id ``1..n_classes`` (at most 8 digits) or the WNID of a class;
* ``confidence`` and the coordinates: finite decimal numbers as C's ``strtod`` reads them, as
  the devkit's ``%f`` does (``0.93``, ``-1.5``, ``1e-05``, ``7``, ``119.976089``; no ``nan``,
  ``inf`` or hex). A box may start outside the image, and as the devkit does, a box whose
  ``xmax < xmin`` or ``ymax < ymin`` is taken as it is (scored with the devkit's arithmetic, it
  overlaps no box unless the inversion is under a pixel: a false positive).

Tokens are separated by spaces or tabs; CR counts as a space (CRLF files work); a UTF-8
BOM and whitespace at the very end are ignored; an empty line is an error.

A line is at most 2048 bytes long.

:func:`parse_detection_line` is the spec of a line and words its problem;
:func:`precise_parse_detections` applies it to a whole body. Files are read by :mod:`.streams`,
window by window, with the vectorized :mod:`.detections_fast`, which must agree with it on every
line; the precise parser words only the lines a refusal lists.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import ErrorList, PredictionFileError
from .limits import MAX_LINE_BYTES, long_line_message
from .numbers import DECIMAL_RE
from .text import show, tokens_of

__all__ = ["FIELDS", "Detections", "parse_detection_line", "precise_parse_detections"]

#: The fields of a detection line, in order.
FIELDS = ("image_index", "class_id", "confidence", "xmin", "ymin", "xmax", "ymax")
_EXPECTED = "expected 7 fields 'image_index class_id confidence xmin ymin xmax ymax'"

_INDEX = re.compile(rb"[0-9]+")
_WNID = re.compile(rb"n[0-9]{8}")
_MAX_INDEX_DIGITS = 9


@dataclass(frozen=True, eq=False)
class Detections:
    """A parsed detection file; row ``k`` is line ``k + 1`` (file order).

    ``image``: int32 0-based image index; ``label``: int16 class id (1-based);
    ``confidence``: float64; ``boxes``: ``(n, 4)`` float64 ``xmin ymin xmax ymax`` (inclusive pixels).
    """

    image: np.ndarray
    label: np.ndarray
    confidence: np.ndarray
    boxes: np.ndarray

    def __len__(self) -> int:
        return int(len(self.image))

    @classmethod
    def empty(cls) -> Detections:
        """A file with no detection."""
        return cls(
            np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, np.float64), np.zeros((0, 4), np.float64)
        )


def _class_id(token: bytes, class_set: ClassSet) -> int | str:
    """Class id of a token, or why it is not one."""
    n = class_set.n_classes
    cid = class_set.token_ids.get(token)
    if cid is not None:
        return cid
    if _INDEX.fullmatch(token):
        if len(token) > 8:
            return f"class_id {show(token)} has more than 8 digits; expected a class id 1..{n}"
        value = int(token)
        return value if 1 <= value <= n else f"class_id {value} is outside 1..{n}"
    if _WNID.fullmatch(token):
        return f"unknown WNID {token.decode('ascii')}: not one of the {n} classes"
    return f"class_id {show(token)} is not a class id (an integer 1..{n}) or a WNID"


def _number(name: str, token: bytes) -> float | str:
    """The value of a confidence or coordinate token, or why it is not one."""
    if not DECIMAL_RE.fullmatch(token):
        return f"{name} {show(token)} is not a decimal number"
    value = float(token)
    if not math.isfinite(value):
        return f"{name} {show(token)} is too large (not a finite number)"
    return value


def parse_detection_line(line: bytes, n_images: int, class_set: ClassSet) -> tuple | str:
    """``(image, class_id, confidence, (x1, y1, x2, y2))`` of one line, or its first problem: the spec
    of a line, and the message that says why it is not one."""
    if len(line) > MAX_LINE_BYTES:
        return long_line_message(len(line))
    toks = tokens_of(line)
    if len(toks) != 7:
        return f"empty line: {_EXPECTED}" if not toks else f"{len(toks)} fields; {_EXPECTED}"
    if not _INDEX.fullmatch(toks[0]) or len(toks[0]) > _MAX_INDEX_DIGITS:
        return f"image_index {show(toks[0])} is not an image index (an integer 1..{n_images:,})"
    image = int(toks[0])
    if not 1 <= image <= n_images:
        return f"image_index {image} is outside 1..{n_images:,} (the image list)"
    cid = _class_id(toks[1], class_set)
    if isinstance(cid, str):
        return cid
    numbers = []
    for name, tok in zip(FIELDS[2:], toks[2:]):
        value = _number(name, tok)
        if isinstance(value, str):
            return value
        numbers.append(value)
    return image - 1, cid, numbers[0], numbers[1:]


def precise_parse_detections(body: bytes, *, n_images: int, class_set: ClassSet) -> Detections:
    """Line-by-line parser of a file body (from :func:`.text.file_body`, text already checked): the
    arrays, or the errors.

    Raises :class:`PredictionFileError` listing the first bad lines (one message each) and
    how many more there were.
    """
    if not body:
        return Detections.empty()
    rows = []
    problems = ErrorList()
    for number, line in enumerate(body.split(b"\n"), start=1):
        parsed = parse_detection_line(line, n_images, class_set)
        if isinstance(parsed, str):
            problems.add(number, parsed)
        elif not problems.errors:
            rows.append(parsed)
    if problems.errors:
        raise PredictionFileError(problems.errors, problems.omitted)
    return Detections(
        np.array([r[0] for r in rows], dtype=np.int32),
        np.array([r[1] for r in rows], dtype=np.int16),
        np.array([r[2] for r in rows], dtype=np.float64),
        np.array([r[3] for r in rows], dtype=np.float64).reshape(-1, 4),
    )
