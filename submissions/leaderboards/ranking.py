"""Statistics for honest leaderboards: pure numpy, no Django.

Per-image losses are arrays with one value per scored image: 0/1 errors (top-5,
localization) or small non-negative costs (hierarchical LCA heights). Lower is better.

- `bootstrap_ci`: the 95% percentile bootstrap interval of the mean loss. Resampling n images
  with replacement only changes how often each distinct loss value is drawn, so a resample's
  mean is drawn exactly from a multinomial (a binomial for 0/1 losses) instead of building an
  n-by-B index matrix: the same distribution, in microseconds, seeded and deterministic.
- `paired_test`: McNemar's test on the images where two entries disagree (exact two-sided
  binomial when there are fewer than 25 such images, chi-squared with continuity correction
  otherwise). For costs it is the sign test, its natural generalisation.
- `tie_groups`: consecutive ranked entries stay in one group until one is significantly better
  than the next.
- `ladder_accepts`: the parameter-free Ladder (Blum & Hardt 2015): a new submission replaces the
  shown one only if it is better and the paired test says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
ALPHA = 0.05
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20150707  # fixed: the same score always gets the same interval
EXACT_BELOW = 25  # discordant pairs under which McNemar uses the exact binomial


def unpack_bits(packed: bytes, n: int) -> np.ndarray:
    """Per-image booleans from np.packbits output (big-endian bit order), n of them."""
    return np.unpackbits(np.frombuffer(bytes(packed), dtype=np.uint8), count=n).astype(bool)


def unpack_values(packed: bytes, n: int) -> np.ndarray:
    """Per-image small integers stored as 1, 2 or 4 bytes each (costs, labels)."""
    width = len(packed) // n if n else 1
    dtype = {1: np.uint8, 2: np.int16, 4: np.int32}.get(width)
    if dtype is None or width * n != len(packed):
        raise ValueError(f"{len(packed)} bytes do not hold {n} per-image values")
    return np.frombuffer(bytes(packed), dtype=dtype).astype(np.int64)


def public_subset_mask(n: int, *, seed: int, fraction: float) -> np.ndarray:
    """The fixed secret subset of a split's images used for live scores (True = public).

    Exactly round(fraction * n) images (at least one, and at least one left for the final
    ranking when n > 1), chosen by a generator seeded with the split's secret seed.
    """
    k = min(max(int(round(fraction * n)), 1), max(n - 1, 1))
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n)[:k]] = True
    return mask


def bootstrap_ci(losses: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES,
                 seed: int = BOOTSTRAP_SEED, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile bootstrap interval of the mean of `losses` (over images)."""
    losses = np.asarray(losses)
    n = losses.size
    if n == 0:
        return (math.nan, math.nan)
    values, counts = np.unique(losses, return_counts=True)
    if values.size == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=resamples)
    means = draws @ values.astype(np.float64) / n
    tail = (1 - confidence) / 2
    low, high = np.quantile(means, [tail, 1 - tail], method="inverted_cdf")
    return (float(low), float(high))


@dataclass(frozen=True)
class PairedResult:
    """How entry A compares with entry B on the same images (losses: lower is better)."""

    a_better: int  # images where A's loss is lower
    b_better: int  # images where B's loss is lower
    p_value: float

    @property
    def a_significantly_better(self) -> bool:
        return self.a_better > self.b_better and self.p_value < ALPHA

    @property
    def b_significantly_better(self) -> bool:
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
    """McNemar's test (the sign test for costs) on two entries' per-image losses."""
    losses_a, losses_b = np.asarray(losses_a), np.asarray(losses_b)
    if losses_a.shape != losses_b.shape:
        raise ValueError("paired losses must cover the same images")
    a_better = int(np.count_nonzero(losses_a < losses_b))
    b_better = int(np.count_nonzero(losses_b < losses_a))
    return PairedResult(a_better, b_better, mcnemar_p(a_better, b_better))


def tie_groups(better_than_next: list[bool]) -> list[int]:
    """Group numbers (1, 2, ...) for ranked entries, given for each entry whether it is
    significantly better than the next one; a group ends after each such entry."""
    groups, group = [], 1
    for better in better_than_next:
        groups.append(group)
        if better:
            group += 1
    return groups


def ladder_accepts(new_losses: np.ndarray, shown_losses: np.ndarray | None) -> bool:
    """Whether a new submission replaces a team's shown best on a Ladder leaderboard.

    The first submission is always shown; afterwards only a significant improvement on the
    same images (paired test at level ALPHA) moves the shown score.
    """
    if shown_losses is None:
        return True
    return paired_test(new_losses, shown_losses).a_significantly_better
