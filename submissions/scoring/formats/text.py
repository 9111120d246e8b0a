"""The text layer every file format shares: what a file's ends may hold, and what its bytes may be.

* A UTF-8 byte-order mark at the very start is dropped; a UTF-16 one refuses the file.
* Whitespace at the very end (spaces, tabs, CR, LF) is dropped.
* A NUL byte anywhere, or a byte that is not UTF-8, refuses the file (NUL first: it is the sign
  of a binary or UTF-16 file), naming its line.
* Tokens are separated by spaces or tabs; CR counts as a space (so CRLF files work).

The messages here are the ones every reader gives for these problems.
"""

from __future__ import annotations

from ..errors import InputFileError, LineError, PredictionFileError

__all__ = [
    "BOM",
    "TRAILING",
    "TO_SPACES",
    "check_text",
    "empty_file_error",
    "file_body",
    "nul_error",
    "prepare_body",
    "show",
    "tokens_of",
    "utf16_error",
    "utf8_error",
]

BOM = b"\xef\xbb\xbf"
#: The bytes dropped at the very end of a file.
TRAILING = b" \t\r\n"
#: Tab and CR read as spaces (``line.translate(TO_SPACES).split(b" ")`` gives a line's tokens).
TO_SPACES = bytes.maketrans(b"\t\r", b"  ")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def show(token: bytes) -> str:
    """A token as messages quote it: decoded leniently, at most 24 characters."""
    text = token.decode("utf-8", "backslashreplace")
    if len(text) > 24:
        text = text[:21] + "..."
    return repr(text)


def tokens_of(line: bytes) -> list[bytes]:
    """The tokens of a line: separated by spaces, tabs or CRs."""
    return [t for t in line.translate(TO_SPACES).split(b" ") if t]


def utf16_error() -> LineError:
    """The file-level error of a file that starts with a UTF-16 byte-order mark."""
    return LineError(None, "the file is UTF-16 text (e.g. saved as 'Unicode'); save it as plain ASCII or UTF-8 text")


def empty_file_error() -> LineError:
    """The file-level error of a file with nothing but whitespace where lines are expected."""
    return LineError(None, "the file is empty: expected one line per image")


def nul_error(line: int) -> LineError:
    """The error of the first NUL byte, on its 1-based line."""
    return LineError(line, "NUL byte: this looks like UTF-16 ('Unicode') text or a binary file, not a text file")


def utf8_error(line: int, column: int, byte: int) -> LineError:
    """The error of the first byte that is not UTF-8, at its 1-based line and column."""
    return LineError(line, f"byte 0x{byte:02x} at column {column} is not UTF-8 text; "
                           "save the file as plain ASCII or UTF-8 text")


def file_body(data: bytes, error_cls: type[InputFileError] = PredictionFileError) -> bytes:
    """The file without a UTF-8 BOM at its start and whitespace at its end (possibly empty).

    Raises ``error_cls`` for a UTF-16 byte-order mark, ``TypeError`` if ``data`` is not bytes-like.
    """
    if not isinstance(data, bytes):
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        else:
            raise TypeError(f"expected bytes, got {type(data).__name__}")
    if data[:2] in _UTF16_BOMS:
        raise error_cls([utf16_error()])
    if data.startswith(BOM):
        data = data[len(BOM):]
    return data.rstrip(TRAILING)


def prepare_body(data: bytes, error_cls: type[InputFileError] = PredictionFileError) -> bytes:
    """:func:`file_body`, refusing an empty (or whitespace-only) file as well.

    Raises ``error_cls`` for an empty file or a UTF-16 byte-order mark, ``TypeError`` if
    ``data`` is not bytes-like.
    """
    body = file_body(data, error_cls)
    if not body:
        raise error_cls([empty_file_error()])
    return body


def check_text(body: bytes, error_cls: type[InputFileError] = PredictionFileError) -> None:
    """Raise ``error_cls`` naming the line of a NUL byte, else of the first byte that is not UTF-8."""
    nul = body.find(b"\x00")
    if nul >= 0:
        raise error_cls([nul_error(body.count(b"\n", 0, nul) + 1)])
    if body.isascii():
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error_cls([utf8_error(line, column, body[exc.start])]) from None
