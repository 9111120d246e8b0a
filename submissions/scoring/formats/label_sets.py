"""The line layout of a revision of a split's labels, and the choice between it and ``real.json``.

:func:`read_label_sets` reads one line per image (in image order) with that image's valid
labels, class ids or leaf WNIDs of the year's class set; an empty line leaves the image out.
:func:`read_revision` takes either layout, telling them apart by the first byte: a ``real.json``
file (:mod:`.real_labels`) starts with ``[``.
"""

from __future__ import annotations

from ..classes.class_set import ClassSet
from ..errors import ErrorList, GroundTruthError, LineError
from ..truth import LabelRevision
from .real_labels import read_real_labels

__all__ = ["read_label_sets", "read_revision"]


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
