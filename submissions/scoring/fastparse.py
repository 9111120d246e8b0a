"""Vectorized parser for well-formed prediction and label files (no Python loop per line).

:func:`fast_parse` accepts exactly the files the precise parser in :mod:`.parsing`
accepts, and returns the same arrays, but it gives up (returns ``None``) at the first sign
of anything unusual: then the precise, line-by-line parser runs and explains the problem.
So this module never has to produce an error message, only to be right when it says yes.

How it works, on chunks of about 256 KiB of whole lines:

* alphabet check with byte comparisons (digits, space, tab, CR, LF and ``n`` for WNIDs);
* token boundaries from the "is a token byte" mask (``byte > 32``), via ``flatnonzero``;
* tokens per line by ``searchsorted`` of the line ends in the token starts;
* digits to integers: tokens of at most 4 bytes from four byte gathers
  (:func:`_digits_short`); longer ones with SWAR arithmetic: the 8 bytes that end a token
  are gathered as one little-endian ``uint64``, the bytes before the token are masked
  out, and the digits are combined with three multiply-shift steps (Lemire's "parse
  eight digits" trick), all as whole-array numpy operations.
"""

from __future__ import annotations

import numpy as np

from .hierarchy import ClassSet

__all__ = ["fast_parse", "MAX_LINE_BYTES", "MAX_DIGITS"]

#: Lines longer than this are refused (a valid line is at most ~250 bytes).
MAX_LINE_BYTES = 2048
#: Integers have at most this many digits (WNIDs: ``n`` + 8 digits).
MAX_DIGITS = 8

_CHUNK_BYTES = 1 << 18  # small enough to stay in cache and below malloc's mmap threshold
_PAD = 8

_Z64 = np.uint64(0x3030303030303030)
_M64 = np.uint64(0x000000FF000000FF)
_MUL64A = np.uint64(100 + (1000000 << 32))
_MUL64B = np.uint64(1 + (10000 << 32))
_KEEP64 = np.array(
    [(0xFFFFFFFFFFFFFFFF << (8 * (8 - k))) & 0xFFFFFFFFFFFFFFFF for k in range(9)], dtype=np.uint64
)


def _last8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """The last min(len, 8) bytes of tokens ending at ``ends``, as little-endian words of digit values.

    Each byte is ``byte ^ 0x30`` (0..9 for a digit); bytes before the token are zeroed.
    """
    view = np.ndarray((len(x) - 7,), dtype="<u8", buffer=x, strides=(1,))
    w = view[ends - 8]
    w ^= _Z64
    w &= _KEEP64[np.minimum(lens, 8)]
    return w


def _digits8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Values of the last min(len, 8) digits of tokens ending at ``ends`` in ``x``."""
    return _combine8(_last8(x, ends, lens))


def _combine8(w: np.ndarray) -> np.ndarray:
    """Integer values of words from :func:`_last8` (digits only), by three multiply-shift steps."""
    w = w * np.uint64(10) + (w >> np.uint64(8))
    w = ((w & _M64) * _MUL64A + ((w >> np.uint64(16)) & _M64) * _MUL64B) >> np.uint64(32)
    return w


def fast_parse(
    body: bytes,
    *,
    boxes: bool,
    n_images: int | None,
    class_set: ClassSet,
    max_guesses: int,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Parse a file body (BOM and trailing whitespace already removed) or return None.

    Returns ``(labels, boxes)``: ``labels`` is ``(lines, max_guesses)`` with 0 for "no guess"
    (``class_set.label_dtype``: int16, int32 above 32767 classes); ``boxes`` is
    ``(lines, max_guesses, 4)`` int32 or None. Returns None whenever the file is not plainly
    valid; never raises for any input bytes.
    """
    buf = np.frombuffer(body, dtype=np.uint8)
    size = len(buf)
    if size == 0:
        return None
    nl = np.flatnonzero(buf == 10)
    n_lines = len(nl) + 1
    if n_images is not None and n_lines != n_images:
        return None
    line_starts = np.empty(n_lines, dtype=np.int64)
    line_starts[0] = 0
    line_starts[1:] = nl + 1
    line_ends = np.empty(n_lines, dtype=np.int64)
    line_ends[:-1] = nl
    line_ends[-1] = size
    del nl
    if int((line_ends - line_starts).max()) > MAX_LINE_BYTES:
        return None
    labels = np.zeros((n_lines, max_guesses), dtype=class_set.label_dtype)
    coords = np.zeros((n_lines, max_guesses, 4), dtype=np.int32) if boxes else None
    # Chunks of whole lines, about _CHUNK_BYTES each.
    cuts = np.searchsorted(line_starts, np.arange(_CHUNK_BYTES, size, _CHUNK_BYTES), side="right")
    bounds = np.unique(np.concatenate(([0], cuts, [n_lines])))
    for l0, l1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        ok = _parse_chunk(
            buf,
            line_starts[l0:l1],
            line_ends[l0:l1],
            labels[l0:l1],
            None if coords is None else coords[l0:l1],
            class_set,
            max_guesses,
        )
        if not ok:
            return None
    return labels, coords


