"""Object detection (DET) ground truth: the image list, the boxes and the blacklist.

* image list: ``<name> <index>`` a line, like the devkit's ``val.txt``; the indices are
  exactly ``1..n`` (each once, in any order) and the names are unique;
* boxes: CSV rows ``ImageId,PredictionString`` (``ImageId`` is a name from the list,
  ``PredictionString`` repeats ``wnid xmin ymin xmax ymax``, empty for an image with no
  object), or a folder of the devkit's PASCAL-style XML files, one per image, named after it;
  every listed image needs its row or file;
* blacklist: ``<image_index> <class_id or wnid>`` a line: the (image, class) pairs whose
  detections and boxes are left out, as the devkit's readme describes.

Box coordinates are non-negative integers (inclusive pixels, at most 8 digits) with
``xmin <= xmax``, ``ymin <= ymax`` and an area ``w * h`` of at most 2**28 pixels (a
16384 x 16384 box), which keeps every exact IoU comparison inside 64-bit integers.
Every reader raises :class:`GroundTruthError` with line numbers (or file names).
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import numpy as np

from .detection_bootstrap import CLASS_KEY, DetectionPositives
from .errors import MAX_REPORTED_ERRORS, ErrorList, GroundTruthError, LineError
from .hierarchy import ClassSet

__all__ = [
    "MAX_BOX_AREA",
    "DetectionTruth",
    "ImageList",
    "detection_class_set",
    "load_detection_truth",
    "read_detection_blacklist",
    "read_detection_boxes_csv",
    "read_detection_boxes_xml_dir",
    "read_detection_truth",
    "read_image_list",
]

#: The largest ground-truth box area (pixels) accepted: exact IoU tests then fit int64.
MAX_BOX_AREA = 1 << 28

_INT = re.compile(r"[0-9]{1,9}")
_COORD = re.compile(r"[0-9]{1,8}")
_WNID = re.compile(r"n[0-9]{8}")


def detection_class_set(wnids: Sequence[str]) -> ClassSet:
    """A flat class set (no hierarchy) for detection: class id ``k`` is ``wnids[k - 1]``.

    Raises ``ValueError`` for WNIDs that are malformed or not unique.
    """
    return ClassSet(list(wnids), {}, {i: 0 for i in range(1, len(wnids) + 1)})


def _lines(data: bytes, what: str) -> list[str]:
    """The lines of a text file (BOM and trailing whitespace removed); [] for an empty file."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise GroundTruthError([LineError(None, f"the {what} is UTF-16 text; save it as ASCII or UTF-8")])
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    body = data.rstrip(b" \t\r\n")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        raise GroundTruthError([LineError(line, f"the {what} is not UTF-8 text")]) from None
    if "\x00" in text:
        raise GroundTruthError([LineError(text[: text.index("\x00")].count("\n") + 1, "NUL byte: not a text file")])
    return text.split("\n") if text else []


def _first_few(items: Sequence[object]) -> str:
    shown = ", ".join(str(i) for i in items[:MAX_REPORTED_ERRORS])
    return shown + (", ..." if len(items) > MAX_REPORTED_ERRORS else "")


@dataclass(frozen=True, eq=False)
class ImageList:
    """The images of a detection set: ``names[i]`` is image index ``i + 1``."""

    names: tuple[str, ...]

    @property
    def n_images(self) -> int:
        """Number of images."""
        return len(self.names)

    @cached_property
    def index_of(self) -> dict[str, int]:
        """Image name -> 0-based index."""
        return {name: i for i, name in enumerate(self.names)}


def read_image_list(data: bytes) -> ImageList:
    """Read ``<name> <index>`` lines (the devkit's ``val.txt``) into an :class:`ImageList`.

    Raises :class:`GroundTruthError` for an empty file, a line without exactly two fields,
    an index that is not an integer ``1..n`` (``n`` = the number of lines), an index or a
    name listed twice.
    """
    lines = _lines(data, "image list")
    if not lines:
        raise GroundTruthError([LineError(None, "the image list is empty: expected '<name> <index>' lines")])
    n = len(lines)
    names: list[str | None] = [None] * n
    line_of_name: dict[str, int] = {}
    problems = ErrorList()
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if len(fields) != 2:
            problems.add(number, f"{len(fields)} fields; expected '<name> <index>'")
            continue
        name, token = fields
        if not _INT.fullmatch(token) or not 1 <= int(token) <= n:
            problems.add(number, f"index {token[:24]!r} is not an integer 1..{n:,} (the number of images listed)")
        elif names[int(token) - 1] is not None:
            problems.add(number, f"index {int(token)} is listed twice")
        elif name in line_of_name:
            problems.add(number, f"image {name[:40]!r} is already listed on line {line_of_name[name]}")
        else:
            names[int(token) - 1] = name
            line_of_name[name] = number
    if problems.errors:
        raise GroundTruthError(problems.errors, problems.omitted)
    return ImageList(tuple(str(name) for name in names))


