"""Vectorized parser for well-formed detection files (no Python loop per line).

:func:`fast_parse_detections` returns the same arrays as the precise parser in
:mod:`.detections` for the files it accepts plainly, and None at the first sign of anything
unusual: the precise parser then decides and explains. So this module never writes an error
message, it only has to be right when it says yes. It reads chunks of whole lines: token
boundaries from the "is a token byte" mask, seven tokens a line, digits with the SWAR kernels of
:mod:`.numbers` and confidences with its decimal DFA.
"""

from __future__ import annotations

import numpy as np

from ..classes.class_set import ClassSet
from .limits import MAX_LINE_BYTES
from .numbers import decimal_values, digit_values, padded

__all__ = ["fast_parse_detections"]

_ALLOWED = np.zeros(256, dtype=bool)
_ALLOWED[list(b"0123456789 \t\r\n.-+eEn")] = True
_MAX_COORD_DIGITS = 8
_MAX_CONFIDENCE_BYTES = 32  # longer confidence tokens go to the precise parser
_CHUNK_BYTES = 1 << 22


def fast_parse_detections(
    body: bytes, n_images: int, class_set: ClassSet
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """``(image, label, confidence, boxes)`` of a plainly valid body (as :class:`.detections.Detections`
    holds them), in chunks of whole lines; None to give up. Never raises for any input bytes."""
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
    return image, label, confidence, boxes


def _fast_chunk(
    chunk: np.ndarray, n_images: int, n_classes: int, wnid_numbers: np.ndarray, wnid_order: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Parse whole lines ``chunk`` (without its final LF): 7 tokens a line, else None."""
    x = padded(chunk, 0, len(chunk))
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
    image = digit_values(x, ends[:, 0], np.minimum(lens[:, 0], 8))
    if image is None or bool((lens[:, 0] > 8).any()) or bool(((image < 1) | (image > n_images)).any()):
        return None
    label = _labels(x, starts[:, 1], ends[:, 1], lens[:, 1], n_classes, wnid_numbers, wnid_order)
    if label is None:
        return None
    confidence = decimal_values(x, starts[:, 2], lens[:, 2], _MAX_CONFIDENCE_BYTES)
    if confidence is None:
        return None
    boxes = _boxes(x, starts[:, 3:], ends[:, 3:], lens[:, 3:])
    if boxes is None:
        return None
    return (image - 1).astype(np.int32), label, confidence, boxes


def _boxes(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray | None:
    """``(n, 4)`` int32 boxes from the four coordinate columns (optionally negative), or None."""
    boxes = np.empty((len(starts), 4), dtype=np.int32)
    for f in range(4):
        negative = x[starts[:, f]] == 45
        digits = lens[:, f] - negative
        if bool(((digits < 1) | (digits > _MAX_COORD_DIGITS)).any()):
            return None
        value = digit_values(x, ends[:, f], digits)
        if value is None:
            return None
        boxes[:, f] = np.where(negative, -value, value)
    if bool((boxes[:, 2] < boxes[:, 0]).any()) or bool((boxes[:, 3] < boxes[:, 1]).any()):
        return None
    return boxes


def _labels(
    x: np.ndarray,
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
    value = digit_values(x, ends, np.minimum(lens, 8))
    if value is None:
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
