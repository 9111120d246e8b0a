"""Revised figures: the scores of parsed guesses on a split's current revision (ReaL label sets,
retired classes, or both), over the images the revision keeps.

Revised errors are ``1 - accuracy over kept images``; on the hierarchical task a guess slot
emptied by retirement costs the largest height. :func:`score_revised` (classification,
localization, hierarchical) and :func:`score_revised_detection` return a :class:`RevisedResult`:
the figures by the names the boards use (``real_top1_error``, ``real_top5_error``,
``real_images``, ``revised_top1_error``, ``revised_top5_error``, ``revised_images``,
``revised_localization_error``, ``revised_hierarchical_error``,
``revised_mean_average_precision``) and the per-image evidence their intervals resample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..classes.class_set import ClassSet
from ..formats.guesses import Predictions
from ..retirement import retire_revision, skip_retired_guesses, without_retired_classes
from ..tasks import MAX_GUESSES
from ..truth import DetectionPositives, GroundTruth, LabelRevision
from .average_precision import DetectionTrace, subset_weights, weighted_map
from .real import score_real
from .result import score

__all__ = ["RevisedResult", "score_revised", "score_revised_detection"]


@dataclass(frozen=True, eq=False)
class RevisedResult:
    """Figures on a revision (``metrics``: name -> value; image counts are ints) and the per-image
    ``evidence`` behind them (bool arrays over all images: ``real_kept``, ``real_top1``,
    ``real_top5``, ``revised_kept``, ``revised_top1``, ``revised_top5``, ``revised_loc`` and the
    images its error counts, ``revised_loc_kept`` (kept and not blacklisted); uint8
    ``revised_hier`` costs; for detection the ``retired`` class mask). An error left undefined
    (no image kept) is missing from ``metrics``."""

    metrics: dict[str, float | int] = field(default_factory=dict)
    evidence: dict[str, np.ndarray] = field(default_factory=dict)


def _error(correct: np.ndarray, kept: np.ndarray) -> float | None:
    n = int(kept.sum())
    return None if n == 0 else 1.0 - int(np.count_nonzero(correct & kept)) / n


def score_revised(
    task: str,
    predictions: Predictions,
    truth: GroundTruth,
    *,
    class_set: ClassSet,
    retired: np.ndarray | None = None,
    revision: LabelRevision | None = None,
    guesses: int = MAX_GUESSES,
) -> RevisedResult:
    """Figures of parsed predictions on a revision: ReaL (``revision``, on a classification
    task) and the task's own metrics with the ``retired`` classes (a :func:`retired_mask`) out.

    With both, ReaL is scored on the retired revision (:func:`retire_revision`). Raises
    ``ValueError`` for a revision of another number of images, a revision on another task
    than classification, and as :func:`~submissions.scoring.metrics.result.score`.
    """
    if revision is not None and task != "classification":
        raise ValueError("a ReaL revision applies to classification tasks only")
    out = RevisedResult()
    labels = predictions.labels if retired is None else skip_retired_guesses(predictions.labels, retired)
    skipped = Predictions(predictions.format, labels, predictions.boxes)
    if revision is not None:
        sets = revision if retired is None else retire_revision(revision, retired)
        if sets.n_images != truth.n_images:
            raise ValueError(f"the revision has {sets.n_images:,} images, the ground truth {truth.n_images:,}")
        out.evidence["real_kept"] = sets.kept.copy()
        if sets.kept_images:
            real = score_real(skipped, sets, guesses=guesses)
            out.metrics.update(real_top1_error=1.0 - real.top1_accuracy, real_top5_error=1.0 - real.top5_accuracy)
            out.evidence.update(real_top1=real.top1_correct, real_top5=real.top5_correct)
        out.metrics["real_images"] = sets.kept_images
    if retired is None:
        return out
    result = score(task, skipped, truth, class_set=class_set, guesses=guesses)
    kept = ~retired[truth.labels.astype(np.int64)]
    out.metrics["revised_images"] = int(kept.sum())
    out.evidence.update(revised_kept=kept, revised_top1=result.top1_correct & kept, revised_top5=result.top5_correct & kept)
    for name, correct in (("revised_top1_error", result.top1_correct), ("revised_top5_error", result.top5_correct)):
        value = _error(correct, kept)
        if value is not None:
            out.metrics[name] = value
    if result.loc_correct is not None:
        counted = kept if result.blacklist is None else kept & ~result.blacklist
        out.evidence.update(revised_loc=result.loc_correct & counted, revised_loc_kept=counted)
        value = _error(result.loc_correct, counted)
        if value is not None:
            out.metrics["revised_localization_error"] = value
    if result.hier_cost is not None:
        # An emptied slot (a retired guess) costs the largest height, as no common ancestor does.
        cost = np.minimum(result.hier_cost, class_set.max_height).astype(np.uint8)
        out.evidence["revised_hier"] = np.where(kept, cost, 0).astype(np.uint8)
        if kept.any():
            out.metrics["revised_hierarchical_error"] = float(cost[kept].mean())
    return out


def score_revised_detection(
    trace: DetectionTrace, positives: DetectionPositives, *, retired: np.ndarray, kept: np.ndarray
) -> RevisedResult:
    """Mean average precision with the ``retired`` classes out and only the ``kept`` images
    (:func:`detection_kept_images`), from a detection result's trace and the truth's positives."""
    live = without_retired_classes(positives, retired)
    out = RevisedResult(evidence={"revised_kept": np.asarray(kept, dtype=bool).copy(), "retired": retired.copy()})
    out.metrics["revised_images"] = int(np.count_nonzero(kept))
    value = float(weighted_map(trace, live, subset_weights(positives.n_images, np.asarray(kept, dtype=bool)))[0])
    if not np.isnan(value):  # some class still has a positive on the kept images
        out.metrics["revised_mean_average_precision"] = value
    return out
