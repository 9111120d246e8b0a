"""Prediction files (and one-id-per-line label files): parsing and validation.

The file format (ILSVRC devkit, 2010-2017), one line per image, in image order:

* classification / hierarchical: 1 to 5 class ids, most confident first;
* localization: 1 to 5 groups ``label xmin ymin xmax ymax``.

Accepted exactly (and documented in docs/scoring.md):

* a class id is an integer ``1..n_classes`` written with at most 8 digits, or the WNID of a
  leaf class (``n`` + 8 digits); a coordinate is a non-negative integer of at most 8 digits;
* tokens are separated by spaces or tabs; CR is treated as a space (so CRLF is fine);
* a UTF-8 byte-order mark at the start and whitespace at the very end are ignored;
* the number of lines must equal the number of images; an empty line is an error.

Well-formed files go through the vectorized :func:`.guesses_fast.fast_parse`; anything it
does not accept is re-read line by line by :func:`precise_parse`, which either returns
the same arrays or raises with messages naming the line, the token and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import ErrorList, InputFileError, LineError, PredictionFileError, line_count_error
from ..tasks import MAX_GUESSES, TASKS
from .guesses_fast import fast_parse
from .limits import MAX_DIGITS, MAX_LINE_BYTES, check_upload_size
from .text import check_text, prepare_body, show, tokens_of
from .tokens import DIGITS_RE, NEGATIVE_RE, class_id_of, is_zero

__all__ = [
    "COMMA_HINT",
    "Predictions",
    "parse_classification",
    "parse_line",
    "parse_lines",
    "parse_localization",
    "parse_predictions",
    "precise_parse",
    "zero_based_hint",
]

_DECIMAL = re.compile(rb"[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")


@dataclass(frozen=True, eq=False)
class Predictions:
    """A parsed prediction file.

    ``labels``: ``(n_images, max_guesses)`` class ids, most confident first, 0 where a
    line has fewer guesses (int16, or int32 for class sets above 32767 classes). ``boxes``:
    ``(n_images, max_guesses, 4)`` int32 ``xmin ymin xmax ymax`` for localization files, else None. ``format`` is
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


def _coordinate(token: bytes) -> int | str:
    """Pixel coordinate for a token, or the reason it is not one."""
    if DIGITS_RE.fullmatch(token):
        if len(token) > MAX_DIGITS:
            return f"coordinate {show(token)} has more than {MAX_DIGITS} digits"
        return int(token)
    if NEGATIVE_RE.fullmatch(token):
        return f"coordinate {show(token)} is negative; expected an integer >= 0"
    if _DECIMAL.fullmatch(token):
        return f"coordinate {show(token)} is not an integer; boxes are in whole pixels"
    return f"coordinate {show(token)} is not an integer"


def _coordinates(tokens: list[bytes]) -> list[int] | str:
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
        return f"the line is {len(line):,} bytes long; at most {MAX_LINE_BYTES:,} expected", False
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
            axis = f"xmin {xmin} > xmax {xmax}" if xmin > xmax else f"ymin {ymin} > ymax {ymax}"
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

    ``body`` comes from :func:`prepare_body`. Returns ``(labels, boxes)`` as described
    in :class:`Predictions`. Raises ``error_cls`` listing the wrong line count, the first
    :data:`.errors.MAX_REPORTED_ERRORS` bad lines (one message each) and how many more there were.
    """
    check_text(body, error_cls)
    lines = body.split(b"\n")
    file_errors: list[LineError] = []
    if n_images is not None and len(lines) != n_images:
        file_errors.append(line_count_error(n_images, len(lines)))
    labels = np.zeros((len(lines), max_guesses), dtype=class_set.label_dtype)
    coords = np.zeros((len(lines), max_guesses, 4), dtype=np.int32) if boxes else None
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
    return labels, coords


def parse_lines(
    data: bytes,
    *,
    boxes: bool,
    n_images: int | None,
    class_set: ClassSet,
    max_guesses: int = MAX_GUESSES,
    error_cls: type[InputFileError] = PredictionFileError,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parse any bytes: the fast path when it accepts, else the precise one. See :func:`precise_parse`.

    Raises ``error_cls`` for any malformed input, ``ValueError`` for ``max_guesses < 1``.
    """
    if max_guesses < 1:
        raise ValueError("max_guesses must be >= 1")
    body = prepare_body(data, error_cls)
    try:
        fast = fast_parse(body, boxes=boxes, n_images=n_images, class_set=class_set, max_guesses=max_guesses)
    except Exception:  # pragma: no cover - defensive: the precise parser has the last word
        fast = None
    if fast is not None:
        return fast
    return precise_parse(
        body, boxes=boxes, n_images=n_images, class_set=class_set, max_guesses=max_guesses, error_cls=error_cls
    )


def parse_classification(
    data: bytes, *, n_images: int, class_set: ClassSet, max_guesses: int = MAX_GUESSES
) -> Predictions:
    """Parse a classification (or hierarchical) prediction file: 1..max_guesses ids per line.

    Ids may be written as WNIDs. Raises :class:`PredictionFileError` for any problem (wrong
    line count, bad token, id outside ``1..n_classes``, too many guesses, empty line, not
    text, too large); ``ValueError`` if ``max_guesses < 1``.
    """
    check_upload_size(len(data), "classification", n_images)
    labels, _ = parse_lines(data, boxes=False, n_images=n_images, class_set=class_set, max_guesses=max_guesses)
    return Predictions("classification", labels)


def parse_localization(
    data: bytes, *, n_images: int, class_set: ClassSet, max_guesses: int = MAX_GUESSES
) -> Predictions:
    """Parse a localization file: 1..max_guesses groups ``label xmin ymin xmax ymax`` per line.

    Raises :class:`PredictionFileError` for any problem (as :func:`parse_classification`,
    plus incomplete groups, negative or non-integer coordinates, xmin > xmax or ymin > ymax).
    """
    check_upload_size(len(data), "localization", n_images)
    labels, coords = parse_lines(data, boxes=True, n_images=n_images, class_set=class_set, max_guesses=max_guesses)
    return Predictions("localization", labels, coords)


def parse_predictions(task: str, data: bytes, *, n_images: int, class_set: ClassSet) -> Predictions:
    """Parse ``data`` in the format of ``task`` (localization files for "localization").

    Raises :class:`PredictionFileError`, or ``ValueError`` for an unknown task.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if task == "localization":
        return parse_localization(data, n_images=n_images, class_set=class_set)
    return parse_classification(data, n_images=n_images, class_set=class_set)

