"""Prediction files checked as they stream past, in windows of whole lines, never whole in memory.

A 10M-image file is 200-300 MB of text; parsing it in one piece costs about twice that again in
arrays. :func:`check_prediction_stream` reads the file's plain bytes as pieces (from
:func:`.compression.iter_decompressed`), cuts them into windows of whole lines of about
:data:`WINDOW_BYTES`, and gives each window to the same parsers as :func:`.guesses.parse_predictions`
(the vectorized one, and the precise one where it declines). Only the file's ends are special,
and they are treated as :func:`.text.prepare_body` treats them: UTF-16 and a UTF-8 BOM at the
start, whitespace at the very end (held back until the stream shows whether more lines follow).

It accepts exactly the files that ``parse_predictions`` accepts and refuses the others with the
same errors: the text checks first (the first NUL byte anywhere, else the first byte that is not
UTF-8), else the line count, the file-level hints and the first bad lines, with how many more
there were (``tests/test_scale_streaming.py`` compares the two on generated files).
:func:`parse_prediction_stream` also returns the parsed file, the same arrays as
``parse_predictions``, filled window by window: it holds the arrays (10 bytes an image for 5
guesses), never the text; :func:`..evaluate.evaluate_stream` scores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import ErrorList, LineError, PredictionFileError, line_count_error
from ..tasks import DETECTION, MAX_GUESSES, TASKS
from .detections import Detections, parse_detections
from .guesses import COMMA_HINT, Predictions, precise_parse
from .guesses_fast import fast_parse
from .text import BOM, TRAILING, check_text, prepare_body

__all__ = [
    "WINDOW_BYTES",
    "check_prediction_stream",
    "parse_detection_stream",
    "parse_prediction_stream",
    "pieces_of",
]

#: About how many bytes of whole lines are parsed at a time (a window holds at least one line).
WINDOW_BYTES = 1 << 20


def check_prediction_stream(
    task: str, pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, window_bytes: int = WINDOW_BYTES
) -> int:
    """Validate a prediction file given as pieces of its plain bytes; return its number of lines
    (for detection, whose lines come in any order, the pieces are joined and parsed whole).

    Reads every piece (also after finding errors, to count them as the whole-file parser
    does). Raises :class:`PredictionFileError` exactly as ``parse_predictions(task,
    b"".join(pieces), ...)`` would for a file within ``max_upload_bytes`` (the caller bounds
    the size, e.g. with ``iter_decompressed``), and whatever iterating ``pieces`` raises;
    ``ValueError`` for an unknown task.
    """
    if task == DETECTION:
        data = b"".join(pieces)
        parse_detections(data, n_images=n_images, class_set=class_set)
        return data.count(b"\n") + (bool(data) and not data.endswith(b"\n"))
    return _read(task, pieces, n_images=n_images, class_set=class_set, window_bytes=window_bytes, keep=False).lines


def parse_prediction_stream(
    task: str, pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, window_bytes: int = WINDOW_BYTES
) -> Predictions:
    """As :func:`check_prediction_stream`, and return what ``parse_predictions`` would return."""
    found = _read(task, pieces, n_images=n_images, class_set=class_set, window_bytes=window_bytes, keep=True)
    return Predictions("localization" if found.boxes else "classification", found.labels, found.coords)


def parse_detection_stream(pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet) -> Detections:
    """The detections of a file given as pieces of its plain bytes (joined and parsed whole).

    Raises :class:`PredictionFileError` as :func:`.detections.parse_detections` does.
    """
    return parse_detections(b"".join(pieces), n_images=n_images, class_set=class_set)


def pieces_of(data: bytes) -> Iterator[bytes]:
    """A file in memory as the pieces a stream would give (:data:`WINDOW_BYTES` each)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    view = memoryview(data)
    for start in range(0, max(len(view), 1), WINDOW_BYTES):
        yield bytes(view[start : start + WINDOW_BYTES])


def _read(task: str, pieces: Iterable[bytes], *, n_images: int, class_set: ClassSet, window_bytes: int,
          keep: bool) -> _Findings:
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    findings = _Findings(boxes=task == "localization", class_set=class_set, keep_rows=n_images if keep else 0)
    for body in _windows(pieces, window_bytes):
        findings.check(body)
    findings.conclude(n_images)
    return findings


