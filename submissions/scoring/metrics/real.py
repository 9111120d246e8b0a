"""ReaL top-1 / top-5 accuracy (Beyer et al. 2020) of classification guesses against a
:class:`~submissions.scoring.truth.LabelRevision`: only kept images count; top-1 is the share
whose first guess is in their set of valid labels, top-5 the share with any of the first 5
guesses in it (as the paper reports them, accuracies, not errors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formats.guesses import Predictions
from ..tasks import MAX_GUESSES
from ..truth import LabelRevision

__all__ = ["RealResult", "score_real"]


@dataclass(frozen=True, eq=False)
class RealResult:
    """ReaL accuracies of one prediction file: ``top1_accuracy`` and ``top5_accuracy`` over the
    ``images`` kept, and per image ``top1_correct`` / ``top5_correct`` (False where left out)."""

    top1_accuracy: float
    top5_accuracy: float
    images: int
    top1_correct: np.ndarray
    top5_correct: np.ndarray

    def metrics(self) -> dict[str, float | int]:
        """``real_top1_accuracy``, ``real_top5_accuracy`` and ``real_images``, as ``evaluate --json`` prints them."""
        return {
            "real_top1_accuracy": self.top1_accuracy,
            "real_top5_accuracy": self.top5_accuracy,
            "real_images": self.images,
        }


def score_real(predictions: Predictions, revision: LabelRevision, *, guesses: int = MAX_GUESSES) -> RealResult:
    """ReaL top-1 and top-K accuracy (K = ``guesses``, 5 by default) of parsed classification predictions.

    Top-1: the share of kept images whose first guess is among their valid labels; top-K: the
    share with any of the first K guesses among them. Left-out images count in neither. Raises
    ``ValueError`` when ``guesses`` is outside 1..5, the predictions and the revision differ in
    their number of images, or the revision keeps no image.
    """
    if not 1 <= guesses <= MAX_GUESSES:
        raise ValueError(f"guesses must be 1..{MAX_GUESSES}, got {guesses}")
    if predictions.n_images != revision.n_images:
        raise ValueError(f"predictions are for {predictions.n_images:,} images, the revision for {revision.n_images:,}")
    if revision.kept_images == 0:
        raise ValueError("the revision leaves every image out: ReaL accuracy is undefined")
    guessed = predictions.labels[:, : min(guesses, predictions.max_guesses)]
    hit = _in_sets(guessed, revision) & revision.kept[:, None]
    top1 = hit[:, 0]
    topk = hit.any(axis=1)
    n = revision.kept_images
    return RealResult(float(top1.sum() / n), float(topk.sum() / n), n, top1, topk)


def _in_sets(guessed: np.ndarray, revision: LabelRevision) -> np.ndarray:
    """Bool ``guessed.shape``: is each guess among its image's valid labels?

    The (image, label) pairs of the revision, as one int64 key each, are sorted (CSR order), so
    a binary search answers every guess at once; 0 (no guess) matches nothing.
    """
    width = int(max(int(revision.labels.max(initial=0)), int(guessed.max(initial=0)))) + 1
    owner = np.repeat(np.arange(revision.n_images, dtype=np.int64), revision.counts())
    keys = owner * width + revision.labels
    queries = np.arange(guessed.shape[0], dtype=np.int64)[:, None] * width + guessed
    if keys.size == 0:
        return np.zeros(guessed.shape, dtype=bool)
    pos = np.minimum(np.searchsorted(keys, queries), keys.size - 1)
    return keys[pos] == queries
