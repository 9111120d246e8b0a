"""Ground truth: image labels, bounding boxes (CSV or PASCAL VOC XML) and the blacklist.

Organizers upload these; every reader raises :class:`GroundTruthError` with line numbers
(or file names) and what was expected, never a bare exception.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .errors import MAX_REPORTED_ERRORS, ErrorList, GroundTruthError, LineError
from .fastboxes import fast_read_boxes
from .hierarchy import MAX_CLASSES, ClassSet, label_dtype_for
from .parsing import _coordinates, _label, _show, parse_lines, prepare_body

__all__ = [
    "Boxes",
    "GroundTruth",
    "read_labels",
    "read_boxes_csv",
    "read_boxes_xml_dir",
    "read_blacklist",
    "load_ground_truth",
]

_IMAGE_ID = re.compile(r"(?:.*_)?0*([0-9]{1,9})(?:\.[A-Za-z]+)?")


def _first_few(indices: Sequence[int]) -> str:
    """``"1, 5, 9"``: the first :data:`MAX_REPORTED_ERRORS` indices, then ``", ..."`` if there are more."""
    shown = ", ".join(str(i) for i in indices[:MAX_REPORTED_ERRORS])
    return shown + (", ..." if len(indices) > MAX_REPORTED_ERRORS else "")


@dataclass(frozen=True, eq=False)
class Boxes:
    """Ground-truth boxes: row ``k`` is a box of class ``label[k]`` in image ``image[k]``.

    ``image`` is the 0-based image index (int32, ascending), ``label`` the class id
    (int16, int32 above 32767 classes), ``coords`` is ``(m, 4)`` int32 ``xmin ymin xmax ymax``
    (inclusive pixels).
    """

    image: np.ndarray
    label: np.ndarray
    coords: np.ndarray
    n_images: int

    def __len__(self) -> int:
        return int(len(self.image))


@dataclass(frozen=True, eq=False)
class GroundTruth:
    """Labels (``(n,)`` class ids), optional :class:`Boxes`, optional blacklist (bool mask).

    Raises ``ValueError`` when the shapes disagree or every image is blacklisted, and
    :class:`GroundTruthError` when a non-blacklisted image has no box of its own class.
    """

    labels: np.ndarray
    boxes: Boxes | None = None
    blacklist: np.ndarray | None = None

    def __post_init__(self) -> None:
        raw = np.asarray(self.labels).reshape(-1)
        n = len(raw)
        if n == 0:
            raise ValueError("ground truth needs at least one image")
        if raw.dtype.kind not in "iu":
            raise ValueError(f"labels must be integers, got {raw.dtype}")
        low, high = int(raw.min()), int(raw.max())
        if low < 0 or high > MAX_CLASSES:
            raise ValueError(f"labels outside 0..{MAX_CLASSES:,}")
        labels = np.ascontiguousarray(raw, dtype=label_dtype_for(high))
        object.__setattr__(self, "labels", labels)
        if self.blacklist is not None:
            mask = np.asarray(self.blacklist, dtype=bool).reshape(-1)
            if len(mask) != n:
                raise ValueError(f"blacklist covers {len(mask)} images, labels {n}")
            if bool(mask.all()):
                raise ValueError("every image is blacklisted")
            object.__setattr__(self, "blacklist", mask)
        if self.boxes is not None:
            if self.boxes.n_images != n:
                raise ValueError(f"boxes are for {self.boxes.n_images} images, labels for {n}")
            covered = np.zeros(n, dtype=bool)
            covered[self.own_boxes[0]] = True
            if self.blacklist is not None:
                covered |= self.blacklist
            missing = np.flatnonzero(~covered) + 1
            if len(missing):
                raise GroundTruthError(
                    [
                        LineError(
                            None,
                            f"{len(missing):,} images have no box of their own class (images {_first_few(missing)}); "
                            "every image that is not blacklisted needs one",
                        )
                    ]
                )

    @property
    def n_images(self) -> int:
        """Number of images."""
        return int(len(self.labels))

    @cached_property
    def own_boxes(self) -> tuple[np.ndarray, np.ndarray]:
        """``(image, coords)`` of the boxes of each image's own class: the only ones localization matches.

        ``image`` is intp (0-based, ascending), ``coords`` ``(m, 4)`` int32; computed once.
        Raises ``ValueError`` when there are no boxes.
        """
        if self.boxes is None:
            raise ValueError("this ground truth has no boxes")
        image = self.boxes.image.astype(np.intp)
        own = self.boxes.label == self.labels[image]
        return image[own], self.boxes.coords[own]


def read_labels(data: bytes, *, class_set: ClassSet, n_images: int | None = None) -> np.ndarray:
    """Read a ground-truth label file: one class id (or WNID) per line, in image order.

    Returns ``(n,)`` ids (``class_set.label_dtype``). Raises :class:`GroundTruthError` with line numbers for a
    bad token, an id outside ``1..n_classes`` (with the 0-based-indices hint for a 0), an
    empty line, more than one id on a line, non-text, or (when ``n_images`` is given) a
    wrong number of lines.
    """
    labels, _ = parse_lines(
        data, boxes=False, n_images=n_images, class_set=class_set, max_guesses=1, error_cls=GroundTruthError
    )
    return np.ascontiguousarray(labels[:, 0])


def read_blacklist(data: bytes, *, n_images: int) -> np.ndarray:
    """Read a blacklist: one 1-based image index per line (repeats are harmless).

    Returns a ``(n_images,)`` bool mask, True for blacklisted images; an empty file gives an
    all-False mask. Raises :class:`GroundTruthError` for a token that is not an integer, an
    index outside ``1..n_images``, an empty line or more than one number on a line.
    """
    if not data.strip(b" \t\r\n" + b"\xef\xbb\xbf"):
        return np.zeros(n_images, dtype=bool)
    body = prepare_body(data, GroundTruthError)
    mask = np.zeros(n_images, dtype=bool)
    problems = ErrorList()
    for number, raw in enumerate(body.split(b"\n"), start=1):
        toks = raw.replace(b"\t", b" ").replace(b"\r", b" ").split(b" ")
        toks = [t for t in toks if t]
        message = None
        if not toks:
            message = "empty line: expected one image index"
        elif len(toks) > 1:
            message = f"{len(toks)} values; expected one image index per line"
        elif not re.fullmatch(rb"[0-9]{1,9}", toks[0]):
            message = f"{_show(toks[0])} is not an image index (an integer 1..{n_images:,})"
        else:
            index = int(toks[0])
            if 1 <= index <= n_images:
                mask[index - 1] = True
            else:
                message = f"image index {index} is outside 1..{n_images:,}"
        if message:
            problems.add(number, message)
    if problems.errors:
        raise GroundTruthError(problems.errors, problems.omitted)
    if bool(mask.all()):
        raise GroundTruthError([LineError(None, "every image is blacklisted")])
    return mask


class _BoxCollector:
    """Accumulates boxes and errors shared by the CSV and XML readers."""

    def __init__(self, class_set: ClassSet, n_images: int) -> None:
        self.class_set = class_set
        self.n_images = n_images
        self.image: list[int] = []
        self.label: list[int] = []
        self.coords: list[tuple[int, int, int, int]] = []
        self.seen: set[int] = set()
        self.problems = ErrorList()
        self.error = self.problems.add

    def image_index(self, image_id: str) -> int | None:
        """0-based index from ``ILSVRC2012_val_00000001`` (or ``1``); None if not an image 1..n, -1 if seen before."""
        m = _IMAGE_ID.fullmatch(image_id.strip())
        if not m:
            return None
        index = int(m.group(1))
        if not 1 <= index <= self.n_images:
            return None
        if index in self.seen:
            return -1
        self.seen.add(index)
        return index - 1

    def add(self, image: int, label_tok: bytes, coord_toks: list[bytes]) -> str | None:
        label = _label(label_tok, self.class_set)
        if isinstance(label, str):
            return label
        values = _coordinates(coord_toks)
        if isinstance(values, str):
            return values
        xmin, ymin, xmax, ymax = values
        if xmin > xmax or ymin > ymax:
            return f"empty box {xmin} {ymin} {xmax} {ymax}: expected xmin <= xmax and ymin <= ymax"
        self.image.append(image)
        self.label.append(label)
        self.coords.append((xmin, ymin, xmax, ymax))
        return None

    def finish(self) -> Boxes:
        missing = [i for i in range(1, self.n_images + 1) if i not in self.seen]
        if missing:
            self.problems.errors.insert(
                0,
                LineError(
                    None, f"no boxes for {len(missing):,} of {self.n_images:,} images (images {_first_few(missing)})"
                ),
            )
        if self.problems.errors:
            raise GroundTruthError(self.problems.errors, self.problems.omitted)
        order = np.argsort(np.asarray(self.image, dtype=np.int32), kind="stable")
        return Boxes(
            image=np.asarray(self.image, dtype=np.int32)[order],
            label=np.asarray(self.label, dtype=self.class_set.label_dtype)[order],
            coords=np.asarray(self.coords, dtype=np.int32).reshape(-1, 4)[order],
            n_images=self.n_images,
        )


def read_boxes_csv(data: bytes, *, class_set: ClassSet, n_images: int) -> Boxes:
    """Read boxes from CSV rows ``ImageId,PredictionString`` (Kaggle ``LOC_val_solution.csv``).

    ``ImageId`` is ``ILSVRC2012_val_00000001`` (any prefix ending in ``_``, optional
    extension) or a plain 1-based index; ``PredictionString`` repeats
    ``label xmin ymin xmax ymax`` with a WNID or class id as label. A header line starting
    with ``ImageId`` is skipped. Every image ``1..n_images`` must appear exactly once.
    Raises :class:`GroundTruthError` with line numbers otherwise.

    Plain files are read without a Python loop per row (:func:`.fastboxes.fast_read_boxes`);
    anything else, including every file with an error, is read line by line.
    """
    body = prepare_body(data, GroundTruthError)
    try:
        fast = fast_read_boxes(body, class_set=class_set, n_images=n_images)
    except Exception:  # pragma: no cover - defensive: the precise reader has the last word
        fast = None
    if fast is not None:
        image, label, coords = fast
        return Boxes(image=image, label=label, coords=coords, n_images=n_images)
    return _read_boxes_csv_lines(body, class_set=class_set, n_images=n_images)


def _read_boxes_csv_lines(body: bytes, *, class_set: ClassSet, n_images: int) -> Boxes:
    """The precise reader of :func:`read_boxes_csv`: one row at a time, every problem named by line."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = body.count(b"\n", 0, exc.start) + 1
        raise GroundTruthError([LineError(bad_line, "not UTF-8 text")]) from None
    out = _BoxCollector(class_set, n_images)
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip()
        if number == 1 and line.lower().startswith("imageid"):
            continue
        if not line:
            out.error(number, "empty line: expected 'ImageId,PredictionString'")
            continue
        if "," not in line:
            out.error(number, f"no comma: expected 'ImageId,PredictionString', got {line[:40]!r}")
            continue
        image_id, boxes = line.split(",", 1)
        index = out.image_index(image_id.strip().strip('"'))
        if index is None:
            out.error(number, f"ImageId {image_id[:40]!r} is not an image 1..{n_images:,}")
            continue
        if index < 0:
            out.error(number, f"ImageId {image_id[:40]!r} is listed twice")
            continue
        toks = [t.encode("utf-8") for t in boxes.strip().strip('"').split()]
        if not toks or len(toks) % 5:
            out.error(number, f"{len(toks)} values: expected groups of 5 'label xmin ymin xmax ymax'")
            continue
        for g in range(0, len(toks), 5):
            problem = out.add(index, toks[g], toks[g + 1 : g + 5])
            if problem:
                out.error(number, f"box {g // 5 + 1}: {problem}")
                break
    return out.finish()


