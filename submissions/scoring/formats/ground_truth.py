"""Ground-truth files, read: labels, boxes (CSV or VOC XML), blacklists, a detection set's image list.

Organizers upload these; every reader raises :class:`.errors.GroundTruthError` with line numbers
(or file names) and what was expected, never a bare exception.

* labels: one class id or WNID per line, in image order (the prediction format with one guess);
* localization boxes: ``ImageId,PredictionString`` rows or VOC XML files (:mod:`.box_rows`,
  plain CSV files without a Python loop per row by :mod:`.box_rows_fast`);
* a localization blacklist: 1-based image indices, one per line;
* a detection set: its image list (``<name> <index>`` lines, the devkit's ``val.txt``), its
  boxes (the same rows or XML files, images named as in the list, an image may have none) and
  its blacklist (``<image_index> <class_id or wnid>`` lines).
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import ErrorList, GroundTruthError, LineError
from ..truth import Boxes, DetectionTruth, GroundTruth, ImageList
from .box_rows import NamedImages, NumberedImages, read_box_rows, read_voc_folder
from .box_rows_fast import fast_read_boxes
from .streams import parse_lines
from .text import TRAILING, check_text, file_body, prepare_body, show, tokens_of

__all__ = [
    "load_detection_truth",
    "load_ground_truth",
    "read_blacklist",
    "read_boxes_csv",
    "read_boxes_xml_dir",
    "read_detection_blacklist",
    "read_detection_boxes_csv",
    "read_detection_boxes_xml_dir",
    "read_detection_truth",
    "read_image_list",
    "read_labels",
]

_INDEX = re.compile(r"[0-9]{1,9}")
_INDEX_BYTES = re.compile(rb"[0-9]{1,9}")


def _lines(data: bytes) -> list[str]:
    """The lines of a small text file (BOM and trailing whitespace dropped); [] for an empty file."""
    body = file_body(data, GroundTruthError)
    check_text(body, GroundTruthError)
    return body.decode("utf-8").split("\n") if body else []


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
    """Read a blacklist: one 1-based image index per line, each image once.

    Returns a ``(n_images,)`` bool mask, True for blacklisted images; an empty file gives an
    all-False mask. Raises :class:`GroundTruthError` for a token that is not an integer, an
    index outside ``1..n_images``, an empty line, more than one number on a line, or an index
    listed twice: the devkit's eval_clsloc.m divides by N minus the blacklist's length, counting
    a repeat, where the error over the images left is ours.
    """
    if not data.strip(TRAILING + b"\xef\xbb\xbf"):
        return np.zeros(n_images, dtype=bool)
    body = prepare_body(data, GroundTruthError)
    mask = np.zeros(n_images, dtype=bool)
    first_line: dict[int, int] = {}
    problems = ErrorList()
    for number, raw in enumerate(body.split(b"\n"), start=1):
        toks = tokens_of(raw)
        message = None
        if not toks:
            message = "empty line: expected one image index"
        elif len(toks) > 1:
            message = f"{len(toks)} values; expected one image index per line"
        elif not _INDEX_BYTES.fullmatch(toks[0]):
            message = f"{show(toks[0])} is not an image index (an integer 1..{n_images:,})"
        else:
            index = int(toks[0])
            if not 1 <= index <= n_images:
                message = f"image index {index} is outside 1..{n_images:,}"
            elif index in first_line:
                message = f"image index {index} is already listed on line {first_line[index]}; list each image once"
            else:
                mask[index - 1] = True
                first_line[index] = number
        if message:
            problems.add(number, message)
    if problems.errors:
        raise GroundTruthError(problems.errors, problems.omitted)
    if bool(mask.all()):
        raise GroundTruthError([LineError(None, "every image is blacklisted")])
    return mask


def read_boxes_csv(data: bytes, *, class_set: ClassSet, n_images: int) -> Boxes:
    """Read boxes from CSV rows ``ImageId,PredictionString`` (Kaggle ``LOC_val_solution.csv``).

    ``ImageId`` is ``ILSVRC2012_val_00000001`` (any prefix ending in ``_``, optional
    extension) or a plain 1-based index; ``PredictionString`` repeats
    ``label xmin ymin xmax ymax`` with a WNID or class id as label. A header line starting
    with ``ImageId`` is skipped. Every image ``1..n_images`` must appear exactly once.
    Raises :class:`GroundTruthError` with line numbers otherwise.

    Plain files are read without a Python loop per row (:func:`.box_rows_fast.fast_read_boxes`);
    anything else, including every file with an error, is read line by line.
    """
    body = prepare_body(data, GroundTruthError)
    try:
        fast = fast_read_boxes(body, class_set=class_set, n_images=n_images)
    except Exception:  # pragma: no cover - defensive: the precise reader has the last word
        fast = None
    if fast is None:
        fast = read_box_rows(body, images=NumberedImages(n_images), class_set=class_set)
    image, label, coords = fast
    return Boxes(image=image, label=label, coords=coords, n_images=n_images)


def read_boxes_xml_dir(path: str | os.PathLike[str], *, class_set: ClassSet, n_images: int) -> Boxes:
    """Read boxes from a directory of PASCAL VOC XML files, one per image.

    A file's image index comes from the digits at the end of its name
    (``ILSVRC2012_val_00000001.xml`` -> 1). Each ``<object>`` gives ``<name>`` (a WNID)
    and ``<bndbox>`` with integer ``xmin ymin xmax ymax``. Raises
    :class:`GroundTruthError` naming the file for malformed XML, unknown WNIDs, bad
    coordinates, file names outside ``1..n_images``, or missing images.
    """
    image, label, coords = read_voc_folder(path, images=NumberedImages(n_images), class_set=class_set)
    return Boxes(image=image, label=label, coords=coords, n_images=n_images)


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


def read_image_list(data: bytes) -> ImageList:
    """Read ``<name> <index>`` lines (the devkit's ``val.txt``) into an :class:`ImageList`.

    Raises :class:`GroundTruthError` for an empty file, a line without exactly two fields,
    an index that is not an integer ``1..n`` (``n`` = the number of lines), an index or a
    name listed twice.
    """
    lines = _lines(data)
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
        if not _INDEX.fullmatch(token) or not 1 <= int(token) <= n:
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


def read_detection_boxes_csv(data: bytes, *, images: ImageList, class_set: ClassSet) -> DetectionTruth:
    """Read ``ImageId,PredictionString`` rows (a header starting with ``ImageId`` is skipped).

    ``PredictionString`` repeats ``wnid xmin ymin xmax ymax`` (a class id may stand for the
    WNID) and is empty for an image with no object. Every listed image needs exactly one
    row. Raises :class:`GroundTruthError` with line numbers otherwise.
    """
    image, label, boxes = read_box_rows(file_body(data, GroundTruthError), images=NamedImages(images),
                                        class_set=class_set)
    return DetectionTruth(n_images=images.n_images, image=image, label=label, boxes=boxes, names=images.names)


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
    image, label, boxes = read_voc_folder(path, images=NamedImages(images), class_set=class_set)
    return DetectionTruth(n_images=images.n_images, image=image, label=label, boxes=boxes, names=images.names)


def read_detection_blacklist(data: bytes, *, n_images: int, class_set: ClassSet) -> np.ndarray:
    """Read ``<image_index> <class_id or wnid>`` lines into ``(k, 2)`` int32 pairs.

    Pairs are ``(0-based image, class id)``, sorted; an empty file gives no pairs. Raises
    :class:`GroundTruthError` with line numbers for a line without two fields, an index outside
    ``1..n_images``, an unknown class, or a pair listed twice (under its id or its WNID).
    """
    pairs: list[tuple[int, int]] = []
    first_line: dict[tuple[int, int], int] = {}
    problems = ErrorList()
    n = class_set.n_classes
    for number, line in enumerate(_lines(data), start=1):
        fields = line.split()
        if len(fields) != 2:
            problems.add(number, f"{len(fields)} fields; expected '<image_index> <class_id or wnid>'")
            continue
        token, label = fields
        cid = class_set.wnid_to_id.get(label)
        if cid is None and _INDEX.fullmatch(label) and 1 <= int(label) <= n:
            cid = int(label)
        if not _INDEX.fullmatch(token) or not 1 <= int(token) <= n_images:
            problems.add(number, f"image index {token[:24]!r} is not an integer 1..{n_images:,}")
        elif cid is None:
            problems.add(number, f"{label[:24]!r} is not a class id 1..{n} or the WNID of a class")
        elif (int(token), cid) in first_line:
            problems.add(number, f"image {int(token)} with class {class_set.wnids[cid - 1]} is already listed on "
                                 f"line {first_line[int(token), cid]}; list each pair once")
        else:
            pairs.append((int(token) - 1, cid))
            first_line[int(token), cid] = number
    if problems.errors:
        raise GroundTruthError(problems.errors, problems.omitted)
    return np.unique(np.array(pairs, dtype=np.int32).reshape(-1, 2), axis=0)


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
