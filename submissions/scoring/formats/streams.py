"""Prediction and label files read as they stream past, in windows of whole lines, never whole in memory.

A 10M-image file is 200-300 MB of text; parsing it in one piece costs about twice that again in
arrays. Every file is read here the same way, whether it comes as pieces (``iter_decompressed``:
the site's uploads and stored files, ``manage.py evaluate``) or as bytes in memory (cut into
pieces by :func:`pieces_of`): :class:`.windows.LineWindows` cuts it into windows of whole lines
and checks its text; the format's vectorized reader (:func:`.guesses_fast.lex_guesses`,
:func:`.detections_fast.lex_detections`) gives the verdict on every line of a window and the
values of the good ones; the precise parser (:func:`.guesses.parse_line`,
:func:`.detections.parse_detection_line`, the spec) words only the lines a refusal lists, at most
:data:`.errors.MAX_REPORTED_ERRORS` of them. So a file costs about the same to read whatever
bytes it holds, and a refused file still names its first bad lines and counts all of them.

A refusal says, in this order: the text error alone if there is one (UTF-16, else the first NUL
byte, else the first byte that is not UTF-8); else the wrong number of lines, the note on
commas, the note on 0-based class ids, and the first bad lines with how many more there were:
exactly what :func:`.guesses.precise_parse` says of the whole file (``tests/scoring/test_scale_streaming.py``
compares the two on generated files).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import MAX_REPORTED_ERRORS, InputFileError, LineError, PredictionFileError, line_count_error
from ..tasks import DETECTION, MAX_GUESSES, TASKS
from .detections import Detections, parse_detection_line
from .detections_fast import DetectionState, lex_detections
from .guesses import COMMA_HINT, Predictions, parse_line, zero_based_hint
from .guesses_fast import JUDGED_BYTES, LexState, lex_guesses
from .limits import check_upload_size, long_line_message
from .text import empty_file_error, utf16_error
from .windows import WINDOW_BYTES, BlankLines, LineWindows, LongLine, Window

__all__ = [
    "WINDOW_BYTES",
    "check_prediction_stream",
    "parse_classification",
    "parse_detection_stream",
    "parse_detections",
    "parse_lines",
    "parse_localization",
    "parse_prediction_stream",
    "parse_predictions",
    "pieces_of",
]


def pieces_of(data: bytes) -> Iterator[bytes]:
    """A file in memory as the pieces of a stream: one, the whole (the window reader cuts its
    windows from it without copying it first). Raises ``TypeError`` for anything but bytes."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    yield bytes(data)


def check_prediction_stream(
    task: str, pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, window_bytes: int = WINDOW_BYTES
) -> int:
    """Validate a prediction file given as pieces of its plain bytes; return its number of lines.

    Reads every piece, also after finding errors. Raises :class:`PredictionFileError` as the
    module docstring says, for a file within ``max_upload_bytes`` (the caller bounds the size,
    e.g. with ``iter_decompressed``), and whatever iterating ``pieces`` raises; ``ValueError``
    for an unknown task.
    """
    if task == DETECTION:
        return _read_detections(pieces, n_images=n_images, class_set=class_set, keep=False,
                                window_bytes=window_bytes)[1]
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join((*TASKS, DETECTION))}")
    return _read_guesses(pieces, boxes=task == "localization", n_images=n_images, class_set=class_set,
                         keep=False, window_bytes=window_bytes).lines


