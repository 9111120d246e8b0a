"""Object detection (DET, ILSVRC 2013-2017) prediction files: parsing and validation.

One detection a line, in any order, any number of lines (zero included)::

    <image_index> <class_id> <confidence> <xmin> <ymin> <xmax> <ymax>

* ``image_index``: 1-based index into the image list (at most 9 digits);
* ``class_id``: an id ``1..n_classes`` (at most 8 digits) or the WNID of a class;
* ``confidence``: a finite decimal number (``0.93``, ``-1.5``, ``1e-05``, ``7``): exactly
  what Python's ``float()`` reads, without ``inf``/``nan``/``_``;
* coordinates: integers of at most 8 digits, optionally negative (a detector's box may
  start left of or above the image), with ``xmin <= xmax`` and ``ymin <= ymax``.

Tokens are separated by spaces or tabs; CR counts as a space (CRLF files work); a UTF-8
BOM and whitespace at the very end are ignored; an empty line is an error.

Well-formed files go through :func:`_fast_parse` (numpy, no Python loop per line); anything
it does not accept plainly is re-read by :func:`precise_parse_detections`, which returns the
same arrays or raises :class:`PredictionFileError` naming the lines and what was expected.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .errors import ErrorList, LineError, PredictionFileError
from .fastparse import MAX_LINE_BYTES
from .hierarchy import ClassSet

__all__ = ["Detections", "parse_detections", "precise_parse_detections", "FIELDS"]

#: The fields of a detection line, in order.
FIELDS = ("image_index", "class_id", "confidence", "xmin", "ymin", "xmax", "ymax")
_EXPECTED = "expected 7 fields 'image_index class_id confidence xmin ymin xmax ymax'"

_BOM = b"\xef\xbb\xbf"
_WS = bytes.maketrans(b"\t\r", b"  ")
_INDEX = re.compile(rb"[0-9]+")
_COORD = re.compile(rb"-?[0-9]+")
_DECIMAL = re.compile(rb"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_WNID = re.compile(rb"n[0-9]{8}")
_MAX_COORD_DIGITS = 8
_MAX_INDEX_DIGITS = 9
_MAX_CONFIDENCE_BYTES = 32  # longer confidence tokens go to the precise parser
_CHUNK_BYTES = 1 << 22


@dataclass(frozen=True, eq=False)
class Detections:
    """A parsed detection file; row ``k`` is line ``k + 1`` (file order).

    ``image``: int32 0-based image index; ``label``: int16 class id (1-based);
    ``confidence``: float64; ``boxes``: ``(n, 4)`` int32 ``xmin ymin xmax ymax`` (inclusive).
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
            np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, np.float64), np.zeros((0, 4), np.int32)
        )


def _show(token: bytes) -> str:
    text = token.decode("utf-8", "backslashreplace")
    return repr(text if len(text) <= 24 else text[:21] + "...")


