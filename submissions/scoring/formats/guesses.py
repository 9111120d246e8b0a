"""Prediction files (and one-id-per-line label files): the format, and its precise parser, the spec.

The file format (ILSVRC devkit, 2010-2017), one line per image, in image order:

* classification / hierarchical: 1 to 5 class ids, most confident first;
* localization: 1 to 5 groups ``label xmin ymin xmax ymax``.

Accepted exactly (and documented in docs/scoring.md):

* a class id is an integer ``1..n_classes`` written with at most 8 digits, or the WNID of a
  leaf class (``n`` + 8 digits);
* a coordinate is a decimal number as C's ``strtod`` reads it (an optional sign, digits with an
  optional fraction, an optional exponent; no ``nan``, ``inf`` or hex), finite and ``>= 0``,
  with ``xmin <= xmax`` and ``ymin <= ymax``: the devkit reads coordinates with ``%f``;
* tokens are separated by spaces or tabs; CR is treated as a space (so CRLF is fine);
* a UTF-8 byte-order mark at the start and whitespace at the very end are ignored;
* the number of lines must equal the number of images; an empty line is an error.

:func:`parse_line` is the spec of a line and words its problem; :func:`precise_parse` applies it
to a whole body. Files are read by :mod:`.streams`, window by window, with the vectorized
:mod:`.guesses_fast`, which must agree with :func:`parse_line` on every line; the precise parser
words only the lines a refusal lists.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import ErrorList, InputFileError, LineError, PredictionFileError, line_count_error
from ..tasks import MAX_GUESSES
from .limits import MAX_LINE_BYTES, long_line_message
from .numbers import DECIMAL_RE, coordinate_dtype
from .text import check_text, show, tokens_of
from .tokens import class_id_of, is_zero

__all__ = ["COMMA_HINT", "Predictions", "parse_line", "precise_parse", "zero_based_hint"]


@dataclass(frozen=True, eq=False)
class Predictions:
    """A parsed prediction file.

    ``labels``: ``(n_images, max_guesses)`` class ids, most confident first, 0 where a
    line has fewer guesses (int16, or int32 for class sets above 32767 classes). ``boxes``:
    ``(n_images, max_guesses, 4)`` ``xmin ymin xmax ymax`` for localization files (int32 when every
    coordinate is a whole number, float64 otherwise), else None. ``format`` is
    ``"classification"`` or ``"localization"``.
    """

    format: str
    labels: np.ndarray
    boxes: np.ndarray | None = None

    @property
    def n_images(self) -> int:
        """Number of images (lines)."""
        return int(self.labels.shape[0])

    @property
    def max_guesses(self) -> int:
        """Width of the label matrix (the most guesses a line may have)."""
        return int(self.labels.shape[1])

    def guess_counts(self) -> np.ndarray:
        """Guesses per image (uint8)."""
        return np.count_nonzero(self.labels, axis=1).astype(np.uint8)


def zero_based_hint(class_set: ClassSet) -> str:
    """The explanation shown when a file uses 0 as a class id."""
    n = class_set.n_classes
    return (
        f"Class ids are ILSVRC ids 1..{n} in the devkit's order, but this file uses 0: it looks like "
        "0-based class indices, probably in sorted-WNID order (torchvision ImageFolder, Caffe, Keras). "
        f"Convert index k to the ILSVRC id of the k-th WNID in sorted order (line k+1 of "
        "synset_words_sorted_wnid.txt gives the WNID; classes.tsv gives its id), or write the WNIDs instead."
    )


#: Shown once for a refused file whose bad lines hold commas (a CSV habit); the devkit's format has none.
COMMA_HINT = "guesses are separated by spaces (or tabs), not commas: write '1 2 3 4 5', not '1,2,3,4,5'"


def _coordinate(token: bytes) -> float | str:
    """Pixel coordinate for a token, or the reason it is not one."""
    if not DECIMAL_RE.fullmatch(token):
        return f"coordinate {show(token)} is not a number (such as 12 or 119.5)"
    value = float(token)
    if not math.isfinite(value):
        return f"coordinate {show(token)} is too large (not a finite number)"
    if value < 0:
        return f"coordinate {show(token)} is negative; expected a number >= 0"
    return value


def _coordinates(tokens: list[bytes]) -> list[float] | str:
    """Pixel coordinates for the tokens, or the reason the first bad one is not one."""
    values = []
    for tok in tokens:
        got = _coordinate(tok)
        if isinstance(got, str):
            return got
        values.append(got)
    return values


def _token_count_problem(count: int, boxes: bool, max_guesses: int) -> str | None:
    """Why a line of ``count`` tokens cannot hold 1..max_guesses guesses, or None."""
    group = 5 if boxes else 1
    if not count:
        what = "guesses 'label xmin ymin xmax ymax'" if boxes else "class ids"
        return f"empty line: expected 1 to {max_guesses} {what}"
    if count % group:
        return f"incomplete guess: {count} values; each guess is 5 values 'label xmin ymin xmax ymax'"
    if count > group * max_guesses:
        if max_guesses == 1:
            return f"{count} labels; expected one class id per line"
        return f"{count // group} guesses; at most {max_guesses} allowed"
    return None


def parse_line(
    line: bytes, labels_row: np.ndarray, coords_row: np.ndarray | None, class_set: ClassSet
) -> tuple[str | None, bool]:
    """Fill one image's row(s) from ``line``; return (the line's problem or None, "a label was 0").

    The spec of a line: what it may hold, and the message that says why it does not."""
    if len(line) > MAX_LINE_BYTES:
        return long_line_message(len(line)), False
    toks = tokens_of(line)
    boxes = coords_row is not None
    problem = _token_count_problem(len(toks), boxes, len(labels_row))
    if problem is not None:
        return problem, False
    group = 5 if boxes else 1
    tokens_to_id = class_set.token_ids
    for g in range(len(toks) // group):
        tok = toks[g * group]
        cid = tokens_to_id.get(tok)
        if cid is None:
            got = class_id_of(tok, class_set)
            if isinstance(got, str):
                return (f"guess {g + 1}: {got}" if boxes else got), is_zero(tok)
            cid = got
        labels_row[g] = cid
        if coords_row is None:
            continue
        values = _coordinates(toks[g * 5 + 1 : g * 5 + 5])
        if isinstance(values, str):
            return f"guess {g + 1}: {values}", False
        xmin, ymin, xmax, ymax = values
        if xmin > xmax or ymin > ymax:
            axis = (f"xmin {_number(xmin)} > xmax {_number(xmax)}" if xmin > xmax
                    else f"ymin {_number(ymin)} > ymax {_number(ymax)}")
            return f"guess {g + 1}: empty box, {axis}; expected xmin <= xmax and ymin <= ymax", False
        coords_row[g] = values
    return None, False


def precise_parse(
    body: bytes,
    *,
    boxes: bool,
    n_images: int | None,
    class_set: ClassSet,
    max_guesses: int = MAX_GUESSES,
    error_cls: type[InputFileError] = PredictionFileError,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Line-by-line parser: the same result as :func:`.guesses_fast.fast_parse`, or an error.

    ``body`` comes from :func:`.text.prepare_body`. Returns ``(labels, boxes)`` as described
    in :class:`Predictions`. Raises ``error_cls`` listing the wrong line count, the first
    :data:`.errors.MAX_REPORTED_ERRORS` bad lines (one message each) and how many more there were.
    """
    check_text(body, error_cls)
    lines = body.split(b"\n")
    file_errors: list[LineError] = []
    if n_images is not None and len(lines) != n_images:
        file_errors.append(line_count_error(n_images, len(lines)))
    labels = np.zeros((len(lines), max_guesses), dtype=class_set.label_dtype)
    coords = np.zeros((len(lines), max_guesses, 4), dtype=np.float64) if boxes else None
    bad_lines = ErrorList()
    zero_seen = comma_seen = False
    for row, line in enumerate(lines):
        message, zero = parse_line(line, labels[row], None if coords is None else coords[row], class_set)
        zero_seen |= zero
        if message is not None:
            bad_lines.add(row + 1, message)
            comma_seen |= b"," in line
    if comma_seen:
        file_errors.append(LineError(None, COMMA_HINT))
    if zero_seen:
        file_errors.append(LineError(None, zero_based_hint(class_set)))
    if file_errors or bad_lines.errors:
        raise error_cls(file_errors + bad_lines.errors, bad_lines.omitted)
    if coords is not None:
        coords = coords.astype(coordinate_dtype(coords.reshape(-1)))
    return labels, coords


def _number(value: float) -> str:
    """A coordinate as messages show it: ``12`` for a whole number, else as Python writes it."""
    return str(int(value)) if value == int(value) else repr(value)