class _Findings:
    """What the windows read so far showed: lines, a text error, bad lines and hints."""

    def __init__(self, *, boxes: bool, class_set: ClassSet, keep_rows: int) -> None:
        self.boxes, self.class_set = boxes, class_set
        self.lines = 0
        self.nul: LineError | None = None  # the first NUL byte outranks any other problem
        self.not_utf8: LineError | None = None
        self.bad = ErrorList()
        self.hints: list[str] = []
        # The parsed rows, filled as windows pass (only the first keep_rows: more lines are an error).
        self.labels = np.zeros((keep_rows, MAX_GUESSES), dtype=class_set.label_dtype)
        self.coords = np.zeros((keep_rows, MAX_GUESSES, 4), dtype=np.int32) if boxes else None

    def check(self, body: bytes) -> None:
        first_line = self.lines + 1
        self.lines += body.count(b"\n") + 1
        if self.nul is not None or (self.not_utf8 is not None and b"\x00" not in body):
            return  # the verdict is known; only a later NUL byte could still change it
        if self.not_utf8 is None:
            parsed = fast_parse(body, boxes=self.boxes, n_images=None, class_set=self.class_set,
                                max_guesses=MAX_GUESSES)
            if parsed is not None:
                self._keep(first_line, *parsed)
                return
        try:
            check_text(body, PredictionFileError)
        except PredictionFileError as exc:
            [error] = exc.errors
            shifted = LineError(error.line + first_line - 1, error.message)
            if b"\x00" in body:
                self.nul = shifted
            else:
                self.not_utf8 = self.not_utf8 or shifted
            return
        try:
            self._keep(first_line, *precise_parse(body, boxes=self.boxes, n_images=None, class_set=self.class_set))
        except PredictionFileError as exc:
            for error in exc.errors:
                if error.line is None:  # a file-level hint (commas, 0-based ids): said once
                    if error.message not in self.hints:
                        self.hints.append(error.message)
                else:
                    self.bad.add(error.line + first_line - 1, error.message)
            self.bad.omitted += exc.omitted

    def _keep(self, first_line: int, labels: np.ndarray, coords: np.ndarray | None) -> None:
        rows = max(0, min(len(labels), len(self.labels) - first_line + 1))
        self.labels[first_line - 1 : first_line - 1 + rows] = labels[:rows]
        if self.coords is not None and coords is not None:
            self.coords[first_line - 1 : first_line - 1 + rows] = coords[:rows]

    def conclude(self, n_images: int) -> int:
        text_error = self.nul or self.not_utf8
        if text_error is not None:
            raise PredictionFileError([text_error])
        file_errors = [line_count_error(n_images, self.lines)] if self.lines != n_images else []
        # In the whole-file parser's order: the comma note before the note on 0-based ids.
        hints = sorted(self.hints, key=lambda message: message != COMMA_HINT)
        file_errors += [LineError(None, message) for message in hints]
        if file_errors or self.bad.errors:
            raise PredictionFileError(file_errors + self.bad.errors, self.bad.omitted)
        return self.lines


def _windows(pieces: Iterable[bytes], window_bytes: int) -> Iterator[bytes]:
    """The file's body (as prepare_body cuts it) in windows of whole lines, without their last newline.

    A window is cut after the last newline that has something other than whitespace after it,
    so whitespace at the end of what was read so far waits for the next piece: it is the file's
    trailing whitespace (dropped) only if nothing else follows. A window is tried once another
    ``window_bytes`` arrived (or twice the bytes held, after a try found no place to cut), so a
    file without newlines costs linear time, though it is then held whole.
    """
    held: list[bytes] = []
    size, started, cut_any, next_try = 0, False, False, window_bytes
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if not started and size >= 3:
            held, started = [_head(b"".join(held))], True
            size = len(held[0])
        if not started or size < next_try:
            continue
        data = b"".join(held)
        cut = data.rfind(b"\n", 0, len(data.rstrip(TRAILING)))
        if cut < 0:
            held, next_try = [data], 2 * size
            continue
        yield data[:cut]
        cut_any = True
        held = [data[cut + 1 :]]
        size = len(held[0])
        next_try = size + window_bytes
    data = b"".join(held)
    body = (data if started else _head(data)).rstrip(TRAILING)
    if not body and not cut_any:
        prepare_body(b"")  # raises the empty-file error
    yield body


def _head(data: bytes) -> bytes:
    """The start of the file as prepare_body reads it: UTF-16 refused, one UTF-8 BOM dropped."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        prepare_body(data)  # raises its UTF-16 error
    return data[len(BOM) :] if data.startswith(BOM) else data
