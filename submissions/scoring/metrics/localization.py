"""Localization error: an image is right when one of its first K guesses has the image's label and a
box with IoU >= 0.5 against some ground-truth box of that class (the devkit's ``eval_clsloc.m``)."""

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
        g = gt_all[lo : lo + step].astype(np.int64)
        gx1, gy1, gx2, gy2 = g[:, 0], g[:, 1], g[:, 2], g[:, 3]
        area_g = (gx2 - gx1 + 1) * (gy2 - gy1 + 1)
        want = truth.labels[img]
        found = np.zeros(len(img), dtype=bool)
        for j in range(pred_labels.shape[1]):  # one guess at a time: 1-D arrays only
            pb = pred_boxes[img, j].astype(np.int64)
            px1, py1, px2, py2 = pb[:, 0], pb[:, 1], pb[:, 2], pb[:, 3]
            iw = np.minimum(px2, gx2) - np.maximum(px1, gx1) + 1
            ih = np.minimum(py2, gy2) - np.maximum(py1, gy1) + 1
            overlap = (iw > 0) & (ih > 0)
            inter = iw * ih
            inter *= overlap
            union = (px2 - px1 + 1) * (py2 - py1 + 1) + area_g - inter
            found |= (pred_labels[img, j] == want) & overlap & (2 * inter >= union)
        correct[img[found]] = True
    return correct
