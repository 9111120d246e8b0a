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


def _digits8(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Values of the last min(len, 8) digits of tokens ending at ``ends`` in ``x``."""
    view = np.ndarray((len(x) - 7,), dtype="<u8", buffer=x, strides=(1,))
    w = view[ends - 8]
    w ^= _Z64
    w &= _KEEP64[np.minimum(lens, 8)]
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

    Returns ``(labels, boxes)``: ``labels`` is ``(lines, max_guesses)`` int16 with 0 for
    "no guess"; ``boxes`` is ``(lines, max_guesses, 4)`` int32 or None. Returns None
    whenever the file is not plainly valid; never raises for any input bytes.
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
    labels = np.zeros((n_lines, max_guesses), dtype=np.int16)
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
    s = int(line_starts[0])
    e = int(line_ends[-1])
    x = np.empty(e - s + 2 * _PAD, dtype=np.uint8)
    x[:_PAD] = 32
    x[-_PAD:] = 32
    x[_PAD:-_PAD] = buf[s:e]
    size = len(x)
    # --- alphabet: digits, space, LF; else also tab, CR and 'n' (WNIDs)
    n_known = np.count_nonzero(x == 10) + np.count_nonzero(x == 32) + np.count_nonzero((x - np.uint8(48)) < 10)
    n_wnid = 0
    if n_known != size:
        n_wnid = int(np.count_nonzero(x == 110))
        n_known += np.count_nonzero(x == 9) + np.count_nonzero(x == 13) + n_wnid
        if n_known != size:
            return False
    # --- tokens: maximal runs of bytes > 32
    tok = x > 32
    ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    is_wnid = None
    if n_wnid:
        starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
        lens = ends - starts
        is_wnid = x[starts] == 110
        del starts
        # every 'n' starts a token of exactly 9 bytes: n + 8 digits
        if int(np.count_nonzero(is_wnid)) != n_wnid:
            return False
        if bool((lens[is_wnid] != 9).any()) or bool((lens[~is_wnid] > MAX_DIGITS).any()):
            return False
        vals = _digits8(x, ends, lens).astype(np.int32)
    else:
        run5 = tok[4:] & tok[3:-1]
        run5 &= tok[2:-2]
        run5 &= tok[1:-3]
        run5 &= tok[:-4]
        if not bool(run5.any()):
            vals = _digits_short(x, ends)
        else:
            starts = np.flatnonzero(tok[1:] > tok[:-1]) + 1
            lens = ends - starts
            del starts
            if int(lens.max()) > MAX_DIGITS:
                return False
            vals = _digits8(x, ends, lens).astype(np.int32)
        del run5
    del tok, x
    # --- tokens per line
    n_lines = len(line_starts)
    group = 5 if coords_out is not None else 1
    per_line = group * max_guesses
    rel_ends = line_ends - (s - _PAD)
    uniform = False
    if len(ends) == n_lines * per_line:
        grid = ends.reshape(n_lines, per_line)
        nls = rel_ends[:-1]
        uniform = bool((grid[:-1, -1] <= nls).all()) and bool((nls < grid[1:, 0]).all())
    if uniform:
        counts = None
        cum = None
    else:
        cum = np.searchsorted(ends, rel_ends, side="right")
        counts = np.diff(cum, prepend=0)
        if coords_out is not None and bool((counts % 5 != 0).any()):
            return False
        if int(counts.min()) < group or int(counts.max()) > per_line:
            return False
    del ends
    # --- positions of tokens in the (lines, per_line) grid
    if uniform:
        field = None
        grid_rows = None
        grid_cols = None
    else:
        assert cum is not None and counts is not None
        first = cum - counts
        grid_rows = np.repeat(np.arange(n_lines), counts)
        grid_cols = np.arange(len(vals)) - first[grid_rows]
        field = grid_cols % group if group > 1 else None
    # --- label tokens
    if group == 1:
        label_mask = None
    else:
        label_mask = (field == 0) if field is not None else None
    if is_wnid is not None:
        if label_mask is None and group > 1:
            label_mask = np.tile(np.arange(per_line) % 5 == 0, n_lines)
        if label_mask is not None and bool((is_wnid & ~label_mask).any()):
            return False  # a WNID where a coordinate belongs
        if bool(is_wnid.any()):
            wn_vals = vals[is_wnid].astype(np.int64)
            p, table, number_of = class_set.wnid_hash
            ids = table[wn_vals % p]
            if bool((number_of[ids] != wn_vals).any()):
                return False
            vals[is_wnid] = ids
    if group == 1:
        lab_vals = vals
    elif uniform:
        lab_vals = vals.reshape(-1, 5)[:, 0]
    else:
        lab_vals = vals[label_mask]
    if bool(((lab_vals < 1) | (lab_vals > class_set.n_classes)).any()):
        return False
    # --- scatter into the outputs
    if group == 1:
        if uniform:
            labels_out[:, :] = vals.reshape(n_lines, max_guesses)
        else:
            labels_out[grid_rows, grid_cols] = vals
        return True
    assert coords_out is not None
    if uniform:
        g = vals.reshape(n_lines, max_guesses, 5)
        lab = g[:, :, 0]
        box = g[:, :, 1:]
        if bool((box[:, :, 0] > box[:, :, 2]).any()) or bool((box[:, :, 1] > box[:, :, 3]).any()):
            return False
        labels_out[:, :] = lab
        coords_out[:, :, :] = box
        return True
    assert grid_rows is not None and grid_cols is not None and field is not None
    guess = grid_cols // 5
    for f in range(5):
        m = field == f
        if f == 0:
            labels_out[grid_rows[m], guess[m]] = vals[m]
        else:
            coords_out[grid_rows[m], guess[m], f - 1] = vals[m]
    c = coords_out  # every line of the chunk has at least one guess
    if bool((c[:, :, 0] > c[:, :, 2]).any()) or bool((c[:, :, 1] > c[:, :, 3]).any()):
        return False
    return True
