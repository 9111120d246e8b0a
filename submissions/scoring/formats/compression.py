"""Gzip-compressed uploads: detected by their magic bytes, decompressed in bounded steps.

A 10M-image prediction file is ~200 MB of text but compresses about fivefold, so uploads
may be gzip. Decompression never produces more than the limit it is given (plus one byte
to notice the excess): a "zip bomb" of a few KB that would expand to gigabytes is refused
after at most ``limit`` bytes of output, as :class:`.errors.PredictionFileError` (or the
error class the caller names) without a line number.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Protocol

from ..errors import InputFileError, LineError, PredictionFileError
from .limits import max_upload_bytes

__all__ = ["GZIP_MAGIC", "decompress_upload", "is_gzip", "iter_decompressed", "max_decompressed_bytes"]

#: The first two bytes of every gzip member (RFC 1952).
GZIP_MAGIC = b"\x1f\x8b"

_GZIP_WBITS = 16 + zlib.MAX_WBITS  # expect a gzip header and trailer, not a raw zlib stream
_INPUT_STEP = 1 << 16  # compressed bytes fed to zlib at a time
_OUTPUT_STEP = 1 << 22  # the most output zlib may produce in one call
_PLAIN_STEP = 1 << 20  # bytes of a plain file read at a time


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def max_decompressed_bytes(task: str, n_images: int) -> int:
    """The most bytes an upload for ``task`` with ``n_images`` images may decompress to.

    The parser's own bound (:func:`.limits.max_upload_bytes`): anything larger is refused
    by the parser anyway, so decompressing further would only cost memory. Raises
    ``ValueError`` for an unknown task or a negative ``n_images``.
    """
    return max_upload_bytes(task, n_images)


def is_gzip(data: bytes | bytearray | memoryview) -> bool:
    """Does ``data`` start with the gzip magic bytes ``1f 8b``?"""
    return bytes(data[:2]) == GZIP_MAGIC


def decompress_upload(
    data_or_file: bytes | bytearray | memoryview | BinaryIO | _Readable,
    *,
    limit: int,
    error_cls: type[InputFileError] = PredictionFileError,
) -> bytes:
    """The upload's bytes: gunzipped when it starts with ``1f 8b``, else as they are.

    ``data_or_file`` is bytes-like or a binary file object (read from its current
    position). Plain bytes come back unchanged; a plain file is read whole, but refused
    once it holds more than ``limit`` bytes. Gzip data (one or more members) is
    decompressed in steps of at most 4 MB and refused as soon as the output passes
    ``limit``, so a decompression bomb never allocates more than that. Raises
    ``error_cls`` (no line number) for output above ``limit``, corrupt or truncated gzip
    data, or bytes after the last member; ``ValueError`` for a negative ``limit``.
    """
    if limit < 0:
        raise ValueError("limit must be >= 0")
    if isinstance(data_or_file, (bytes, bytearray, memoryview)):
        data = data_or_file if isinstance(data_or_file, bytes) else bytes(data_or_file)
        if not is_gzip(data):
            return data
        return b"".join(_gunzip(_slices(data), limit, error_cls))
    return b"".join(iter_decompressed(data_or_file, limit=limit, error_cls=error_cls))


def iter_decompressed(
    reader: BinaryIO | _Readable, *, limit: int, error_cls: type[InputFileError] = PredictionFileError
) -> Iterator[bytes]:
    """The plain bytes of a binary file object, in pieces of at most 4 MB, never whole.

    As :func:`decompress_upload` (gzip found by its first two bytes, read from the current
    position), for a file of any size: a caller that hashes, stores or parses the pieces as
    they come holds one piece at a time. Raises ``error_cls`` (no line number) once more than
    ``limit`` bytes came out, for corrupt or truncated gzip data, or bytes after the last
    member; ``ValueError`` for a negative ``limit``.
    """
    if limit < 0:
        raise ValueError("limit must be >= 0")
    head = _read_exactly(reader, 2)
    if head == GZIP_MAGIC:
        yield from _gunzip(_chunks(reader, head), limit, error_cls)
        return
    size = 0
    piece = head
    while piece:
        size += len(piece)
        if size > limit:
            raise error_cls([LineError(None, f"the file holds more than {limit:,} bytes, the most accepted here")])
        yield piece
        piece = reader.read(_PLAIN_STEP)


def _read_exactly(reader: _Readable, size: int) -> bytes:
    """Up to ``size`` bytes, reading again after short reads (pipes, sockets) until EOF."""
    got = b""
    while len(got) < size:
        more = reader.read(size - len(got))
        if not more:
            break
        got += more
    return got


def _slices(data: bytes) -> Iterator[memoryview]:
    view = memoryview(data)
    for start in range(0, len(view), _INPUT_STEP):
        yield view[start : start + _INPUT_STEP]


def _chunks(reader: _Readable, head: bytes) -> Iterator[bytes]:
    yield head
    while True:
        piece = reader.read(_INPUT_STEP)
        if not piece:
            return
        yield piece


def _gunzip(pieces: Iterable[bytes | memoryview], limit: int, error_cls: type[InputFileError]) -> Iterator[bytes]:
    """Decompress gzip members from input pieces, yielding at most ``limit`` bytes in all (see decompress_upload)."""
    size = 0
    inflater = zlib.decompressobj(_GZIP_WBITS)
    try:
        for piece in pieces:
            pending = bytes(piece)
            while True:
                if inflater.eof:  # one member ended: only another member may follow it
                    if pending[:2] != GZIP_MAGIC[: len(pending[:2])]:
                        raise error_cls([LineError(None, "the gzip file has data after its end")])
                    if not pending:
                        break
                    inflater = zlib.decompressobj(_GZIP_WBITS)
                cap = min(limit + 1 - size, _OUTPUT_STEP)
                chunk = inflater.decompress(pending, cap)
                size += len(chunk)
                if size > limit:
                    raise error_cls([LineError(None, _too_large(limit))])
                if chunk:
                    yield chunk
                if inflater.eof:
                    pending = inflater.unused_data
                    continue
                pending = inflater.unconsumed_tail
                if not pending and len(chunk) < cap:
                    break  # input used up and output not capped: nothing is held back
    except zlib.error as exc:
        raise error_cls([LineError(None, f"the file starts like gzip but is not valid gzip data ({exc})")]) from None
    if not inflater.eof:
        raise error_cls([LineError(None, "the gzip file is truncated: it ends before its compressed data does")])


def _too_large(limit: int) -> str:
    return (
        f"the gzip file decompresses to more than {limit:,} bytes, more than any valid file for this task; "
        "it was not decompressed further"
    )
