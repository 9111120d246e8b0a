"""Vectorized reader of prediction and label files (no Python loop per line): the verdict on every
line, and the values of the good ones.

:func:`lex_guesses` reads a window of whole lines and says which lines the precise parser in
:mod:`.guesses` (the spec) refuses, with the two file-level hints it gives (a 0 among the labels,
commas), and returns the arrays the precise parser returns for the good lines. It never writes a
message: the precise parser words the few refused lines a file reports. The two must agree on
every line (tests compare them on random files).

It reads chunks of about 256 KiB of whole lines. A chunk of plainly valid lines (digits, WNIDs,
integer coordinates, or coordinates all written ``%f``-style, with as many digits after every
dot) takes the plain path (:func:`_parse_chunk`), which gives up at the first sign
of anything unusual; a chunk it gives up on, and every chunk after one (a file with one bad chunk
usually has more), takes the verdict path (:func:`_lex_chunk`), which marks bad tokens and lines
instead of giving up and costs about as much. The kernels:

* alphabet check with byte comparisons (digits, space, tab, CR, LF and ``n`` for WNIDs);
* token boundaries from the "is a token byte" mask (``byte > 32``), via ``flatnonzero``;
* tokens per line by ``searchsorted`` of the line ends in the token starts;
* digits to integers: tokens of at most 4 bytes from four byte gathers
  (:func:`.numbers.digits_short`), longer ones with SWAR arithmetic (:func:`.numbers.digits8`);
  fixed-point coordinates on the plain path from one 16-byte gather each
  (:func:`.numbers.fixed_point_mantissas`); other decimal coordinates with
  :func:`.numbers.read_decimals`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..classes.class_set import ClassSet
from .limits import MAX_DIGITS, MAX_LINE_BYTES
from .numbers import (
    PAD,
    all_digits_each,
    combine8,
    coordinate_dtype,
    digits8,
    digits_short,
    fixed_point_mantissas,
    last8,
    padded,
    read_decimals,
    short_integers,
)

__all__ = ["JUDGED_BYTES", "GuessesLex", "LexState", "fast_parse", "lex_guesses"]

_CHUNK_BYTES = 1 << 18  # small enough for a chunk's arrays to stay in cache
_WNID_BYTES = 9
_ZERO = 48
_N = 110
_DOT = 46
_COMMA = 44
#: What the plain path returns for a chunk of a file without boxes.
_NO_COORDINATES = np.zeros(0, dtype=np.int32)


#: Bytes of a file read on the verdict path before a reader that has found enough bad lines may
#: stop judging lines (one chunk: a small file's bad lines are all counted).
JUDGED_BYTES = _CHUNK_BYTES


@dataclass
class LexState:
    """What the chunks of a file read so far showed: after a chunk with a bad line, every chunk
    takes the verdict path directly; ``verdict_bytes`` were read on it."""

    plain: bool = True
    verdict_bytes: int = 0


@dataclass
class GuessesLex:
    """The verdict on a window of ``lines`` lines: the 0-based ``bad`` lines (ascending), whether a
    bad line's first problem is a label 0 (``zero``: the 0-based-indices hint), whether a bad line
    holds a comma (``comma``), and for the good lines the arrays of :func:`.guesses.precise_parse`
    (``labels``; ``coords``, float64 when a coordinate is not an integer, else int32); where
    each line judged starts in the window (``line_starts``); and how many of its first lines were
    judged (``judged``: all of them unless the reader was told it had found ``enough``)."""

    lines: int
    bad: np.ndarray
    zero: bool
    comma: bool
    labels: np.ndarray
    coords: np.ndarray | None
    line_starts: np.ndarray
    judged: int = 0


def lex_guesses(
    body: bytes,
    *,
    boxes: bool,
    class_set: ClassSet,
    max_guesses: int,
    state: LexState | None = None,
    keep: bool = True,
    enough: int | None = None,
) -> GuessesLex:
    """The verdict on every line of ``body`` (whole lines, without the last LF; see
    :class:`GuessesLex`), and the values of the good lines when ``keep``. With ``enough``, the
    lines after a chunk are not judged once ``enough`` bad lines are found in the window and the
    file has had :data:`JUDGED_BYTES` read on the verdict path: a refused file's later lines cost
    more to judge than a good file does to read, and the caller says "at least". Never raises
    for any input bytes."""
    state = state or LexState()
    buf = np.frombuffer(body, dtype=np.uint8)
    size = len(buf)
    n_lines = body.count(b"\n") + 1
    labels = np.zeros((n_lines if keep else 0, max_guesses), dtype=class_set.label_dtype)
    coords = np.zeros((n_lines if keep else 0, max_guesses, 4), dtype=np.int32) if boxes else None
    starts_parts, bad_parts, zero, comma = [], [], False, False
    found = 0
    judged = n_lines
    l0 = pos = 0
    while pos <= size:  # chunk by chunk, each one's lines found as it comes (a refused file's last are not)
        if enough is not None and found >= enough and state.verdict_bytes >= JUDGED_BYTES:
            judged = l0
            comma |= body.find(b",", pos) >= 0  # a line with a comma is always bad
            break
        end = _chunk_end(body, pos)
        nl = np.flatnonzero(buf[pos:end] == 10)
        line_starts = np.empty(len(nl) + 1, dtype=np.int64)
        line_starts[0] = pos
        line_starts[1:] = nl + (pos + 1)
        line_ends = np.empty(len(nl) + 1, dtype=np.int64)
        line_ends[:-1] = nl + pos
        line_ends[-1] = end
        del nl
        starts_parts.append(line_starts)
        l1 = l0 + len(line_starts)
        chunk_start, pos = l0, end + 1
        l0 = l1
        out_labels = labels[chunk_start:l1] if keep else np.zeros((l1 - chunk_start, max_guesses),
                                                                   dtype=class_set.label_dtype)
        out_coords = None
        if boxes:
            out_coords = (coords[chunk_start:l1] if keep
                          else np.zeros((l1 - chunk_start, max_guesses, 4), dtype=np.int32))
        plain = state.plain and int((line_ends - line_starts).max()) <= MAX_LINE_BYTES
        if plain:
            read = _parse_chunk(buf, line_starts, line_ends, out_labels, out_coords, class_set, max_guesses,
                                need_values=keep)
            if read is not None:
                if keep and boxes and read is not out_coords:  # fixed-point coordinates
                    if coordinate_dtype(read.reshape(-1)) == np.float64 and coords.dtype != np.float64:
                        coords = coords.astype(np.float64)
                    coords[chunk_start:l1] = read
                continue
        state.plain = False
        verdict = _lex_chunk(buf, line_starts, line_ends, class_set, max_guesses, boxes, keep)
        state.verdict_bytes += end - int(line_starts[0]) + 1
        found += len(verdict.bad)
        bad_parts.append(verdict.bad + chunk_start)
        zero |= verdict.zero
        comma |= verdict.comma
        if keep and not len(verdict.bad):  # a chunk with a bad line refuses the file: no values needed
            if boxes and verdict.coords.dtype == np.float64 and coords.dtype != np.float64:
                coords = coords.astype(np.float64)
            labels[chunk_start:l1] = verdict.labels
            if boxes:
                coords[chunk_start:l1] = verdict.coords
    bad = np.concatenate(bad_parts) if bad_parts else np.zeros(0, dtype=np.int64)
    line_starts = np.concatenate(starts_parts) if starts_parts else np.zeros(0, dtype=np.int64)
    return GuessesLex(n_lines, bad, zero, comma, labels, coords, line_starts, judged)


def _chunk_end(body: bytes, pos: int) -> int:
    """Where the chunk of whole lines from ``pos`` ends (an LF, or the end): about :data:`_CHUNK_BYTES`
    on, or further for a line that long."""
    if len(body) - pos <= _CHUNK_BYTES:
        return len(body)
    cut = body.rfind(b"\n", pos, pos + _CHUNK_BYTES)
    if cut < 0:
        cut = body.find(b"\n", pos + _CHUNK_BYTES)
    return len(body) if cut < 0 else cut


def fast_parse(
    body: bytes,
    *,
    boxes: bool,
    n_images: int | None,
    class_set: ClassSet,
    max_guesses: int,
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``(labels, boxes)`` of a body (BOM and trailing whitespace already removed) whose every
    line is good, as :func:`.guesses.precise_parse` returns them; None when a line is bad or
    the number of lines is not ``n_images``. Never raises for any input bytes."""
    if not body or (n_images is not None and body.count(b"\n") + 1 != n_images):
        return None
    lexed = lex_guesses(body, boxes=boxes, class_set=class_set, max_guesses=max_guesses)
    if len(lexed.bad):
        return None
    return lexed.labels, lexed.coords


