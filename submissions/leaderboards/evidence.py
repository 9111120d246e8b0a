"""What one score contributes to the boards' statistics, whatever its task: per-image losses
(0/1 errors, LCA heights) for the error metrics, or the ranked detection trace for mean average
precision. Intervals, paired tests and the Ladder ask here, so the services and the pure
ranking never branch on a task's kind.

Error metrics resample per-image losses (`ranking.bootstrap_ci`, `ranking.paired_test`).
Mean average precision is not a mean over images, so it resamples images through the trace
(`scoring.bootstrap_map_ci`, `scoring.paired_map_test`), on the same public subset masks.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from challenge import policy
from challenge.competition.models import GroundTruth, Split
from submissions import scoring
from submissions.ground_truth import scoring_class_set, scoring_ground_truth
from submissions.leaderboards import ranking
from submissions.leaderboards.models import Basis
from submissions.leaderboards.rendering import metrics_of
from submissions.leaderboards.revised import merge_revised, revised_stats
from submissions.models import Score
from submissions.packed import unpack_bits, unpack_values

MAP = "mean_average_precision"
# The Score field holding each metric's evidence: packed correctness bits, LCA heights, or the trace.
EVIDENCE_FIELDS = {
    "top5_error": "top5_bits",
    "top1_error": "top1_bits",
    "localization_error": "localization_bits",
    "hierarchical_error": "hierarchical_costs",
    MAP: "detection_trace",
}
_positives: dict[int, scoring.DetectionPositives] = {}


def losses_of(score: Score, metric: str) -> np.ndarray:
    """Per-image losses of an error metric (0/1 errors, or LCA heights), from the packed arrays."""
    if metric not in EVIDENCE_FIELDS or metric == MAP:
        raise ValueError(f"no per-image losses for {metric}")
    packed = getattr(score, EVIDENCE_FIELDS[metric])
    if metric in ranking.COST_METRICS:
        return unpack_values(packed, score.images)
    return (~unpack_bits(packed, score.images)).astype(np.int64)


def subset_mask(split: Split, n: int) -> np.ndarray:
    """The split's public images (read-only): one mask for all the pairs and entries of a rebuild."""
    return _subset_mask(n, split.public_subset_seed, split.public_subset_fraction)


@functools.lru_cache(maxsize=16)
def _subset_mask(n: int, seed: int, fraction: float) -> np.ndarray:
    mask = ranking.public_subset_mask(n, seed=seed, fraction=fraction)
    mask.flags.writeable = False
    return mask


def positives_of(score: Score, split: Split) -> scoring.DetectionPositives:
    """The positive boxes of the ground truth a detection score was computed against (kept
    per process: a ground-truth version never changes)."""
    if score.ground_truth_id not in _positives:
        class_set = scoring_class_set(split.task.classes)
        ground_truth = GroundTruth.objects.select_related("split__task").get(pk=score.ground_truth_id)
        _positives[score.ground_truth_id] = scoring_ground_truth(ground_truth, class_set).positives(class_set.n_classes)
    return _positives[score.ground_truth_id]


def _trace(score: Score) -> scoring.DetectionTrace:
    return scoring.DetectionTrace.from_bytes(bytes(score.detection_trace))


def entry_stats(*, score: Score, split: Split) -> dict:
    """{basis: {metric: [value, ci_low, ci_high]}} for the image sets this split shows; a
    detection entry also keeps {"class_ap": {basis: [AP of class 1, 2, ... or None]}}, and an entry
    on a public subset {"advice": {"public": [the engine's advice on the public images]}}."""
    bases = [Basis.ALL]
    mask = subset_mask(split, score.images) if policy.has_public_subset(split) else None
    if mask is not None:
        bases += [Basis.PUBLIC, Basis.PRIVATE]
    parts = {Basis.ALL: None, Basis.PUBLIC: mask, Basis.PRIVATE: None if mask is None else ~mask}
    stats: dict[str, dict] = {basis: {} for basis in bases}
    if split.task.kind == split.task.Kind.DETECTION:
        trace, positives = _trace(score), positives_of(score, split)
        stats["class_ap"] = {}
        for basis in bases:
            weights = scoring.subset_weights(score.images, parts[basis])
            class_aps = scoring.class_average_precisions(trace, positives, weights)[0]
            value = score.mean_average_precision if parts[basis] is None else float(
                scoring.weighted_map(trace, positives, weights)[0])
            stats[basis][MAP] = [value, *scoring.bootstrap_map_ci(trace, positives, subset=parts[basis])]
            # None for a class with no positive among the basis' images (NaN from the core): whether
            # a class has one on the hidden images is no business of the public part's board.
            stats["class_ap"][basis] = [None if math.isnan(ap) else float(ap)
                                        for ap in class_aps[1:positives.n_classes + 1].tolist()]
        return merge_revised(stats, revised_stats(score=score, parts={b: parts[b] for b in bases},
                                                  positives=positives))
    for metric in metrics_of(split):
        if getattr(score, metric) is None:
            continue
        losses = losses_of(score, metric)
        for basis in bases:
            part = losses if parts[basis] is None else losses[parts[basis]]
            value = getattr(score, metric) if parts[basis] is None else float(part.mean())
            stats[basis][metric] = [value, *ranking.bootstrap_ci(part)]
    if mask is not None:
        stats["advice"] = {Basis.PUBLIC: public_advice(score=score, split=split, mask=mask)}
    return merge_revised(stats, revised_stats(score=score, parts={b: parts[b] for b in bases}))


def public_advice(*, score: Score, split: Split, mask: np.ndarray) -> list[str]:
    """The scoring engine's advice (figures left out) computed on the public images alone, from
    the score's top-1 labels: what a public-subset board may tell a team before the results date.
    The engine's hint on all images would say something of the hidden part."""
    if not score.top1_labels:
        return []
    class_set = scoring_class_set(split.task.classes)
    ground_truth = GroundTruth.objects.select_related("split__task").get(pk=score.ground_truth_id)
    truth = scoring_ground_truth(ground_truth, class_set)
    labels = unpack_values(score.top1_labels, score.images).astype(class_set.label_dtype)[mask]
    public = scoring.score("classification", scoring.Predictions("classification", labels.reshape(-1, 1)),
                           scoring.GroundTruth(labels=truth.labels[mask]), class_set=class_set, guesses=1)
    return list(public.advice)


def paired(a: Score, b: Score, *, split: Split, basis: str, metric: str):
    """Score A against score B on the basis' images: a ranking.PairedResult (errors) or a
    scoring.PairedMapResult (mAP); both say `a_significantly_better` and give `p_value`."""
    mask = None
    if basis in (Basis.PUBLIC, Basis.PRIVATE):
        mask = subset_mask(split, a.images)
        mask = mask if basis == Basis.PUBLIC else ~mask
    if metric == MAP:
        return scoring.paired_map_test(_trace(a), _trace(b), positives_of(a, split), subset=mask)
    la, lb = losses_of(a, metric), losses_of(b, metric)
    return ranking.paired_test(la, lb) if mask is None else ranking.paired_test(la[mask], lb[mask])


def improves(new: Score, shown: Score | None, *, split: Split) -> bool:
    """The Ladder's question: does a new score replace the team's shown one? The first always
    does; afterwards only a significant improvement on the same images."""
    if shown is None:
        return True
    metric = split.task.primary_metric
    if metric == MAP:
        return paired(new, shown, split=split, basis=Basis.ALL, metric=metric).a_significantly_better
    return ranking.ladder_accepts(losses_of(new, metric), losses_of(shown, metric))
