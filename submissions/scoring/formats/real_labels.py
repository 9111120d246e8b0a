"""The ``real.json`` layout of revised classification labels ("ReaL", Beyer et al. 2020).

:func:`read_real_labels` reads a JSON list with one list per image (in image order) of 0-based
class indices in sorted-WNID order (the frameworks' numbering); an empty list leaves the image
out. ``index_to_id`` maps those indices to class ids; for a
:class:`~submissions.scoring.classes.class_set.ClassSet` it is ``class_set.sorted_index_to_id``.
A vectorised reader takes well-formed files; the json module is the spec, and reads or explains
the others.
"""

from __future__ import annotations

import json
from itertools import chain

import numpy as np

from ..errors import ErrorList, GroundTruthError, LineError
from ..truth import LabelRevision, narrow_labels

__all__ = ["read_real_labels"]


def read_real_labels(data: bytes, *, index_to_id: np.ndarray, n_images: int | None = None) -> LabelRevision:
    """Read the ``real.json`` layout into a :class:`LabelRevision` of class ids.

    ``data``: a JSON list with one list per image of 0-based class indices (sorted-WNID order);
    ``index_to_id[k]`` is the class id (1..n) of index ``k`` (``class_set.sorted_index_to_id``).
    An empty list leaves its image out. Raises :class:`GroundTruthError` naming the line and
    column (and the image, 1-based) for text that is not UTF-8 JSON, a top level that is not a
    list (of ``n_images`` entries when given), an entry that is not a list, a label that is not
    an integer in ``0..len(index_to_id) - 1``, or a label repeated within an image.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    index_to_id = np.asarray(index_to_id)
    n_indices = int(index_to_id.size)
    raw = bytes(data)
    fast = _fast_parse(raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw, n_indices)
    if fast is not None and (n_images is None or fast[0].size == n_images):
        counts, indices = fast
    else:
        counts, indices = _precise_parse(raw, n_indices, n_images)
    ids = index_to_id[indices].astype(np.int64)
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    order = np.lexsort((ids, owner))
    ids = ids[order]
    repeated = np.flatnonzero((np.diff(ids) == 0) & (owner[1:] == owner[:-1]))
    if repeated.size:
        images = sorted({int(owner[i]) for i in repeated})
        _raise_with_positions(raw.decode("utf-8-sig"), [(i, f"image {i + 1}: a label is listed twice") for i in images])
    offsets = np.concatenate(([0], np.cumsum(counts)))
    return LabelRevision(offsets, narrow_labels(ids), counts > 0)


# Token codes of the fast parser: the only bytes a real.json-layout file is made of.
_OPEN, _CLOSE, _COMMA, _NUMBER, _OTHER = 0, 1, 2, 3, 4
_BYTE_CLASS = np.full(256, _OTHER, dtype=np.int8)
_BYTE_CLASS[ord("[")] = _OPEN
_BYTE_CLASS[ord("]")] = _CLOSE
_BYTE_CLASS[ord(",")] = _COMMA
_BYTE_CLASS[ord("0"): ord("9") + 1] = _NUMBER
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[[ord(c) for c in " \t\r\n"]] = True
# Which token may follow which, at the nesting depth reached after the first:
# depth 1 is the outer list, depth 2 an image's list.
_FOLLOWS = np.zeros((4, 3, 4), dtype=bool)
_FOLLOWS[_OPEN, 1, [_OPEN, _CLOSE]] = True  # "[" opening the outer list: an image's list, or "]"
_FOLLOWS[_OPEN, 2, [_NUMBER, _CLOSE]] = True  # "[" opening an image's list
_FOLLOWS[_NUMBER, 2, [_COMMA, _CLOSE]] = True
_FOLLOWS[_COMMA, 2, _NUMBER] = True
_FOLLOWS[_COMMA, 1, _OPEN] = True
_FOLLOWS[_CLOSE, 1, [_COMMA, _CLOSE]] = True  # "]" closing an image's list
_MAX_DIGITS = 9


def _fast_parse(raw: bytes, n_indices: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(labels per image, all indices in order) of a well-formed file, with no Python loop per
    image; ``None`` for anything else, which :func:`_precise_parse` then reads or explains."""
    b = np.frombuffer(raw, dtype=np.uint8)
    keep = np.flatnonzero(~_WHITESPACE[b])
    if keep.size < 2:
        return None
    cls = _BYTE_CLASS[b[keep]]
    if (cls == _OTHER).any():
        return None
    digit = cls == _NUMBER
    # Digits that whitespace splits ("1 2") are not one number: not JSON we take.
    if (digit[1:] & digit[:-1] & (np.diff(keep) != 1)).any():
        return None
    run_start = digit & np.concatenate(([True], ~digit[:-1]))
    token = ~digit | run_start
    kinds = cls[token]
    depth = np.cumsum(np.where(kinds == _OPEN, 1, np.where(kinds == _CLOSE, -1, 0)))
    if kinds[0] != _OPEN or kinds[-1] != _CLOSE or depth[-1] != 0 or (depth[:-1] < 1).any() or depth.max() > 2:
        return None
    if not _FOLLOWS[kinds[:-1], np.minimum(depth[:-1], 2), kinds[1:]].all():
        return None
    values = b[keep[digit]].astype(np.int64) - ord("0")
    starts = np.flatnonzero(run_start[digit])
    lengths = np.diff(np.append(starts, values.size))
    # A leading zero ("07") is not JSON; more than 9 digits cannot be a class index we hold.
    if lengths.max(initial=1) > _MAX_DIGITS or ((values[starts] == 0) & (lengths > 1)).any():
        return None
    place = np.arange(values.size) - np.repeat(starts, lengths)
    power = np.repeat(lengths, lengths) - 1 - place
    indices = np.add.reduceat(values * 10 ** power, starts) if starts.size else np.zeros(0, dtype=np.int64)
    if indices.size and (indices.max() >= n_indices):
        return None
    image_opens = (kinds == _OPEN) & (depth == 2)
    image_of_number = np.cumsum(image_opens)[kinds == _NUMBER] - 1
    counts = np.bincount(image_of_number, minlength=int(image_opens.sum()))
    return counts.astype(np.int64), indices