def _parse_chunk(
    buf: np.ndarray,
    line_starts: np.ndarray,
    line_ends: np.ndarray,
    labels_out: np.ndarray,
    coords_out: np.ndarray | None,
    class_set: ClassSet,
    max_guesses: int,
    *,
    need_values: bool = True,
) -> np.ndarray | None:
    """Parse the whole lines ``buf[line_starts[0]:line_ends[-1]]`` into the output rows.

    Returns None (outputs then undefined) as soon as something is not plainly valid; else the
    coordinates: ``coords_out`` itself when they were whole numbers written into it, a new float64
    array of fixed-point ones (:func:`_parse_fixed_point_chunk`; not read without
    ``need_values``), or an empty array for a file without boxes.
    """
    s = int(line_starts[0])
    x = padded(buf, s, int(line_ends[-1]))
    classes = _byte_classes(x)
    if classes is None:
        return None
    n_wnid, n_dot = classes
    if n_dot:
        if coords_out is None or n_wnid:
            return None
        return _parse_fixed_point_chunk(x, line_ends - (s - PAD), labels_out, class_set, max_guesses, n_dot,
                                        need_values)
    tokens = _token_values(x, n_wnid)
    if tokens is None:
        return None
    ends, vals, is_wnid = tokens
    n_lines = len(line_starts)
    group = 5 if coords_out is not None else 1
    per_line = group * max_guesses
    positions = _grid_positions(ends, line_ends - (s - PAD), n_lines, group, per_line)
    del ends
    if positions is None:
        return None
    rows, cols = positions  # both None: every line has all its guesses
    field = cols % group if cols is not None and group > 1 else None
    if is_wnid is not None and not _wnids_to_ids(vals, is_wnid, field, n_lines, group, per_line, class_set):
        return None
    if group == 1:
        lab_vals = vals
    elif field is None:
        lab_vals = vals.reshape(-1, 5)[:, 0]
    else:
        lab_vals = vals[field == 0]
    if bool(((lab_vals < 1) | (lab_vals > class_set.n_classes)).any()):
        return None
    if coords_out is None:
        if rows is None:
            labels_out[:, :] = vals.reshape(n_lines, max_guesses)
        else:
            labels_out[rows, cols] = vals
        return _NO_COORDINATES
    _scatter_groups(vals, rows, cols, field, labels_out, coords_out)
    c = coords_out  # every line of the chunk has at least one guess; unused guesses are 0 0 0 0
    if bool((c[:, :, 0] > c[:, :, 2]).any()) or bool((c[:, :, 1] > c[:, :, 3]).any()):
        return None
    return coords_out


