"""Vectorized parser for well-formed prediction and label files (no Python loop per line).

:func:`fast_parse` accepts exactly the files the precise parser in :mod:`.guesses`
accepts, and returns the same arrays, but it gives up (returns ``None``) at the first sign
of anything unusual: then the precise, line-by-line parser runs and explains the problem.
So this module never has to produce an error message, only to be right when it says yes.

How it works, on chunks of about 256 KiB of whole lines (the digit kernels are :mod:`.numbers`'):

* alphabet check with byte comparisons (digits, space, tab, CR, LF and ``n`` for WNIDs);
* token boundaries from the "is a token byte" mask (``byte > 32``), via ``flatnonzero``;
* tokens per line by ``searchsorted`` of the line ends in the token starts;
* digits to integers: tokens of at most 4 bytes from four byte gathers
  (:func:`.numbers.digits_short`), longer ones with SWAR arithmetic (:func:`.numbers.digits8`).
"""

from __future__ import annotations

import numpy as np

from ..classes.class_set import ClassSet
from .limits import MAX_DIGITS, MAX_LINE_BYTES
from .numbers import PAD, digits8, digits_short, padded

__all__ = ["fast_parse"]

_CHUNK_BYTES = 1 << 18  # small enough to stay in cache and below malloc's mmap threshold


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
    tokens = _token_values(padded(buf, s, int(line_ends[-1])))
    if tokens is None:
        return False
    ends, vals, is_wnid = tokens
    n_lines = len(line_starts)
    group = 5 if coords_out is not None else 1
    per_line = group * max_guesses
    positions = _grid_positions(ends, line_ends - (s - PAD), n_lines, group, per_line)
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
        return ends, digits_short(x, ends), None
    lens = ends - (np.flatnonzero(tok[1:] > tok[:-1]) + 1)
    del tok
    if not n_wnid:
        if int(lens.max()) > MAX_DIGITS:
            return None
        return ends, digits8(x, ends, lens).astype(np.int32), None
    is_wnid = x[ends - lens] == 110
    # every 'n' starts a token of exactly 9 bytes: n + 8 digits
    if int(np.count_nonzero(is_wnid)) != n_wnid:
        return None
    if bool((lens[is_wnid] != 9).any()) or bool((lens[~is_wnid] > MAX_DIGITS).any()):
        return None
    return ends, digits8(x, ends, lens).astype(np.int32), is_wnid


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