def _digits_short(x: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Values (uint16) of digit tokens of 1..4 bytes ending at ``ends``, from four byte gathers.

    A byte before the token is whitespace (tokens are maximal runs), so the running "is a
    digit" mask stops at the token's first byte and earlier tokens never leak in.
    """
    zero = np.uint8(48)
    e8 = ends - _PAD  # x[_PAD - k:][e8] == x[ends - k], without one subtraction per digit
    val = np.take(x[_PAD - 1 :], e8)
    val -= zero
    val = val.astype(np.uint16)
    mask = None
    for k, scale in ((2, 10), (3, 100), (4, 1000)):
        d = np.take(x[_PAD - k :], e8)
        d -= zero  # non-digits wrap around to >= 208
        m = d < 10
        if mask is None:
            mask = m
        else:
            mask &= m
        d *= mask
        val += np.multiply(d, np.uint16(scale), dtype=np.uint16)
    return val


def _parse_chunk(
    buf: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    labels_out: np.ndarray,
    coords_out: np.ndarray | None,
    class_set: ClassSet,
    max_guesses: int,
) -> bool:
    """Parse the whole lines ``buf[line_starts[0]:line_ends[-1]]`` into the output rows.

    Returns False (outputs then undefined) as soon as something is not plainly valid.
    """
    s = int(line_starts[0])
    tokens = _token_values(_padded(buf, s, int(line_ends[-1])))
    if tokens is None:
        return False
    ends, vals, is_wnid = tokens
    n_lines = len(line_starts)
    group = 5 if coords_out is not None else 1
    per_line = group * max_guesses
    positions = _grid_positions(ends, line_ends - (s - _PAD), n_lines, group, per_line)
    del ends
    if positions is None:
        return False
    rows, cols = positions  # both None: every line has all its guesses
    field = cols % group if cols is not None and group > 1 else None
    if is_wnid is not None and not _wnids_to_ids(vals, is_wnid, field, n_lines, group, per_line, class_set):
        return False
    if group == 1:
        lab_vals = vals
    elif field is None:
        lab_vals = vals.reshape(-1, 5)[:, 0]
    else:
        lab_vals = vals[field == 0]
    if bool(((lab_vals < 1) | (lab_vals > class_set.n_classes)).any()):
        return False
    if coords_out is None:
        if rows is None:
            labels_out[:, :] = vals.reshape(n_lines, max_guesses)
        else:
            labels_out[rows, cols] = vals
        return True
    _scatter_groups(vals, rows, cols, field, labels_out, coords_out)
    c = coords_out  # every line of the chunk has at least one guess; unused guesses are 0 0 0 0
    return not (bool((c[:, :, 0] > c[:, :, 2]).any()) or bool((c[:, :, 1] > c[:, :, 3]).any()))


def _padded(buf: np.ndarray, start: int, end: int) -> np.ndarray:
    """A copy of ``buf[start:end]`` with :data:`_PAD` spaces on both sides (gathers never leave it)."""
    x = np.empty(end - start + 2 * _PAD, dtype=np.uint8)
    x[:_PAD] = 32
    x[-_PAD:] = 32
    x[_PAD:-_PAD] = buf[start:end]
    return x


def _count_wnid_bytes(x: np.ndarray) -> int | None:
    """The number of ``n`` bytes when every byte is a digit, space, LF, tab, CR or ``n``; else None."""
    size = len(x)
    n_known = np.count_nonzero(x == 10) + np.count_nonzero(x == 32) + np.count_nonzero((x - np.uint8(48)) < 10)
    if n_known == size:
        return 0
    n_wnid = int(np.count_nonzero(x == 110))
    n_known += np.count_nonzero(x == 9) + np.count_nonzero(x == 13) + n_wnid
    return n_wnid if n_known == size else None


def _has_run_of_five(tok: np.ndarray) -> bool:
    """Is some token at least 5 bytes long? (``tok``: the "is a token byte" mask.)"""
    run5 = tok[4:] & tok[3:-1]
    run5 &= tok[2:-2]
    run5 &= tok[1:-3]
    run5 &= tok[:-4]
    return bool(run5.any())


def _token_values(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """``(ends, values, is_wnid)`` of the tokens of a padded chunk, or None if one is not plain.

    ``ends`` are the positions just after each token, ``values`` their integers (the 8 digits
    for a WNID), ``is_wnid`` a mask of WNID tokens (None when the chunk has no ``n``).
    """
    n_wnid = _count_wnid_bytes(x)
    if n_wnid is None:
        return None
    tok = x > 32  # tokens: maximal runs of bytes > 32
    ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    if not n_wnid and not _has_run_of_five(tok):
        return ends, _digits_short(x, ends), None
    lens = ends - (np.flatnonzero(tok[1:] > tok[:-1]) + 1)
    del tok
    if not n_wnid:
        if int(lens.max()) > MAX_DIGITS:
            return None
        return ends, _digits8(x, ends, lens).astype(np.int32), None
    is_wnid = x[ends - lens] == 110
    # every 'n' starts a token of exactly 9 bytes: n + 8 digits
    if int(np.count_nonzero(is_wnid)) != n_wnid:
        return None
    if bool((lens[is_wnid] != 9).any()) or bool((lens[~is_wnid] > MAX_DIGITS).any()):
        return None
    return ends, _digits8(x, ends, lens).astype(np.int32), is_wnid


def _grid_positions(
    ends: np.ndarray, rel_ends: np.ndarray, n_lines: int, group: int, per_line: int
) -> tuple[np.ndarray | None, np.ndarray | None] | None:
    """Row and column of each token in the ``(n_lines, per_line)`` grid, or None to give up.

    ``rel_ends`` are the line ends in chunk coordinates. Returns ``(None, None)`` when every
    line holds exactly ``per_line`` tokens (the tokens then simply reshape into the grid).
    Gives up when a line has fewer than ``group`` or more than ``per_line`` tokens, or a
    count that is not a multiple of ``group``.
    """
    if len(ends) == n_lines * per_line:
        grid = ends.reshape(n_lines, per_line)
        nls = rel_ends[:-1]
        if bool((grid[:-1, -1] <= nls).all()) and bool((nls < grid[1:, 0]).all()):
            return None, None
    cum = np.searchsorted(ends, rel_ends, side="right")
    counts = np.diff(cum, prepend=0)
    if group > 1 and bool((counts % group != 0).any()):
        return None
    if int(counts.min()) < group or int(counts.max()) > per_line:
        return None
    rows = np.repeat(np.arange(n_lines), counts)
    cols = np.arange(len(ends)) - (cum - counts)[rows]
    return rows, cols


def _wnids_to_ids(
    vals: np.ndarray,
    is_wnid: np.ndarray,
    field: np.ndarray | None,
    n_lines: int,
    group: int,
    per_line: int,
    class_set: ClassSet,
) -> bool:
    """Replace WNID numbers in ``vals`` by class ids; False if one is unknown or not a label."""
    if group > 1:
        label_mask = field == 0 if field is not None else np.tile(np.arange(per_line) % group == 0, n_lines)
        if bool((is_wnid & ~label_mask).any()):
            return False  # a WNID where a coordinate belongs
    if bool(is_wnid.any()):
        ids = class_set.wnid_table.ids(vals[is_wnid])
        if not bool(ids.all()):
            return False
        vals[is_wnid] = ids
    return True


def _scatter_groups(
    vals: np.ndarray,
    rows: np.ndarray | None,
    cols: np.ndarray | None,
    field: np.ndarray | None,
    labels_out: np.ndarray,
    coords_out: np.ndarray,
) -> None:
    """Write ``label xmin ymin xmax ymax`` groups into the label and box outputs."""
    if rows is None:
        g = vals.reshape(len(labels_out), labels_out.shape[1], 5)
        labels_out[:, :] = g[:, :, 0]
        coords_out[:, :, :] = g[:, :, 1:]
        return
    assert cols is not None and field is not None
    guess = cols // 5
    for f in range(5):
        m = field == f
        if f == 0:
            labels_out[rows[m], guess[m]] = vals[m]
        else:
            coords_out[rows[m], guess[m], f - 1] = vals[m]
