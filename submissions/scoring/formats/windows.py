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
_DECODE_STEP = 1 << 20  # bytes decoded at a time by the UTF-8 check


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


def _content_end(piece: bytes) -> int:
    """Where ``piece`` ends without its trailing whitespace (looked for in its tail first: copying a
    piece to strip it would cost a pass over it)."""
    tail = piece[-64:].rstrip(TRAILING)
    if tail:
        return len(piece) - 64 + len(tail) if len(piece) > 64 else len(tail)
    return len(piece.rstrip(TRAILING))


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
        self._decoder = codecs.getincrementaldecoder("utf-8")()  # for the text checks

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
        end = _content_end(piece)
        if end:
            self._any = True
            yield from self._commit_blank()
            yield from self._add(piece, end)
        self._hold_blank(piece[end:])

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

    def _add(self, piece: bytes, end: int) -> Iterator[Event]:
        """Add ``piece[:end]``, which ends with a byte that is not whitespace."""
        start = 0
        if self._long is not None:
            newline = piece.find(b"\n", 0, end)
            if newline < 0:
                self._grow_long(piece[:end])
                return
            self._grow_long(piece[:newline])
            yield self._end_long()
            start = newline + 1
        if self._buffer or end - start < self.window_bytes:
            self._buffer += piece[start:end] if start or end < len(piece) else piece
            if len(self._buffer) >= self.window_bytes:
                yield from self._flush(self._buffer, 0, len(self._buffer), keep_current=True)
        else:  # nothing held: the windows are cut from the piece itself, not copied first
            yield from self._flush(piece, start, end, keep_current=True)

    def _flush(self, source: bytes | bytearray | None = None, begin: int = 0, end: int | None = None, *,
               keep_current: bool) -> Iterator[Event]:
        """Give out the whole lines of ``source[begin:end]`` (the held bytes by default) and, unless
        ``keep_current``, the current line, in windows of about ``window_bytes``; a line longer than
        that, and a current line grown longer than that, become long lines. What is left is held."""
        buffer = self._buffer if source is None else source
        end = len(buffer) if end is None else end
        width = self.window_bytes
        last = buffer.rfind(b"\n", begin, end) if keep_current else end  # where the last window ends
        start = begin
        while begin <= last and start <= last:
            if last - start <= width:
                cut = last
            else:
                cut = buffer.rfind(b"\n", start, start + width + 1)
                if cut < 0:
                    cut = buffer.find(b"\n", start + width + 1, last)
                    cut = last if cut < 0 else cut
            if cut - start > self.longest_held:  # one line, too long to hold
                yield self._long_line(cut - start, buffer.find(b",", start, cut) >= 0)
            else:
                yield self._window(bytes(buffer[start:cut]))
            start = cut + 1
        current = bytearray(buffer[start:end]) if keep_current else bytearray()
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
        """Note a NUL byte or a byte that is not UTF-8 in ``piece`` (the stream's next bytes, not yet
        added: where the stream stands gives their line)."""
        if self.nul is None:
            nul = piece.find(b"\x00")
            if nul >= 0:
                self.nul = nul_error(self._newlines_so_far() + piece.count(b"\n", 0, nul) + 1)
        held = self._decoder.getstate()[0]  # a sequence the last piece ended in the middle of
        if self.nul is None and self.not_utf8 is None and (held or not piece.isascii()):
            for start in range(0, max(len(piece), 1), _DECODE_STEP):  # a str of a step at most
                pending = self._decoder.getstate()[0]
                try:
                    self._decoder.decode(piece[start : start + _DECODE_STEP])
                except UnicodeDecodeError as exc:
                    # exc.start counts from the pending bytes (before the piece when start is 0)
                    self._not_utf8(held, piece, exc.start if not start else len(held) + start + exc.start - len(pending))
                    return

    def _not_utf8(self, held: bytes, piece: bytes, start: int) -> None:
        """Note the byte at ``start`` of ``held + piece`` (``held``: the bytes of a sequence begun
        before ``piece``, which has not been added yet)."""
        line = self._newlines_so_far() + 1
        column = self._current_line_length() - len(held) + start + 1
        byte = held[start] if start < len(held) else piece[start - len(held)]
        local = start - len(held)
        if local > 0:
            before = piece.rfind(b"\n", 0, local)
            if before >= 0:
                line += piece.count(b"\n", 0, local)
                column = local - before
        self.not_utf8 = utf8_error(line, column, byte)

    def _newlines_so_far(self) -> int:
        """LFs before the bytes not yet added: the lines given out, and those held."""
        blank = self._blank.newlines if isinstance(self._blank, _Run) else self._blank.count(b"\n")
        return self.lines + self._buffer.count(b"\n") + blank

    def _current_line_length(self) -> int:
        """Bytes of the line that the bytes not yet added continue."""
        blank = self._blank
        if isinstance(blank, _Run):
            if blank.newlines:
                return blank.after
            held_blank = blank.after
        else:
            newline = blank.rfind(b"\n")
            if newline >= 0:
                return len(blank) - newline - 1
            held_blank = len(blank)
        if self._long is not None:
            return self._long.length + held_blank
        return len(self._buffer) - (self._buffer.rfind(b"\n") + 1) + held_blank
