"""Intervals and paired tests of detection mAP: a bootstrap over images.

A resample draws ``n`` images with replacement, i.e. gives image ``i`` a multinomial count
``w_i``; the mAP under those weights comes from the entry's trace
(:func:`..metrics.average_precision.weighted_map`). :func:`bootstrap_map_ci` gives the interval
of one entry, :func:`paired_map_test` compares two entries under the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..metrics.average_precision import DetectionTrace, check_same_sets, subset_weights, weighted_map
from ..truth import DetectionPositives
from .losses import ALPHA, CONFIDENCE, LOSS_BOOTSTRAP_SEED

__all__ = [
    "BOOTSTRAP_RESAMPLES",
    "BOOTSTRAP_SEED",
    "PairedMapResult",
    "bootstrap_map_ci",
    "image_resample_weights",
    "paired_map_test",
]

#: Default number of bootstrap resamples: 1M detections take about a second (bench/scoring.py).
BOOTSTRAP_RESAMPLES = 200
#: Default seed (the one the site uses for the other tasks): the same entry, the same interval.
BOOTSTRAP_SEED = LOSS_BOOTSTRAP_SEED
_BLOCK_ELEMENTS = 1 << 23  # bounds a block of weights to tens of MB


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


def bootstrap_map_ci(
    trace: DetectionTrace,
    positives: DetectionPositives,
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
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
    check_same_sets(trace, positives)
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
    check_same_sets(trace_a, positives)
    check_same_sets(trace_b, positives)
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