def _body(data: bytes) -> bytes:
    """The file without BOM and trailing whitespace; raises for UTF-16, NUL or non-UTF-8 bytes."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise PredictionFileError(
            [LineError(None, "the file is UTF-16 text (e.g. saved as 'Unicode'); save it as plain ASCII or UTF-8 text")]
        )
    if data.startswith(_BOM):
        data = data[3:]
    body = data.rstrip(b" \t\r\n")
    nul = body.find(b"\x00")
    if nul >= 0:
        line = body.count(b"\n", 0, nul) + 1
        raise PredictionFileError([LineError(line, "NUL byte: this looks like UTF-16 text or a binary file")])
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise PredictionFileError(
            [LineError(line, f"byte 0x{body[exc.start]:02x} is not UTF-8 text; save the file as ASCII or UTF-8")]
        ) from None
    return body


def _class_id(token: bytes, class_set: ClassSet) -> int | str:
    """Class id of a token, or why it is not one."""
    n = class_set.n_classes
    cid = class_set.token_ids.get(token)
    if cid is not None:
        return cid
    if _INDEX.fullmatch(token):
        if len(token) > 8:
            return f"class_id {_show(token)} has more than 8 digits; expected a class id 1..{n}"
        value = int(token)
        return value if 1 <= value <= n else f"class_id {value} is outside 1..{n}"
    if _WNID.fullmatch(token):
        return f"unknown WNID {token.decode('ascii')}: not one of the {n} classes"
    return f"class_id {_show(token)} is not a class id (an integer 1..{n}) or a WNID"


def _confidence(token: bytes) -> float | str:
    """Confidence of a token, or why it is not one."""
    if not _DECIMAL.fullmatch(token):
        return f"confidence {_show(token)} is not a decimal number"
    value = float(token)
    if not math.isfinite(value):
        return f"confidence {_show(token)} is too large (not a finite number)"
    return value


def _coordinate(name: str, token: bytes) -> int | str:
    """Pixel coordinate of a token, or why it is not one."""
    if _COORD.fullmatch(token):
        if len(token.lstrip(b"-")) > _MAX_COORD_DIGITS:
            return f"{name} {_show(token)} has more than {_MAX_COORD_DIGITS} digits"
        return int(token)
    if _DECIMAL.fullmatch(token) and re.search(rb"[.eE]", token):
        return f"{name} {_show(token)} is not an integer; boxes are in whole pixels"
    return f"{name} {_show(token)} is not an integer (whole pixels, such as 12 or -3)"


def _parse_line(line: bytes, n_images: int, class_set: ClassSet) -> tuple | str:
    """``(image, class_id, confidence, (x1, y1, x2, y2))`` of one line, or its first problem."""
    if len(line) > MAX_LINE_BYTES:
        return f"the line is {len(line):,} bytes long; at most {MAX_LINE_BYTES:,} expected"
    toks = [t for t in line.translate(_WS).split(b" ") if t]
    if len(toks) != 7:
        return f"empty line: {_EXPECTED}" if not toks else f"{len(toks)} fields; {_EXPECTED}"
    if not _INDEX.fullmatch(toks[0]) or len(toks[0]) > _MAX_INDEX_DIGITS:
        return f"image_index {_show(toks[0])} is not an image index (an integer 1..{n_images:,})"
    image = int(toks[0])
    if not 1 <= image <= n_images:
        return f"image_index {image} is outside 1..{n_images:,} (the image list)"
    cid = _class_id(toks[1], class_set)
    if isinstance(cid, str):
        return cid
    confidence = _confidence(toks[2])
    if isinstance(confidence, str):
        return confidence
    coords = []
    for name, tok in zip(FIELDS[3:], toks[3:]):
        value = _coordinate(name, tok)
        if isinstance(value, str):
            return value
        coords.append(value)
    x1, y1, x2, y2 = coords
    if x2 < x1 or y2 < y1:
        axis = f"xmax {x2} < xmin {x1}" if x2 < x1 else f"ymax {y2} < ymin {y1}"
        return f"empty box: {axis}; expected xmin <= xmax and ymin <= ymax"
    return image - 1, cid, confidence, coords


def precise_parse_detections(body: bytes, *, n_images: int, class_set: ClassSet) -> Detections:
    """Line-by-line parser of a file body (from :func:`_body`): the arrays, or the errors.

    Raises :class:`PredictionFileError` listing the first bad lines (one message each) and
    how many more there were.
    """
    if not body:
        return Detections.empty()
    rows = []
    problems = ErrorList()
    for number, line in enumerate(body.split(b"\n"), start=1):
        parsed = _parse_line(line, n_images, class_set)
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
        np.array([r[3] for r in rows], dtype=np.int32).reshape(-1, 4),
    )


def parse_detections(data: bytes, *, n_images: int, class_set: ClassSet) -> Detections:
    """Parse a detection file for ``n_images`` images (see the module docstring).

    An empty file (or only whitespace) is zero detections. Raises
    :class:`PredictionFileError` for any problem, with 1-based line numbers: wrong number of
    fields, image index outside ``1..n_images``, unknown class, a confidence that is not a
    finite number, coordinates that are not integers, ``xmax < xmin`` or ``ymax < ymin``,
    NUL bytes, UTF-16 or non-UTF-8 text.
    """
    body = _body(data)
    if not body:
        return Detections.empty()
    try:
        fast = _fast_parse(body, n_images, class_set)
    except Exception:  # pragma: no cover - defensive: the precise parser has the last word
        fast = None
    if fast is not None:
        return fast
    return precise_parse_detections(body, n_images=n_images, class_set=class_set)


# ---------------------------------------------------------------------------------- fast path
# The fast path only has to be right when it says yes: it returns None at the first sign of
# anything unusual, and the precise parser then decides and explains.

_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[list(b"0123456789 \t\r\n.-+eEn")] = True
_Z64 = np.uint64(0x3030303030303030)
_HI64 = np.uint64(0x8080808080808080)
_ADD64 = np.uint64(0x7676767676767676)
_M64 = np.uint64(0x000000FF000000FF)
_MUL64A = np.uint64(100 + (1000000 << 32))
_MUL64B = np.uint64(1 + (10000 << 32))
_KEEP64 = np.array([(0xFFFFFFFFFFFFFFFF << (8 * (8 - k))) & 0xFFFFFFFFFFFFFFFF for k in range(9)], dtype=np.uint64)
_PAD = 8

# Confidence grammar as a DFA over byte classes: 0 digit, 1 '.', 2 sign, 3 e/E, 4 other, 5 end.
# States: 0 start, 1 sign, 2 digits, 3 "digits.", 4 ".", 5 fraction, 6 e, 7 e-sign, 8 exponent, 9 dead.
_CONF_CLASS = np.full(256, 4, dtype=np.uint8)
_CONF_CLASS[list(b"0123456789")] = 0
_CONF_CLASS[ord(".")] = 1
_CONF_CLASS[list(b"+-")] = 2
_CONF_CLASS[list(b"eE")] = 3
_CONF_CLASS[0] = 5
_DFA = np.full((10, 6), 9, dtype=np.uint8)
for _state, _moves in {
    0: {0: 2, 1: 4, 2: 1}, 1: {0: 2, 1: 4}, 2: {0: 2, 1: 3, 3: 6}, 3: {0: 5, 3: 6}, 4: {0: 5},
    5: {0: 5, 3: 6}, 6: {0: 8, 2: 7}, 7: {0: 8}, 8: {0: 8},
}.items():
    for _cls, _to in _moves.items():
        _DFA[_state, _cls] = _to
_DFA[:, 5] = np.arange(10)  # padding after the token keeps the state
_DFA_FLAT = _DFA.reshape(-1)
_ACCEPT = np.zeros(10, dtype=bool)
_ACCEPT[[2, 3, 5, 8]] = True


def _digits(words: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, bool]:
    """Values of the digit runs of 1..8 bytes ending at ``ends``, and whether all bytes were digits.

    Gathers the 8 bytes that end each run as one little-endian word, masks out the bytes
    before the run, checks every byte is a digit and combines them with three
    multiply-shift steps (the well-known SWAR "eight digits" method).
    """
    w = words[ends - 8]
    w ^= _Z64
    w &= _KEEP64[lens]
    if bool((((w + _ADD64) | w) & _HI64).any()):
        return w, False
    w = w * np.uint64(10) + (w >> np.uint64(8))
    w = ((w & _M64) * _MUL64A + ((w >> np.uint64(16)) & _M64) * _MUL64B) >> np.uint64(32)
    return w.astype(np.int64), True


def _fast_parse(body: bytes, n_images: int, class_set: ClassSet) -> Detections | None:
    """Vectorized parse of a plainly valid body, in chunks of whole lines; None to give up."""
    buf = np.frombuffer(body, dtype=np.uint8)
    if not bool(_ALLOWED[buf].all()):
        return None
    nl = np.flatnonzero(buf == 10)
    if len(nl) and int(np.diff(nl, prepend=-1).max()) > MAX_LINE_BYTES + 1:
        return None
    if len(buf) - (int(nl[-1]) + 1 if len(nl) else 0) > MAX_LINE_BYTES:
        return None
    line_starts = np.concatenate(([0], nl + 1))
    cuts = np.searchsorted(line_starts, np.arange(_CHUNK_BYTES, len(buf), _CHUNK_BYTES), side="right") - 1
    bounds = np.unique(np.concatenate((line_starts[np.maximum(cuts, 0)], [0, len(buf) + 1])))
    wnid_numbers = np.array([int(w[1:]) for w in class_set.wnids], dtype=np.int64)
    wnid_order = np.argsort(wnid_numbers)
    parts = []
    for start, stop in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        part = _fast_chunk(buf[start : stop - 1], n_images, class_set.n_classes, wnid_numbers, wnid_order)
        if part is None:
            return None
        parts.append(part)
    image, label, confidence, boxes = (np.concatenate(p) for p in zip(*parts))
    return Detections(image, label, confidence, boxes)


def _fast_chunk(
    chunk: np.ndarray, n_images: int, n_classes: int, wnid_numbers: np.ndarray, wnid_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Parse whole lines ``chunk`` (without its final LF): 7 tokens a line, else None."""
    x = np.full(len(chunk) + 2 * _PAD, 32, dtype=np.uint8)
    x[_PAD:-_PAD] = chunk
    tok = x > 32
    starts = np.flatnonzero(tok[1:] & ~tok[:-1]) + 1
    ends = np.flatnonzero(tok[:-1] & ~tok[1:]) + 1
    del tok
    nl = np.flatnonzero(x == 10)
    n_lines = len(nl) + 1
    if len(starts) != 7 * n_lines:
        return None
    starts = starts.reshape(n_lines, 7)
    ends = ends.reshape(n_lines, 7)
    if not (bool((ends[:-1, 6] <= nl).all()) and bool((starts[1:, 0] > nl).all())):
        return None  # some line does not hold exactly 7 tokens
    lens = ends - starts
    words = np.ndarray((len(x) - 7,), dtype="<u8", buffer=x, strides=(1,))
    image, ok = _digits(words, ends[:, 0], np.minimum(lens[:, 0], 8))
    if not ok or bool((lens[:, 0] > 8).any()) or bool(((image < 1) | (image > n_images)).any()):
        return None
    label = _labels(x, words, starts[:, 1], ends[:, 1], lens[:, 1], n_classes, wnid_numbers, wnid_order)
    if label is None:
        return None
    confidence = _confidences(x, starts[:, 2], lens[:, 2])
    if confidence is None:
        return None
    boxes = _boxes(x, words, starts[:, 3:], ends[:, 3:], lens[:, 3:])
    if boxes is None:
        return None
    return (image - 1).astype(np.int32), label, confidence, boxes


