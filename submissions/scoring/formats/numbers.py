"""Numbers in text, read without a Python loop per token: the kernels the vectorized readers share.

Digit runs become integers with SWAR arithmetic: the 8 bytes that end a token are gathered as
one little-endian ``uint64``, the bytes before the token are masked out, and the digits are
combined with three multiply-shift steps (Lemire's "parse eight digits" trick), all as
whole-array numpy operations. Short runs (at most 4 bytes) take four byte gathers instead.
Decimal numbers (a detector's confidence) are checked against their grammar by a small DFA run
over the token columns, then converted by numpy's own exact string-to-double.

Every kernel reads a *padded* copy of the text (:func:`padded`): :data:`PAD` spaces on both
sides, so that gathers around a token never leave the array.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = [
    "DECIMAL_RE",
    "PAD",
    "all_digits",
    "all_digits_each",
    "combine8",
    "coordinate_dtype",
    "digit_values",
    "digits8",
    "digits_short",
    "last8",
    "padded",
    "read_decimals",
    "words_of",
]

#: Spaces on each side of a padded copy.
PAD = 8
#: A decimal number as Python's ``float()`` reads it, without ``inf``, ``nan`` or ``_``.
DECIMAL_RE = re.compile(rb"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")

_Z64 = np.uint64(0x3030303030303030)
_M64 = np.uint64(0x000000FF000000FF)
_MUL64A = np.uint64(100 + (1000000 << 32))
_MUL64B = np.uint64(1 + (10000 << 32))
_KEEP64 = np.array(
    [(0xFFFFFFFFFFFFFFFF << (8 * (8 - k))) & 0xFFFFFFFFFFFFFFFF for k in range(9)], dtype=np.uint64
)
# A byte b of a word from last8 is a digit when b < 10; then b + 0x76 < 0x80, and no carry
# crosses into the next byte. Any other byte sets its high bit in b or in b + 0x76.
_ADD_76 = np.uint64(0x7676767676767676)
_HIGH_BITS = np.uint64(0x8080808080808080)

# Decimal grammar as a DFA over byte classes: 0 digit, 1 '.', 2 sign, 3 e/E, 4 other, 5 end.
# States: 0 start, 1 sign, 2 digits, 3 "digits.", 4 ".", 5 fraction, 6 e, 7 e-sign, 8 exponent, 9 dead.
_DECIMAL_CLASS = np.full(256, 4, dtype=np.uint8)
_DECIMAL_CLASS[list(b"0123456789")] = 0
_DECIMAL_CLASS[ord(".")] = 1
_DECIMAL_CLASS[list(b"+-")] = 2
_DECIMAL_CLASS[list(b"eE")] = 3
_DECIMAL_CLASS[0] = 5
_DFA = np.full((10, 6), 9, dtype=np.uint8)
for _state, _moves in {
    0: {0: 2, 1: 4, 2: 1}, 1: {0: 2, 1: 4}, 2: {0: 2, 1: 3, 3: 6}, 3: {0: 5, 3: 6}, 4: {0: 5},
    5: {0: 5, 3: 6}, 6: {0: 8, 2: 7}, 7: {0: 8}, 8: {0: 8},
}.items():
    for _cls, _to in _moves.items():
        _DFA[_state, _cls] = _to
_DFA[:, 5] = np.arange(10)  # padding after the token keeps the state
_DFA_FLAT = _DFA.reshape(-1)
_ACCEPT = np.zeros(10, dtype=bool)
_ACCEPT[[2, 3, 5, 8]] = True


def padded(buf: np.ndarray, start: int, end: int) -> np.ndarray:
    """A copy of ``buf[start:end]`` with :data:`PAD` spaces on both sides (gathers never leave it)."""
    x = np.empty(end - start + 2 * PAD, dtype=np.uint8)
    x[:PAD] = 32
    x[-PAD:] = 32
    x[PAD:-PAD] = buf[start:end]
    return x


def words_of(x: np.ndarray) -> np.ndarray:
    """Every 8-byte window of ``x`` as a little-endian ``uint64`` (a view: ``words_of(x)[i]`` = ``x[i:i+8]``)."""
    return np.ndarray((len(x) - 7,), dtype="<u8", buffer=x, strides=(1,))


def last8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """The last min(len, 8) bytes of tokens ending at ``ends``, as little-endian words of digit values.

    Each byte is ``byte ^ 0x30`` (0..9 for a digit); bytes before the token are zeroed.
    """
    w = words_of(x)[ends - 8]
    w ^= _Z64
    w &= _KEEP64[np.minimum(lens, 8)]
    return w


def combine8(w: np.ndarray) -> np.ndarray:
    """Integer values of words from :func:`last8` (digits only), by three multiply-shift steps."""
    w = w * np.uint64(10) + (w >> np.uint64(8))
    w = ((w & _M64) * _MUL64A + ((w >> np.uint64(16)) & _M64) * _MUL64B) >> np.uint64(32)
    return w


def digits8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Values of the last min(len, 8) digits of tokens ending at ``ends`` in ``x`` (digits only)."""
    return combine8(last8(x, ends, lens))


def all_digits(words: np.ndarray) -> bool:
    """Are all bytes of these :func:`last8` words digits (or masked out)?"""
    return not bool((((words + _ADD_76) | words) & _HIGH_BITS).any())


def all_digits_each(words: np.ndarray) -> np.ndarray:
    """Per :func:`last8` word: are all its bytes digits (or masked out)?"""
    return (((words + _ADD_76) | words) & _HIGH_BITS) == 0


