"""Numbers in text, read without a Python loop per token: the kernels the vectorized readers share.

Digit runs become integers with SWAR arithmetic: the 8 bytes that end a token are gathered as
one little-endian ``uint64``, the bytes before the token are masked out, and the digits are
combined with three multiply-shift steps (Lemire's "parse eight digits" trick), all as
whole-array numpy operations. Short runs (at most 4 bytes) take four byte gathers instead.
Decimal numbers (a detector's confidence and coordinates) are read exactly as C's ``strtod`` reads
them (:func:`read_decimals`).

Every kernel reads a *padded* copy of the text (:func:`padded`): :data:`PAD` spaces on both
sides, so that gathers around a token never leave the array.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = [
    "DECIMAL_RE",
    "PAD",
    "all_digits",
    "all_digits_each",
    "combine8",
    "coordinate_dtype",
    "digits8",
    "digits_short",
    "fixed_point_mantissas",
    "last8",
    "padded",
    "read_decimals",
    "short_integers",
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
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)], dtype=np.uint64)  # the k bytes below a byte
_DOT_DIGITS = np.uint64(0x1E1E1E1E1E1E1E1E)  # a dot in a word of last8 (bytes ^ 0x30)
_E_LOW = np.uint64(0x5555555555555555)  # 'e' ^ 0x30
_E_HIGH = np.uint64(0x7575757575757575)  # 'E' ^ 0x30
_PLUS = np.uint64(0x1B1B1B1B1B1B1B1B)  # '+' ^ 0x30
_MINUS = np.uint64(0x1D1D1D1D1D1D1D1D)  # '-' ^ 0x30
_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)

_POW10 = 10.0 ** np.arange(23)  # exact doubles
_POW10_U64 = np.array([10**k for k in range(20)], dtype=np.uint64)
_EXACT = np.uint64(1 << 53)  # integers up to this are exact doubles
# The x87 long double (64-bit mantissa) holds 10**k exactly for k <= 27; where the long double is
# no wider than a double, numbers the medium path would need it for go to the exact reader.
_WIDE_OK = np.finfo(np.longdouble).nmant >= 63
_POW10_WIDE = np.array([10**k for k in range(28)], dtype=np.longdouble)


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
    """Integer values of words from :func:`last8` (digits only), by three multiply-shift steps
    (in place on one new array and one temporary: these arrays are large, and each new one costs
    more than the operation)."""
    out = w * np.uint64(10)
    out += w >> np.uint64(8)
    high = out >> np.uint64(16)
    high &= _M64
    high *= _MUL64B
    out &= _M64
    out *= _MUL64A
    out += high
    out >>= np.uint64(32)
    return out


def digits8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Values of the last min(len, 8) digits of tokens ending at ``ends`` in ``x`` (digits only)."""
    return combine8(last8(x, ends, lens))


def all_digits(words: np.ndarray) -> bool:
    """Are all bytes of these :func:`last8` words digits (or masked out)?"""
    probe = words + _ADD_76
    probe |= words
    probe &= _HIGH_BITS
    return not bool(probe.any())


def all_digits_each(words: np.ndarray) -> np.ndarray:
    """Per :func:`last8` word: are all its bytes digits (or masked out)?"""
    probe = words + _ADD_76
    probe |= words
    probe &= _HIGH_BITS
    return probe == 0


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