def _boxes(
    x: np.ndarray, words: np.ndarray, starts: np.ndarray, ends: np.ndarray, lens: np.ndarray
) -> np.ndarray | None:
    """``(n, 4)`` int32 boxes from the four coordinate columns (optionally negative), or None."""
    boxes = np.empty((len(starts), 4), dtype=np.int32)
    for f in range(4):
        negative = x[starts[:, f]] == 45
        digits = lens[:, f] - negative
        if bool(((digits < 1) | (digits > _MAX_COORD_DIGITS)).any()):
            return None
        value, ok = _digits(words, ends[:, f], digits)
        if not ok:
            return None
        boxes[:, f] = np.where(negative, -value, value)
    if bool((boxes[:, 2] < boxes[:, 0]).any()) or bool((boxes[:, 3] < boxes[:, 1]).any()):
        return None
    return boxes


def _labels(
    x: np.ndarray,
    words: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    lens: np.ndarray,
    n_classes: int,
    wnid_numbers: np.ndarray,
    wnid_order: np.ndarray,
) -> np.ndarray | None:
    """Class ids of the class tokens (ids of 1..8 digits or WNIDs), or None."""
    is_wnid = x[starts] == 110
    if bool(((lens > 8) & ~is_wnid).any()) or bool((is_wnid & (lens != 9)).any()):
        return None
    value, ok = _digits(words, ends, np.minimum(lens, 8))
    if not ok:
        return None
    if bool(is_wnid.any()):
        numbers = value[is_wnid]
        pos = np.minimum(np.searchsorted(wnid_numbers, numbers, sorter=wnid_order), len(wnid_order) - 1)
        found = wnid_order[pos]
        if bool((wnid_numbers[found] != numbers).any()):
            return None
        value[is_wnid] = found + 1
    if bool(((value < 1) | (value > n_classes)).any()):
        return None
    return value.astype(np.int16)


def _confidences(x: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray | None:
    """Confidences (float64, as ``float()`` reads them) of the tokens, or None."""
    width = int(lens.max())
    if width > _MAX_CONFIDENCE_BYTES:
        return None
    cols = np.arange(width)
    text = x[np.minimum(starts[:, None] + cols, len(x) - 1)]
    text[cols >= lens[:, None]] = 0
    state = np.zeros(len(starts), dtype=np.uint8)
    for c in range(width):
        state = _DFA_FLAT[state.astype(np.intp) * 6 + _CONF_CLASS[text[:, c]]]
    if not bool(_ACCEPT[state].all()):
        return None
    with np.errstate(over="ignore"):  # 1e999 becomes inf, refused just below
        values = np.ascontiguousarray(text).view(f"S{width}").reshape(-1).astype(np.float64)
    if not bool(np.isfinite(values).all()):
        return None
    return values
