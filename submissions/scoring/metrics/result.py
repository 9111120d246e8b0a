"""The outcome of scoring a file of guesses: per-image outcomes and the error rates they give.

Semantics follow the ILSVRC devkits (see docs/scoring.md):

* flat error: an image is right when one of its first K guesses equals its label;
* localization: right when one of the first K guesses has the image's label and a box with
  IoU >= 0.5 against some ground-truth box of that class; IoU uses inclusive pixel
  coordinates (width = xmax - xmin + 1) and is computed in doubles as the devkit does;
  blacklisted images are left out of this error only;
* hierarchical: per image the smallest LCA height over the first K guesses; the mean
  (2010) and the mean divided by the root's height (2011).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from ..classes.class_set import ClassSet
from ..formats.guesses import Predictions
from ..tasks import MAX_GUESSES, TASKS
from ..truth import GroundTruth
from .classification import any_column_equal, order_warning
from .hierarchical import hierarchical_costs
from .localization import localization_correct

__all__ = ["Result", "score"]


@dataclass(eq=False)
class Result:
    """The outcome of scoring one prediction file.

    ``metrics`` holds ``top1_error`` and ``top5_error`` (the error with ``guesses``
    guesses), plus ``localization_error`` or ``hierarchical_error`` and
    ``hierarchical_error_normalized`` for those tasks. Per image: ``top1_correct``,
    ``top5_correct`` (bool), ``top1_labels`` (the class set's ``label_dtype``), ``loc_correct`` (bool,
    localization), ``hier_cost`` (uint8, hierarchical), ``blacklist`` (bool, images left
    out of the localization error). ``warnings`` are hints for the submitter, with the errors
    that back them; ``advice`` holds the same hints in the same order without any figure
    computed on the images, for a submitter who may not see scores on all of them yet.
    """

    task: str
    images: int
    guesses: int
    metrics: dict[str, float]
    top1_correct: np.ndarray
    top5_correct: np.ndarray
    top1_labels: np.ndarray
    loc_correct: np.ndarray | None = None
    hier_cost: np.ndarray | None = None
    blacklist: np.ndarray | None = None
    max_height: int | None = None
    warnings: list[str] = field(default_factory=list)
    advice: list[str] = field(default_factory=list)

    def to_bits(self) -> dict[str, bytes]:
        """Compact per-image outcome: bool arrays as ``np.packbits`` bytes.

        Keys: ``top1_correct``, ``top5_correct``, ``top1_labels`` (little-endian, 2 bytes
        per image while the labels are int16, i.e. up to 32767 classes, else 4 bytes), and
        where they apply ``loc_correct``, ``blacklist`` (packed bits), ``hier_cost`` (one
        byte per image). 100,000 images take 12.5 kB per bit array.
        """
        bits = {
            "top1_correct": np.packbits(self.top1_correct).tobytes(),
            "top5_correct": np.packbits(self.top5_correct).tobytes(),
            "top1_labels": self.top1_labels.astype(_label_wire_dtype(self.top1_labels)).tobytes(),
        }
        if self.loc_correct is not None:
            bits["loc_correct"] = np.packbits(self.loc_correct).tobytes()
        if self.blacklist is not None:
            bits["blacklist"] = np.packbits(self.blacklist).tobytes()
        if self.hier_cost is not None:
            bits["hier_cost"] = self.hier_cost.astype(np.uint8).tobytes()
        return bits

    @classmethod
    def from_bits(
        cls,
        bits: Mapping[str, bytes],
        *,
        task: str,
        images: int,
        guesses: int = MAX_GUESSES,
        max_height: int | None = None,
        warnings: list[str] | tuple[str, ...] = (),
    ) -> Result:
        """Rebuild a Result (and recompute its metrics) from :meth:`to_bits` output.

        ``max_height`` is needed for ``hierarchical_error_normalized``. ``top1_labels`` may
        hold 2 or 4 bytes per image. Raises ``ValueError`` when a required key is missing or
        a length does not match ``images``.
        """
        if task not in TASKS:
            raise ValueError(f"unknown task {task!r}")

        def unpack(key: str, required: bool) -> np.ndarray | None:
            raw = bits.get(key)
            if raw is None:
                if required:
                    raise ValueError(f"missing {key!r}")
                return None
            arr = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=images).astype(bool)
            if len(raw) != (images + 7) // 8:
                raise ValueError(f"{key!r} has {len(raw)} bytes, expected {(images + 7) // 8}")
            return arr

        top1 = unpack("top1_correct", True)
        top5 = unpack("top5_correct", True)
        assert top1 is not None and top5 is not None
        raw_labels = bits.get("top1_labels")
        if raw_labels is None:
            labels = np.zeros(images, dtype=np.int16)
        elif len(raw_labels) in (2 * images, 4 * images):
            wire = "<i2" if len(raw_labels) == 2 * images else "<i4"
            labels = np.frombuffer(raw_labels, dtype=wire).astype(np.int16 if wire == "<i2" else np.int32)
        else:
            raise ValueError("top1_labels length does not match images")
        loc = unpack("loc_correct", task == "localization")
        blacklist = unpack("blacklist", False)
        hier = None
        if task == "hierarchical":
            raw = bits.get("hier_cost")
            if raw is None or len(raw) != images:
                raise ValueError("hier_cost missing or of the wrong length")
            hier = np.frombuffer(raw, dtype=np.uint8).copy()
        metrics = _metrics(task, top1, top5, loc, blacklist, hier, max_height)
        return cls(task, images, guesses, metrics, top1, top5, labels, loc, hier, blacklist, max_height, list(warnings))


def _label_wire_dtype(labels: np.ndarray) -> str:
    """``"<i2"`` for labels stored in 2 bytes or fewer (up to 32767 classes), else ``"<i4"``."""
    if labels.dtype.itemsize <= 2:
        return "<i2"
    if len(labels) and int(np.abs(labels).max()) > np.iinfo(np.int32).max:
        raise ValueError("top1_labels do not fit in 4 bytes")
    return "<i4"


def _metrics(
    task: str,
    top1: np.ndarray,
    top5: np.ndarray,
    loc: np.ndarray | None,
    blacklist: np.ndarray | None,
    hier: np.ndarray | None,
    max_height: int | None,
) -> dict[str, float]:
    n = len(top1)
    metrics = {
        "top1_error": (n - int(np.count_nonzero(top1))) / n,
        "top5_error": (n - int(np.count_nonzero(top5))) / n,
    }
    if task == "localization" and loc is not None:
        counted = np.ones(n, dtype=bool) if blacklist is None else ~blacklist
        scored = int(np.count_nonzero(counted))
        wrong = int(np.count_nonzero(counted & ~loc))
        metrics["localization_error"] = wrong / scored
    if task == "hierarchical" and hier is not None:
        total = int(hier.sum(dtype=np.int64))
        metrics["hierarchical_error"] = total / n
        if max_height:
            metrics["hierarchical_error_normalized"] = total / n / max_height
    return metrics


def score(
    task: str,
    predictions: Predictions,
    truth: GroundTruth,
    *,
    class_set: ClassSet,
    guesses: int = MAX_GUESSES,
) -> Result:
    """Score parsed predictions against ground truth, keeping the first ``guesses`` guesses.

    ``task`` is "classification", "localization" or "hierarchical". Raises ``ValueError``
    for an unknown task, ``guesses`` outside 1..5, a different number of images,
    localization without boxes (in the predictions or the ground truth), or ground-truth
    labels outside ``1..n_classes``.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if not 1 <= guesses <= MAX_GUESSES:
        raise ValueError(f"guesses must be 1..{MAX_GUESSES}, got {guesses}")
    n = truth.n_images
    if predictions.n_images != n:
        raise ValueError(f"predictions are for {predictions.n_images} images, ground truth for {n}")
    t = truth.labels
    if int(t.min()) < 1 or int(t.max()) > class_set.n_classes:
        raise ValueError(f"ground-truth labels outside 1..{class_set.n_classes}")
    k = min(guesses, predictions.max_guesses)
    labels = predictions.labels[:, :k]
    top1 = labels[:, 0] == t
    top5 = any_column_equal(labels, t)
    loc = None
    hier = None
    blacklist = None
    max_height = None
    if task == "localization":
        if predictions.boxes is None or truth.boxes is None:
            raise ValueError("localization needs boxes in the predictions and in the ground truth")
        loc = localization_correct(labels, predictions.boxes[:, :k], truth)
        blacklist = truth.blacklist
    elif task == "hierarchical":
        hier = hierarchical_costs(labels, t, top5, class_set)
        max_height = class_set.max_height
    metrics = _metrics(task, top1, top5, loc, blacklist, hier, max_height)
    hints = [hint for hint in (order_warning(labels, t, metrics["top5_error"], class_set, k),) if hint]
    return Result(
        task=task,
        images=n,
        guesses=k,
        metrics=metrics,
        top1_correct=top1,
        top5_correct=top5,
        top1_labels=np.ascontiguousarray(labels[:, 0], dtype=class_set.label_dtype),
        loc_correct=loc,
        hier_cost=hier,
        blacklist=blacklist,
        max_height=max_height,
        warnings=[full for full, _ in hints],
        advice=[advice for _, advice in hints],
    )