class _Collector:
    """Boxes and problems shared by the CSV and XML readers."""

    def __init__(self, images: ImageList, class_set: ClassSet) -> None:
        self.images = images
        self.class_set = class_set
        self.seen = np.zeros(images.n_images, dtype=bool)
        self.rows: list[tuple[int, int, int, int, int, int]] = []
        self.problems = ErrorList()

    def image(self, name: str) -> int | str:
        """0-based index of an image name, or why it is not usable."""
        index = self.images.index_of.get(name)
        if index is None:
            return f"image {name[:40]!r} is not in the image list"
        if self.seen[index]:
            return f"image {name[:40]!r} appears twice"
        self.seen[index] = True
        return index

    def add(self, image: int, label: str, coords: Sequence[str]) -> str | None:
        """Add one box; return why it is bad, or None."""
        cid = self.class_set.wnid_to_id.get(label)
        if cid is None and _INT.fullmatch(label) and 1 <= int(label) <= self.class_set.n_classes:
            cid = int(label)
        if cid is None:
            n = self.class_set.n_classes
            if _WNID.fullmatch(label):
                return f"unknown WNID {label}: not one of the {n} classes"
            return f"{label[:24]!r} is not a WNID or a class id 1..{n}"
        bad = next((c for c in coords if not _COORD.fullmatch(c)), None)
        if bad is not None:
            return f"coordinate {bad[:24]!r} is not a non-negative integer of at most 8 digits"
        x1, y1, x2, y2 = (int(c) for c in coords)
        if x2 < x1 or y2 < y1:
            return f"empty box {x1} {y1} {x2} {y2}: expected xmin <= xmax and ymin <= ymax"
        if (x2 - x1 + 1) * (y2 - y1 + 1) > MAX_BOX_AREA:
            return f"box {x1} {y1} {x2} {y2} is larger than {MAX_BOX_AREA:,} pixels"
        self.rows.append((image, cid, x1, y1, x2, y2))
        return None

    def finish(self, blacklist: np.ndarray | None = None) -> DetectionTruth:
        missing = np.flatnonzero(~self.seen)
        if len(missing):
            names = [self.images.names[i] for i in missing[: MAX_REPORTED_ERRORS + 1]]
            message = f"no boxes given for {len(missing):,} of {self.images.n_images:,} images ({_first_few(names)})"
            self.problems.errors.insert(0, LineError(None, message))
        if self.problems.errors:
            raise GroundTruthError(self.problems.errors, self.problems.omitted)
        table = np.array(self.rows, dtype=np.int64).reshape(-1, 6)
        return DetectionTruth(
            n_images=self.images.n_images,
            image=table[:, 0],
            label=table[:, 1],
            boxes=table[:, 2:],
            blacklist=blacklist,
            names=self.images.names,
        )


def read_detection_boxes_csv(data: bytes, *, images: ImageList, class_set: ClassSet) -> DetectionTruth:
    """Read ``ImageId,PredictionString`` rows (a header starting with ``ImageId`` is skipped).

    ``PredictionString`` repeats ``wnid xmin ymin xmax ymax`` (a class id may stand for the
    WNID) and is empty for an image with no object. Every listed image needs exactly one
    row. Raises :class:`GroundTruthError` with line numbers otherwise.
    """
    out = _Collector(images, class_set)
    for number, line in enumerate(_lines(data, "boxes file"), start=1):
        line = line.strip()
        if number == 1 and line.lower().startswith("imageid"):
            continue
        if not line:
            out.problems.add(number, "empty line: expected 'ImageId,PredictionString'")
            continue
        if "," not in line:
            out.problems.add(number, f"no comma: expected 'ImageId,PredictionString', got {line[:40]!r}")
            continue
        name, boxes = line.split(",", 1)
        index = out.image(name.strip().strip('"'))
        if isinstance(index, str):
            out.problems.add(number, index)
            continue
        fields = boxes.strip().strip('"').split()
        if len(fields) % 5:
            out.problems.add(number, f"{len(fields)} values: expected groups of 5 'wnid xmin ymin xmax ymax'")
            continue
        for g in range(0, len(fields), 5):
            problem = out.add(index, fields[g], fields[g + 1 : g + 5])
            if problem:
                out.problems.add(number, f"box {g // 5 + 1}: {problem}")
                break
    return out.finish()


