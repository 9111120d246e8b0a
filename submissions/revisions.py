"""A ground-truth version's revision on the submissions side: its revised labels (ReaL sets)
and the year's retired classes, read for scoring once per process (cached by their SHA-256s);
the revised figures of a scored file; and their per-image evidence packed for the Score row.

The rules are the scoring core's (`scoring.score_revised`, `scoring.score_revised_detection`;
docs/scoring.md, "Revisions of the labels"). Nothing here logs or echoes the labels.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass

import numpy as np

from challenge.competition.models import ClassRevision, GroundTruth, Task
from challenge.storage import open_private_file, read_private_file
from submissions import scoring
from submissions.ground_truth import scoring_class_set, scoring_ground_truth

# Evidence arrays kept a byte an entry (costs over images; the retired mask over classes), by
# the dtype they are read back as; every other array is a bool mask over images, packed.
_RAW = {"revised_hier": np.uint8, "retired": bool}

_lock = threading.Lock()
_revisions: dict[str, "Revision"] = {}


@dataclass(frozen=True, eq=False)
class Revision:
    """What a ground-truth version revises: its `label_sets` (a scoring.LabelRevision, or None)
    and the `retired` class mask over its task's classes (scoring.retired_mask, or None)."""

    label_sets: scoring.LabelRevision | None
    retired: np.ndarray | None


def retired_ids(class_revision: ClassRevision, class_set: scoring.ClassSet) -> list[int]:
    """The ids, in `class_set`, of the classes a class revision retires (WNIDs absent from the
    set retire nothing there)."""
    return sorted(class_set.wnid_to_id[w] for w in class_revision.retired_wnids if w in class_set.wnid_to_id)


def revision_of(ground_truth: GroundTruth, class_set: scoring.ClassSet) -> Revision | None:
    """The revision a ground-truth version carries, read and parsed once per process; None for
    a version without one. Raises the scoring core's GroundTruthError for a stored file that no
    longer reads (validated on upload, so only after a change to the reader)."""
    if not ground_truth.is_revised:
        return None
    classes = ground_truth.class_revision
    key = (f"{ground_truth.revised_labels_sha256}:{classes.sha256 if classes else ''}:"
           f"{ground_truth.split.n_images}:{class_set.n_classes}:{class_set.wnids[0]}")
    if key not in _revisions:
        sets = None
        if ground_truth.revised_labels_key:
            sets = scoring.read_revision(read_private_file(ground_truth.revised_labels_key), class_set=class_set,
                                         n_images=ground_truth.split.n_images)
        retired = scoring.retired_mask(retired_ids(classes, class_set), class_set.n_classes) if classes else None
        with _lock:
            _revisions[key] = Revision(sets, retired)
    return _revisions[key]


def evaluate_revision(*, submission, ground_truth: GroundTruth,
                      result: scoring.Result | scoring.DetectionResult) -> scoring.RevisedResult | None:
    """The revised figures of a submission's stored file against a ground-truth version, or
    None when the version revises nothing. An error task's file is parsed again (the core's
    `result` keeps no guesses beyond the first); a detection file's trace is reused. Raises the
    scoring core's errors and storage errors, as scoring does."""
    split = submission.split
    class_set = scoring_class_set(split.task.classes)
    revision = revision_of(ground_truth, class_set)
    if revision is None:
        return None
    truth = scoring_ground_truth(ground_truth, class_set)
    if split.task.kind == Task.Kind.DETECTION:
        if revision.retired is None:
            return None
        kept = scoring.detection_kept_images(truth.image, truth.label, revision.retired, truth.n_images)
        return scoring.score_revised_detection(result.trace, truth.positives(class_set.n_classes),
                                               retired=revision.retired, kept=kept)
    limit = scoring.max_upload_bytes(split.task.kind, split.n_images)
    with open_private_file(submission.file_key) as handle:
        predictions = scoring.parse_prediction_stream(split.task.kind, scoring.iter_decompressed(handle, limit=limit),
                                                      n_images=split.n_images, class_set=class_set)
    label_sets = revision.label_sets if split.task.kind == Task.Kind.CLASSIFICATION else None
    return scoring.score_revised(split.task.kind, predictions, truth, class_set=class_set, retired=revision.retired,
                                 revision=label_sets)


def revised_score_fields(revised: scoring.RevisedResult | None) -> dict:
    """The Score fields of revised figures: `revised_metrics` and `revised_evidence` (empty
    for None)."""
    if revised is None:
        return {}
    return {"revised_metrics": dict(revised.metrics), "revised_evidence": pack_evidence(revised.evidence)}


def pack_evidence(evidence: dict[str, np.ndarray]) -> bytes:
    """Per-image evidence as one npz: bool arrays packed 8 to a byte, costs as bytes."""
    buffer = io.BytesIO()
    np.savez(buffer, **{name: array.astype(np.uint8) if name in _RAW else np.packbits(array)
                        for name, array in evidence.items()})
    return buffer.getvalue()


def unpack_evidence(data: bytes | memoryview | None, *, n: int) -> dict[str, np.ndarray]:
    """The evidence :func:`pack_evidence` stored, the masks over images of `n` entries (the
    score's images). Empty for None."""
    if not data:
        return {}
    with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as stored:
        out = {}
        for name in stored.files:
            array = stored[name]
            out[name] = array.astype(_RAW[name]) if name in _RAW else np.unpackbits(array, count=n).astype(bool)
        return out