def read_decimals(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, need_values: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """``(values, ok)`` of the tokens ``x[starts[i]:ends[i]]``: float64 values as C's ``strtod`` (and
    Python's ``float()``) read them, and whether each token is a finite decimal number matching
    :data:`DECIMAL_RE` (``values`` is 0 where it is not).

    Cost is proportional to the tokens' bytes, whatever their lengths. A token
    ``[+-]digits[.digits]`` of at most 16 bytes after its sign (``0.123456``, ``119.976089``, ``7``,
    ``-.5``) is read from two 8-byte words, one with an exponent (``1.5e-05``) from up to three
    words and its last: the dot and the e found by SWAR zero-byte tests, the dot taken out by a
    byte shift, the digits combined by :func:`combine8`. The value is ``M * 10**-k``: one correctly
    rounded operation on exact doubles where ``M <= 2**53`` and ``|k| <= 22`` (Clinger's fast path),
    else through the 64-bit-mantissa long double (exact for ``|k| <= 27``; its rounding to a
    double is strtod's unless it lies exactly on a midpoint between two doubles, which goes to
    the exact reader). A number beyond the doubles (``1e999``) is refused and one below them
    (``1e-999``) is 0, from their magnitude alone. Longer numbers and tokens that are no number are
    checked word by word (:func:`_read_any_decimals`). A column of integers of at most 8 digits
    is read from one word each, and a column written with one format (``%f``: every dot as far
    from the end) from one word either side of the dot. Without ``need_values`` (a file checked,
    not scored), a long number's value is not computed, only whether it is one (``values`` then
    hold 0 for it).
    """
    n = len(starts)
    values = np.zeros(n, dtype=np.float64)
    ok = np.zeros(n, dtype=bool)
    if not n:
        return values, ok
    first = x[starts]
    negative = first == 45
    length = ends - starts - (negative | (first == 43))
    head = x[int(starts[0]) : int(ends[0])].tobytes()
    if b"." in head:  # a column of fractions, usually alike (%f)
        fixed = _fixed_point(x, starts, ends, length, negative)
        if fixed is not None:
            return fixed
    if b"." in head or b"e" in head or b"E" in head:  # no column of integers: the fraction readers
        return _read_fractions(x, starts, ends, length, negative, need_values, fixed_tried=b"." in head)
    words = last8(x, ends, np.clip(length, 0, 8))
    integer = (length >= 1) & (length <= 8) & all_digits_each(words)  # a box in whole pixels
    values = combine8(words).astype(np.float64)
    np.negative(values, out=values, where=negative)
    if bool(integer.all()):
        return values, integer
    if not bool(integer.any()):
        return _read_fractions(x, starts, ends, length, negative, need_values)
    ok = integer.copy()
    values[~integer] = 0
    rest = np.flatnonzero(~integer)
    values[rest], ok[rest] = _read_fractions(x, starts[rest], ends[rest], length[rest], negative[rest], need_values)
    return values, ok


def _read_fractions(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, length: np.ndarray, negative: np.ndarray, need_values: bool,
    fixed_tried: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_decimals` for tokens that are mostly not integers of at most 8 digits (tokens of
    up to 8 bytes by one word, up to 16 bytes without an exponent by two, the others by
    :func:`_read_long_decimals`)."""
    if not fixed_tried:
        fixed = _fixed_point(x, starts, ends, length, negative)
        if fixed is not None:
            return fixed
    n = len(ends)
    short = length <= 8
    if bool(short.all()):
        values, ok, settled = _one_word(x, ends, length, negative)
        if bool(settled.all()):
            return values, ok
        todo = ~settled
    else:  # longer numbers (repr()'s 17 digits) skip the one-word reader
        values, ok = np.zeros(n, dtype=np.float64), np.zeros(n, dtype=bool)
        todo = ~short
        if bool(short.any()):
            at = np.flatnonzero(short)
            values[at], ok[at], settled = _one_word(x, ends[at], length[at], negative[at])
            todo[at[~settled]] = True
    medium = np.flatnonzero(todo & (length <= 16))
    if len(medium):  # an exponent (in the last 5 bytes, ``e-05``) goes to the long reader directly
        tail = last8(x, ends[medium], np.minimum(length[medium], 8))
        medium = medium[(_bytes_equal(tail, _E_LOW) | _bytes_equal(tail, _E_HIGH)) == 0]
    if len(medium):
        whole, scale, form = _mantissa(x, ends[medium], length[medium], words=2)
        read, done = _scaled(whole, scale, form)
        np.negative(read, out=read, where=negative[medium])
        values[medium[done]] = read[done]
        ok[medium[done]] = True
        todo[medium[done]] = False
    rest = np.flatnonzero(todo)
    if len(rest):
        values[rest], ok[rest] = _read_long_decimals(x, starts[rest], ends[rest], need_values)
    return values, ok


def _one_word(
    x: np.ndarray, ends: np.ndarray, length: np.ndarray, negative: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(values, ok, settled)`` of tokens whose body (after a sign) is at most 8 bytes, from one word:
    the whole grammar ``digits[.digits][e[+-]digits]`` with SWAR byte tests (a byte that is none of
    these refuses the token), the dot shifted out of the mantissa, the exponent's digits read
    apart. ``settled``: the verdict and value are final (the other tokens are longer, or need an
    exact reader for their value)."""
    short = (length >= 1) & (length <= 8)
    keep = _KEEP64[np.clip(length, 0, 8)]
    word = words_of(x)[ends - 8]
    word ^= _Z64
    word &= keep
    inside = keep & _HIGH_BITS
    digit = ~(((word + _ADD_76) | word) & _HIGH_BITS) & inside
    dot = _bytes_equal(word, _DOT_DIGITS) & inside
    e = (_bytes_equal(word, _E_LOW) | _bytes_equal(word, _E_HIGH)) & inside
    sign = (_bytes_equal(word, _PLUS) | _bytes_equal(word, _MINUS)) & inside
    one = np.uint64(1)
    ok = short & ((inside & ~(digit | dot | e | sign)) == 0)
    ok &= (np.bitwise_count(dot) <= 1) & (np.bitwise_count(e) <= 1) & (np.bitwise_count(sign) <= 1)
    ok &= (sign == 0) | (sign == (e << np.uint64(8)))  # a sign only right after the e
    ok &= (dot == 0) | (e == 0) | (dot < e)  # the dot before the e
    has_e = e != 0
    below = np.where(has_e, (e >> np.uint64(7)) - one, ~np.uint64(0))  # the bytes before the e (all without)
    above = np.where(has_e, ~((e << one) - one), np.uint64(0))  # the bytes after the e
    ok &= (digit & below) != 0  # a digit in the mantissa
    ok &= ~has_e | ((digit & above) != 0)  # and in the exponent
    exponent = combine8(word & above & ~((sign >> np.uint64(7)) * np.uint64(0xFF))).astype(np.int64)
    exponent = np.where(sign != 0, np.where(_bytes_equal(word, _MINUS) & inside != 0, -exponent, exponent), exponent)
    e_byte = np.where(has_e, _flag_byte(e), 8)
    mantissa = (word & below) << (np.uint64(8) * (8 - e_byte).astype(np.uint64))  # its last byte on top
    dot = (dot & below) << (np.uint64(8) * (8 - e_byte).astype(np.uint64))
    has_dot = dot != 0
    dot_byte = np.where(has_dot, _flag_byte(dot), 0)
    lower = _LOW_BYTES[dot_byte]
    mantissa = np.where(has_dot, ((mantissa & lower) << np.uint64(8)) | (mantissa & ~lower & ~((dot >> np.uint64(7)) * np.uint64(0xFF))), mantissa)
    whole = combine8(mantissa)
    scale = np.where(has_dot, 7 - dot_byte, 0) - exponent
    read, done = _scaled(whole, scale, ok)
    open_ = np.flatnonzero(ok & ~done)
    if len(open_):  # beyond the doubles, or below them (strtod's 0), from the magnitude alone
        magnitude = np.floor(np.log10(np.maximum(whole[open_], 1).astype(np.float64))) - scale[open_]
        ok[open_[magnitude >= 309]] = False
        done[open_[(magnitude >= 309) | (magnitude <= -325)]] = True
    np.negative(read, out=read, where=negative)
    settled = (short & ~ok) | done
    read[~(ok & done)] = 0
    return read, ok & done, settled


def _fixed_point(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, length: np.ndarray, negative: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The values of a column written with one format (``%f``: every dot as far from the end), or
    None: a dot ``k`` bytes before each token's end (``k`` from the first token), the digits on
    either side read as one word each, the value ``M / 10**k`` (Clinger: exact operands)."""
    text = x[int(starts[0]) : int(ends[0])].tobytes()
    dot = text.rfind(b".")
    k = len(text) - 1 - dot
    if dot < 0 or not 1 <= k <= 8:
        return None
    int_len = length - k - 1
    if not bool((x[ends - k - 1] == 46).all()) or int(int_len.max()) > 7 or int(int_len.min()) < 0:
        return None
    words = words_of(x)
    int_words = words[ends - k - 9]
    int_words ^= _Z64
    int_words &= _KEEP64[int_len]
    frac_words = words[ends - 8]
    frac_words ^= _Z64
    frac_words &= _KEEP64[k]
    if not (all_digits(int_words) and all_digits(frac_words)):
        return None
    read = combine8(int_words).astype(np.float64)  # below 10**7 * 10**8: sums of exact doubles stay exact
    read *= _POW10[k]
    read += combine8(frac_words).astype(np.float64)
    read /= _POW10[k]
    np.negative(read, out=read, where=negative)
    return read, np.ones(len(ends), dtype=bool)


def fixed_point_mantissas(x: np.ndarray, ends: np.ndarray, k: int) -> np.ndarray | None:
    """``M`` (uint64, below ``10**15``) of each token ending at ``ends`` when every one is
    ``digits.digits``: 1 to 7 digits, the dot, then ``k`` (1..8) digits, whose value is
    ``M / 10**k``; None when one is not. ``x`` is padded, each token a maximal run of bytes > 32,
    ``ends`` ascending.

    The 16 bytes that end a token come in one gather (as costly as one of 8: numpy's gathers of
    unaligned words cost per item, not per byte): the ``k`` digits after the dot are the last
    word's top bytes; the word that ends at the dot is cut from both words by constant shifts,
    and read by :func:`_digits_before`.
    """
    if int(ends[0]) < k + 9:  # ends ascend: no room for digits before the dot (a padded x has 8 bytes)
        return None
    if k < 8 and int(ends[0]) >= 16:
        pair = np.ndarray((len(x) - 15,), dtype="V16", buffer=x, strides=(1,))[ends - 16].view("<u8")
        low, frac = pair[0::2], pair[1::2]
        if k < 7:
            whole = frac << np.uint64(8 * (k + 1))
            whole |= low >> np.uint64(8 * (7 - k))
        else:
            whole = low.copy()
        frac = frac ^ _Z64
    else:
        frac = words_of(x)[ends - 8]
        frac ^= _Z64
        whole = words_of(x)[ends - (k + 9)]
    frac &= _KEEP64[k]
    if not (bool((x[ends - (k + 1)] == 46).all()) and all_digits(frac)):
        return None
    mantissa = _digits_before(x, ends - (k + 1), whole)
    if mantissa is None:
        return None
    mantissa *= _POW10_U64[k]
    mantissa += combine8(frac)
    return mantissa


def short_integers(x: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """The values (uint64) of the runs of 1 to 7 digits that end at ``ends`` and start after a
    byte <= 32 (whitespace, in a padded ``x``), or None when one is not such a run."""
    return _digits_before(x, ends, words_of(x)[ends - 8])


def _digits_before(x: np.ndarray, ends: np.ndarray, whole: np.ndarray) -> np.ndarray | None:
    """:func:`short_integers` of ``whole``, the words of the bytes ``x[ends - 8:ends]`` (changed in place).

    The bytes that are no digit are found by a SWAR test on their low 7 bits (so that no carry
    crosses bytes) and smeared down the word; the digits above the highest of them are the run,
    and that byte must be <= 32.
    """
    whole ^= _Z64
    other = whole & _LOW7
    other += _ADD_76
    other |= whole
    other &= _HIGH_BITS  # 0x80 in each byte that is no digit
    if bool((other == 0).any()) or bool((other >> np.uint64(63)).any()):  # 8 digits or more, or none
        return None
    other |= other >> np.uint64(8)
    other |= other >> np.uint64(16)
    other |= other >> np.uint64(32)
    before = ends - 9 + np.bitwise_count(other).astype(np.int64)  # the byte before the run
    if bool((x[before] > 32).any()):
        return None
    other >>= np.uint64(7)
    other *= np.uint64(0xFF)
    whole &= ~other
    return combine8(whole)


def _mantissa(x: np.ndarray, end: np.ndarray, length: np.ndarray, *, words: int) -> tuple[np.ndarray, ...]:
    """``(M, k, ok)`` of the digits ``x[end - length:end]`` with at most one dot: the integer of
    its digits, the number of digits after the dot, and whether it is that (at most ``8 * words``
    bytes, at least one digit, at most 19 digits). The dot is taken out of its word by shifting
    the bytes before it up by one (the word then holds one digit less)."""
    n = len(end)
    ok = (length >= 1) & (length <= 8 * words)
    dot_word = np.full(n, -1, dtype=np.int64)
    after_dot = np.zeros(n, dtype=np.int64)
    values = []
    for k in range(words):
        word = last8(x, np.maximum(end - 8 * k, 8), np.clip(length - 8 * k, 0, 8))
        flags = _bytes_equal(word, _DOT_DIGITS)
        found = flags != 0
        ok &= ~found | ((dot_word < 0) & ((flags & (flags - np.uint64(1))) == 0))
        if bool(found.any()):
            byte = _flag_byte(flags)
            below = _LOW_BYTES[np.where(found, byte, 0)]
            shifted = ((word & below) << np.uint64(8)) | (word & ~below & ~((flags >> np.uint64(7)) * np.uint64(0xFF)))
            word = np.where(found, shifted, word)
            dot_word = np.where(found, k, dot_word)
            after_dot = np.where(found, 8 * k + 7 - byte, after_dot)
        ok &= all_digits_each(word)
        values.append(combine8(word))
    has_dot = dot_word >= 0
    ok &= (length >= 1 + has_dot) & (length - has_dot <= 19)
    whole = values[0]
    place = np.where(dot_word == 0, _POW10_U64[7], _POW10_U64[8])  # a word holding the dot has 7 digits
    for k in range(1, words):
        whole = whole + values[k] * place
        place = place * np.where(dot_word == k, _POW10_U64[7], _POW10_U64[8])
    return whole, after_dot, ok


def _read_long_decimals(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, need_values: bool
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_decimals` for the tokens its two-word path does not read: a mantissa of up to three
    words, then an exponent (an e in the token's last 5 bytes, an optional sign, 1 to 3 digits);
    beyond that, or for a token that is no decimal number, :func:`_read_any_decimals`."""
    n = len(starts)
    values = np.zeros(n, dtype=np.float64)
    ok = np.zeros(n, dtype=bool)
    first = x[starts]
    negative = first == 45
    body = starts + (negative | (first == 43))
    tail = last8(x, ends, np.clip(ends - body, 0, 8))  # bytes ^ 0x30
    e_flags = _bytes_equal(tail, _E_LOW) | _bytes_equal(tail, _E_HIGH)
    has_e = e_flags != 0
    if not bool(has_e.any()):  # no exponent (repr()'s 17 digits, long %f): the mantissa alone
        whole, scale, form = _mantissa(x, ends, ends - body, words=3)
    else:
        e_at = ends - (8 - _flag_byte(e_flags))
        e_sign = x[np.where(has_e, e_at + 1, starts)]
        e_negative = has_e & (e_sign == 45)
        e_body = np.where(has_e, e_at + 1 + (e_negative | (e_sign == 43)), ends)
        e_len = ends - e_body
        exp_words = last8(x, ends, np.where(has_e, np.clip(e_len, 0, 8), 0))
        exponent = combine8(exp_words).astype(np.int64)
        mantissa_end = np.where(has_e, e_at, ends)
        whole, after_dot, form = _mantissa(x, mantissa_end, mantissa_end - body, words=3)
        form &= ((e_flags & (e_flags - np.uint64(1))) == 0) & (~has_e | ((e_len >= 1) & (e_len <= 3)))
        form &= all_digits_each(exp_words)
        scale = after_dot - np.where(e_negative, -exponent, exponent)  # the value is whole * 10**-scale
    read, done = _scaled(whole, scale, form)
    open_ = np.flatnonzero(form & ~done)
    beyond = np.zeros(n, dtype=bool)
    if len(open_):
        magnitude = np.floor(np.log10(whole[open_].astype(np.float64))) - scale[open_]  # of the leading digit
        beyond[open_] = magnitude >= 309
        done[open_[magnitude <= -325]] = True  # strtod reads them as 0
    np.negative(read, out=read, where=negative)
    values[done] = read[done]
    ok[done] = True
    rest = np.flatnonzero(~done & ~beyond)
    if len(rest):
        values[rest], ok[rest] = _read_any_decimals(x, starts[rest], ends[rest], need_values)
    return values, ok


def _bytes_equal(words: np.ndarray, pattern: np.uint64) -> np.ndarray:
    """0x80 in each byte of ``words`` that equals the byte of ``pattern`` (a byte repeated 8 times)."""
    probe = words ^ pattern
    return ~((((probe & _LOW7) + _LOW7) | probe) | _LOW7)


def _flag_byte(flags: np.ndarray) -> np.ndarray:
    """The byte (0 = the word's first) of the one flag in each of ``flags`` (from :func:`_bytes_equal`)."""
    _, exponent = np.frexp(flags.astype(np.float64))  # a flag in byte k: 2**(8k + 7)
    return (exponent // 8 - 1).astype(np.int64)


def _scaled(whole: np.ndarray, scale: np.ndarray, form: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``whole * 10**-scale`` as strtod rounds it, where that is certain here, and where it is."""
    exact = form & (whole <= _EXACT) & (scale >= 0) & (scale <= 22)
    if bool(exact.all()):  # the usual column: every number on the fast path
        return whole.astype(np.float64) / _POW10[scale], exact
    read = np.zeros(len(whole), dtype=np.float64)
    read[exact] = whole[exact].astype(np.float64) / _POW10[scale[exact]]
    done = exact
    times = form & ~exact & (whole <= _EXACT) & (scale < 0) & (scale >= -22)
    if bool(times.any()):
        times &= whole <= _EXACT // _POW10_U64[np.clip(-scale, 0, 19)]
        read[times] = whole[times].astype(np.float64) * _POW10[-scale[times]]
        done = done | times
    done = done | (form & (whole == 0))
    wide = form & ~done & (np.abs(scale) <= 27) & _WIDE_OK
    if bool(wide.any()):
        got, clean = _wide_quotients(whole[wide], scale[wide])
        at = np.flatnonzero(wide)
        read[at[clean]] = got[clean]
        done[at[clean]] = True
    return read, done


def _wide_quotients(whole: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``whole * 10**-scale`` rounded to doubles through the 64-bit-mantissa long double, and whether
    that rounding is certain (the long double is not exactly a midpoint between two doubles)."""
    wide = whole.astype(np.longdouble)
    power = _POW10_WIDE[np.abs(scale)]
    wide = np.where(scale >= 0, wide / power, wide * power)
    significand = np.ascontiguousarray(wide).view(np.uint64).reshape(-1, 2)[:, 0]
    clean = (significand & np.uint64(0x7FF)) != np.uint64(0x400)
    return wide.astype(np.float64), clean


def _read_any_decimals(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, need_values: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_decimals` for any token, in work proportional to its bytes.

    Every word of every token is classified with SWAR tests: a token with a byte that no decimal
    number holds is refused, one of digits with at most one dot (any length) is a number whose
    finiteness its count of integer digits decides; its value, when ``need_values``, comes from
    numpy's exact string-to-double (tokens grouped by length). The few left (an e or a sign inside
    a long token) are read one at a time by :data:`DECIMAL_RE` and ``float()``.
    """
    n = len(starts)
    values = np.zeros(n, dtype=np.float64)
    ok = np.zeros(n, dtype=bool)
    first = x[starts]
    body_len = ends - starts - ((first == 45) | (first == 43))
    counts = np.maximum((body_len + 7) // 8, 1)
    offsets = np.cumsum(counts) - counts
    token = np.repeat(np.arange(n), counts)
    k = np.arange(int(counts.sum())) - offsets[token]
    word = last8(x, ends[token] - 8 * k, np.clip(body_len[token] - 8 * k, 0, 8))
    dots = _bytes_equal(word, _DOT_DIGITS)
    exponent_or_sign = (_bytes_equal(word, _E_LOW) | _bytes_equal(word, _E_HIGH) | _bytes_equal(word, _PLUS)
                        | _bytes_equal(word, _MINUS))
    marks = (dots | exponent_or_sign) >> np.uint64(7)
    digits_only = all_digits_each(word & ~(marks * np.uint64(0xFF)))
    foreign = np.add.reduceat(~digits_only, offsets) > 0
    inner = np.add.reduceat(exponent_or_sign != 0, offsets) > 0
    dot_words = np.add.reduceat(dots != 0, offsets)
    crowded = np.add.reduceat((dots & (dots - np.uint64(1))) != 0, offsets) > 0
    one_dot = (dot_words <= 1) & ~crowded
    has_dot = dot_words == 1
    plain = ~foreign & ~inner & one_dot & (body_len >= 1 + has_dot)
    # integer digits: before the dot (or all); a number below 10**308 is finite
    dot_at = np.flatnonzero(dots != 0)
    after = np.zeros(n, dtype=np.int64)
    after[token[dot_at]] = 8 * k[dot_at] + 7 - _flag_byte(dots[dot_at])
    integer_digits = body_len - has_dot - after
    finite = plain & (integer_digits <= 308)
    ok[finite] = True
    if need_values and bool(finite.any()):
        values[finite] = _strings_to_doubles(x, starts[finite], ends[finite])
    odd = np.flatnonzero((plain & ~finite) | (~foreign & inner))  # rare: exact, one at a time
    if len(odd):
        text = x.tobytes()
        for i in odd.tolist():
            token_bytes = text[starts[i] : ends[i]]
            if DECIMAL_RE.fullmatch(token_bytes):
                value = float(token_bytes)
                if math.isfinite(value):
                    values[i], ok[i] = value, True
    return values, ok


def _strings_to_doubles(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """numpy's exact string-to-double of the tokens, grouped by length (widths 16, 32, 64, ...)."""
    lens = ends - starts
    values = np.zeros(len(starts), dtype=np.float64)
    width = 16
    while True:
        group = np.flatnonzero((lens <= width) & (lens > (width // 2 if width > 16 else 0)))
        if len(group):
            rows = np.lib.stride_tricks.sliding_window_view(np.concatenate((x, np.zeros(width, np.uint8))), width)
            text = rows[starts[group]] * (np.arange(width) < lens[group, None])  # NULs after each token
            values[group] = text.view(f"S{width}").reshape(-1).astype(np.float64)
        if width >= int(lens.max()):
            return values
        width *= 2
