"""Intervals and paired tests on per-image losses (top-5, localization, hierarchical errors).

A loss array holds one value per scored image: 0/1 errors or small non-negative costs (LCA
heights). Lower is better.

- :func:`bootstrap_ci`: the percentile bootstrap interval of the mean loss. Resampling n images
  with replacement only changes how often each distinct loss value is drawn, so a resample's
  mean is drawn exactly from a multinomial (a binomial for 0/1 losses) instead of building an
  n-by-B index matrix: the same distribution, in microseconds, seeded and deterministic.
- :func:`paired_test`: McNemar's test on the images where two entries disagree (exact two-sided
  binomial when there are fewer than :data:`EXACT_BELOW` such images, chi-squared with
  continuity correction otherwise). For costs it is the sign test, its natural generalisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ALPHA",
    "CONFIDENCE",
    "EXACT_BELOW",
    "LOSS_BOOTSTRAP_RESAMPLES",
    "LOSS_BOOTSTRAP_SEED",
    "PairedResult",
    "bootstrap_ci",
    "exact_binomial_two_sided",
    "mcnemar_p",
    "paired_test",
]

#: Level of the intervals.
CONFIDENCE = 0.95
#: Level of the paired tests: significantly better means p < ALPHA.
ALPHA = 0.05
#: Resamples of a loss interval (each is a multinomial draw: microseconds).
LOSS_BOOTSTRAP_RESAMPLES = 2000
#: Fixed: the same score always gets the same interval.
LOSS_BOOTSTRAP_SEED = 20150707
#: Discordant pairs under which McNemar's test uses the exact binomial.
EXACT_BELOW = 25


def bootstrap_ci(losses: np.ndarray, *, resamples: int = LOSS_BOOTSTRAP_RESAMPLES,
                 seed: int = LOSS_BOOTSTRAP_SEED, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of ``losses`` (over images); ``(nan, nan)``
    for no image."""
    losses = np.asarray(losses)
    n = losses.size
    if n == 0:
        return (math.nan, math.nan)
    values, counts = _distinct_counts(losses)
    if values.size == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=resamples)
    means = draws @ values.astype(np.float64) / n
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail], method="inverted_cdf")
    return (float(low), float(high))


def _distinct_counts(losses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(losses, return_counts=True), without its sort when the losses are small
    non-negative integers (0/1 errors, LCA heights): a count per value, in one pass."""
    if losses.dtype.kind in "biu" and losses.size and 0 <= losses.min() and losses.max() < 4096:
        counts = np.bincount(losses.astype(np.int64, copy=False))
        values = np.flatnonzero(counts)
        return values.astype(losses.dtype), counts[values]
    return np.unique(losses, return_counts=True)


@dataclass(frozen=True)
class PairedResult:
    """How entry A compares with entry B on the same images (losses: lower is better)."""

    a_better: int  # images where A's loss is lower
    b_better: int  # images where B's loss is lower
    p_value: float

    @property
    def a_significantly_better(self) -> bool:
        """A wins on more images and the difference is significant at :data:`ALPHA`."""
        return self.a_better > self.b_better and self.p_value < ALPHA

    @property
    def b_significantly_better(self) -> bool:
        """B wins on more images and the difference is significant at :data:`ALPHA`."""
        return self.b_better > self.a_better and self.p_value < ALPHA


def exact_binomial_two_sided(k: int, n: int) -> float:
    """Two-sided p-value of k successes in n fair coin flips (doubling the smaller tail)."""
    if n == 0:
        return 1.0
    low = min(k, n - k)
    tail = sum(math.comb(n, i) for i in range(low + 1)) / 2**n
    return min(1.0, 2 * tail)


def mcnemar_p(a_better: int, b_better: int) -> float:
    """McNemar's two-sided p-value from the two discordant counts."""
    discordant = a_better + b_better
    if discordant < EXACT_BELOW:
        return exact_binomial_two_sided(a_better, discordant)
    statistic = (abs(a_better - b_better) - 1) ** 2 / discordant
    return math.erfc(math.sqrt(statistic / 2))  # chi-squared with one degree of freedom


def paired_test(losses_a: np.ndarray, losses_b: np.ndarray) -> PairedResult:
    """McNemar's test (the sign test for costs) on two entries' per-image losses.

    Raises ``ValueError`` when the two arrays do not cover the same images.
    """
    losses_a, losses_b = np.asarray(losses_a), np.asarray(losses_b)
    if losses_a.shape != losses_b.shape:
        raise ValueError("paired losses must cover the same images")
    a_better = int(np.count_nonzero(losses_a < losses_b))
    b_better = int(np.count_nonzero(losses_b < losses_a))
    return PairedResult(a_better, b_better, mcnemar_p(a_better, b_better))
