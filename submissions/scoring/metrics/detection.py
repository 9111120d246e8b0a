"""Object detection (DET, ILSVRC 2013-2017): matching, average precision and mAP.

The rules (docs/scoring.md has a worked example):

* blacklisted (image, class) pairs are removed first: their detections are neither true nor
  false positives and their boxes are not positives;
* per class, detections are ranked by decreasing confidence; ties go by image index, then
  by line in the file (what the devkit's stable sorts give);
* in that order a detection is a true positive when it overlaps a not yet matched box of its
  class in its image with IoU >= that box's threshold ``min(0.5, w*h / ((w+10)*(h+10)))``
  (``w``, ``h``: the box's size, +1 pixel convention); among such boxes it takes the one with
  the highest IoU, the first in ground-truth order on a tie; otherwise it is a false positive;
* AP: all-points interpolated precision (made monotone from the right) summed over the recall
  steps, recall over the class's positives; mAP: mean over classes with a positive.

IoUs and thresholds are computed as eval_detection.m computes them: in IEEE doubles, with the
same operations in the same order (:func:`overlaps`, :func:`thresholds`), so a detection at a
threshold, and two IoUs that are different fractions but the same double, are decided as the
devkit decides them (on equal doubles, the first ground-truth box).

Matching is vectorized: detections are grouped by (class, image) in ranking order, every
(detection, box) pair of a group that passes its threshold is listed best-IoU first, and each
round gives every group its next match: the first pair whose detection and box are both
still free. Rounds are at most the most boxes of one class in one image.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..classes.class_set import ClassSet
from ..errors import GroundTruthError, LineError
from ..formats.detections import Detections
from ..truth import CLASS_KEY, DetectionPositives, DetectionTruth
from .average_precision import DetectionTrace, class_average_precisions, map_from_class_aps

__all__ = ["DetectionResult", "devkit_mean_ap", "match_detections", "overlaps", "score_detections", "thresholds"]

_PAIR_BLOCK = 1 << 20  # (detection, box) pairs examined at once


@dataclass(eq=False)
class DetectionResult:
    """The outcome of scoring one detection file.

    ``average_precision`` maps the WNID of every class with a positive (in class id order)
    to its AP; ``classes_evaluated`` is their number and ``mean_average_precision`` their
    mean AP. ``detections``: lines in the file; ``ignored``: those in blacklisted pairs;
    ``true_positives``: matched detections. ``trace`` (with the ground truth's
    ``positives``) is what the bootstrap needs; store ``trace.to_bytes()``.
    ``devkit_mean_ap`` is the figure demo_eval_det.m prints (:func:`devkit_mean_ap`): NaN when
    the devkit's own mean is NaN.
    """

    images: int
    mean_average_precision: float
    average_precision: dict[str, float]
    classes_evaluated: int
    detections: int
    ignored: int
    true_positives: int
    trace: DetectionTrace
    positives: DetectionPositives = field(repr=False)
    devkit_mean_ap: float = float("nan")

    @property
    def metrics(self) -> dict[str, float]:
        """``{"mean_average_precision": ...}``, like :attr:`.result.Result.metrics`."""
        return {"mean_average_precision": self.mean_average_precision}


def _ranking(image: np.ndarray, label: np.ndarray, confidence: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` sorted by (class, -confidence, image, row): three stable sorts, last key first."""
    order = rows[np.argsort(image[rows], kind="stable")]
    order = order[np.argsort(-confidence[order], kind="stable")]
    return order[np.argsort(label[order], kind="stable")]


def thresholds(boxes: np.ndarray) -> np.ndarray:
    """Per ground-truth box, eval_detection.m's threshold in doubles: ``min(0.5, (gt_w .* gt_h) ./
    ((gt_w + 10) .* (gt_h + 10)))``, where (as the devkit names them) ``gt_w`` is the box's height
    and ``gt_h`` its width."""
    boxes = boxes.astype(np.float64)
    gt_w = boxes[:, 3] - boxes[:, 1] + 1
    gt_h = boxes[:, 2] - boxes[:, 0] + 1
    return np.minimum(0.5, (gt_w * gt_h) / ((gt_w + 10) * (gt_h + 10)))


