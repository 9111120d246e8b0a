"""Class retirement: a year's retired classes taken out of its guesses and its ground truth.
Pure numpy; no Django.

The rule (docs/scoring.md, "Revisions of the labels"):

* a **retired** class is taken out of the year's class set: a guess of it is skipped, its slot
  left empty (the guesses after it keep their places: a slot is not refilled), so it can never
  be right;
* an image whose every label is retired is **left out** (its single label, or every class of
  its ReaL set, or every box of a detection image); images without labels stay;
* retired classes leave **ReaL sets** too: an image whose set becomes empty is left out;
* detection: a retired class has no positive box left, so it leaves the mean of the average
  precisions.

The figures on the result are computed by :mod:`.metrics.revised`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .truth import DetectionPositives, LabelRevision

__all__ = [
    "detection_kept_images",
    "retire_revision",
    "retired_mask",
    "skip_retired_guesses",
    "without_retired_classes",
]


def retired_mask(retired: Iterable[int], n_classes: int) -> np.ndarray:
    """``(n_classes + 1,)`` bool: ``[c]`` is True for a retired class id ``c`` (``[0]``, no guess,
    is False). Raises ``ValueError`` for an id outside ``1..n_classes``."""
    ids = np.fromiter((int(c) for c in retired), dtype=np.int64)
    if ids.size and (int(ids.min()) < 1 or int(ids.max()) > n_classes):
        bad = int(ids[(ids < 1) | (ids > n_classes)][0])
        raise ValueError(f"retired class {bad} is outside 1..{n_classes}")
    mask = np.zeros(n_classes + 1, dtype=bool)
    mask[ids] = True
    return mask


def skip_retired_guesses(labels: np.ndarray, retired: np.ndarray) -> np.ndarray:
    """A copy of ``(n, k)`` guessed class ids with every retired guess emptied (0): the slot
    stays where it was, so the guesses after it are not moved up."""
    labels = np.asarray(labels)
    return np.where(retired[labels], 0, labels).astype(labels.dtype, copy=False)


def retire_revision(revision: LabelRevision, retired: np.ndarray) -> LabelRevision:
    """The revision without the retired classes: they leave every set, and an image whose set
    becomes empty is left out (images left out before stay out)."""
    keep = ~retired[revision.labels.astype(np.int64)]
    counts = np.bincount(np.repeat(np.arange(revision.n_images), revision.counts())[keep],
                         minlength=revision.n_images)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return LabelRevision(offsets, revision.labels[keep], revision.kept & (counts > 0))


def without_retired_classes(positives: DetectionPositives, retired: np.ndarray) -> DetectionPositives:
    """The positive boxes of the classes still in the set: a retired class has none, so it
    leaves the mean of the average precisions."""
    keep = ~retired[positives.label.astype(np.int64)]
    return DetectionPositives(positives.n_images, positives.n_classes, positives.image[keep], positives.label[keep],
                              positives.count[keep])


def detection_kept_images(image: np.ndarray, label: np.ndarray, retired: np.ndarray, n_images: int) -> np.ndarray:
    """Bool per image of a detection split: kept unless it has boxes and every one is of a
    retired class (``image`` 0-based and ``label`` give one entry per box)."""
    image = np.asarray(image, dtype=np.int64)
    boxes = np.bincount(image, minlength=n_images)
    live = np.bincount(image[~retired[np.asarray(label, dtype=np.int64)]], minlength=n_images)
    return (boxes == 0) | (live > 0)