def _parse_fixed_point_chunk(
    x: np.ndarray,
    rel_ends: np.ndarray,
    labels_out: np.ndarray,
    class_set: ClassSet,
    max_guesses: int,
    n_dot: int,
    need_values: bool,
) -> np.ndarray | None:
    """The plain path for a padded chunk of localization lines whose bytes are digits, whitespace
    and dots: integer labels of 1..7 digits, and coordinates all written ``digits.digits`` with
    as many digits after the dot (``%f``), 1..7 before it. Writes the labels, returns the
    coordinates as float64 (``(lines, max_guesses, 4)``, unused guesses 0; zeros without
    ``need_values``), or None to give up (the verdict path then judges the chunk).

    A dot ``k`` bytes before each coordinate's end, as many dots in the chunk as coordinates
    (so no token holds another), the ``k`` bytes after it digits and the bytes before it digits
    back to the whitespace that starts the token: each coordinate is then ``M / 10**k`` with ``M``
    below ``10**15``, read exactly as strtod reads it (Clinger: exact operands, one rounding). Box
    checks compare ``M``: numbers of at most 15 significant digits are distinct doubles when distinct.
    """
    tok = x > 32
    ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    del tok
    n_lines = len(rel_ends)
    per_line = 5 * max_guesses
    positions = _grid_positions(ends, rel_ends, n_lines, 5, per_line)
    if positions is None:
        return None
    rows, cols = positions
    if rows is None:
        grid = ends.reshape(-1, 5)
        label_ends, coord_ends = grid[:, 0], grid[:, 1:].reshape(-1)
    else:
        is_label = cols % 5 == 0
        label_ends, coord_ends = ends[is_label], ends[~is_label]
    if len(coord_ends) != n_dot:
        return None
    last = x[int(coord_ends[0]) - 9 : int(coord_ends[0])].tobytes()
    k = 8 - last.rfind(b".")
    if not 1 <= k <= 8:
        return None
    label_vals = short_integers(x, label_ends)
    if label_vals is None or bool(((label_vals < 1) | (label_vals > class_set.n_classes)).any()):
        return None
    scaled = fixed_point_mantissas(x, coord_ends, k)
    if scaled is None:
        return None
    boxes = scaled.reshape(-1, 4)
    if bool((boxes[:, 0] > boxes[:, 2]).any()) or bool((boxes[:, 1] > boxes[:, 3]).any()):
        return None
    coords = np.zeros((n_lines, max_guesses, 4), dtype=np.float64)
    if rows is None:
        labels_out[:, :] = label_vals.reshape(n_lines, max_guesses)
        if need_values:
            coords.reshape(-1, 4)[:] = boxes
            coords /= float(10**k)
        return coords
    guess_rows, guess_cols = rows[is_label], cols[is_label] // 5
    labels_out[guess_rows, guess_cols] = label_vals
    if need_values:
        coords[guess_rows, guess_cols] = boxes
        coords /= float(10**k)
    return coords


