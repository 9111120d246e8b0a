"""Localization error: an image is right when one of its first K guesses has the image's label and a
box with IoU >= 0.5 against some ground-truth box of that class (the devkit's ``eval_clsloc.m``).

IoU is computed as the devkit's ``compute_overlap.m`` computes it: IEEE doubles, inclusive pixels
(``xmax - xmin + 1``), the same operations in the same order; no overlap when the intersection's
width or height is not positive. Coordinates may be fractional (the devkit reads them with ``%f``).
"""

from __future__ import annotations

import numpy as np

from ..truth import GroundTruth

__all__ = ["localization_correct"]


def localization_correct(pred_labels: np.ndarray, pred_boxes: np.ndarray, truth: GroundTruth) -> np.ndarray:
    """Per image: does one of the given guesses find a box of the image's class (IoU >= 0.5)?"""
    n = truth.n_images
    img_all, gt_all = truth.own_boxes
    correct = np.zeros(n, dtype=bool)
    step = 1 << 14  # small blocks: bounded temporaries that stay in cache
    for lo in range(0, len(img_all), step):
        img = img_all[lo : lo + step]
        g = gt_all[lo : lo + step].astype(np.float64)
        gx1, gy1, gx2, gy2 = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
        area_g = (gx2 - gx1 + 1) * (gy2 - gy1 + 1)
        want = truth.labels[img]
        found = np.zeros(len(img), dtype=bool)
        for j in range(pred_labels.shape[1]):  # one guess at a time: 1-D arrays only
            pb = pred_boxes[img, j].astype(np.float64)
            px1, py1, px2, py2 = pb[:, 0], pb[:, 1], pb[:, 2], pb[:, 3]
            iw = np.minimum(px2, gx2) - np.maximum(px1, gx1) + 1
            ih = np.minimum(py2, gy2) - np.maximum(py1, gy1) + 1
            overlap = (iw > 0) & (ih > 0)
            inter = iw * ih
            ua = (px2 - px1 + 1) * (py2 - py1 + 1) + area_g
            ua -= inter
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                ov = inter / ua
            found |= (pred_labels[img, j] == want) & overlap & (ov >= 0.5)
        correct[img[found]] = True
    return correct
