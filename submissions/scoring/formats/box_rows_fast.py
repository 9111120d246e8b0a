"""Vectorized reader for well-formed ground-truth box files (``ImageId,PredictionString`` CSV).

:func:`fast_read_boxes` accepts only files that the precise, line-by-line reader in
:mod:`.box_rows` accepts (with localization's numbered images), and returns the same arrays; at
the first sign of anything unusual it returns ``None`` and the precise reader runs and names the
bad lines. So this module never writes an error message, it only has to be right when it says yes.

A plain line is ``<ImageId>,<label> <xmin> <ymin> <xmax> <ymax> ...`` where the ImageId is
letters, digits and ``_`` ending in 1..8 digits preceded by ``_`` (or digits only), every
label a class id or leaf WNID, and the line holds one comma. Quotes, dots, leading
whitespace, non-ASCII bytes and everything else go to the precise reader. The file is
read in chunks of whole lines; each chunk is classified byte by byte with a lookup table,
and its digits are read by the kernels of :mod:`.numbers`.
"""

from __future__ import annotations

import numpy as np

from ..classes.class_set import ClassSet
from ..truth import MAX_BOX_AREA
from .limits import MAX_DIGITS
from .numbers import PAD, all_digits, combine8, digits8, last8, padded

__all__ = ["fast_read_boxes"]

_CHUNK_BYTES = 1 << 20

_DIGIT, _N, _LETTER, _BLANK, _COMMA, _LF = 1, 2, 4, 8, 16, 32
_CLASS = np.zeros(256, dtype=np.uint8)  # 0: a byte the fast path does not take
_CLASS[ord("0") : ord("9") + 1] = _DIGIT
_CLASS[ord("A") : ord("Z") + 1] = _LETTER
_CLASS[ord("a") : ord("z") + 1] = _LETTER
_CLASS[ord("_")] = _LETTER
_CLASS[ord("n")] = _N
_CLASS[[ord(" "), ord("\t"), ord("\r")]] = _BLANK
_CLASS[ord(",")] = _COMMA
_CLASS[ord("\n")] = _LF
_MAX_ID_DIGITS = 8
_UNDERSCORE = ord("_")
_LETTER_N = ord("n")


