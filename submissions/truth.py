"""Ground truth and class sets as the scoring core wants them, loaded once per process.

Ground truth is cached by its SHA-256, so a replaced version is never served from the cache.
"""

from __future__ import annotations

import threading

import numpy as np

from challenge.models import ClassSet, GroundTruth
from challenge.services import read_private_file
from submissions import scoring

_lock = threading.Lock()
_class_sets: dict[tuple[int, str], scoring.ClassSet] = {}
_truths: dict[str, scoring.GroundTruth] = {}


def scoring_class_set(class_set: ClassSet) -> scoring.ClassSet:
    """The scoring core's view of a class set: leaf WNIDs in id order, parents and heights."""
    cache_key = (class_set.pk, class_set.source)
    if cache_key not in _class_sets:
        synsets = list(class_set.synsets.values_list("pk", "ilsvrc_id", "wnid", "wordnet_height", "is_leaf"))
        id_by_pk = {pk: ilsvrc_id for pk, ilsvrc_id, *_ in synsets}
        leaves = sorted((ilsvrc_id, wnid) for _, ilsvrc_id, wnid, _, is_leaf in synsets if is_leaf)
        parents: dict[int, list[int]] = {}
        edges = class_set.synsets.model.parents.through.objects.filter(from_synset__class_set=class_set)
        for child_pk, parent_pk in edges.values_list("from_synset_id", "to_synset_id"):
            parents.setdefault(id_by_pk[child_pk], []).append(id_by_pk[parent_pk])
        built = scoring.ClassSet(
            wnids=[wnid for _, wnid in leaves],
            parents=parents,
            heights={ilsvrc_id: height for _, ilsvrc_id, _, height, _ in synsets},
        )
        with _lock:
            _class_sets[cache_key] = built
    return _class_sets[cache_key]


def scoring_ground_truth(ground_truth: GroundTruth, class_set: scoring.ClassSet) -> scoring.GroundTruth:
    """Parse a stored ground-truth version (labels, and boxes and blacklist when present)."""
    cache_key = f"{ground_truth.labels_sha256}:{ground_truth.boxes_sha256}:{ground_truth.blacklist_sha256}"
    if cache_key not in _truths:
        split = ground_truth.split
        labels = scoring.read_labels(read_private_file(ground_truth.labels_key), class_set=class_set)
        boxes = None
        if ground_truth.boxes_key:
            boxes = scoring.read_boxes_csv(
                read_private_file(ground_truth.boxes_key), class_set=class_set, n_images=split.n_images
            )
        blacklist = None
        if ground_truth.blacklist_key:
            blacklist = scoring.read_blacklist(read_private_file(ground_truth.blacklist_key), n_images=split.n_images)
        built = scoring.GroundTruth(labels=np.asarray(labels), boxes=boxes, blacklist=blacklist)
        with _lock:
            _truths[cache_key] = built
    return _truths[cache_key]