def read_detection_boxes_xml_dir(
    path: str | os.PathLike[str], *, images: ImageList, class_set: ClassSet
) -> DetectionTruth:
    """Read the devkit's PASCAL-style XML files: ``<name>.xml`` for every listed image.

    Files are found recursively; a file's path relative to ``path``, without ``.xml``, is the
    image name. Each ``<object>`` gives ``<name>`` (a WNID) and ``<bndbox>`` with
    ``xmin ymin xmax ymax``; a file without objects is an image with no object. Raises
    :class:`GroundTruthError` naming the file for malformed XML, unknown names or WNIDs,
    bad boxes, and listing images without a file.
    """
    root = Path(path)
    if not root.is_dir():
        raise GroundTruthError([LineError(None, f"{root}: not a directory of XML files")])
    out = _Collector(images, class_set)
    for file in sorted(root.rglob("*.xml")):
        rel = file.relative_to(root).with_suffix("").as_posix()
        index = out.image(rel)
        if isinstance(index, str):
            out.problems.add(None, f"{rel}.xml: {index}")
            continue
        try:
            tree = ET.parse(file)
        except (ET.ParseError, OSError) as exc:
            out.problems.add(None, f"{rel}.xml: not readable XML ({exc})")
            continue
        for k, obj in enumerate(tree.getroot().iter("object"), start=1):
            box = obj.find("bndbox")
            coords = [box.findtext(t) if box is not None else None for t in ("xmin", "ymin", "xmax", "ymax")]
            if any(c is None for c in coords):
                out.problems.add(None, f"{rel}.xml: object {k} has no complete <bndbox>")
                break
            problem = out.add(index, (obj.findtext("name") or "").strip(), [str(c).strip() for c in coords])
            if problem:
                out.problems.add(None, f"{rel}.xml: object {k}: {problem}")
                break
    return out.finish()


def read_detection_blacklist(data: bytes, *, n_images: int, class_set: ClassSet) -> np.ndarray:
    """Read ``<image_index> <class_id or wnid>`` lines into ``(k, 2)`` int32 pairs.

    Pairs are ``(0-based image, class id)``, sorted and unique (repeats are harmless); an
    empty file gives no pairs. Raises :class:`GroundTruthError` with line numbers for a line
    without two fields, an index outside ``1..n_images``, an unknown class.
    """
    pairs: list[tuple[int, int]] = []
    problems = ErrorList()
    n = class_set.n_classes
    for number, line in enumerate(_lines(data, "blacklist"), start=1):
        fields = line.split()
        if len(fields) != 2:
            problems.add(number, f"{len(fields)} fields; expected '<image_index> <class_id or wnid>'")
            continue
        token, label = fields
        cid = class_set.wnid_to_id.get(label)
        if cid is None and _INT.fullmatch(label) and 1 <= int(label) <= n:
            cid = int(label)
        if not _INT.fullmatch(token) or not 1 <= int(token) <= n_images:
            problems.add(number, f"image index {token[:24]!r} is not an integer 1..{n_images:,}")
        elif cid is None:
            problems.add(number, f"{label[:24]!r} is not a class id 1..{n} or the WNID of a class")
        else:
            pairs.append((int(token) - 1, cid))
    if problems.errors:
        raise GroundTruthError(problems.errors, problems.omitted)
    return np.unique(np.array(pairs, dtype=np.int32).reshape(-1, 2), axis=0)