def fast_read_boxes(
    body: bytes, *, class_set: ClassSet, n_images: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(image, label, coords)`` of a plain box file, ordered by image, or None.

    ``body`` comes from :func:`.text.prepare_body`. ``image`` is 0-based int32,
    ``label`` the class set's label dtype, ``coords`` ``(m, 4)`` int32; boxes of one image
    keep their order in the file. Returns None whenever the precise reader might differ
    (any error, any unusual byte or layout); never raises for any input bytes.
    """
    buf = np.frombuffer(body, dtype=np.uint8)
    line_starts, line_ends = _data_lines(body, buf)
    if line_starts is None or not len(line_starts) or len(line_starts) != n_images:
        return None
    cuts = np.searchsorted(line_starts, np.arange(int(line_starts[0]) + _CHUNK_BYTES, len(buf), _CHUNK_BYTES))
    bounds = np.unique(np.concatenate(([0], cuts, [len(line_starts)]))).tolist()
    parts = []
    for l0, l1 in zip(bounds[:-1], bounds[1:]):
        part = _read_chunk(buf, line_starts[l0:l1], line_ends[l0:l1], class_set, n_images)
        if part is None:
            return None
        parts.append(part)
    image_ids = np.concatenate([p[0] for p in parts])
    per_line = np.concatenate([p[1] for p in parts])
    if not bool((np.bincount(image_ids, minlength=n_images + 1)[1:] == 1).all()):
        return None  # an image twice or missing: the precise reader says which
    labels = np.concatenate([p[2] for p in parts])
    coords = np.concatenate([p[3] for p in parts])
    del parts
    return _in_image_order(image_ids, per_line, labels, coords)


def _data_lines(body: bytes, buf: np.ndarray) -> tuple[np.ndarray, np.ndarray] | tuple[None, None]:
    """Start and end offsets of the lines after the optional ``ImageId...`` header."""
    newlines = np.concatenate(
        [np.flatnonzero(buf[i : i + _CHUNK_BYTES] == 10) + i for i in range(0, len(buf), _CHUNK_BYTES)]
        or [np.zeros(0, dtype=np.intp)]
    )
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(buf)]))
    try:
        header = body[: int(ends[0])].decode("ascii")
    except UnicodeDecodeError:
        return None, None
    if header.strip().lower().startswith("imageid"):
        return starts[1:], ends[1:]
    return starts, ends


def _read_chunk(
    buf: np.ndarray, line_starts: np.ndarray, line_ends: np.ndarray, class_set: ClassSet, n_images: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """``(image ids, boxes per line, labels, coords)`` of whole lines, or None to give up.

    With the comma read as a space, a plain line is a run of tokens whose first is the
    ImageId, starting at the line start and ending at the comma; the others come in groups
    ``label xmin ymin xmax ymax``.
    """
    shift = int(line_starts[0]) - PAD  # chunk offset -> position in the padded copy
    x = padded(buf, int(line_starts[0]), int(line_ends[-1]))
    classes = np.take(_CLASS, x)
    if int(np.count_nonzero(classes)) != len(x):
        return None  # a byte outside letters, digits, _ , blanks, comma and LF
    commas = np.flatnonzero(classes == _COMMA)
    del classes
    starts = line_starts - shift
    ends = line_ends - shift
    if len(commas) != len(starts) or bool((commas <= starts).any()) or bool((commas >= ends).any()):
        return None  # every line needs exactly one comma, after a non-empty ImageId
    x[commas] = 32
    tok = x > 32
    tok_starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
    tok_ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    del tok
    first = np.searchsorted(tok_starts, starts)
    if bool((tok_starts[first] != starts).any()) or bool((tok_ends[first] != commas).any()):
        return None  # whitespace before or inside an ImageId
    image_ids = _image_ids(x, starts, commas, n_images)
    if image_ids is None:
        return None
    in_boxes = np.ones(len(tok_starts), dtype=bool)
    in_boxes[first] = False
    per_line = np.diff(np.append(first, len(tok_starts))) - 1
    boxes = _box_groups(x, tok_starts[in_boxes], tok_ends[in_boxes], per_line, class_set)
    if boxes is None:
        return None
    return (image_ids, *boxes)


def _image_ids(x: np.ndarray, starts: np.ndarray, commas: np.ndarray, n_images: int) -> np.ndarray | None:
    """1-based image numbers: the 1..8 digits that end each ImageId, after ``_`` or alone."""
    digits = np.ones(len(commas), dtype=bool)
    run = np.zeros(len(commas), dtype=np.intp)
    for back in range(1, _MAX_ID_DIGITS + 2):
        digits &= (x[commas - back] - np.uint8(48)) < 10  # the padding in front is spaces
        digits &= commas - back >= starts
        run += digits
    if bool((run == 0).any()) or bool((run > _MAX_ID_DIGITS).any()):
        return None
    first_digit = commas - run
    after_prefix = (first_digit == starts) | (x[first_digit - 1] == _UNDERSCORE)
    if not bool(after_prefix.all()):
        return None
    values = digits8(x, commas, run).astype(np.int64)
    if bool((values < 1).any()) or bool((values > n_images).any()):
        return None
    return values


def _box_groups(
    x: np.ndarray, tok_starts: np.ndarray, tok_ends: np.ndarray, per_line: np.ndarray, class_set: ClassSet
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(boxes per line, labels, coords)`` from the tokens after each line's ImageId."""
    if bool((per_line == 0).any()) or bool((per_line % 5 != 0).any()):
        return None
    lens = tok_ends - tok_starts
    is_wnid = x[tok_starts] == _LETTER_N
    if bool((lens[is_wnid] != 9).any()) or bool((lens[~is_wnid] > MAX_DIGITS).any()):
        return None  # a WNID is n + 8 digits; a number has at most 8 digits
    words = last8(x, tok_ends, lens)
    if not all_digits(words):
        return None  # a byte that is not a digit (after a WNID's n)
    groups = combine8(words).astype(np.int64).reshape(-1, 5)  # lines hold whole groups
    wnid = is_wnid.reshape(-1, 5)
    if bool(wnid[:, 1:].any()):
        return None  # a WNID where a coordinate belongs
    if bool(wnid[:, 0].any()):
        ids = class_set.wnid_table.ids(groups[wnid[:, 0], 0])
        if not bool(ids.all()):
            return None
        groups[wnid[:, 0], 0] = ids
    labels = groups[:, 0]
    if bool((labels < 1).any()) or bool((labels > class_set.n_classes).any()):
        return None
    coords = groups[:, 1:]
    if bool((coords[:, 0] > coords[:, 2]).any()) or bool((coords[:, 1] > coords[:, 3]).any()):
        return None
    if bool(((coords[:, 2] - coords[:, 0] + 1) * (coords[:, 3] - coords[:, 1] + 1) > MAX_BOX_AREA).any()):
        return None
    return per_line // 5, labels.astype(class_set.label_dtype), coords.astype(np.int32)


def _in_image_order(
    image_ids: np.ndarray, per_line: np.ndarray, labels: np.ndarray, coords: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reorder boxes by image (each image is one line), keeping each line's own order."""
    n = len(image_ids)
    counts = per_line.astype(np.int64)
    if bool((image_ids == np.arange(1, n + 1)).all()):
        return np.repeat(np.arange(n, dtype=np.int32), counts), labels, coords
    line_of_image = np.empty(n, dtype=np.intp)
    line_of_image[image_ids - 1] = np.arange(n)
    first_box = np.cumsum(counts) - counts
    sorted_counts = counts[line_of_image]
    # box k of the output: the (k - first output box of its image)-th box of that image's line
    out_first = np.cumsum(sorted_counts) - sorted_counts
    source = np.arange(int(counts.sum()), dtype=np.int64)
    source += np.repeat(first_box[line_of_image] - out_first, sorted_counts)
    return np.repeat(np.arange(n, dtype=np.int32), sorted_counts), labels[source], coords[source]
