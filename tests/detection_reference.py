"""A slow, readable reference for object detection (ILSVRC DET 2013-2017) scoring.

Written from the devkit's eval_detection.m and its readme, with Python loops; nothing is
shared with submissions/scoring. The tests check the fast scorer against it and bench/scoring.py
times it.

1. Read the detections: ``image class confidence xmin ymin xmax ymax`` a line; the confidence and
   the coordinates are decimal numbers as C's strtod reads them (the devkit's ``%f``), finite.
2. Per image, take its detections by decreasing confidence (a stable sort: file order on
   ties). A detection of class c in a blacklisted (image, c) pair is ignored. Otherwise it
   looks at the boxes of class c in that image not yet matched, keeps those whose overlap is at
   least the box's threshold min(0.5, w*h / ((w+10)*(h+10))), and takes the one with the highest
   overlap (the first box on a tie: the devkit's ``ov > ovmax``). No such box: false positive.
   Overlaps and thresholds are computed as the devkit computes them: IEEE doubles (Python
   floats), +1 widths and heights, the same operations in the same order.
3. Per class, the detections that were not ignored are ranked by decreasing confidence, ties
   by image index, then line. Positives: the boxes of the class outside blacklisted pairs.
   Precision and recall after each detection; AP as in the devkit: precision made monotone
   from the right (with 0 appended), summed over the points where recall changes.
4. mAP: the mean AP over the classes with at least one positive.

With ``weights`` (one integer per image), each detection and each box counts as many times
as its image's weight (weight 0: left out): the bootstrap's resampled AP.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

Box = tuple[float, float, float, float]
# a detection: (image 0-based, class id, confidence, box, line 1-based)
Det = tuple[int, int, float, Box, int]


_DECIMAL = r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?"


class RefInvalid(Exception):
    """The detection file is not acceptable; ``bad_lines`` lists the 1-based bad lines."""

    def __init__(self, bad_lines: list[int]) -> None:
        self.bad_lines = bad_lines
        super().__init__(f"bad lines {bad_lines[:10]}")


def ref_parse(data: bytes, *, n_images: int, wnids: list[str]) -> list[Det]:
    """Parse a detection file; raises RefInvalid listing every bad line."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    text = data.decode("utf-8").rstrip(" \t\r\n")
    if not text:
        return []
    dets, bad = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        det = _ref_line(line, n_images, wnids, number)
        if det is None:
            bad.append(number)
        else:
            dets.append(det)
    if bad:
        raise RefInvalid(bad)
    return dets


def _ref_line(line: str, n_images: int, wnids: list[str], number: int) -> Det | None:
    if len(line.encode()) > 2048:
        return None
    fields = [f for f in re.split(r"[ \t\r]+", line) if f]
    if len(fields) != 7:
        return None
    image_tok, class_tok, conf_tok, *coord_toks = fields
    if not re.fullmatch(r"[0-9]{1,9}", image_tok) or not 1 <= int(image_tok) <= n_images:
        return None
    if re.fullmatch(r"[0-9]{1,8}", class_tok) and 1 <= int(class_tok) <= len(wnids):
        cid = int(class_tok)
    elif class_tok in wnids:
        cid = wnids.index(class_tok) + 1
    else:
        return None
    if not re.fullmatch(_DECIMAL, conf_tok):
        return None
    conf = float(conf_tok)
    if not math.isfinite(conf):
        return None
    if not all(re.fullmatch(_DECIMAL, c) for c in coord_toks):
        return None
    x1, y1, x2, y2 = (float(c) for c in coord_toks)
    if not all(math.isfinite(v) for v in (x1, y1, x2, y2)):
        return None
    return (int(image_tok) - 1, cid, conf, (x1, y1, x2, y2), number)


def overlap(bb: Box, bbgt: Box) -> float | None:
    """eval_detection.m's overlap of a detection and a ground-truth box, in doubles; None when
    they do not overlap (``iw > 0 & ih > 0`` fails)."""
    bi = (max(bb[0], bbgt[0]), max(bb[1], bbgt[1]), min(bb[2], bbgt[2]), min(bb[3], bbgt[3]))
    iw = bi[2] - bi[0] + 1
    ih = bi[3] - bi[1] + 1
    if not (iw > 0 and ih > 0):
        return None
    ua = (bb[2] - bb[0] + 1) * (bb[3] - bb[1] + 1) + (bbgt[2] - bbgt[0] + 1) * (bbgt[3] - bbgt[1] + 1) - iw * ih
    return iw * ih / ua