@dataclass(frozen=True, eq=False)
class DetectionTruth:
    """Ground-truth boxes of a detection set, and its blacklist.

    Box ``k`` is of class ``label[k]`` (int16 id) in image ``image[k]`` (int32, 0-based),
    ``boxes[k]`` = ``xmin ymin xmax ymax`` (int32, inclusive pixels). Boxes are kept sorted
    by image, each image's boxes in file order: that order breaks IoU ties in matching.
    ``blacklist``: ``(k, 2)`` pairs ``(image, class id)``. ``names``: the image names, if known.
    Raises ``ValueError`` for inconsistent arrays, out-of-range values, empty or too large boxes.
    """

    n_images: int
    image: np.ndarray
    label: np.ndarray
    boxes: np.ndarray
    blacklist: np.ndarray | None = None
    names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        image = np.asarray(self.image, dtype=np.int64).reshape(-1)
        label = np.asarray(self.label, dtype=np.int64).reshape(-1)
        boxes = np.asarray(self.boxes, dtype=np.int64).reshape(-1, 4)
        if not len(image) == len(label) == len(boxes):
            raise ValueError("image, label and boxes must have the same length")
        if self.n_images < 1 or (self.names is not None and len(self.names) != self.n_images):
            raise ValueError("a detection set needs n_images >= 1 (and one name per image)")
        if len(image) and (min(image.min(), label.min() - 1) < 0 or image.max() >= self.n_images):
            raise ValueError("box image or class id out of range")
        if len(label) and label.max() >= CLASS_KEY:
            raise ValueError(f"class ids must be below {CLASS_KEY}")
        w, h = boxes[:, 2] - boxes[:, 0] + 1, boxes[:, 3] - boxes[:, 1] + 1
        if len(boxes) and (boxes.min() < 0 or (w < 1).any() or (h < 1).any() or (w * h > MAX_BOX_AREA).any()):
            raise ValueError(f"boxes must be non-negative, non-empty and at most {MAX_BOX_AREA} pixels")
        order = np.argsort(image, kind="stable")
        object.__setattr__(self, "image", image[order].astype(np.int32))
        object.__setattr__(self, "label", label[order].astype(np.int16))
        object.__setattr__(self, "boxes", boxes[order].astype(np.int32))
        pairs = np.zeros((0, 2), np.int32) if self.blacklist is None else np.asarray(self.blacklist).reshape(-1, 2)
        if len(pairs) and (pairs[:, 0].min() < 0 or pairs[:, 0].max() >= self.n_images or pairs[:, 1].min() < 1):
            raise ValueError("blacklist pair out of range")
        object.__setattr__(self, "blacklist", np.unique(pairs.astype(np.int32), axis=0))

    def __len__(self) -> int:
        return int(len(self.image))

    @cached_property
    def blacklist_keys(self) -> np.ndarray:
        """Sorted int64 keys ``image * CLASS_KEY + class id`` of the blacklisted pairs."""
        return np.unique(self.blacklist[:, 0].astype(np.int64) * CLASS_KEY + self.blacklist[:, 1])

    @cached_property
    def kept(self) -> np.ndarray:
        """Mask of the boxes outside blacklisted pairs (the positives)."""
        keys = self.image.astype(np.int64) * CLASS_KEY + self.label
        return ~np.isin(keys, self.blacklist_keys)

    def positives(self, n_classes: int) -> DetectionPositives:
        """Per (image, class) the number of boxes that count, for ``n_classes`` classes.

        Raises ``ValueError`` if a box has a class id above ``n_classes``.
        """
        if len(self.label) and int(self.label.max()) > n_classes:
            raise ValueError(f"a ground-truth box has a class id above {n_classes}")
        return DetectionPositives.from_boxes(self.image[self.kept], self.label[self.kept], self.n_images, n_classes)


def load_detection_truth(
    image_list_path: str | os.PathLike[str],
    boxes_path: str | os.PathLike[str],
    *,
    class_set: ClassSet,
    blacklist_path: str | os.PathLike[str] | None = None,
) -> DetectionTruth:
    """Read the image list, the boxes (a CSV file or an XML folder) and optionally a blacklist.

    Raises :class:`GroundTruthError` for malformed files, ``OSError`` when one cannot be read.
    """
    blacklist = None if blacklist_path is None else Path(blacklist_path).read_bytes()
    bp = Path(boxes_path)
    if not bp.is_dir():
        return read_detection_truth(Path(image_list_path).read_bytes(), bp.read_bytes(), class_set=class_set,
                                    blacklist=blacklist)
    images = read_image_list(Path(image_list_path).read_bytes())
    return _with_blacklist(read_detection_boxes_xml_dir(bp, images=images, class_set=class_set), blacklist, class_set)


def read_detection_truth(
    image_list: bytes, boxes_csv: bytes, *, class_set: ClassSet, blacklist: bytes | None = None
) -> DetectionTruth:
    """The ground truth of a detection set from the bytes of its image list, its boxes CSV and
    optionally its blacklist (what the site stores for a split).

    Raises :class:`GroundTruthError` for malformed files.
    """
    images = read_image_list(image_list)
    return _with_blacklist(read_detection_boxes_csv(boxes_csv, images=images, class_set=class_set), blacklist,
                           class_set)


def _with_blacklist(truth: DetectionTruth, blacklist: bytes | None, class_set: ClassSet) -> DetectionTruth:
    if blacklist is None:
        return truth
    return replace(truth, blacklist=read_detection_blacklist(blacklist, n_images=truth.n_images, class_set=class_set))
