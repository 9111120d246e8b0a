"""Flat classification error: an image is right when one of its first K guesses is its label; and
the hint for files whose labels look like sorted-WNID class indices."""

from __future__ import annotations

import numpy as np

from ..classes.class_set import ClassSet

__all__ = ["any_column_equal", "order_warning"]


def any_column_equal(labels: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``(labels == target[:, None]).any(axis=1)``, column by column (much faster for 5 columns)."""
    out = labels[:, 0] == target
    for j in range(1, labels.shape[1]):
        out |= labels[:, j] == target
    return out


def order_warning(labels: np.ndarray, truth: np.ndarray, error: float, class_set: ClassSet,
                   k: int) -> tuple[str, str] | None:
    """A hint when the labels look like sorted-WNID class indices (torchvision/Caffe/Keras):
    (the hint with its errors, the same advice without them)."""
    if error < 0.5:
        return None
    n = class_set.n_classes
    s2i = class_set.sorted_index_to_id
    one_based = np.concatenate(([0], s2i)).astype(class_set.label_dtype)  # v -> id of the v-th sorted WNID
    zero_based = np.concatenate(([0], s2i[1:], [0])).astype(class_set.label_dtype)  # v -> id of sorted index v
    best = None
    for table, how in (
        (one_based, "1-based positions in sorted-WNID order"),
        (zero_based, "0-based indices in sorted-WNID order (torchvision/Caffe/Keras)"),
    ):
        remapped = table[labels]
        alt = 1.0 - float(np.count_nonzero(any_column_equal(remapped, truth))) / len(truth)
        if best is None or alt < best[0]:
            best = (alt, how)
    assert best is not None
    alt, how = best
    if alt > error / 2:
        return None
    remedy = (
        f"ILSVRC ids 1..{n} follow the devkit's order (meta.mat), not sorted WNIDs: map class index k to the "
        "id of the k-th WNID in sorted order (synset_words_sorted_wnid.txt, classes.tsv), or submit WNIDs."
    )
    return (
        f"Top-{k} error is {error:.4f}, but reading your labels as {how} would give {alt:.4f}. {remedy}",
        f"Your labels look like {how}: read that way, they would have a much lower top-{k} error. {remedy}",
    )