def _precise_parse(raw: bytes, n_indices: int, n_images: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The reading that is the spec: the json module, then a check of every entry with its position."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GroundTruthError([LineError(line, "the file is not UTF-8 text: expected the real.json layout (JSON)")]) from None
    try:
        lists = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GroundTruthError([LineError(exc.lineno, f"column {exc.colno}: not valid JSON ({exc.msg})")]) from None
    if not isinstance(lists, list):
        raise GroundTruthError([LineError(1, "expected a JSON list with one list of labels per image")])
    if n_images is not None and len(lists) != n_images:
        raise GroundTruthError(
            [LineError(None, f"expected {n_images:,} lists (one per image, in image order), found {len(lists):,}")]
        )
    problems = _problems(lists, n_indices)
    if problems:
        _raise_with_positions(text, problems)
    counts = np.fromiter((len(x) for x in lists), dtype=np.int64, count=len(lists))
    indices = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
    return counts, indices


def _problems(lists: list, n_indices: int) -> list[tuple[int, str]]:
    """(0-based image, message) for every entry that is not a list of integer indices in range."""
    found = []
    for i, entry in enumerate(lists):
        if type(entry) is not list:
            found.append((i, f"image {i + 1}: expected a list of labels, found {_kind(entry)}"))
            continue
        for v in entry:
            if type(v) is not int:
                found.append((i, f"image {i + 1}: label {_short(v)} is not an integer class index"))
                break
            if not 0 <= v < n_indices:
                found.append((i, f"image {i + 1}: label {v} is outside 0..{n_indices - 1} "
                                 "(0-based class indices in sorted-WNID order)"))
                break
    return found


def _kind(value: object) -> str:
    return {dict: "an object", str: "a string", bool: "true/false", type(None): "null"}.get(type(value), f"the number {value!r}")


def _short(value: object) -> str:
    text = json.dumps(value)
    return text if len(text) <= 24 else text[:21] + "..."


def _raise_with_positions(text: str, problems: list[tuple[int, str]]) -> None:
    """Raise :class:`GroundTruthError` with the line and column where each problem image's entry starts."""
    errors = ErrorList()
    wanted = {i for i, _ in problems[:10]}
    starts = _entry_starts(text, max(wanted)) if wanted else {}
    for i, message in problems:
        pos = starts.get(i)
        if pos is None:
            errors.add(None, message)
        else:
            line = text.count("\n", 0, pos) + 1
            column = pos - (text.rfind("\n", 0, pos) + 1) + 1
            errors.add(line, f"column {column}: {message}")
    raise GroundTruthError(errors.errors, errors.omitted)


def _entry_starts(text: str, last: int) -> dict[int, int]:
    """Character offset where each top-level entry 0..last begins (walks the text; error path only)."""
    decoder = json.JSONDecoder()
    starts: dict[int, int] = {}
    pos = text.index("[") + 1
    for i in range(last + 1):
        while text[pos] in " \t\r\n,":
            pos += 1
        starts[i] = pos
        _, pos = decoder.raw_decode(text, pos)
    return starts
