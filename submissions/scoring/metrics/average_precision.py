"""Average precision of a detection file, from its ranked trace under image weights.

Once a detection file is matched, its AP depends only on, per class, the sequence of its
detections in ranking order, each with its image and whether it is a true positive, and on
the number of positive boxes per (image, class). A :class:`DetectionTrace` keeps exactly that
(about 2.1 bytes a detection); :class:`.truth.DetectionPositives` comes from the ground truth.

Under image weights ``w_i`` (all 1 for the score itself; a bootstrap resample's multinomial
counts in :mod:`..statistics.detection`; 0/1 for a subset of the images), a detection's true or
false positive and a positive box count ``w_i`` times (matching happens within an image, so it
does not change). :func:`class_average_precisions` computes the all-points AP of every class
from those weighted counts; with all weights 1 it is the devkit's AP. Weighting equals
duplicating the images, except for how the copies of one image interleave with other
detections of exactly the same confidence.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from ..truth import DetectionPositives

__all__ = [
    "DetectionTrace",
    "check_same_sets",
    "class_average_precisions",
    "map_from_class_aps",
    "subset_weights",
    "weighted_map",
]

_BLOCK_ELEMENTS = 1 << 23  # bounds the (detections x resamples) temporaries to tens of MB
_TRACE_MAGIC = b"DETTRACE1"


def _image_dtype(n_images: int) -> str:
    return "<u2" if n_images <= 1 << 16 else "<u4"


@dataclass(frozen=True, eq=False)
class DetectionTrace:
    """What a scored detection file contributes to mAP, in ranking order.

    Per class id ``c`` (rows ``offsets[c]:offsets[c + 1]``, ``offsets`` of length
    ``n_classes + 2``), the detections that count, best first: ``image`` (int32, 0-based) and
    ``true_positive`` (bool). Only classes with positives are kept, and in each only the
    detections up to its last true positive: the later ones cannot change the AP.
    """

    n_images: int
    n_classes: int
    offsets: np.ndarray
    image: np.ndarray
    true_positive: np.ndarray

    @property
    def detections(self) -> int:
        """Number of detections kept."""
        return int(len(self.image))

    def to_bytes(self) -> bytes:
        """Serialize: magic, sizes, per-class counts (u4), images (u2 up to 65,536 images, else u4),
        true positives as packed bits. About 2.1 bytes per kept detection."""
        head = _TRACE_MAGIC + struct.pack("<IIQ", self.n_images, self.n_classes, len(self.image))
        counts = np.diff(self.offsets[1:]).astype("<u4").tobytes()
        images = self.image.astype(_image_dtype(self.n_images)).tobytes()
        return head + counts + images + np.packbits(self.true_positive).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> DetectionTrace:
        """Rebuild from :meth:`to_bytes`. Raises ``ValueError`` for anything else."""
        m = len(_TRACE_MAGIC)
        if data[:m] != _TRACE_MAGIC or len(data) < m + 16:
            raise ValueError("not a serialized DetectionTrace")
        n_images, n_classes, k = struct.unpack_from("<IIQ", data, m)
        dtype = _image_dtype(n_images)
        width = np.dtype(dtype).itemsize
        at = m + 16
        if len(data) != at + 4 * n_classes + width * k + (k + 7) // 8:
            raise ValueError("serialized DetectionTrace of the wrong length")
        counts = np.frombuffer(data, "<u4", n_classes, at).astype(np.int64)
        image = np.frombuffer(data, dtype, k, at + 4 * n_classes).astype(np.int32)
        bits = np.frombuffer(data, np.uint8, (k + 7) // 8, at + 4 * n_classes + width * k)
        if int(counts.sum()) != k or (k and int(image.max()) >= n_images):
            raise ValueError("serialized DetectionTrace out of range")
        offsets = np.concatenate(([0, 0], np.cumsum(counts)))
        return cls(n_images, n_classes, offsets, image, np.unpackbits(bits, count=k).astype(bool))


def _class_ap_sums(image: np.ndarray, tp: np.ndarray, weights_t: np.ndarray) -> np.ndarray:
    """Per weight column, the sum over true positives of weight x interpolated precision.

    ``weights_t`` is ``(n_images, R)``; ``image``/``tp`` one class's detections in ranking
    order. Precision after detection k is (weighted TPs so far) / (weighted detections so
    far); the interpolated precision at a TP is the largest precision at it or after it,
    which is always reached at a TP (a false positive only lowers it). A position whose
    weighted count is still 0 gets precision 0; a TP of weight 0 adds nothing.
    """
    tp_rows = np.flatnonzero(tp)
    wide = np.int64 if int(weights_t.max(initial=0)) * len(image) >= 1 << 31 else np.int32
    seen = np.take(weights_t, image, axis=0).astype(wide, copy=False)
    np.cumsum(seen, axis=0, out=seen)
    seen = seen[tp_rows]
    hits = np.take(weights_t, image[tp_rows], axis=0)
    found = np.cumsum(hits, axis=0, dtype=wide)
    precision = found / np.maximum(seen, 1)
    interpolated = np.maximum.accumulate(precision[::-1], axis=0)[::-1]
    return np.einsum("ij,ij->j", hits.astype(np.float64), interpolated)


def class_average_precisions(
    trace: DetectionTrace, positives: DetectionPositives, weights: np.ndarray
) -> np.ndarray:
    """``(R, n_classes + 1)`` AP of class ``c`` at ``[:, c]`` under ``(R, n_images)`` image weights.

    NaN where a class has no weighted positive (column 0 is always NaN). With ``weights`` all
    1 this is the devkit's all-points AP. Raises ``ValueError`` if the trace, positives and
    weights disagree on the number of images or classes.
    """
    check_same_sets(trace, positives)
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[1] != trace.n_images:
        raise ValueError(f"weights must be (resamples, {trace.n_images})")
    npos = positives.weighted(weights)
    sums = np.zeros_like(npos)
    weights_t = np.ascontiguousarray(weights.T.astype(np.int32))
    counts = np.diff(trace.offsets)
    for c in np.flatnonzero(counts[: trace.n_classes + 1]).tolist():
        rows = slice(int(trace.offsets[c]), int(trace.offsets[c + 1]))
        image, tp = trace.image[rows], trace.true_positive[rows]
        step = max(1, _BLOCK_ELEMENTS // max(1, len(image)))
        for r in range(0, weights.shape[0], step):
            sums[r : r + step, c] = _class_ap_sums(image, tp, weights_t[:, r : r + step])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(npos > 0, sums / np.where(npos > 0, npos, 1), np.nan)


def weighted_map(trace: DetectionTrace, positives: DetectionPositives, weights: np.ndarray) -> np.ndarray:
    """``(R,)`` mAP per row of ``(R, n_images)`` image weights: the mean AP over the classes with
    a weighted positive (NaN for a row where no class has one)."""
    return map_from_class_aps(class_average_precisions(trace, positives, weights))


def map_from_class_aps(class_aps: np.ndarray) -> np.ndarray:
    """``(R,)`` mean of each row of :func:`class_average_precisions` output over its non-NaN
    classes (NaN for a row with none)."""
    ap = class_aps[:, 1:]
    valid = ~np.isnan(ap)
    n = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.where(valid, ap, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def subset_weights(n_images: int, subset: np.ndarray | None = None) -> np.ndarray:
    """``(1, n_images)`` int32 weights: 1 for the images of ``subset`` (default all), else 0.

    ``weighted_map(trace, positives, subset_weights(n, mask))[0]`` is the exact mAP on those
    images alone (matching happens within an image), e.g. a leaderboard's public part.
    """
    if subset is None:
        return np.ones((1, n_images), dtype=np.int32)
    mask = np.asarray(subset, dtype=bool).reshape(1, -1)
    if mask.shape[1] != n_images:
        raise ValueError(f"subset must be a mask of {n_images} images")
    return mask.astype(np.int32)


def check_same_sets(trace: DetectionTrace, positives: DetectionPositives) -> None:
    """Raise ``ValueError`` unless the trace and the positives are for the same images and classes."""
    if (trace.n_images, trace.n_classes) != (positives.n_images, positives.n_classes):
        raise ValueError(
            f"the trace is for {trace.n_images} images and {trace.n_classes} classes, "
            f"the positives for {positives.n_images} and {positives.n_classes}"
        )
