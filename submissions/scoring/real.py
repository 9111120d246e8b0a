"""Revised classification labels ("ReaL", Beyer et al. 2020): several valid labels per image,
images left out, and the ReaL top-1 / top-5 accuracies.

A :class:`LabelRevision` holds, per image, the set of its valid class ids (the class set's
ids ``1..n``) in CSR layout (``offsets`` + ``labels``) and a ``kept`` mask. ReaL accuracy
counts only kept images: top-1 is the share whose first guess is in their set, top-5 the
share with any of the first 5 guesses in it (as the paper reports them, accuracies, not errors).

:func:`read_real_labels` reads the ``real.json`` layout: a JSON list with one list per image
(in image order) of 0-based class indices in sorted-WNID order (the frameworks' numbering);
an empty list leaves the image out. ``index_to_id`` maps those indices to class ids; for a
:class:`~submissions.scoring.hierarchy.ClassSet` it is ``class_set.sorted_index_to_id``.
:func:`read_label_sets` reads the line layout (one line per image, its valid class ids or
WNIDs; an empty line leaves the image out) and :func:`read_revision` either, by its first byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from .errors import ErrorList, GroundTruthError, LineError
from .hierarchy import ClassSet
from .parsing import MAX_GUESSES, Predictions

__all__ = ["LabelRevision", "RealResult", "read_label_sets", "read_real_labels", "read_revision", "score_real"]


@dataclass(frozen=True, eq=False)
class LabelRevision:
    """Per image a set of valid class ids, and which images are kept.

    ``offsets``: int64 ``(n_images + 1,)``, starting at 0, non-decreasing; image ``i``'s labels
    are ``labels[offsets[i]:offsets[i + 1]]``, class ids (>= 1) ascending without repeats.
    ``kept``: bool ``(n_images,)``; a kept image has at least one label (an image whose set is
    empty is always left out). Raises ``ValueError`` when these rules are broken.
    """

    offsets: np.ndarray
    labels: np.ndarray
    kept: np.ndarray

    def __post_init__(self) -> None:
        offsets = np.asarray(self.offsets)
        labels = np.asarray(self.labels)
        kept = np.asarray(self.kept)
        if offsets.ndim != 1 or offsets.size < 1 or not np.issubdtype(offsets.dtype, np.integer):
            raise ValueError("offsets must be a 1-D integer array of n_images + 1 entries")
        if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
            raise ValueError("labels must be a 1-D integer array")
        if offsets[0] != 0 or offsets[-1] != labels.size or (np.diff(offsets) < 0).any():
            raise ValueError("offsets must start at 0, never decrease and end at the number of labels")
        if kept.shape != (offsets.size - 1,) or kept.dtype != bool:
            raise ValueError(f"kept must be a bool array of {offsets.size - 1} entries")
        if labels.size and int(labels.min()) < 1:
            raise ValueError("class ids start at 1")
        counts = np.diff(offsets)
        if (kept & (counts == 0)).any():
            raise ValueError(f"image {int(np.flatnonzero(kept & (counts == 0))[0]) + 1} is kept but has no valid label")
        same_image = np.repeat(np.arange(counts.size), counts)
        if labels.size > 1 and ((np.diff(labels) <= 0) & (same_image[1:] == same_image[:-1])).any():
            raise ValueError("the labels of an image must ascend without repeats")
        object.__setattr__(self, "offsets", offsets.astype(np.int64, copy=False))
        object.__setattr__(self, "labels", labels)

    @classmethod
    def from_lists(cls, sets: Sequence[Iterable[int]], *, kept: np.ndarray | None = None) -> LabelRevision:
        """Build from one iterable of class ids per image (any order, repeats dropped).

        ``kept`` defaults to "has at least one label". Raises ``ValueError`` as the constructor.
        """
        sorted_sets = [sorted(set(int(v) for v in s)) for s in sets]
        counts = np.fromiter((len(s) for s in sorted_sets), dtype=np.int64, count=len(sorted_sets))
        offsets = np.concatenate(([0], np.cumsum(counts)))
        labels = np.fromiter(chain.from_iterable(sorted_sets), dtype=np.int64, count=int(offsets[-1]))
        return cls(offsets, _narrow(labels), counts > 0 if kept is None else np.asarray(kept, dtype=bool))

    @property
    def n_images(self) -> int:
        """Number of images (kept or not)."""
        return int(self.offsets.size - 1)

    @property
    def kept_images(self) -> int:
        """Number of kept images."""
        return int(self.kept.sum())

    def counts(self) -> np.ndarray:
        """Number of valid labels per image."""
        return np.diff(self.offsets)

    def labels_of(self, image: int) -> np.ndarray:
        """The valid class ids of 0-based ``image``, ascending."""
        return self.labels[self.offsets[image]: self.offsets[image + 1]]

    def to_lists(self) -> list[list[int]]:
        """One list of class ids per image (ascending)."""
        bounds = self.offsets.tolist()
        flat = self.labels.tolist()
        return [flat[bounds[i]: bounds[i + 1]] for i in range(self.n_images)]


def _narrow(labels: np.ndarray) -> np.ndarray:
    return labels.astype(np.int16) if labels.size == 0 or int(labels.max()) <= np.iinfo(np.int16).max else labels.astype(np.int32)


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
    return LabelRevision(offsets, _narrow(ids), counts > 0)


def read_revision(data: bytes, *, class_set: ClassSet, n_images: int | None = None) -> LabelRevision:
    """Read a revision of a split's labels in either layout: the ``real.json`` layout (a JSON
    list, 0-based sorted-WNID indices; the file starts with ``[``) or the line layout of
    :func:`read_label_sets` (class ids or WNIDs). Raises :class:`GroundTruthError` as the two readers.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    start = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if start.lstrip(b" \t\r\n").startswith(b"["):
        return read_real_labels(raw, index_to_id=class_set.sorted_index_to_id, n_images=n_images)
    return read_label_sets(raw, class_set=class_set, n_images=n_images)


