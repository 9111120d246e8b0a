"""A split's hidden ground truth on the submissions side: validated by the scoring core when an
organizer uploads it (then stored and the split rescored), and loaded for scoring once per
process, cached by its SHA-256 so a replaced version is never served from the cache.

Storing a version is `challenge.competition.ground_truth`; the file readers are `submissions.scoring.formats.ground_truth`.
Nothing here logs or echoes the answers: error messages name lines and tokens of the file the
organizer just uploaded, and are shown to that organizer only.
"""

from __future__ import annotations

import threading

import numpy as np

from challenge.competition.classes import Hierarchy, hierarchy_of
from challenge.competition.models import ClassSet, GroundTruth, Task
from challenge.storage import read_private_file
from submissions import scoring

_lock = threading.Lock()
_truths: dict[str, scoring.GroundTruth] = {}


def scoring_class_set(class_set: ClassSet) -> scoring.ClassSet:
    """The scoring core's view of a stored class set (leaf WNIDs in id order, parents, heights,
    and the internal synsets' WNIDs and words for messages), kept with its one cached hierarchy.

    Raises ValueError when the stored hierarchy cannot be scored with (a cycle, a height out of range).
    """
    return hierarchy_of(class_set).derived("scoring", _scoring_view)


def _scoring_view(hierarchy: Hierarchy) -> scoring.ClassSet:
    rows = [dict(ilsvrc_id=i, wnid=s.wnid, words=s.words, is_leaf=s.is_leaf, wordnet_height=s.wordnet_height)
            for i, s in hierarchy.synsets.items()]
    edges = [(parent, child) for child, parents in hierarchy.parents.items() for parent in parents]
    return scoring_class_set_from_rows(rows, edges)


def scoring_class_set_from_rows(rows: list[dict], edges: list[tuple[int, int]]) -> scoring.ClassSet:
    """The scoring core's ClassSet from synset rows and (parent, child) edges, as
    challenge.competition.devkit reads them from files or the database holds them. Raises ValueError."""
    by_id = {row["ilsvrc_id"]: row for row in rows}
    parents: dict[int, list[int]] = {}
    for parent, child in edges:
        parents.setdefault(child, []).append(parent)
    return scoring.ClassSet(
        wnids=[by_id[i]["wnid"] for i in sorted(i for i, row in by_id.items() if row["is_leaf"])],
        parents=parents,
        heights={i: row["wordnet_height"] for i, row in by_id.items()},
        synset_wnids={i: row["wnid"] for i, row in by_id.items()},
        words={i: row["words"] for i, row in by_id.items()},
    )


def scoring_ground_truth(ground_truth: GroundTruth, class_set: scoring.ClassSet):
    """Parse a stored ground-truth version (labels, and boxes and blacklist when present): a
    scoring.GroundTruth, or for a detection task a scoring.DetectionTruth (the image list is
    stored as its labels, the boxes CSV as its boxes, the (image, class) pairs as its blacklist)."""
    cache_key = f"{ground_truth.labels_sha256}:{ground_truth.boxes_sha256}:{ground_truth.blacklist_sha256}"
    if cache_key not in _truths:
        files = {name: read_private_file(key) if key else None for name, key in (
            ("labels", ground_truth.labels_key), ("boxes", ground_truth.boxes_key),
            ("blacklist", ground_truth.blacklist_key))}
        if ground_truth.split.task.kind == Task.Kind.DETECTION:
            built = scoring.read_detection_truth(files["labels"], files["boxes"], class_set=class_set,
                                                 blacklist=files["blacklist"])
        else:
            built = _error_truth(**files, n_images=ground_truth.split.n_images, class_set=class_set)
        with _lock:
            _truths[cache_key] = built
    return _truths[cache_key]


def _error_truth(*, labels: bytes, boxes: bytes | None, blacklist: bytes | None, n_images: int,
                 class_set: scoring.ClassSet) -> scoring.GroundTruth:
    """The labels, and the boxes and blacklist when present, of an error-metric task."""
    return scoring.GroundTruth(
        labels=np.asarray(scoring.read_labels(labels, class_set=class_set)),
        boxes=None if boxes is None else scoring.read_boxes_csv(boxes, class_set=class_set, n_images=n_images),
        blacklist=None if blacklist is None else scoring.read_blacklist(blacklist, n_images=n_images),
    )