def overlaps(bb: np.ndarray, bbgt: np.ndarray) -> np.ndarray:
    """eval_detection.m's overlap of detection boxes ``bb`` and ground-truth boxes ``bbgt`` (pairs,
    ``(m, 4)`` each), in doubles; -inf where they do not overlap (``iw > 0 & ih > 0`` fails)."""
    bb = bb.astype(np.float64, copy=False)
    bbgt = bbgt.astype(np.float64, copy=False)
    iw = np.minimum(bb[:, 2], bbgt[:, 2]) - np.maximum(bb[:, 0], bbgt[:, 0]) + 1
    ih = np.minimum(bb[:, 3], bbgt[:, 3]) - np.maximum(bb[:, 1], bbgt[:, 1]) + 1
    inter = iw * ih
    ua = (bb[:, 2] - bb[:, 0] + 1) * (bb[:, 3] - bb[:, 1] + 1) + (bbgt[:, 2] - bbgt[:, 0] + 1) * (
        bbgt[:, 3] - bbgt[:, 1] + 1
    )
    ua -= inter
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ov = inter / ua
    return np.where((iw > 0) & (ih > 0), ov, -np.inf)


def _eligible_pairs(
    det_boxes: np.ndarray, gt_boxes: np.ndarray, threshold: np.ndarray, lo: np.ndarray, cnt: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(detection, box, IoU) of the pairs whose IoU reaches the box's threshold, in pair order.

    Detection ``d`` is paired with boxes ``lo[d] .. lo[d] + cnt[d] - 1``; done in blocks.
    """
    out = []
    ends = np.cumsum(cnt)
    d0 = 0
    while d0 < len(cnt):
        base = int(ends[d0 - 1]) if d0 else 0
        d1 = max(d0 + 1, int(np.searchsorted(ends, base + _PAIR_BLOCK, side="right")))
        d = np.repeat(np.arange(d0, d1), cnt[d0:d1])
        g = lo[d] + (np.arange(len(d)) - (ends[d] - cnt[d] - base))
        ov = overlaps(det_boxes[d], gt_boxes[g])
        ok = ov >= threshold[g]
        out.append((d[ok], g[ok], ov[ok]))
        d0 = d1
    if not out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64)
    d, g, ov = (np.concatenate(parts) for parts in zip(*out))
    return d, g, ov


def _best_first(d: np.ndarray, ov: np.ndarray) -> np.ndarray:
    """Order of the pairs by (detection, IoU descending), keeping ground-truth order on equal
    doubles (a stable sort): the box the devkit's ``ov > ovmax`` keeps comes first."""
    return np.lexsort((-ov, d))


def _greedy_rounds(
    pair_det: np.ndarray, pair_gt: np.ndarray, pair_group: np.ndarray, n_det: int, n_gt: int
) -> np.ndarray:
    """True positives from pairs sorted by (group, detection rank, IoU desc, box).

    Each round, a group's first pair whose detection and box are both free is a match: its
    detection is the best-ranked one that can still match anything (earlier free ones cannot
    any more, since boxes only get taken) and its box that detection's best free box.
    """
    tp = np.zeros(n_det, dtype=bool)
    taken = np.zeros(n_gt, dtype=bool)
    alive = np.arange(len(pair_det))
    while len(alive):
        group = pair_group[alive]
        first = np.ones(len(alive), dtype=bool)
        first[1:] = group[1:] != group[:-1]
        chosen = alive[first]
        tp[pair_det[chosen]] = True
        taken[pair_gt[chosen]] = True
        alive = alive[~tp[pair_det[alive]] & ~taken[pair_gt[alive]]]
    return tp


def match_detections(detections: Detections, truth: DetectionTruth) -> tuple[np.ndarray, np.ndarray]:
    """``(order, true_positive)``: the rows of the detections outside blacklisted pairs, in ranking
    order (class, confidence descending, image, line), and whether each is a true positive.

    Raises ``ValueError`` if a detection's image is outside the truth's images.
    """
    n_images = truth.n_images
    image = detections.image.astype(np.int64)
    label = detections.label.astype(np.int64)
    if len(image) and (image.min() < 0 or image.max() >= n_images):
        raise ValueError("a detection's image is outside the ground truth's images")
    rows = np.arange(len(image))
    if len(truth.blacklist) and len(rows):
        rows = rows[~np.isin(image * CLASS_KEY + label, truth.blacklist_keys)]
    order = _ranking(image, label, detections.confidence, rows)
    group_key = label[order] * n_images + image[order]
    by_group = np.argsort(group_key, kind="stable")  # ranking positions, grouped by (class, image)
    gt_rows = np.flatnonzero(truth.kept)
    gt_key_all = truth.label[gt_rows].astype(np.int64) * n_images + truth.image[gt_rows]
    gt_sort = np.argsort(gt_key_all, kind="stable")
    gt_key, gt_boxes = gt_key_all[gt_sort], truth.boxes[gt_rows[gt_sort]].astype(np.float64)
    det_key = group_key[by_group]
    lo = np.searchsorted(gt_key, det_key, side="left")
    cnt = np.searchsorted(gt_key, det_key, side="right") - lo
    det_boxes = detections.boxes[order[by_group]].astype(np.float64)
    d, g, ov = _eligible_pairs(det_boxes, gt_boxes, thresholds(gt_boxes), lo, cnt)
    best = _best_first(d, ov)
    matched = _greedy_rounds(d[best], g[best], det_key[d[best]], len(order), len(gt_key))
    true_positive = np.zeros(len(order), dtype=bool)
    true_positive[by_group[matched]] = True
    return order, true_positive


def _trace(
    image: np.ndarray, label: np.ndarray, true_positive: np.ndarray, positives: DetectionPositives
) -> DetectionTrace:
    """Keep, per class with positives, the ranked detections up to its last true positive.

    ``image``, ``label`` and ``true_positive`` are in ranking order (``label`` ascending).
    """
    classes = np.arange(positives.n_classes + 1)
    starts = np.searchsorted(label, classes)
    tp_at = np.flatnonzero(true_positive)
    tp_label = label[tp_at]
    last = np.searchsorted(tp_label, classes, side="right") - 1  # each class's last TP, in tp_at
    has_tp = last >= 0
    has_tp[has_tp] = tp_label[last[has_tp]] == classes[has_tp]
    has_tp &= positives.per_class > 0
    counts = np.zeros(len(classes), dtype=np.int64)
    counts[has_tp] = tp_at[last[has_tp]] + 1 - starts[has_tp]
    keep = np.zeros(len(label), dtype=bool)
    for c in np.flatnonzero(counts).tolist():  # one slice per class
        keep[starts[c] : starts[c] + counts[c]] = True
    offsets = np.concatenate(([0], np.cumsum(counts)))
    kept_image = image[keep].astype(np.int32)
    return DetectionTrace(positives.n_images, positives.n_classes, offsets, kept_image, true_positive[keep])


def score_detections(detections: Detections, truth: DetectionTruth, *, class_set: ClassSet) -> DetectionResult:
    """Match ``detections`` against ``truth`` and compute AP per class and mAP.

    Raises :class:`GroundTruthError` when no box counts (every class would be left out of
    mAP), ``ValueError`` when the detections or boxes use classes or images outside the sets.
    """
    positives = truth.positives(class_set.n_classes)
    if len(detections) and int(detections.label.max()) > class_set.n_classes:
        raise ValueError(f"a detection has a class id above {class_set.n_classes}")
    if not int(positives.per_class.sum()):
        raise GroundTruthError([LineError(None, "no ground-truth box outside the blacklist: mAP is undefined")])
    order, true_positive = match_detections(detections, truth)
    label = detections.label[order]
    trace = _trace(detections.image[order], label, true_positive, positives)
    ap = class_average_precisions(trace, positives, np.ones((1, truth.n_images), dtype=np.int32))[0]
    evaluated = np.flatnonzero(positives.per_class > 0)
    evaluated = evaluated[evaluated > 0]
    return DetectionResult(
        images=truth.n_images,
        mean_average_precision=float(map_from_class_aps(ap[None, :])[0]),
        average_precision={class_set.wnids[c - 1]: float(ap[c]) for c in evaluated.tolist()},
        classes_evaluated=len(evaluated),
        detections=len(detections),
        ignored=len(detections) - len(order),
        true_positives=int(np.count_nonzero(true_positive)),
        trace=trace,
        positives=positives,
        devkit_mean_ap=devkit_mean_ap(ap, positives.per_class, truth.label, detections.label),
    )


def devkit_mean_ap(ap: np.ndarray, positives: np.ndarray, truth_labels: np.ndarray, labels: np.ndarray) -> float:
    """``mean(ap)`` as demo_eval_det.m computes it after eval_detection.m, from our per-class AP
    (``ap[c]``, with ``positives[c]`` positive boxes).

    The devkit's classes are ``1..C``, C the highest class id of any ground-truth box (blacklisted
    ones included: ``num_classes = length(num_pos_per_class)``), and its ``ap(c)`` for a class
    without positives is not left out: it is 0 when no line of the file names the class (VOCap of
    an empty curve), and NaN when one does (recall 0/0), blacklisted lines included; the mean is
    then NaN. Our mAP is the mean over the classes with positives only.
    """
    if not len(truth_labels):
        return float("nan")
    classes = int(truth_labels.max())
    named = np.zeros(classes + 1, dtype=bool)
    named[labels[labels <= classes]] = True
    values = []
    for c in range(1, classes + 1):
        if positives[c] > 0:
            values.append(float(ap[c]))
        else:
            values.append(float("nan") if named[c] else 0.0)
    return float(np.mean(values))