def read_label_sets(data: bytes, *, class_set: ClassSet, n_images: int | None = None) -> LabelRevision:
    """Read the line layout of a revision: line ``i`` holds image ``i``'s valid labels, class ids
    ``1..n`` or leaf WNIDs separated by spaces or tabs; an empty line leaves the image out.

    Every line ends with a newline (the last one may omit it unless that line is empty: an image
    left out at the end still needs its line). A UTF-8 BOM and CRs are ignored. Raises
    :class:`GroundTruthError` naming the line for a token that is not a class of the set, a
    label listed twice on a line, text that is not UTF-8, or (with ``n_images``) another number
    of lines; the first 10 problems are listed and the rest counted.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    raw = bytes(data)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise GroundTruthError([LineError(None, "the file is UTF-16 text; save it as plain ASCII or UTF-8 text")])
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GroundTruthError([LineError(line, "the file is not UTF-8 text: expected class ids or WNIDs")]) from None
    lines = raw.split(b"\n")
    if lines and lines[-1].strip(b" \t\r") == b"":
        lines.pop()
    if n_images is not None and len(lines) != n_images:
        raise GroundTruthError(
            [LineError(None, f"expected {n_images:,} lines (one per image, in image order; an empty line leaves "
                             f"an image out), found {len(lines):,}")])
    tokens = class_set.token_ids
    errors = ErrorList()
    sets: list[list[int]] = []
    for number, line in enumerate(lines, start=1):
        ids: list[int] = []
        for token in line.replace(b"\t", b" ").replace(b"\r", b" ").split():
            class_id = tokens.get(token.lstrip(b"0") or b"0") if token.isdigit() else tokens.get(token)
            if class_id is None:
                shown = token[:24].decode("utf-8", "replace")
                errors.add(number, f"{shown!r} is not a class of this set (an id 1..{class_set.n_classes:,} or a "
                                   "leaf WNID)")
                break
            if class_id in ids:
                errors.add(number, f"{class_set.describe(class_id)} is listed twice")
                break
            ids.append(class_id)
        sets.append(ids)
    if errors.errors:
        raise GroundTruthError(errors.errors, errors.omitted)
    return LabelRevision.from_lists(sets)


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


@dataclass(frozen=True, eq=False)
class RealResult:
    """ReaL accuracies of one prediction file: ``top1_accuracy`` and ``top5_accuracy`` over the
    ``images`` kept, and per image ``top1_correct`` / ``top5_correct`` (False where left out)."""

    top1_accuracy: float
    top5_accuracy: float
    images: int
    top1_correct: np.ndarray
    top5_correct: np.ndarray

    def metrics(self) -> dict[str, float | int]:
        """``real_top1_accuracy``, ``real_top5_accuracy`` and ``real_images``, as ``evaluate --json`` prints them."""
        return {
            "real_top1_accuracy": self.top1_accuracy,
            "real_top5_accuracy": self.top5_accuracy,
            "real_images": self.images,
        }


def score_real(predictions: Predictions, revision: LabelRevision, *, guesses: int = MAX_GUESSES) -> RealResult:
    """ReaL top-1 and top-K accuracy (K = ``guesses``, 5 by default) of parsed classification predictions.

    Top-1: the share of kept images whose first guess is among their valid labels; top-K: the
    share with any of the first K guesses among them. Left-out images count in neither. Raises
    ``ValueError`` when ``guesses`` is outside 1..5, the predictions and the revision differ in
    their number of images, or the revision keeps no image.
    """
    if not 1 <= guesses <= MAX_GUESSES:
        raise ValueError(f"guesses must be 1..{MAX_GUESSES}, got {guesses}")
    if predictions.n_images != revision.n_images:
        raise ValueError(f"predictions are for {predictions.n_images:,} images, the revision for {revision.n_images:,}")
    if revision.kept_images == 0:
        raise ValueError("the revision leaves every image out: ReaL accuracy is undefined")
    guessed = predictions.labels[:, : min(guesses, predictions.max_guesses)]
    hit = _in_sets(guessed, revision) & revision.kept[:, None]
    top1 = hit[:, 0]
    topk = hit.any(axis=1)
    n = revision.kept_images
    return RealResult(float(top1.sum() / n), float(topk.sum() / n), n, top1, topk)


def _in_sets(guessed: np.ndarray, revision: LabelRevision) -> np.ndarray:
    """Bool ``guessed.shape``: is each guess among its image's valid labels?

    The (image, label) pairs of the revision, as one int64 key each, are sorted (CSR order), so
    a binary search answers every guess at once; 0 (no guess) matches nothing.
    """
    width = int(max(int(revision.labels.max(initial=0)), int(guessed.max(initial=0)))) + 1
    owner = np.repeat(np.arange(revision.n_images, dtype=np.int64), revision.counts())
    keys = owner * width + revision.labels
    queries = np.arange(guessed.shape[0], dtype=np.int64)[:, None] * width + guessed
    if keys.size == 0:
        return np.zeros(guessed.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return keys[pos] == queries