@dataclass
class _Verdict:
    """A chunk read by :func:`_lex_chunk`: its bad lines, the hints, the values (when no line is bad)."""

    bad: np.ndarray
    zero: bool
    comma: bool
    labels: np.ndarray | None = None
    coords: np.ndarray | None = None


def _lex_chunk(
    buf: np.ndarray, line_starts: np.ndarray, line_ends: np.ndarray, class_set: ClassSet, max_guesses: int,
    boxes: bool, keep: bool = True,
) -> _Verdict:
    """The verdict on the whole lines ``buf[line_starts[0]:line_ends[-1]]``, line by line, as the
    precise parser gives it (:func:`.guesses.parse_line`), without a Python loop per line, and
    (``keep``) the values when no line is bad.

    A line with too many bytes, no token, too many, or (localization) a count that is not a
    multiple of 5 is bad for that alone; the tokens of the other lines then come in guesses of
    ``group`` tokens (1, or 5: ``label xmin ymin xmax ymax``), each checked as a whole array.
    """
    x = padded(buf, int(line_starts[0]), int(line_ends[-1]))
    shift = int(line_starts[0]) - PAD
    ls, le = line_starts - shift, line_ends - shift
    n = len(ls)
    group = 5 if boxes else 1
    low = x < 32
    if np.count_nonzero(low) > n - 1:  # more than the LFs: tabs, CRs, or control bytes
        control = low & (x != 9) & (x != 10) & (x != 13)
        if bool(control.any()):
            x[control] = ord("x")  # part of a token, and no digit
    del low  # control bytes other than tab, LF and CR are part of tokens for the precise parser
    tok = x > 32
    edges = np.flatnonzero(tok[1:] != tok[:-1]) + 1  # padded with spaces: a start, an end, a start, ...
    del tok
    starts, ends = edges[0::2], edges[1::2]
    cum = np.searchsorted(ends, le, side="right")
    counts = np.diff(cum, prepend=0)
    line_level = ((le - ls) > MAX_LINE_BYTES) | (counts == 0) | (counts > group * max_guesses)
    if group > 1:
        line_level |= counts % group != 0
    guesses_of = counts // group
    if bool(line_level.any()):  # lines refused for their length or count: their tokens need no look
        usable = np.flatnonzero(~np.repeat(line_level, counts))
        starts, ends = starts[usable], ends[usable]
        guesses_of = np.where(line_level, 0, guesses_of)
    row = np.repeat(np.arange(n), guesses_of)  # per guess: its line
    label_id, label_fail, label_zero = _labels(x, starts[::group], ends[::group], class_set)
    fail = label_fail
    coords = None
    if boxes:
        coords, coord_fail = _coordinates(x, starts.reshape(-1, 5)[:, 1:], ends.reshape(-1, 5)[:, 1:])
        box_fail = ~coord_fail & ((coords[:, 0] > coords[:, 2]) | (coords[:, 1] > coords[:, 3]))
        fail = fail | coord_fail | box_fail
    bad = line_level.copy()
    bad[row[fail]] = True
    zero = False
    if bool((label_fail & label_zero).any()):  # a line's first bad guess, bad for a label 0?
        first = np.flatnonzero(fail)[np.unique(row[fail], return_index=True)[1]]
        zero = bool((label_fail[first] & label_zero[first]).any())
    comma = False
    if bool((x[PAD:-PAD] == _COMMA).any()):
        lines_with_comma = np.searchsorted(ls, np.flatnonzero(x == _COMMA), side="right") - 1
        comma = bool(bad[lines_with_comma].any())
    verdict = _Verdict(np.flatnonzero(bad), zero, comma)
    if len(verdict.bad) or not keep:
        return verdict
    if len(row) == n * max_guesses:  # every line has all its guesses
        verdict.labels = label_id.astype(class_set.label_dtype).reshape(n, max_guesses)
        if boxes:
            verdict.coords = coords.astype(coordinate_dtype(coords.reshape(-1))).reshape(n, max_guesses, 4)
        return verdict
    guess = np.arange(len(row)) - np.repeat(np.cumsum(guesses_of) - guesses_of, guesses_of)  # its place
    verdict.labels = np.zeros((n, max_guesses), dtype=class_set.label_dtype)
    verdict.labels[row, guess] = label_id
    if boxes:
        verdict.coords = np.zeros((n, max_guesses, 4), dtype=coordinate_dtype(coords.reshape(-1)))
        verdict.coords[row, guess] = coords
    return verdict


