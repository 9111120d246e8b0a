"""Vectorized reader of detection files (no Python loop per line): the verdict on every line, and
the values of the good ones.

:func:`lex_detections` reads a window of whole lines and says which lines the precise parser in
:mod:`.detections` (the spec) refuses, and returns the arrays it returns for the good ones. It
never writes a message (the precise parser words the few refused lines a file reports); the two
must agree on every line (tests compare them on random files). Per window: token boundaries from
the "is a token byte" mask, seven tokens a line (a line of another count is refused for it), the
image indices and class ids with the SWAR digit kernels of :mod:`.numbers`, the confidence and the
four coordinates with its exact decimal reader.
"""

from __future__ import annotations

from dataclasses import dataclass
import numpy as np

from ..classes.class_set import ClassSet
from .limits import MAX_LINE_BYTES
from .numbers import PAD, all_digits_each, combine8, last8, padded, read_decimals

__all__ = ["DetectionState", "DetectionsLex", "fast_parse_detections", "lex_detections"]

_FIELDS = 7
_MAX_INDEX_DIGITS = 9
_WNID_BYTES = 9
_N = 110


class DetectionState:
    """What reading the windows of one file needs: its image count and class set."""

    def __init__(self, n_images: int, class_set: ClassSet) -> None:
        self.n_images, self.class_set = n_images, class_set


@dataclass
class DetectionsLex:
    """The verdict on a window: its 0-based ``bad`` lines (ascending), where each line starts
    (``line_starts``), and for a window without a bad line (when asked for) ``values``: the
    ``image``, ``label``, ``confidence`` and ``boxes`` arrays of :class:`.detections.Detections`."""

    bad: np.ndarray
    line_starts: np.ndarray
    values: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None


def lex_detections(body: bytes, state: DetectionState, *, keep: bool = True) -> DetectionsLex:
    """The verdict on every line of ``body`` (whole lines, without the last LF), and the values
    when every line is good and ``keep``. Never raises for any input bytes."""
    buf = np.frombuffer(body, dtype=np.uint8)
    x = padded(buf, 0, len(buf))
    newlines = np.flatnonzero(x == 10)
    low = x < 32
    if np.count_nonzero(low) > len(newlines):  # more than the LFs: tabs, CRs, or control bytes
        control = low & (x != 9) & (x != 10) & (x != 13)
        if bool(control.any()):
            x[control] = ord("x")  # control bytes other than tab, LF and CR are part of tokens
    del low
    n = len(newlines) + 1
    line_starts = np.empty(n, dtype=np.int64)
    line_starts[0] = PAD
    line_starts[1:] = newlines + 1
    line_ends = np.empty(n, dtype=np.int64)
    line_ends[:-1] = newlines
    line_ends[-1] = len(x) - PAD
    del newlines
    tok = x > 32
    starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
    ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    del tok
    bad = (line_ends - line_starts) > MAX_LINE_BYTES
    if len(starts) == _FIELDS * n:
        grid_starts, grid_ends = starts.reshape(n, _FIELDS), ends.reshape(n, _FIELDS)
        aligned = (grid_ends[:, -1] <= line_ends) & (grid_starts[:, 0] >= line_starts)
    else:
        aligned = np.zeros(n, dtype=bool)
    if bool(aligned.all()):
        good_lines = None  # every line holds exactly seven tokens
    else:
        cum = np.searchsorted(starts, line_ends, side="left")
        counts = np.diff(cum, prepend=0)
        seven = counts == _FIELDS
        bad |= ~seven
        good_lines = np.flatnonzero(seven)
        first = (cum - counts)[good_lines]
        picks = first[:, None] + np.arange(_FIELDS)
        grid_starts, grid_ends = starts[picks], ends[picks]
    del starts, ends
    image, label, numbers, fail = _fields(x, grid_starts, grid_ends, state, need_values=keep)
    if good_lines is None:
        bad |= fail
    else:
        bad[good_lines[fail]] = True
    bad_lines = np.flatnonzero(bad)
    values = None
    if keep and not len(bad_lines):
        values = ((image - 1).astype(np.int32), label.astype(np.int16), numbers[:, 0].copy(),
                  np.ascontiguousarray(numbers[:, 1:]))
    return DetectionsLex(bad_lines, line_starts - PAD, values)


def _fields(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, state: DetectionState, *, need_values: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(image, label, numbers, fail)`` of lines of seven tokens (``(m, 7)`` starts and ends):
    the image index, the class id, the confidence and four coordinates ``(m, 5)`` float64, and
    whether each line is bad."""
    lens = ends - starts
    # the image index: 1..9 digits, within the image list
    index_words = last8(x, ends[:, 0], lens[:, 0])
    image = combine8(index_words).astype(np.int64)
    ninth = lens[:, 0] == _MAX_INDEX_DIGITS
    if bool(ninth.any()):
        lead = x[starts[:, 0]].astype(np.int64) - 48
        image += np.where(ninth, lead * 100_000_000, 0)
        fail = ninth & ((lead < 0) | (lead > 9))
    else:
        fail = np.zeros(len(starts), dtype=bool)
    fail |= ~all_digits_each(index_words) | (lens[:, 0] > _MAX_INDEX_DIGITS)
    fail |= (image < 1) | (image > state.n_images)
    # the class: an id of 1..8 digits or a WNID
    class_words = last8(x, ends[:, 1], lens[:, 1])
    digits = all_digits_each(class_words)
    value = combine8(class_words).astype(np.int64)
    wnid = (lens[:, 1] == _WNID_BYTES) & (x[starts[:, 1]] == _N) & digits
    label = np.where(digits & (lens[:, 1] <= 8), value, 0)
    if bool(wnid.any()):
        label[wnid] = state.class_set.wnid_table.ids(value[wnid])
    fail |= (label < 1) | (label > state.class_set.n_classes)
    # the confidence and the coordinates: finite decimal numbers
    numbers = np.empty((len(starts), 5), dtype=np.float64)
    for column in range(5):  # one call a column: a column's numbers are usually written alike
        numbers[:, column], ok = read_decimals(x, starts[:, 2 + column], ends[:, 2 + column], need_values)
        fail |= ~ok
    return image, label, numbers, fail


def fast_parse_detections(
    body: bytes, n_images: int, class_set: ClassSet
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """``(image, label, confidence, boxes)`` of a body (text already checked) whose every line is
    good, as :func:`.detections.precise_parse_detections` returns them; None when a line is bad
    (for tests that compare the two on whole bodies). Never raises for any input bytes."""
    if not body:
        return None
    lexed = lex_detections(body, DetectionState(n_images, class_set))
    return lexed.values
