"""The boards' statistics of an entry's figures on a revision of its split's labels (ReaL sets,
retired classes): the value and 95% bootstrap interval of each revised metric on each basis,
over the images the revision keeps. Read from the score's own evidence (submissions.revisions),
so a rebuild never re-reads a file. They are shown beside the original figures, never ranked on.
"""

from __future__ import annotations

import numpy as np

from submissions import scoring
from submissions.models import Score
from submissions.revisions import unpack_evidence

# Revised metric -> (the images it counts, the per-image evidence: correctness bits or costs).
_EVIDENCE = {
    "real_top1_error": ("real_kept", "real_top1"),
    "real_top5_error": ("real_kept", "real_top5"),
    "revised_top1_error": ("revised_kept", "revised_top1"),
    "revised_top5_error": ("revised_kept", "revised_top5"),
    "revised_localization_error": ("revised_loc_kept", "revised_loc"),
    "revised_hierarchical_error": ("revised_kept", "revised_hier"),
}
MAP = "revised_mean_average_precision"


def revised_stats(*, score: Score, parts: dict[str, np.ndarray | None],
                  positives: scoring.DetectionPositives | None = None) -> dict[str, dict]:
    """{basis: {revised metric: [value, ci_low, ci_high]}} for the bases of `parts` (basis ->
    mask of its images, None for all), on the images the revision keeps; a basis that keeps no
    image has no value. `positives` (the truth's, for a detection score) gives the mAP its
    classes. Empty for a score without revised figures."""
    if not score.revised_metrics:
        return {}
    evidence = unpack_evidence(score.revised_evidence, n=score.images)
    stats: dict[str, dict] = {basis: {} for basis in parts}
    for metric, (kept_name, name) in _EVIDENCE.items():
        if metric not in score.revised_metrics or name not in evidence:
            continue
        kept, values = evidence[kept_name], evidence[name]
        losses = values.astype(np.int64) if values.dtype != bool else (~values).astype(np.int64)
        for basis, part in parts.items():
            chosen = kept if part is None else kept & part
            if not chosen.any():
                continue
            value = score.revised_metrics[metric] if part is None else float(losses[chosen].mean())
            stats[basis][metric] = [value, *scoring.bootstrap_ci(losses[chosen])]
    if MAP in score.revised_metrics and positives is not None and score.detection_trace is not None:
        trace = scoring.DetectionTrace.from_bytes(bytes(score.detection_trace))
        live = scoring.without_retired_classes(positives, evidence["retired"])
        for basis, part in parts.items():
            chosen = evidence["revised_kept"] if part is None else evidence["revised_kept"] & part
            value = float(scoring.weighted_map(trace, live, scoring.subset_weights(score.images, chosen))[0])
            if not np.isnan(value):
                stats[basis][MAP] = [value, *scoring.bootstrap_map_ci(trace, live, subset=chosen)]
    return stats


def merge_revised(stats: dict, revised: dict) -> dict:
    """`stats` with each basis's revised figures added beside its own."""
    for basis, figures in revised.items():
        stats.setdefault(basis, {}).update(figures)
    return stats