def _all_zeros(x: np.ndarray, starts: np.ndarray, ends: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Per token (of those ``which`` marks, the few long all-digit ones): are all its bytes ``0``?"""
    out = np.zeros(len(starts), dtype=bool)
    at = np.flatnonzero(which)
    not_zero = np.cumsum(x != _ZERO, dtype=np.int64)
    out[at] = not_zero[ends[at] - 1] == not_zero[starts[at] - 1]
    return out


def _labels(
    x: np.ndarray, starts: np.ndarray, ends: np.ndarray, class_set: ClassSet
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(class id, bad, a 0)`` per label token: an id of 1..8 digits within the class set, or a
    leaf WNID; a 0 (``0``, ``000``, of any length) is what the note on 0-based ids is about."""
    lens = ends - starts
    if len(lens) and int(lens.max()) <= 4:  # ids of at most 4 digits (every ILSVRC class set): four gathers
        values, short = _short_digits(x, ends, lens)
        label_id = values.astype(np.int64)
        bad = ~short | (label_id < 1) | (label_id > class_set.n_classes)
        return label_id, bad, short & (label_id == 0)
    words = last8(x, ends, lens)
    digits = all_digits_each(words)
    values = combine8(words).astype(np.int64)
    short = digits & (lens <= MAX_DIGITS)
    label_id = np.where(short, values, 0)
    wnid = (lens == _WNID_BYTES) & digits & (x[starts] == _N)
    if bool(wnid.any()):
        label_id[wnid] = class_set.wnid_table.ids(values[wnid])
    bad = ~(short | wnid) | (label_id < 1) | (label_id > class_set.n_classes)
    zero = short & (values == 0)
    long_zero = bad & (lens > MAX_DIGITS) & digits & (values == 0)  # its last 8 bytes are 0s: and the rest?
    if bool(long_zero.any()):
        zero |= _all_zeros(x, starts, ends, long_zero)
    return label_id, bad, zero


def _short_digits(x: np.ndarray, ends: np.ndarray, lens: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, all digits)`` of tokens of 1..4 bytes ending at ``ends``, from four byte gathers."""
    at = ends - PAD  # x[PAD - k:][at] == x[ends - k]
    values = np.take(x[PAD - 1 :], at) - np.uint8(48)  # a byte that is no digit wraps around to >= 10
    digits = values < 10
    values = values.astype(np.uint16)
    for k, scale in ((2, 10), (3, 100), (4, 1000)):
        d = np.take(x[PAD - k :], at) - np.uint8(48)
        d[lens < k] = 0
        digits &= d < 10
        values += d.astype(np.uint16) * np.uint16(scale)
    return values, digits


def _coordinates(x: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(values, bad)`` of ``(m, 4)`` coordinate tokens: decimal numbers (strtod), finite, >= 0,
    by guess (a guess is bad when one of its coordinates is)."""
    starts, ends = starts.reshape(-1), ends.reshape(-1)
    lens = ends - starts
    if len(lens) and int(lens[0]) <= 4:  # whole pixels below 10,000: four byte gathers, as for ids
        short, digits = _short_digits(x, ends, np.minimum(lens, 4))
        digits &= lens <= 4
        values = short.astype(np.float64)
        if not bool(digits.all()):
            other = np.flatnonzero(~digits)
            values[other], ok = read_decimals(x, starts[other], ends[other])
            digits[other] = ok & (values[other] >= 0)
        return values.reshape(-1, 4), ~digits.reshape(-1, 4).all(axis=1)
    values, ok = read_decimals(x, starts, ends)
    bad = ~ok | (values < 0)
    return values.reshape(-1, 4), bad.reshape(-1, 4).any(axis=1)


def _byte_classes(x: np.ndarray) -> tuple[int, int] | None:
    """The numbers of ``n`` and ``.`` bytes when every byte is a digit, space, LF, tab, CR, ``n``
    or ``.``; else None."""
    size = len(x)
    n_known = np.count_nonzero(x == 10) + np.count_nonzero(x == 32) + np.count_nonzero((x - np.uint8(48)) < 10)
    if n_known == size:
        return 0, 0
    n_dot = int(np.count_nonzero(x == _DOT))
    if n_known + n_dot == size:  # fixed-point coordinates
        return 0, n_dot
    n_wnid = int(np.count_nonzero(x == _N))
    n_known += np.count_nonzero(x == 9) + np.count_nonzero(x == 13) + n_wnid + n_dot
    return (n_wnid, n_dot) if n_known == size else None


def _has_run_of_five(tok: np.ndarray) -> bool:
    """Is some token at least 5 bytes long? (``tok``: the "is a token byte" mask.)"""
    run5 = tok[4:] & tok[3:-1]
    run5 &= tok[2:-2]
    run5 &= tok[1:-3]
    run5 &= tok[:-4]
    return bool(run5.any())


def _token_values(x: np.ndarray, n_wnid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """``(ends, values, is_wnid)`` of the tokens of a padded chunk of digits, whitespace and
    ``n_wnid`` bytes ``n``, or None if one is not plain.

    ``ends`` are the positions just after each token, ``values`` their integers (the 8 digits
    for a WNID), ``is_wnid`` a mask of WNID tokens (None when the chunk has no ``n``).
    """
    tok = x > 32  # tokens: maximal runs of bytes > 32
    ends = np.flatnonzero(tok[:-1] > tok[1:]) + 1
    if not n_wnid and not _has_run_of_five(tok):
        return ends, digits_short(x, ends), None
    lens = ends - (np.flatnonzero(tok[1:] > tok[:-1]) + 1)
    del tok
    if not n_wnid:
        if int(lens.max()) > MAX_DIGITS:
            return None
        long = np.flatnonzero(lens > 4)
        if len(long) > len(ends) // 4:
            return ends, digits8(x, ends, lens).astype(np.int32), None
        values = digits_short(x, ends).astype(np.int32)  # a few long ids (leading zeros): read again whole
        values[long] = digits8(x, ends[long], lens[long])
        return ends, values, None
    is_wnid = x[ends - lens] == _N
    # every 'n' starts a token of exactly 9 bytes: n + 8 digits
    if int(np.count_nonzero(is_wnid)) != n_wnid:
        return None
    if bool((lens[is_wnid] != _WNID_BYTES).any()) or bool((lens[~is_wnid] > MAX_DIGITS).any()):
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
