"""Detection mAP from a compact trace, under image weights: the score, its bootstrap interval
and a paired bootstrap test between two entries.

Once a detection file is matched, its AP depends only on, per class, the sequence of its
detections in ranking order, each with its image and whether it is a true positive, and on
the number of positive boxes per (image, class). A :class:`DetectionTrace` keeps exactly that
(about 2.1 bytes a detection); :class:`DetectionPositives` comes from the ground truth.

Bootstrap over images: a resample draws ``n`` images with replacement, i.e. gives image ``i``
a multinomial count ``w_i``. A detection's true/false positive and a positive box then count
``w_i`` times (matching happens within an image, so it does not change). Per class the AP is
computed from those weighted counts as in :func:`class_average_precisions`, which with all
weights 1 is the devkit's AP. Weighting equals duplicating the images, except for how the
copies of one image interleave with other detections of exactly the same confidence.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "CLASS_KEY",
    "DetectionPositives",
    "DetectionTrace",
    "PairedMapResult",
    "bootstrap_map_ci",
    "class_average_precisions",
    "image_resample_weights",
    "map_from_class_aps",
    "paired_map_test",
    "subset_weights",
    "weighted_map",
]

#: Default number of bootstrap resamples: 1M detections take about a second (bench/scoring.py).
BOOTSTRAP_RESAMPLES = 200
#: Default seed (the one the site uses for the other tasks): the same entry, the same interval.
BOOTSTRAP_SEED = 20150707
#: ``image * CLASS_KEY + class_id`` is a unique int64 key of an (image, class) pair.
CLASS_KEY = 1 << 15
ALPHA = 0.05
_BLOCK_ELEMENTS = 1 << 23  # bounds the (detections x resamples) temporaries to tens of MB
_TRACE_MAGIC = b"DETTRACE1"
_POSITIVES_MAGIC = b"DETPOS1"


def _image_dtype(n_images: int) -> str:
    return "<u2" if n_images <= 1 << 16 else "<u4"


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
    _check(trace, positives)
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


def image_resample_weights(
    n_images: int, resamples: int, seed: int, subset: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """Blocks of bootstrap weights, ``(rows, n_images)`` int32: multinomial counts of ``m`` draws
    with replacement among the ``m`` images of ``subset`` (a bool mask; default all images),
    0 for the others.

    ``resamples`` rows in all, from ``numpy.random.default_rng(seed)``: deterministic.
    Raises ``ValueError`` for no image or no resample.
    """
    pool = np.arange(n_images) if subset is None else np.flatnonzero(np.asarray(subset, dtype=bool))
    if subset is not None and len(np.asarray(subset).reshape(-1)) != n_images:
        raise ValueError(f"subset must be a mask of {n_images} images")
    if not len(pool) or resamples < 1:
        raise ValueError("need at least one image and one resample")
    rng = np.random.default_rng(seed)
    step = max(1, _BLOCK_ELEMENTS // 4 // n_images)
    for r in range(0, resamples, step):
        rows = min(step, resamples - r)
        draws = pool[rng.integers(0, len(pool), size=(rows, len(pool)))]
        draws += np.arange(rows, dtype=np.int64)[:, None] * n_images
        yield np.bincount(draws.ravel(), minlength=rows * n_images).astype(np.int32).reshape(rows, n_images)


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


def _check(trace: DetectionTrace, positives: DetectionPositives) -> None:
    if (trace.n_images, trace.n_classes) != (positives.n_images, positives.n_classes):
        raise ValueError(
            f"the trace is for {trace.n_images} images and {trace.n_classes} classes, "
            f"the positives for {positives.n_images} and {positives.n_classes}"
        )


def bootstrap_map_ci(
    trace: DetectionTrace,
    positives: DetectionPositives,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = 0.95,
    subset: np.ndarray | None = None,
) -> tuple[float, float]:
    """The bootstrap interval of mAP, resampling images (see the module docstring): the
    percentile interval moved by the bootstrap's median bias, so it is centred as the
    resamples are around the observed mAP and always contains it.

    Why the correction: a resample repeats some images, which clumps their true positives in
    each class's ranking, and the all-points interpolated precision (a running maximum) rises
    with clumping. With few boxes per class (200 classes on 1,000 images) the resampled mAPs
    sat 0.02-0.05 above the observed one, and a weak entry's plain percentile interval lay
    wholly above its own score. The width (the spread of the resamples) is kept as it is.

    ``subset`` (a bool mask) restricts the score and the resampling to those images.
    Resamples where no class keeps a positive are left out; ``(nan, nan)`` if all are.
    Raises ``ValueError`` when the trace and the positives disagree.
    """
    _check(trace, positives)
    observed = weighted_map(trace, positives, subset_weights(trace.n_images, subset))[0]
    blocks = image_resample_weights(trace.n_images, resamples, seed, subset)
    maps = np.concatenate([weighted_map(trace, positives, w) for w in blocks])
    maps = maps[~np.isnan(maps)]
    if not len(maps) or math.isnan(observed):
        return (math.nan, math.nan)
    tail = (1 - confidence) / 2
    low, median, high = np.quantile(maps, [tail, 0.5, 1 - tail], method="inverted_cdf")
    bias = median - observed
    return (float(max(low - bias, 0.0)), float(min(high - bias, 1.0)))


@dataclass(frozen=True)
class PairedMapResult:
    """Paired bootstrap of two entries' mAP on the same resampled images.

    ``a_better`` / ``b_better``: resamples where A's mAP is higher / lower (the rest are ties);
    ``p_value``: two-sided, ``2 * (1 + resamples where the observed winner does not win) /
    (resamples + 1)``, at most 1.
    """

    map_a: float
    map_b: float
    a_better: int
    b_better: int
    resamples: int
    p_value: float

    @property
    def a_significantly_better(self) -> bool:
        """A's mAP is higher and the difference is significant at the 5% level."""
        return self.map_a > self.map_b and self.p_value < ALPHA

    @property
    def b_significantly_better(self) -> bool:
        """B's mAP is higher and the difference is significant at the 5% level."""
        return self.map_b > self.map_a and self.p_value < ALPHA


def paired_map_test(
    trace_a: DetectionTrace,
    trace_b: DetectionTrace,
    positives: DetectionPositives,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    subset: np.ndarray | None = None,
) -> PairedMapResult:
    """Compare two entries with the same image weights for both (paired bootstrap).

    ``subset`` (a bool mask) restricts the comparison to those images. Deterministic for a
    given seed. Raises ``ValueError`` when the traces and the positives disagree on the
    images or classes.
    """
    _check(trace_a, positives)
    _check(trace_b, positives)
    observed = subset_weights(positives.n_images, subset)
    map_a = float(weighted_map(trace_a, positives, observed)[0])
    map_b = float(weighted_map(trace_b, positives, observed)[0])
    a_better = b_better = 0
    for w in image_resample_weights(positives.n_images, resamples, seed, subset):
        delta = weighted_map(trace_a, positives, w) - weighted_map(trace_b, positives, w)
        a_better += int(np.count_nonzero(delta > 0))
        b_better += int(np.count_nonzero(delta < 0))
    not_winning = resamples - (a_better if map_a >= map_b else b_better)
    p_value = min(1.0, 2 * (not_winning + 1) / (resamples + 1)) if map_a != map_b else 1.0
    return PairedMapResult(map_a, map_b, a_better, b_better, resamples, p_value)