def digit_values(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray | None:
    """int64 values of digit runs of 1..8 bytes ending at ``ends``, or None if a byte is not a digit."""
    w = last8(x, ends, lens)
    if not all_digits(w):
        return None
    return combine8(w).astype(np.int64)


def digits_short(x: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Values (uint16) of digit tokens of 1..4 bytes ending at ``ends``, from four byte gathers.

    A byte before the token is whitespace (tokens are maximal runs), so the running "is a
    digit" mask stops at the token's first byte and earlier tokens never leak in.
    """
    zero = np.uint8(48)
    e8 = ends - PAD  # x[PAD - k:][e8] == x[ends - k], without one subtraction per digit
    val = np.take(x[PAD - 1 :], e8)
    val -= zero
    val = val.astype(np.uint16)
    mask = None
    for k, scale in ((2, 10), (3, 100), (4, 1000)):
        d = np.take(x[PAD - k :], e8)
        d -= zero  # non-digits wrap around to >= 208
        m = d < 10
        if mask is None:
            mask = m
        else:
            mask &= m
        d *= mask
        val += np.multiply(d, np.uint16(scale), dtype=np.uint16)
    return val


def coordinate_dtype(values: np.ndarray) -> type[np.number]:
    """How box coordinates are stored: int32 when every value is a whole number that fits (the
    usual files, half the memory of doubles), else float64."""
    if not len(values):
        return np.int32
    whole = bool((values == np.floor(values)).all())
    return np.int32 if whole and float(np.abs(values).max()) <= np.iinfo(np.int32).max else np.float64


def read_decimals(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, ok)`` of the tokens ``x[starts[i]:ends[i]]``: float64 values as C's ``strtod`` (and
    Python's ``float()``) read them, and whether each token is a finite decimal number matching
    :data:`DECIMAL_RE` (``values`` is 0 where it is not).

    Cost is proportional to the tokens' bytes, whatever their lengths. Tokens ``[+-]digits[.digits]``
    with at most 15 digits (a detector's ``119.976089``, ``7``, ``-.5``) are read with the SWAR
    kernels, ``M / 10**k`` in one correctly rounded division (Clinger's fast path: both operands
    are exact doubles); any other token is checked against the grammar by a DFA over its bytes and
    converted by numpy's exact string-to-double, grouped by length.
    """
    n = len(starts)
    values = np.zeros(n, dtype=np.float64)
    ok = np.zeros(n, dtype=bool)
    if not n:
        return values, ok
    first = x[starts]
    negative = first == 45
    body = starts + (negative | (first == 43))
    dots = np.flatnonzero(x == 46)
    if len(dots):
        at = np.searchsorted(dots, body)
        dot = dots[np.minimum(at, len(dots) - 1)]
        has_dot = (at < len(dots)) & (dot < ends)
        second = dots[np.minimum(at + 1, len(dots) - 1)]
        two_dots = has_dot & (at + 1 < len(dots)) & (second < ends)
        int_end = np.where(has_dot, dot, ends)
    else:
        has_dot = two_dots = np.zeros(n, dtype=bool)
        dot = int_end = ends
    int_len = int_end - body
    frac_len = np.where(has_dot, ends - dot - 1, 0)
    simple = ~two_dots & (int_len >= 0) & (int_len <= 8) & (frac_len <= 8)
    simple &= (int_len + frac_len >= 1) & (int_len + frac_len <= 15)
    int_words = last8(x, int_end, np.clip(int_len, 0, 8))
    frac_words = last8(x, ends, np.clip(frac_len, 0, 8))
    simple &= all_digits_each(int_words) & all_digits_each(frac_words)
    scale = np.minimum(frac_len, 15)
    mantissa = combine8(int_words).astype(np.int64) * _POW10_INT[scale] + combine8(frac_words).astype(np.int64)
    read = mantissa.astype(np.float64) / _POW10[scale]
    np.negative(read, out=read, where=negative)
    values[simple] = read[simple]
    ok[simple] = True
    rest = np.flatnonzero(~simple)
    if len(rest):
        values[rest], ok[rest] = _read_any_decimals(x, starts[rest], ends[rest])
    return values, ok


_POW10 = 10.0 ** np.arange(16)
_POW10_INT = 10 ** np.arange(16, dtype=np.int64)


def _read_any_decimals(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_decimals` for tokens of any form, grouped by length (widths 16, 32, 64, ...)."""
    lens = ends - starts
    values = np.zeros(len(starts), dtype=np.float64)
    ok = np.zeros(len(starts), dtype=bool)
    width = 16
    while True:
        group = np.flatnonzero((lens <= width) & (lens > width // 2 if width > 16 else lens >= 0))
        if len(group):
            values[group], ok[group] = _decimals_of_width(x, starts[group], lens[group], width)
        if width >= int(lens.max()):
            return values, ok
        width *= 2


def _decimals_of_width(x: np.ndarray, starts: np.ndarray, lens: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """DFA check and exact conversion of tokens of at most ``width`` bytes."""
    width = max(1, int(lens.max()))
    cols = np.arange(width)
    text = x[np.minimum(starts[:, None] + cols, len(x) - 1)]
    text[cols >= lens[:, None]] = 0
    state = np.zeros(len(starts), dtype=np.intp)
    for c in range(width):
        state = _DFA_FLAT[state * 6 + _DECIMAL_CLASS[text[:, c]]].astype(np.intp)
    ok = _ACCEPT[state] & (lens > 0)
    values = np.zeros(len(starts), dtype=np.float64)
    if bool(ok.any()):
        with np.errstate(over="ignore"):  # 1e999 becomes inf: not finite, refused
            read = np.ascontiguousarray(text[ok]).view(f"S{width}").reshape(-1).astype(np.float64)
        finite = np.isfinite(read)
        values[np.flatnonzero(ok)[finite]] = read[finite]
        ok[np.flatnonzero(ok)[~finite]] = False
    return values, ok