def read_boxes_xml_dir(path: str | os.PathLike[str], *, class_set: ClassSet, n_images: int) -> Boxes:
    """Read boxes from a directory of PASCAL VOC XML files, one per image.

    A file's image index comes from the digits at the end of its name
    (``ILSVRC2012_val_00000001.xml`` -> 1). Each ``<object>`` gives ``<name>`` (a WNID)
    and ``<bndbox>`` with integer ``xmin ymin xmax ymax``. Raises
    :class:`GroundTruthError` naming the file for malformed XML, unknown WNIDs, bad
    coordinates, file names outside ``1..n_images``, or missing images.
    """
    root = Path(path)
    if not root.is_dir():
        raise GroundTruthError([LineError(None, f"{root}: not a directory of XML files")])
    out = _BoxCollector(class_set, n_images)
    for file in sorted(root.glob("*.xml")):
        index = out.image_index(file.stem)
        if index is None:
            out.error(None, f"{file.name}: the name does not end in an image number 1..{n_images:,}")
            continue
        if index < 0:
            out.error(None, f"{file.name}: a second file for the same image")
            continue
        try:
            tree = ET.parse(file)
        except (ET.ParseError, OSError) as exc:
            out.error(None, f"{file.name}: not readable XML ({exc})")
            continue
        for k, obj in enumerate(tree.getroot().iter("object"), start=1):
            name = (obj.findtext("name") or "").strip()
            box = obj.find("bndbox")
            coords = [(box.findtext(t) if box is not None else None) for t in ("xmin", "ymin", "xmax", "ymax")]
            if box is None or any(c is None for c in coords):
                out.error(None, f"{file.name}: object {k} has no complete <bndbox>")
                break
            problem = out.add(index, name.encode("utf-8"), [str(c).strip().encode("utf-8") for c in coords])
            if problem:
                out.error(None, f"{file.name}: object {k}: {problem}")
                break
    return out.finish()


def load_ground_truth(
    labels_path: str | os.PathLike[str],
    *,
    class_set: ClassSet,
    boxes_path: str | os.PathLike[str] | None = None,
    blacklist_path: str | os.PathLike[str] | None = None,
) -> GroundTruth:
    """Read labels, and optionally boxes (a CSV file or an XML directory) and a blacklist.

    Raises :class:`GroundTruthError` for malformed or inconsistent files and ``OSError``
    when a file cannot be read.
    """
    labels = read_labels(Path(labels_path).read_bytes(), class_set=class_set)
    n = len(labels)
    boxes = None
    if boxes_path is not None:
        bp = Path(boxes_path)
        if bp.is_dir():
            boxes = read_boxes_xml_dir(bp, class_set=class_set, n_images=n)
        else:
            boxes = read_boxes_csv(bp.read_bytes(), class_set=class_set, n_images=n)
    blacklist = None
    if blacklist_path is not None:
        blacklist = read_blacklist(Path(blacklist_path).read_bytes(), n_images=n)
    return GroundTruth(labels=labels, boxes=boxes, blacklist=blacklist)