def parse_prediction_stream(
    task: str, pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, window_bytes: int = WINDOW_BYTES
) -> Predictions:
    """As :func:`check_prediction_stream` for the tasks of guesses, returning the parsed file (the
    arrays, filled window by window; never the text). Raises ``ValueError`` for another task."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    found = _read_guesses(pieces, boxes=task == "localization", n_images=n_images, class_set=class_set, keep=True,
                          window_bytes=window_bytes)
    return Predictions("localization" if found.boxes else "classification", found.labels, found.coords)


def parse_detection_stream(pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet,
                           window_bytes: int = WINDOW_BYTES) -> Detections:
    """The detections of a file given as pieces of its plain bytes, read window by window.

    Raises :class:`PredictionFileError` as :func:`check_prediction_stream` does.
    """
    detections, _ = _read_detections(pieces, n_images=n_images, class_set=class_set, keep=True,
                                     window_bytes=window_bytes)
    assert detections is not None
    return detections


def parse_lines(
    data: bytes,
    *,
    boxes: bool,
    n_images: int | None,
    class_set: ClassSet,
    max_guesses: int = MAX_GUESSES,
    error_cls: type[InputFileError] = PredictionFileError,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(labels, boxes)`` of any bytes in the format of guesses (see :class:`.guesses.Predictions`);
    ``n_images=None`` takes any number of lines.

    Raises ``error_cls`` for any malformed input, ``ValueError`` for ``max_guesses < 1``.
    """
    if max_guesses < 1:
        raise ValueError("max_guesses must be >= 1")
    found = _read_guesses(pieces_of(data), boxes=boxes, n_images=n_images, class_set=class_set, keep=True,
                          max_guesses=max_guesses, error_cls=error_cls)
    return found.labels, found.coords


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
    plus incomplete groups, coordinates that are not finite numbers >= 0, xmin > xmax or ymin > ymax).
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


def parse_detections(data: bytes, *, n_images: int, class_set: ClassSet) -> Detections:
    """Parse a detection file for ``n_images`` images (see :mod:`.detections`).

    An empty file (or only whitespace) is zero detections. Raises :class:`PredictionFileError`
    for any problem, with 1-based line numbers: wrong number of fields, image index outside
    ``1..n_images``, unknown class, a confidence or coordinate that is not a finite number,
    NUL bytes, UTF-16 or non-UTF-8 text.
    """
    return parse_detection_stream(pieces_of(data), n_images=n_images, class_set=class_set)


# --- what the windows showed ---------------------------------------------------------------------


class _Refusals:
    """The bad lines found so far: how many, and the first few, worded by the precise parser."""

    def __init__(self) -> None:
        self.count = 0
        self.listed: list[LineError] = []

    @property
    def full(self) -> bool:
        return len(self.listed) >= MAX_REPORTED_ERRORS

    def add(self, count: int, first: Iterable[LineError]) -> None:
        """``count`` more bad lines, the first of which (as many as still fit) are ``first``."""
        self.count += count
        for error in first:
            if self.full:
                break
            self.listed.append(error)

    @property
    def omitted(self) -> int:
        return self.count - len(self.listed)


