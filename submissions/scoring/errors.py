"""Error types raised by the scoring package.

Every problem with an uploaded file (predictions or ground truth) is reported as an
:class:`InputFileError` subclass carrying a list of :class:`LineError` (1-based line
numbers, or ``None`` for file-level problems), so that a web page or a command line
can show people exactly what to fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable, Sequence

__all__ = [
    "MAX_REPORTED_ERRORS",
    "LineError",
    "InputFileError",
    "PredictionFileError",
    "GroundTruthError",
    "ErrorList",
    "first_few",
    "line_count_error",
]

#: How many line errors an :class:`InputFileError` keeps; the rest are only counted.
MAX_REPORTED_ERRORS = 10


@dataclass(frozen=True)
class LineError:
    """One problem in an input file.

    ``line`` is the 1-based line number (``None`` for a problem with the whole file,
    e.g. a wrong number of lines); ``message`` says what was found and what was expected.
    """

    line: int | None
    message: str

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}: {self.message}"


def line_count_error(n_images: int, found: int) -> LineError:
    """The file-level error of a prediction file with ``found`` lines where ``n_images`` are expected
    (the whole-file parser and the streamed one say it alike)."""
    return LineError(None, f"expected {n_images:,} lines (one per image, in image order), found {found:,}")


def first_few(items: Sequence[object]) -> str:
    """``"1, 5, 9"``: the first :data:`MAX_REPORTED_ERRORS` items, then ``", ..."`` if there are more."""
    shown = ", ".join(str(i) for i in items[:MAX_REPORTED_ERRORS])
    return shown + (", ..." if len(items) > MAX_REPORTED_ERRORS else "")


class InputFileError(ValueError):
    """A file could not be used; ``errors`` lists the first problems found.

    ``omitted`` counts further problems that were found but not listed. ``str()`` joins
    the listed errors, one per line, and mentions the omitted ones.
    """

    def __init__(self, errors: Iterable[LineError], omitted: int = 0) -> None:
        self.errors: list[LineError] = list(errors)
        if not self.errors:
            raise ValueError("an InputFileError needs at least one LineError")
        self.omitted = int(omitted)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = "\n".join(str(e) for e in self.errors)
        if self.omitted:
            s = "" if self.omitted == 1 else "s"
            text += f"\n... and {self.omitted} more error{s} not shown"
        return text

    def __reduce__(self) -> tuple[type, tuple[list[LineError], int]]:  # keep pickling working
        return (type(self), (self.errors, self.omitted))


class PredictionFileError(InputFileError):
    """A prediction (submission) file is malformed; nothing was scored."""


class GroundTruthError(InputFileError):
    """A ground-truth file (labels, boxes, blacklist) is malformed or inconsistent."""


class ErrorList:
    """Collects the problems of one file: keeps the first :data:`MAX_REPORTED_ERRORS`, counts the rest."""

    def __init__(self) -> None:
        self.errors: list[LineError] = []
        self.omitted = 0

    def add(self, line: int | None, message: str) -> None:
        """Note one problem (listed while fewer than :data:`MAX_REPORTED_ERRORS` are, else counted)."""
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(LineError(line, message))
        else:
            self.omitted += 1
