"""Ground-truth boxes, read precisely: ``ImageId,PredictionString`` rows or a folder of PASCAL VOC XML
files, one reader for localization and detection alike.

A CSV row is ``<ImageId>,<label> <xmin> <ymin> <xmax> <ymax> ...`` (a header starting with
``ImageId`` is skipped; quotes around either field are dropped); an XML file holds
``<object><name>label</name><bndbox>...</bndbox></object>`` elements. Either way a label is a
class id or a leaf WNID (:func:`.tokens.class_id_of`), a coordinate a non-negative integer of at
most 8 digits, a box has ``xmin <= xmax``, ``ymin <= ymax`` and at most
:data:`.truth.MAX_BOX_AREA` pixels, and every image needs exactly one row or file.

What differs between the two tasks is only how an image is named: by the number its ImageId
ends with (localization, :class:`NumberedImages`) or by its name in an image list (detection,
:class:`NamedImages`); and whether an image may have no box (detection). Every problem is
reported with its line (or file) and what was expected, as a :class:`.errors.GroundTruthError`.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import MAX_REPORTED_ERRORS, ErrorList, GroundTruthError, LineError, first_few
from ..truth import MAX_BOX_AREA, ImageList
from .text import show
from .tokens import class_id_of

__all__ = ["BoxTable", "NamedImages", "NumberedImages", "box_coordinates", "read_box_rows", "read_voc_folder"]

_IMAGE_NUMBER = re.compile(r"(?:.*_)?0*([0-9]{1,9})(?:\.[A-Za-z]+)?")
_COORDINATE = re.compile(rb"[0-9]{1,8}")
_FIELDS = ("xmin", "ymin", "xmax", "ymax")

BoxTable = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(image, label, coords)``: 0-based int32 images (ascending; each image's boxes in file order),
class ids (the class set's label dtype) and ``(m, 4)`` int32 ``xmin ymin xmax ymax``."""


class NumberedImages:
    """Localization's images ``1..n``, named by the number an ImageId or file name ends with
    (``ILSVRC2012_val_00000001``, ``1``, ``val_7.JPEG``)."""

    group = "label xmin ymin xmax ymax"
    allow_no_box = False

    def __init__(self, n_images: int) -> None:
        self.n_images = n_images

    def number(self, key: str) -> int | None:
        """The 0-based index a key names, or None."""
        m = _IMAGE_NUMBER.fullmatch(key.strip())
        if not m or not 1 <= int(m.group(1)) <= self.n_images:
            return None
        return int(m.group(1)) - 1

    def row_image(self, image_id: str) -> int | str:
        """The image of a CSV row's ImageId, or why it names none."""
        index = self.number(image_id.strip().strip('"'))
        return f"ImageId {image_id[:40]!r} is not an image 1..{self.n_images:,}" if index is None else index

    def row_repeated(self, image_id: str) -> str:
        return f"ImageId {image_id[:40]!r} is listed twice"

    def xml_files(self, root: Path) -> Iterator[tuple[str, int | str]]:
        """``(file name, image or why it names none)`` of the XML files directly in ``root``."""
        for file in sorted(root.glob("*.xml")):
            index = self.number(file.stem)
            yield file.name, (f"the name does not end in an image number 1..{self.n_images:,}" if index is None
                              else index)

    def xml_repeated(self, name: str) -> str:
        return f"{name}: a second file for the same image"

    def missing(self, missing: np.ndarray) -> str:
        return (f"no boxes for {len(missing):,} of {self.n_images:,} images "
                f"(images {first_few((missing + 1).tolist())})")


class NamedImages:
    """Detection's images, named as in their image list; an image may have no box."""

    group = "wnid xmin ymin xmax ymax"
    allow_no_box = True

    def __init__(self, images: ImageList) -> None:
        self.images = images
        self.n_images = images.n_images

    def row_image(self, image_id: str) -> int | str:
        name = image_id.strip().strip('"')
        index = self.images.index_of.get(name)
        return f"image {name[:40]!r} is not in the image list" if index is None else index

    def row_repeated(self, image_id: str) -> str:
        return f"image {image_id.strip().strip(chr(34))[:40]!r} appears twice"

    def xml_files(self, root: Path) -> Iterator[tuple[str, int | str]]:
        """``(file name, image or why it names none)`` of the XML files under ``root`` (recursively,
        named by their path without ``.xml``)."""
        for file in sorted(root.rglob("*.xml")):
            rel = file.relative_to(root).with_suffix("").as_posix()
            index = self.images.index_of.get(rel)
            yield f"{rel}.xml", (f"image {rel[:40]!r} is not in the image list" if index is None else index)

    def xml_repeated(self, name: str) -> str:
        return f"{name}: image {name[:-4][:40]!r} appears twice"

    def missing(self, missing: np.ndarray) -> str:
        names = [self.images.names[i] for i in missing[: MAX_REPORTED_ERRORS + 1].tolist()]
        return f"no boxes given for {len(missing):,} of {self.n_images:,} images ({first_few(names)})"


Images = NumberedImages | NamedImages


def box_coordinates(tokens: Sequence[bytes]) -> list[int] | str:
    """The pixel coordinates of a ground-truth box, or why the first bad token is not one."""
    bad = next((t for t in tokens if not _COORDINATE.fullmatch(t)), None)
    if bad is not None:
        return f"coordinate {show(bad)} is not a non-negative integer of at most 8 digits"
    return [int(t) for t in tokens]


