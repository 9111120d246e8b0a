"""An uploaded prediction or ground-truth file as the plain text that is stored and scored.

Django has already spooled an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file.
A gzip upload (found by its first two bytes, whatever its name) is decompressed in pieces into
another spooled temporary file, refused once it passes the limit (a decompression bomb costs
that much at most); a plain one is stored as it came. Either way the text is read once here,
piece by piece, by a check that sees every piece (the scoring core's stream validator), and
never held whole in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File

from submissions import scoring


@dataclass
class PlainText:
    """The plain text of an upload: `file` to store (at its start) and its `size` in bytes.

    Use it in a `with` block: a decompressed copy is a temporary file, removed on leaving it."""

    file: File
    size: int
    _spool: tempfile.SpooledTemporaryFile | None = None

    def __enter__(self) -> PlainText:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._spool is not None:
            self._spool.close()


def plain_text(
    upload: File, *, limit: int, error_cls: type[scoring.InputFileError],
    check: Callable[[Iterator[bytes]], object] | None = None,
) -> PlainText:
    """Read `upload` once in pieces, gunzipped if it is gzip, passing them to `check`.

    `check` gets an iterator of the pieces and may stop early; the rest is read after it
    returns. Raises `error_cls` (no line number) for plain text above `limit` bytes, corrupt
    or truncated gzip data, and whatever `check` raises; nothing is left open then.
    """
    upload.seek(0)
    compressed = scoring.is_gzip(upload.read(2))
    upload.seek(0)
    spool = None
    if compressed:
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE,
                                              dir=settings.FILE_UPLOAD_TEMP_DIR)
    size = 0

    def pieces() -> Iterator[bytes]:
        nonlocal size
        for piece in scoring.iter_decompressed(upload, limit=limit, error_cls=error_cls):
            size += len(piece)
            if spool is not None:
                spool.write(piece)
            yield piece

    try:
        stream = pieces()
        if check is not None:
            check(stream)
        for _ in stream:
            pass
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    if spool is None:
        upload.seek(0)
        return PlainText(upload, size)
    spool.seek(0)
    return PlainText(File(spool, name=upload.name or "upload.txt"), size, spool)
