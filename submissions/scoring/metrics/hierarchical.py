"""Hierarchical error (ILSVRC 2010-2011): per image the lowest LCA height over its first K guesses."""

from __future__ import annotations

import numpy as np

from ..classes.class_set import ClassSet

__all__ = ["hierarchical_costs"]


def hierarchical_costs(labels: np.ndarray, truth: np.ndarray, hit: np.ndarray, class_set: ClassSet) -> np.ndarray:
    """Per image, the lowest LCA height over its guesses (uint8); 0 where a guess is the label.

    Only the images without an exact hit are looked up: d(t, t) = 0 is already the least cost.
    """
    cost = np.zeros(len(truth), dtype=np.uint8)
    missed = np.flatnonzero(~hit)
    if not len(missed):
        return cost
    k = labels.shape[1]
    per_guess = class_set.lca_costs(labels[missed].reshape(-1), np.repeat(truth[missed], k)).reshape(-1, k)
    best = per_guess[:, 0].copy()
    for j in range(1, k):  # column by column: faster than a reduction over a short axis
        np.minimum(best, per_guess[:, j], out=best)
    cost[missed] = best
    return cost
