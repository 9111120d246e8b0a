"""Ground truth: what the metrics compare a file against, with the invariants every reader relies on.

* :class:`GroundTruth`: one label per image, optional :class:`Boxes` (localization) and an
  optional blacklist of images (left out of the localization error);
* :class:`DetectionTruth`: the boxes of a detection set, sorted by image (each image's boxes
  in file order, which breaks IoU ties in matching), with its blacklist of (image, class)
  pairs; :class:`ImageList` names its images; :class:`DetectionPositives` counts the positive
  boxes per (image, class), all that average precision needs of it;
* :class:`LabelRevision`: revised classification labels ("ReaL", Beyer et al. 2020), several
  valid labels per image and the images left out, in CSR layout: per image a set of valid
  class ids (``offsets`` + ``labels``) and a ``kept`` mask.

The files these come from are read by :mod:`.formats.ground_truth`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np

from .classes.class_set import MAX_CLASSES, label_dtype_for
from .errors import GroundTruthError, LineError, first_few

__all__ = [
    "CLASS_KEY",
    "MAX_BOX_AREA",
    "Boxes",
    "DetectionPositives",
    "DetectionTruth",
    "GroundTruth",
    "ImageList",
    "LabelRevision",
    "narrow_labels",
]

#: ``image * CLASS_KEY + class_id`` is a unique int64 key of an (image, class) pair.
CLASS_KEY = 1 << 15
#: The largest ground-truth box area (pixels) accepted, 16,384 pixels square: larger than any image of
#: the challenges, so a box past it is a mistake in the file (refused with its line).
MAX_BOX_AREA = 1 << 28
_POSITIVES_MAGIC = b"DETPOS1"


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
                            f"{len(missing):,} images have no box of their own class (images {first_few(missing)}); "
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


@dataclass(frozen=True, eq=False)
class DetectionPositives:
    """Positive boxes (not blacklisted) per (image, class), from the ground truth.

    Entries are sorted by (class, image): ``image`` (int32, 0-based), ``label`` (int16 class
    id), ``count`` (int32, > 0).
    """

    n_images: int
    n_classes: int
    image: np.ndarray
    label: np.ndarray
    count: np.ndarray

    @classmethod
    def from_boxes(cls, image: np.ndarray, label: np.ndarray, n_images: int, n_classes: int) -> DetectionPositives:
        """Count the boxes per (image, class); ``image`` 0-based, ``label`` class ids 1..n_classes."""
        keys, counts = np.unique(np.asarray(label, np.int64) * (n_images + 1) + np.asarray(image), return_counts=True)
        return cls(
            n_images, n_classes, (keys % (n_images + 1)).astype(np.int32), (keys // (n_images + 1)).astype(np.int16),
            counts.astype(np.int32),
        )

    @cached_property
    def per_class(self) -> np.ndarray:
        """``(n_classes + 1,)`` int64 positives of class id ``c`` at ``[c]`` (``[0]`` is 0)."""
        return np.bincount(self.label, weights=self.count, minlength=self.n_classes + 1).astype(np.int64)

    def weighted(self, weights: np.ndarray) -> np.ndarray:
        """``(R, n_classes + 1)`` float64 positives per class under ``(R, n_images)`` image weights."""
        out = np.zeros((weights.shape[0], self.n_classes + 1))
        if len(self.image):
            per_entry = weights[:, self.image] * self.count
            starts = np.flatnonzero(np.diff(self.label, prepend=-1))
            out[:, self.label[starts]] = np.add.reduceat(per_entry, starts, axis=1)
        return out

    def to_bytes(self) -> bytes:
        """Serialize (magic, sizes, then the three arrays little-endian); see :meth:`from_bytes`."""
        head = _POSITIVES_MAGIC + struct.pack("<IIQ", self.n_images, self.n_classes, len(self.image))
        return head + b"".join(
            a.astype(d).tobytes() for a, d in ((self.image, "<u4"), (self.label, "<u2"), (self.count, "<u4"))
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> DetectionPositives:
        """Rebuild from :meth:`to_bytes`. Raises ``ValueError`` for anything else."""
        m = len(_POSITIVES_MAGIC)
        if data[:m] != _POSITIVES_MAGIC or len(data) < m + 16:
            raise ValueError("not serialized DetectionPositives")
        n_images, n_classes, p = struct.unpack_from("<IIQ", data, m)
        if len(data) != m + 16 + 10 * p:
            raise ValueError("serialized DetectionPositives of the wrong length")
        at = m + 16
        image = np.frombuffer(data, "<u4", p, at).astype(np.int32)
        label = np.frombuffer(data, "<u2", p, at + 4 * p).astype(np.int16)
        count = np.frombuffer(data, "<u4", p, at + 6 * p).astype(np.int32)
        if p and (image.max() >= n_images or label.min() < 1 or label.max() > n_classes or count.min() < 1):
            raise ValueError("serialized DetectionPositives out of range")
        return cls(n_images, n_classes, image, label, count)


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
        return cls(offsets, narrow_labels(labels), counts > 0 if kept is None else np.asarray(kept, dtype=bool))

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


def narrow_labels(labels: np.ndarray) -> np.ndarray:
    """Class ids in the narrowest dtype that holds them (int16 up to 32767, else int32)."""
    return labels.astype(label_dtype_for(int(labels.max(initial=0))))