def threshold(gt: Box) -> float:
    """The devkit's per-box threshold: 0.5, lowered for small boxes (pixel tolerance 10), in doubles
    (its ``gt_w`` is the box's height and ``gt_h`` its width, as the devkit names them)."""
    gt_w = gt[3] - gt[1] + 1
    gt_h = gt[2] - gt[0] + 1
    return min(0.5, (gt_w * gt_h) / ((gt_w + 10) * (gt_h + 10)))


def ref_match(dets: list[Det], gt: dict[int, list[tuple[int, Box]]], blacklist: set[tuple[int, int]]) -> list:
    """Per detection (in file order): True / False (true / false positive) or None (ignored)."""
    outcome: list = [None] * len(dets)
    by_image: dict[int, list[int]] = {}
    for k, det in enumerate(dets):
        by_image.setdefault(det[0], []).append(k)
    for image, ks in by_image.items():
        ks = sorted(ks, key=lambda k: -dets[k][2])  # stable: file order on ties
        boxes = gt.get(image, [])
        taken = [False] * len(boxes)
        for k in ks:
            _, cid, _, box, _ = dets[k]
            if (image, cid) in blacklist:
                continue
            best, best_ov = None, -math.inf
            for j, (gt_cid, gt_box) in enumerate(boxes):
                if gt_cid != cid or taken[j]:
                    continue
                ov = overlap(box, gt_box)
                if ov is not None and ov >= threshold(gt_box) and ov > best_ov:
                    best, best_ov = j, ov
            if best is not None:
                taken[best] = True
            outcome[k] = best is not None
    return outcome


def ref_average_precisions(
    dets: list[Det],
    gt: dict[int, list[tuple[int, Box]]],
    blacklist: set[tuple[int, int]],
    n_classes: int,
    weights: list[int] | None = None,
) -> dict[int, Fraction | None]:
    """AP per class id (None for a class without positives), exactly."""
    outcome = ref_match(dets, gt, blacklist)
    weight = (lambda image: 1) if weights is None else (lambda image: weights[image])
    aps: dict[int, Fraction | None] = {}
    for cid in range(1, n_classes + 1):
        npos = sum(
            weight(image)
            for image, boxes in gt.items()
            for gt_cid, _ in boxes
            if gt_cid == cid and (image, cid) not in blacklist
        )
        if npos == 0:
            aps[cid] = None
            continue
        ranked = [k for k in range(len(dets)) if dets[k][1] == cid and outcome[k] is not None]
        ranked.sort(key=lambda k: (-dets[k][2], dets[k][0], dets[k][4]))
        tp = fp = 0
        rec, prec = [], []
        for k in ranked:
            w = weight(dets[k][0])
            if w == 0:
                continue
            if outcome[k]:
                tp += w
            else:
                fp += w
            rec.append(Fraction(tp, npos))
            prec.append(Fraction(tp, tp + fp))
        aps[cid] = devkit_ap(rec, prec)
    return aps


def devkit_ap(rec: list[Fraction], prec: list[Fraction]) -> Fraction:
    """All-points interpolated AP, the devkit's (VOC 2010+) way."""
    mrec = [Fraction(0)] + rec + [Fraction(1)]
    mpre = [Fraction(0)] + prec + [Fraction(0)]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    return sum(((mrec[i] - mrec[i - 1]) * mpre[i] for i in range(1, len(mrec)) if mrec[i] != mrec[i - 1]), Fraction(0))


def ref_map(aps: dict[int, Fraction | None]) -> Fraction | None:
    """Mean AP over the classes with positives (None if there are none)."""
    values = [ap for ap in aps.values() if ap is not None]
    return sum(values, Fraction(0)) / len(values) if values else None


def ref_evaluate(
    data: bytes,
    *,
    n_images: int,
    wnids: list[str],
    gt: dict[int, list[tuple[int, Box]]],
    blacklist: set[tuple[int, int]] = frozenset(),
    weights: list[int] | None = None,
) -> dict:
    """Parse and score: ``{"ap": {class id: Fraction | None}, "map": Fraction | None, "outcome": [...]}``."""
    dets = ref_parse(data, n_images=n_images, wnids=wnids)
    aps = ref_average_precisions(dets, gt, set(blacklist), len(wnids), weights)
    return {"ap": aps, "map": ref_map(aps), "outcome": ref_match(dets, gt, set(blacklist))}
