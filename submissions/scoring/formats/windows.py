"""A file of any size, as windows of whole lines: the reader every streamed format shares.

:class:`LineWindows` takes a file's plain bytes as pieces (``iter_decompressed`` gives up to 4 MB
each) and gives its lines back as events, in order, holding at most about two windows of text
whatever the bytes are:

* :class:`Window`: whole lines, about ``window_bytes`` of them, joined by LF (no final LF);
* :class:`LongLine`: one line too long to hold (longer than ``window_bytes`` and than the
  formats' longest line): its number, its length and whether it has a comma; the formats refuse
  it for its length alone;
* :class:`BlankLines`: a run of lines holding only spaces, tabs and CRs, too long to hold: how
  many, and the lengths of the first few (each is refused as an empty or a too long line).

It reads the file's ends as :func:`.text.prepare_body` does (a UTF-8 BOM at the start dropped,
UTF-16 refused; whitespace at the very end dropped: it is held back until the stream shows
whether more lines follow) and checks every byte as :func:`.text.check_text` does, noting the
first NUL byte and the first byte that is not UTF-8 with their lines (and column), so that a
reader can stop parsing once the file is refused for its text.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ..errors import MAX_REPORTED_ERRORS, LineError
from .limits import MAX_LINE_BYTES
from .text import BOM, TRAILING, nul_error, utf8_error

__all__ = ["WINDOW_BYTES", "BlankLines", "LineWindows", "LongLine", "Window"]

#: About how many bytes of whole lines a window holds (a window holds at least one line).
WINDOW_BYTES = 1 << 20
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class Window:
    """Whole lines ``first_line .. last_line`` (1-based), joined by LF, without a final LF."""

    first_line: int
    body: bytes
    last_line: int = 0


@dataclass(frozen=True)
class LongLine:
    """Line ``line``, ``length`` bytes long (too long to hold), with or without a comma."""

    line: int
    length: int
    comma: bool


@dataclass(frozen=True)
class BlankLines:
    """``count`` lines from ``first_line`` on that hold only spaces, tabs and CRs; ``lengths`` are
    the lengths of the first few (at most :data:`.errors.MAX_REPORTED_ERRORS`)."""

    first_line: int
    count: int
    lengths: tuple[int, ...]


Event = Window | LongLine | BlankLines


@dataclass
class _Run:
    """Whitespace too long to hold, after the last byte that is not whitespace: ``before`` bytes
    that continue the current line, then ``newlines`` LFs (with the lengths of the first few
    lines between them), then ``after`` bytes since the last LF."""

    before: int = 0
    newlines: int = 0
    lengths: list[int] = field(default_factory=list)
    after: int = 0

    def add(self, text: bytes) -> None:
        at = 0
        while len(self.lengths) < MAX_REPORTED_ERRORS:
            newline = text.find(b"\n", at)
            if newline < 0:
                break
            self._newline(newline - at)
            at = newline + 1
        if len(self.lengths) < MAX_REPORTED_ERRORS:
            self.after += len(text) - at
            return
        more = text.count(b"\n", at)
        if more:
            self.newlines += more
            self.after = len(text) - text.rfind(b"\n") - 1
        else:
            self.after += len(text) - at

    def _newline(self, length: int) -> None:
        if self.newlines == 0:
            self.before = self.after + length
        else:
            self.lengths.append(self.after + length)
        self.newlines += 1
        self.after = 0


@dataclass
class _Long:
    """The current line, too long to hold: its number, its length so far, whether it has a comma."""

    line: int
    length: int
    comma: bool


class LineWindows:
    """Feed pieces, get events (see the module docstring); then :meth:`finish` for the last ones.

    After :meth:`finish`: ``lines`` (the file's number of lines), ``empty`` (nothing but
    whitespace), ``utf16`` (a UTF-16 byte-order mark), ``nul`` (the first NUL byte) and
    ``not_utf8`` (the first byte that is not UTF-8), the last two as :class:`.errors.LineError`.
    ``text_error`` is the one that refuses the file, if any: UTF-16, else a NUL, else non-UTF-8.
    """

    def __init__(self, window_bytes: int = WINDOW_BYTES) -> None:
        self.window_bytes = max(1, window_bytes)
        # A line longer than this is not held: it is refused for its length whatever it holds.
        self.longest_held = max(self.window_bytes, MAX_LINE_BYTES)
        self.lines = 0  # lines given out so far
        self.utf16 = False
        self.empty = False
        self.nul: LineError | None = None
        self.not_utf8: LineError | None = None
        self._head = b""  # the first bytes, until the BOM is known
        self._started = False
        self._buffer = bytearray()  # lines not given out yet: whole ones, then the current one
        self._long: _Long | None = None  # the current line, when too long to hold
        self._blank: bytearray | _Run = bytearray()  # whitespace after the last other byte
        self._any = False  # a byte other than whitespace was seen
        # the text checks: where the stream is, and an incremental UTF-8 decoder
        self._offset = 0
        self._newlines = 0
        self._last_newline = -1
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    @property
    def held_bytes(self) -> int:
        """How many bytes of text are held now (lines not given out yet, whitespace held back)."""
        blank = len(self._blank) if isinstance(self._blank, bytearray) else 0
        return len(self._head) + len(self._buffer) + blank

    @property
    def text_error(self) -> LineError | None:
        """The error that refuses the file for its text, if any (UTF-16 is said by the reader)."""
        return self.nul or self.not_utf8

    def feed(self, piece: bytes) -> Iterator[Event]:
        """The events that ``piece`` completes."""
        if not self._started:
            self._head += piece
            if len(self._head) < len(BOM):
                return
            piece, self._head, self._started = self._head, b"", True
            if piece[:2] in _UTF16_BOMS:
                self.utf16 = True
            if piece.startswith(BOM):
                piece = piece[len(BOM):]
        if self.utf16 or not piece:
            return
        self._check_text(piece)
        content = piece.rstrip(TRAILING)
        if content:
            self._any = True
            yield from self._commit_blank()
            yield from self._add(content)
        self._hold_blank(piece[len(content):])

    def finish(self) -> Iterator[Event]:
        """The last events: the held lines, without the whitespace at the very end."""
        if not self._started:
            self._started = True
            head, self._head = self._head, b""
            if head[:2] in _UTF16_BOMS:
                self.utf16 = True
            else:
                yield from self.feed(head[len(BOM):] if head.startswith(BOM) else head)
        if self.utf16:
            return
        if self.not_utf8 is None and self.nul is None:
            held = self._decoder.getstate()[0]
            try:
                self._decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                self._not_utf8(held, b"", exc.start)
        if not self._any:
            self.empty = True
            return
        if self._long is not None:
            yield self._end_long()
        elif self._buffer:
            yield self._window(bytes(self._buffer))
            self._buffer = bytearray()

    # --- lines ---------------------------------------------------------------------------------

    def _add(self, content: bytes) -> Iterator[Event]:
        """Add bytes that end with one that is not whitespace."""
        if self._long is not None:
            newline = content.find(b"\n")
            if newline < 0:
                self._grow_long(content)
                return
            self._grow_long(content[:newline])
            yield self._end_long()
            content = content[newline + 1 :]
        self._buffer += content
        if len(self._buffer) >= self.window_bytes:
            yield from self._flush(keep_current=True)

    def _flush(self, *, keep_current: bool) -> Iterator[Event]:
        """Give out the held whole lines (and, unless ``keep_current``, the current one), in
        windows of about ``window_bytes``; a line longer than that, and a current line grown
        longer than that, become long lines."""
        buffer, width = self._buffer, self.window_bytes
        last = buffer.rfind(b"\n") if keep_current else len(buffer)  # where the last piece given out ends
        start = 0
        while start <= last:
            if last - start <= width:
                cut = last
            else:
                cut = buffer.rfind(b"\n", start, start + width + 1)
                if cut < 0:
                    cut = buffer.find(b"\n", start + width + 1, last)
                    cut = last if cut < 0 else cut
            if cut - start > self.longest_held:  # one line, too long to hold
                yield self._long_line(cut - start, b"," in buffer[start:cut])
            else:
                yield self._window(bytes(buffer[start:cut]))
            start = cut + 1
        current = buffer[start:] if keep_current else bytearray()
        if len(current) > self.longest_held:
            self._long = _Long(self.lines + 1, len(current), b"," in current)
            current = bytearray()
        self._buffer = current

    def _window(self, body: bytes) -> Window:
        first = self.lines + 1
        self.lines += body.count(b"\n") + 1
        return Window(first, body, self.lines)

    def _long_line(self, length: int, comma: bool) -> LongLine:
        self.lines += 1
        return LongLine(self.lines, length, comma)

    def _grow_long(self, content: bytes) -> None:
        assert self._long is not None
        self._long.length += len(content)
        self._long.comma = self._long.comma or b"," in content

    def _end_long(self) -> LongLine:
        assert self._long is not None
        long, self._long = self._long, None
        self.lines += 1
        return LongLine(long.line, long.length, long.comma)

    # --- whitespace after the last other byte ------------------------------------------------

    def _hold_blank(self, blank: bytes) -> None:
        if isinstance(self._blank, _Run):
            self._blank.add(blank)
            return
        self._blank += blank
        if len(self._blank) > self.window_bytes:
            run = _Run()
            run.add(bytes(self._blank))
            self._blank = run

    def _commit_blank(self) -> Iterator[Event]:
        """More lines follow: the held whitespace is part of the file."""
        blank, self._blank = self._blank, bytearray()
        if not isinstance(blank, _Run):
            if blank:
                yield from self._add_blank_bytes(bytes(blank))
            return
        if not blank.newlines:
            yield from self._extend_current(blank.after)
            return
        yield from self._extend_current(blank.before)
        if self._long is not None:
            yield self._end_long()
        else:
            yield from self._flush(keep_current=False)
        if blank.newlines > 1:
            yield BlankLines(self.lines + 1, blank.newlines - 1, tuple(blank.lengths))
            self.lines += blank.newlines - 1
        yield from self._extend_current(blank.after)

    def _add_blank_bytes(self, blank: bytes) -> Iterator[Event]:
        """Held whitespace (short) that more lines follow: lines like any other."""
        if self._long is None:
            self._buffer += blank
            if len(self._buffer) >= self.window_bytes:
                yield from self._flush(keep_current=True)
            return
        newline = blank.find(b"\n")
        if newline < 0:
            self._long.length += len(blank)
            return
        self._long.length += newline
        yield self._end_long()
        yield from self._add_blank_bytes(blank[newline + 1 :])

    def _extend_current(self, spaces: int) -> Iterator[Event]:
        """The current line goes on with ``spaces`` bytes of whitespace."""
        if not spaces:
            return
        if self._long is not None:
            self._long.length += spaces
            return
        current = len(self._buffer) - (self._buffer.rfind(b"\n") + 1)
        if current + spaces > self.longest_held:
            yield from self._flush(keep_current=True)
            current = len(self._buffer)
            self._long = _Long(self.lines + 1, current + spaces, b"," in self._buffer)
            self._buffer = bytearray()
        else:
            self._buffer += b" " * spaces

    # --- text checks ---------------------------------------------------------------------------

    def _check_text(self, piece: bytes) -> None:
        """Note a NUL byte or a byte that is not UTF-8 in ``piece`` (the stream's next bytes)."""
        if self.nul is None:
            nul = piece.find(b"\x00")
            if nul >= 0:
                self.nul = nul_error(self._newlines + piece.count(b"\n", 0, nul) + 1)
        held = self._decoder.getstate()[0]  # a sequence the last piece ended in the middle of
        if self.nul is None and self.not_utf8 is None and (held or not piece.isascii()):
            try:
                self._decoder.decode(piece)
            except UnicodeDecodeError as exc:
                self._not_utf8(held, piece, exc.start)
        newlines = piece.count(b"\n")
        if newlines:
            self._last_newline = self._offset + piece.rfind(b"\n")
            self._newlines += newlines
        self._offset += len(piece)

    def _not_utf8(self, held: bytes, piece: bytes, start: int) -> None:
        """Note the byte at ``start`` of ``held + piece`` (``held``: the bytes of a sequence begun
        before ``piece``, which has not been counted yet)."""
        if start < len(held):
            line, line_start, byte = self._newlines + 1, self._last_newline + 1, held[start]
            at = self._offset - len(held) + start
        else:
            local = start - len(held)
            line = self._newlines + piece.count(b"\n", 0, local) + 1
            before = piece.rfind(b"\n", 0, local)
            line_start = self._offset + before + 1 if before >= 0 else self._last_newline + 1
            at, byte = self._offset + local, piece[local]
        self.not_utf8 = utf8_error(line, at - line_start + 1, byte)