class _Collector:
    """The boxes read so far and the problems found, for one file or folder."""

    def __init__(self, images: Images, class_set: ClassSet) -> None:
        self.images, self.class_set = images, class_set
        self.seen = np.zeros(images.n_images, dtype=bool)
        self.rows: list[tuple[int, int, int, int, int, int]] = []
        self.problems = ErrorList()

    def claim(self, index: int) -> bool:
        """Mark an image as given; False if it was given before."""
        if self.seen[index]:
            return False
        self.seen[index] = True
        return True

    def add(self, image: int, label_token: bytes, coordinate_tokens: Sequence[bytes]) -> str | None:
        """Add one box; return why it is bad, or None."""
        label = class_id_of(label_token, self.class_set)
        if isinstance(label, str):
            return label
        coords = box_coordinates(coordinate_tokens)
        if isinstance(coords, str):
            return coords
        x1, y1, x2, y2 = coords
        if x1 > x2 or y1 > y2:
            return f"empty box {x1} {y1} {x2} {y2}: expected xmin <= xmax and ymin <= ymax"
        if (x2 - x1 + 1) * (y2 - y1 + 1) > MAX_BOX_AREA:
            return f"box {x1} {y1} {x2} {y2} is larger than {MAX_BOX_AREA:,} pixels"
        self.rows.append((image, label, x1, y1, x2, y2))
        return None

    def finish(self) -> BoxTable:
        missing = np.flatnonzero(~self.seen)
        if len(missing):
            self.problems.errors.insert(0, LineError(None, self.images.missing(missing)))
        if self.problems.errors:
            raise GroundTruthError(self.problems.errors, self.problems.omitted)
        table = np.array(self.rows, dtype=np.int64).reshape(-1, 6)
        order = np.argsort(table[:, 0], kind="stable")
        table = table[order]
        return (table[:, 0].astype(np.int32), table[:, 1].astype(self.class_set.label_dtype),
                table[:, 2:].astype(np.int32))


def read_box_rows(body: bytes, *, images: Images, class_set: ClassSet) -> BoxTable:
    """Read ``ImageId,PredictionString`` rows (``body`` from :func:`.text.file_body`) one at a time.

    Raises :class:`GroundTruthError` naming each bad line (at most the first few, counting the
    rest) and the images without a row.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = body.count(b"\n", 0, exc.start) + 1
        raise GroundTruthError([LineError(bad_line, "not UTF-8 text")]) from None
    out = _Collector(images, class_set)
    for number, line in enumerate(text.split("\n") if text else [], start=1):
        line = line.strip()
        if number == 1 and line.lower().startswith("imageid"):
            continue
        if not line:
            out.problems.add(number, "empty line: expected 'ImageId,PredictionString'")
            continue
        if "," not in line:
            out.problems.add(number, f"no comma: expected 'ImageId,PredictionString', got {line[:40]!r}")
            continue
        image_id, boxes = line.split(",", 1)
        index = images.row_image(image_id)
        if isinstance(index, str):
            out.problems.add(number, index)
            continue
        if not out.claim(index):
            out.problems.add(number, images.row_repeated(image_id))
            continue
        tokens = [t.encode("utf-8") for t in boxes.strip().strip('"').split()]
        if len(tokens) % 5 or not (tokens or images.allow_no_box):
            out.problems.add(number, f"{len(tokens)} values: expected groups of 5 '{images.group}'")
            continue
        for g in range(0, len(tokens), 5):
            problem = out.add(index, tokens[g], tokens[g + 1 : g + 5])
            if problem:
                out.problems.add(number, f"box {g // 5 + 1}: {problem}")
                break
    return out.finish()


def read_voc_folder(path: str | os.PathLike[str], *, images: Images, class_set: ClassSet) -> BoxTable:
    """Read a folder of PASCAL VOC XML files, one per image: each ``<object>`` gives ``<name>``
    (a WNID or class id) and ``<bndbox>`` with ``xmin ymin xmax ymax``; a file without objects is
    an image without boxes (for detection).

    Raises :class:`GroundTruthError` naming the file for malformed XML, bad names, labels or
    coordinates, and listing the images without a file.
    """
    root = Path(path)
    if not root.is_dir():
        raise GroundTruthError([LineError(None, f"{root}: not a directory of XML files")])
    out = _Collector(images, class_set)
    for name, index in images.xml_files(root):
        if isinstance(index, str):
            out.problems.add(None, f"{name}: {index}")
            continue
        if not out.claim(index):
            out.problems.add(None, images.xml_repeated(name))
            continue
        try:
            tree = ET.parse(root / name)
        except (ET.ParseError, OSError) as exc:
            out.problems.add(None, f"{name}: not readable XML ({exc})")
            continue
        for k, obj in enumerate(tree.getroot().iter("object"), start=1):
            box = obj.find("bndbox")
            coords = [box.findtext(t) if box is not None else None for t in _FIELDS]
            if any(c is None for c in coords):
                out.problems.add(None, f"{name}: object {k} has no complete <bndbox>")
                break
            label = (obj.findtext("name") or "").strip().encode("utf-8")
            problem = out.add(index, label, [str(c).strip().encode("utf-8") for c in coords])
            if problem:
                out.problems.add(None, f"{name}: object {k}: {problem}")
                break
    return out.finish()
