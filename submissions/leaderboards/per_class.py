"""The per-class view of a validation submission: error per class, per WordNet subtree, and the
most confused pairs. Only for the team and organizers, only on validation splits whose labels
are public (test-split per-image data never leaves the server)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.http import Http404

from challenge import policy
from challenge.competition.classes import Hierarchy, hierarchy_of
from challenge.competition.models import ClassSet, Split
from submissions.ground_truth import scoring_class_set, scoring_ground_truth
from submissions.leaderboards.evidence import positives_of
from submissions.models import Submission
from submissions.packed import unpack_bits, unpack_values
from submissions.selectors import submission_for_viewer

# Subtrees everyone asks about first; the rest are listed by size.
FEATURED_WNIDS = ["n02084071", "n02121808", "n01503061", "n04524313"]  # dog, domestic cat, bird, vehicle
MIN_SUBTREE_LEAVES = 10
WORST_CLASSES = 50
TOP_CONFUSIONS = 20

@dataclass(frozen=True)
class _Leaves:
    names: dict[int, tuple[str, str]]  # ilsvrc id -> (wnid, short name), leaves and internal synsets
    leaves: dict[int, np.ndarray]  # internal synset id -> the leaf class ids under it
    n_classes: int


def leaves_of(class_set: ClassSet) -> _Leaves:
    """Each internal synset's leaf set as an array, kept with the class set's cached hierarchy."""
    return hierarchy_of(class_set).derived("per_class", _leaves_view)


def _leaves_view(hierarchy: Hierarchy) -> _Leaves:
    return _Leaves(
        names={i: (s.wnid, s.words.split(",")[0]) for i, s in hierarchy.synsets.items()},
        leaves={i: np.array(sorted(hierarchy.leaf_sets.get(i, ())), dtype=np.int64)
                for i, s in hierarchy.synsets.items() if not s.is_leaf},
        n_classes=hierarchy.n_classes,
    )


@dataclass
class PerClassReport:
    submission: Submission
    images: int
    classes: list[dict]  # the worst classes first
    subtrees: list[dict]
    confusions: list[dict]
    detection: bool = False  # then `classes` holds every evaluated class's average precision


def report_for_viewer(*, pk: int, user) -> PerClassReport:
    """The report for one of the viewer's team's validation submissions; 404 otherwise."""
    submission = submission_for_viewer(pk=pk, user=user)
    split = submission.split
    score = submission.current_score
    if not policy.per_class_reports_shown(split) or score is None:
        raise Http404("Per-class results exist for scored validation submissions only.")
    if split.task.kind == split.task.Kind.DETECTION:
        return _detection_report(submission, score, split)
    if not score.top1_labels:
        raise Http404("Per-class errors exist for scored validation submissions only.")
    class_set = split.task.classes
    truth = scoring_ground_truth(score.ground_truth, scoring_class_set(class_set)).labels.astype(np.int64)
    hierarchy = leaves_of(class_set)
    wrong = ~unpack_bits(score.top5_bits, score.images)
    predicted = unpack_values(score.top1_labels, score.images)
    size = max(hierarchy.n_classes, int(truth.max())) + 1
    images = np.bincount(truth, minlength=size)
    errors = np.bincount(truth, weights=wrong, minlength=size)
    return PerClassReport(submission, score.images, _classes(hierarchy, images, errors),
                          _subtrees(hierarchy, images, errors), _confusions(hierarchy, truth, predicted))


def _detection_report(submission: Submission, score, split: Split) -> PerClassReport:
    """Every evaluated class's AP, the lowest first, with its number of positive boxes."""
    names = leaves_of(split.task.classes).names
    positives = positives_of(score, split).per_class
    class_of = {wnid: (i, name) for i, (wnid, name) in names.items()}
    rows = []
    for wnid, ap in (score.average_precision or {}).items():
        i, name = class_of[wnid]
        rows.append({"id": i, "wnid": wnid, "name": name, "positives": int(positives[i]), "ap": round(float(ap), 5)})
    rows.sort(key=lambda r: (r["ap"], r["id"]))
    return PerClassReport(submission, score.images, rows, [], [], detection=True)


def _classes(h: _Leaves, images: np.ndarray, errors: np.ndarray) -> list[dict]:
    present = np.flatnonzero(images)
    rows = [{"id": int(i), "wnid": h.names[int(i)][0], "name": h.names[int(i)][1], "images": int(images[i]),
             "error": round(float(errors[i] / images[i]), 5)} for i in present if int(i) in h.names]
    rows.sort(key=lambda r: (-r["error"], r["id"]))
    return rows[:WORST_CLASSES]


def _subtrees(h: _Leaves, images: np.ndarray, errors: np.ndarray) -> list[dict]:
    rows = []
    for node, leaves in h.leaves.items():
        wnid, name = h.names[node]
        featured = wnid in FEATURED_WNIDS
        present = leaves[leaves < images.size]
        n = int(images[present].sum())
        if n == 0 or (len(leaves) < MIN_SUBTREE_LEAVES and not featured):
            continue
        rows.append({"id": node, "wnid": wnid, "name": name, "classes": len(leaves), "images": n,
                     "error": round(float(errors[present].sum() / n), 5), "featured": featured})
    rows.sort(key=lambda r: (not r["featured"], -r["classes"], r["id"]))
    return rows


def _confusions(h: _Leaves, truth: np.ndarray, predicted: np.ndarray) -> list[dict]:
    confused = (predicted != truth) & (predicted > 0)
    if not confused.any():
        return []
    pairs, counts = np.unique(np.stack([truth[confused], predicted[confused]], axis=1), axis=0, return_counts=True)
    order = np.lexsort((pairs[:, 1], pairs[:, 0], -counts))[:TOP_CONFUSIONS]
    return [{"truth": h.names.get(int(pairs[i, 0]), ("", str(pairs[i, 0])))[1],
             "predicted": h.names.get(int(pairs[i, 1]), ("", str(pairs[i, 1])))[1],
             "count": int(counts[i])} for i in order]