def _lines_of(body: bytes, first_line: int, rows: np.ndarray, starts: np.ndarray) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` of the given 0-based rows of a window (``starts``: its line starts)."""
    for row in rows.tolist():
        end = body.find(b"\n", int(starts[row]))
        yield first_line + row, body[int(starts[row]) : len(body) if end < 0 else end]


class _GuessesFound:
    """A file of guesses as its windows showed it, and (``keep``) its arrays: the first ``n_images``
    lines', or every line's when ``n_images`` is None (a labels file of any length)."""

    def __init__(self, *, boxes: bool, class_set: ClassSet, max_guesses: int, keep: bool,
                 n_images: int | None) -> None:
        self.boxes, self.class_set, self.max_guesses = boxes, class_set, max_guesses
        self.keep, self.n_images = keep, n_images
        self.lines = 0
        self.checked = 0  # lines read one by one (a file with far more lines than images is not, beyond)
        self.skipped = False
        self.judged_to: int | None = None  # the last line judged, when the lines after it were not
        self.refusals = _Refusals()
        self.zero = self.comma = False
        self.state = LexState()
        rows = n_images if keep and n_images is not None else 0
        self.labels = np.zeros((rows, max_guesses), dtype=class_set.label_dtype)
        self.coords = np.zeros((rows, max_guesses, 4), dtype=np.int32) if boxes else None
        self._windows: list[tuple[np.ndarray, np.ndarray | None]] = []

    def window(self, window: Window) -> None:
        body = window.body
        if self.n_images is not None and window.last_line > _CHECKED_PER_IMAGE * self.n_images:
            # refused for its line count: the lines beyond are counted, which costs less than reading them
            room = _CHECKED_PER_IMAGE * self.n_images - window.first_line + 1
            self.skipped = True
            if room <= 0:
                return
            body = body[: _nth_newline(body, room)]
            window = Window(window.first_line, body, window.first_line + room - 1)
        self.checked = window.last_line
        if self.judged_to is not None:  # refused, with its errors listed: the rest is not judged
            self.comma |= b"," in body  # a line with a comma is always bad
            return
        keep = self.keep and not self.refusals.count
        lexed = lex_guesses(body, boxes=self.boxes, class_set=self.class_set, max_guesses=self.max_guesses,
                            state=self.state, keep=keep,
                            enough=MAX_REPORTED_ERRORS - len(self.refusals.listed))
        if lexed.judged < lexed.lines:
            self.judged_to = window.first_line + lexed.judged - 1
        self.zero |= lexed.zero
        self.comma |= lexed.comma
        if len(lexed.bad):
            first = [] if self.refusals.full else lexed.bad[: MAX_REPORTED_ERRORS - len(self.refusals.listed)]
            lines = _lines_of(window.body, window.first_line, np.asarray(first), lexed.line_starts)
            self.refusals.add(len(lexed.bad), (self._worded(number, line) for number, line in lines))
        elif keep:
            self._keep(window.first_line, lexed.labels, lexed.coords)

    def _worded(self, number: int, line: bytes) -> LineError:
        row = np.zeros(self.max_guesses, dtype=self.class_set.label_dtype)
        coords = np.zeros((self.max_guesses, 4), dtype=np.float64) if self.boxes else None
        message, _ = parse_line(line, row, coords, self.class_set)
        assert message is not None, "the vectorized reader refused a line the precise parser takes"
        return LineError(number, message)

    def long_line(self, event: LongLine) -> None:
        self.comma |= event.comma
        self.refusals.add(1, [LineError(event.line, long_line_message(event.length))])

    def blank_lines(self, event: BlankLines) -> None:
        worded = (self._worded(event.first_line + k, b" " * length) if length <= _LONGEST_HELD
                  else LineError(event.first_line + k, long_line_message(length))
                  for k, length in enumerate(event.lengths))
        self.refusals.add(event.count, worded)

    def _keep(self, first_line: int, labels: np.ndarray, coords: np.ndarray | None) -> None:
        if self.n_images is None:
            self._windows.append((labels, coords))
            return
        rows = max(0, min(len(labels), len(self.labels) - first_line + 1))
        self.labels[first_line - 1 : first_line - 1 + rows] = labels[:rows]
        if self.coords is not None and coords is not None:
            if coords.dtype == np.float64 and self.coords.dtype != np.float64:
                self.coords = self.coords.astype(np.float64)
            self.coords[first_line - 1 : first_line - 1 + rows] = coords[:rows]

    def conclude(self, reader: LineWindows, error_cls: type[InputFileError]) -> None:
        """Raise ``error_cls`` for a refused file; else set the arrays of a file of any length."""
        self.lines = reader.lines
        if reader.utf16:
            raise error_cls([utf16_error()])
        if reader.text_error is not None:
            raise error_cls([reader.text_error])
        if reader.empty:
            raise error_cls([empty_file_error()])
        errors = []
        if self.n_images is not None and self.lines != self.n_images:
            errors.append(line_count_error(self.n_images, self.lines))
        if self.skipped:
            errors.append(LineError(None, f"the file has more than twice as many lines as images: only its first "
                                          f"{min(self.checked, self.judged_to or self.checked):,} lines were read "
                                          f"one by one, and at least {self.refusals.count:,} lines are refused"))
        elif self.judged_to is not None:
            errors.append(_partly_judged(self.judged_to, self.refusals.count))
        if self.comma:
            errors.append(LineError(None, COMMA_HINT))
        if self.zero:
            errors.append(LineError(None, zero_based_hint(self.class_set)))
        if errors or self.refusals.count:
            raise error_cls(errors + self.refusals.listed, self.refusals.omitted)
        if self._windows:
            self.labels = np.concatenate([labels for labels, _ in self._windows])
            if self.boxes:
                wide = any(c.dtype == np.float64 for _, c in self._windows)
                self.coords = np.concatenate([c.astype(np.float64) if wide else c for _, c in self._windows])


def _nth_newline(body: bytes, k: int) -> int:
    """Where the ``k``-th LF of ``body`` is (it has one): counted piece by piece, the LFs beyond
    are never listed (a window of two-byte lines holds half a million)."""
    step, at = 1 << 16, 0
    while True:
        end = min(len(body), at + step)
        count = body.count(b"\n", at, end)
        if count >= k:
            piece = np.frombuffer(body, dtype=np.uint8, count=end - at, offset=at)
            return at + int(np.flatnonzero(piece == 10)[k - 1])
        k -= count
        at = end


def _partly_judged(judged_to: int, count: int) -> LineError:
    """The note of a refusal whose lines after ``judged_to`` were not judged (:data:`JUDGED_BYTES`)."""
    return LineError(None, f"only the first {judged_to:,} lines were read one by one (judging every line of "
                           f"a refused file would cost more than reading a valid one), and at least "
                           f"{count:,} lines are refused")


#: A file of guesses with more lines than this many per image is refused for its line count; the
#: windows after that point are counted, not read line by line (that would cost more than a valid file).
_CHECKED_PER_IMAGE = 2
_LONGEST_HELD = 1 << 16  # a blank line up to this long is worded from its spaces; it is refused for its length above 2048


def _events(pieces: Iterable[bytes], window_bytes: int) -> tuple[LineWindows, Iterator]:
    reader = LineWindows(window_bytes)

    def events() -> Iterator:
        for piece in pieces:
            yield from reader.feed(piece)
        yield from reader.finish()

    return reader, events()


def _read_guesses(
    pieces: Iterable[bytes], *, boxes: bool, n_images: int | None, class_set: ClassSet, keep: bool,
    window_bytes: int = WINDOW_BYTES, max_guesses: int = MAX_GUESSES,
    error_cls: type[InputFileError] = PredictionFileError,
) -> _GuessesFound:
    found = _GuessesFound(boxes=boxes, class_set=class_set, max_guesses=max_guesses, keep=keep, n_images=n_images)
    reader, events = _events(pieces, window_bytes)
    for event in events:
        if reader.text_error is not None:
            continue  # the verdict is known; only a NUL byte later on could still change it
        if isinstance(event, Window):
            found.window(event)
        elif isinstance(event, LongLine):
            found.long_line(event)
        else:
            found.blank_lines(event)
    found.conclude(reader, error_cls)
    return found


# --- detections ------------------------------------------------------------------------------------


def _read_detections(pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, keep: bool,
                     window_bytes: int = WINDOW_BYTES) -> tuple[Detections | None, int]:
    refusals = _Refusals()
    parts: list[tuple[np.ndarray, ...]] = []
    state = DetectionState(n_images, class_set)
    judged_bytes = 0
    judged_to: int | None = None  # the last line judged, when the lines after it were not
    reader, events = _events(pieces, window_bytes)
    for event in events:
        if reader.text_error is not None:
            continue
        if isinstance(event, Window):
            if refusals.full and judged_bytes >= JUDGED_BYTES:  # refused, its errors listed: not judged
                judged_to = event.first_line - 1 if judged_to is None else judged_to
                continue
            judged_bytes += len(event.body)
            lexed = lex_detections(event.body, state, keep=keep and not refusals.count)
            if len(lexed.bad):
                first = lexed.bad[: MAX_REPORTED_ERRORS - len(refusals.listed)] if not refusals.full else []
                worded = (LineError(number, _detection_problem(line, n_images, class_set))
                          for number, line in _lines_of(event.body, event.first_line, np.asarray(first),
                                                        lexed.line_starts))
                refusals.add(len(lexed.bad), worded)
            elif keep and not refusals.count:
                parts.append(lexed.values)
        elif isinstance(event, LongLine):
            refusals.add(1, [LineError(event.line, long_line_message(event.length))])
        else:
            refusals.add(event.count, (
                LineError(event.first_line + k, _detection_problem(b" " * length, n_images, class_set)
                          if length <= _LONGEST_HELD else long_line_message(length))
                for k, length in enumerate(event.lengths)))
    if reader.utf16:
        raise PredictionFileError([utf16_error()])
    if reader.text_error is not None:
        raise PredictionFileError([reader.text_error])
    if refusals.count:
        notes = [] if judged_to is None else [_partly_judged(judged_to, refusals.count)]
        raise PredictionFileError(notes + refusals.listed, refusals.omitted)
    if not keep:
        return None, reader.lines
    if not parts:
        return Detections.empty(), reader.lines
    return Detections(*(np.concatenate(column) for column in zip(*parts))), reader.lines


def _detection_problem(line: bytes, n_images: int, class_set: ClassSet) -> str:
    problem = parse_detection_line(line, n_images, class_set)
    assert isinstance(problem, str), "the vectorized reader refused a line the precise parser takes"
    return problem
