"""A split's hidden ground truth on the submissions side: validated by the scoring core when an
organizer uploads it (then stored and the split rescored), and loaded for scoring once per
process, cached by its SHA-256 so a replaced version is never served from the cache.

Storing a version is `challenge.ground_truth`; the file readers are `submissions.scoring.groundtruth`.
Nothing here logs or echoes the answers: error messages name lines and tokens of the file the
organizer just uploaded, and are shown to that organizer only.
"""

from __future__ import annotations

import threading
from contextlib import ExitStack

import numpy as np
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from challenge.classes import Hierarchy, hierarchy_of
from challenge.ground_truth import replace_ground_truth
from challenge.models import ClassSet, GroundTruth, Split, Task
from challenge.services import read_private_file, record_audit, sha256_of
from submissions import scoring, uploads
from submissions.ledger import append_record, ground_truth_payload
from submissions.models import LedgerRecord

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
    challenge.devkit reads them from files or the database holds them. Raises ValueError."""
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


class GroundTruthRefused(Exception):
    """The upload was refused; nothing was stored. `errors` are (file, line or None, message)."""

    def __init__(self, errors: list[tuple[str, int | None, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the ground truth")


def validate_ground_truth(*, split: Split, labels: bytes, boxes: bytes = b"", blacklist: bytes = b"") -> None:
    """Check the files against the split's class set and number of images.

    Localization and detection need boxes; other tasks take none. Raises GroundTruthRefused
    listing line-numbered problems per file.
    """
    try:
        class_set = scoring_class_set(split.task.classes)
    except ValueError as exc:
        raise GroundTruthRefused([("labels", None, f"The task's class set cannot be scored with: {exc}")]) from exc
    if split.task.kind == Task.Kind.DETECTION:
        return _validate_detection(split=split, labels=labels, boxes=boxes, blacklist=blacklist, class_set=class_set)
    localization = split.task.kind == split.task.Kind.LOCALIZATION
    errors: list[tuple[str, int | None, str]] = []
    if localization and not boxes:
        errors.append(("boxes", None, "A localization task needs the boxes file (ImageId,PredictionString CSV)."))
    if boxes and not localization:
        errors.append(("boxes", None, "Only a localization task takes boxes."))
    parsed = {}
    readers = {
        "labels": lambda: scoring.read_labels(labels, class_set=class_set, n_images=split.n_images),
        "boxes": lambda: scoring.read_boxes_csv(boxes, class_set=class_set, n_images=split.n_images),
        "blacklist": lambda: scoring.read_blacklist(blacklist, n_images=split.n_images),
    }
    present = {"labels": True, "boxes": bool(boxes) and localization, "blacklist": bool(blacklist)}
    for name, read in readers.items():
        if not present[name]:
            continue
        try:
            parsed[name] = read()
        except scoring.GroundTruthError as exc:
            errors.extend(_file_errors(name, exc))
    if not errors:
        try:
            scoring.GroundTruth(labels=parsed["labels"], boxes=parsed.get("boxes"), blacklist=parsed.get("blacklist"))
        except scoring.GroundTruthError as exc:
            errors.extend(("boxes", e.line, e.message) for e in exc.errors)
        except ValueError as exc:
            errors.append(("labels", None, str(exc)))
    if errors:
        raise GroundTruthRefused(errors)


def _validate_detection(*, split: Split, labels: bytes, boxes: bytes, blacklist: bytes,
                        class_set: scoring.ClassSet) -> None:
    if not boxes:
        raise GroundTruthRefused([("boxes", None, "A detection task needs the boxes file "
                                                  "(ImageId,PredictionString CSV; an image with no object has none).")])
    images = _read_step("labels", lambda: scoring.read_image_list(labels))
    if images.n_images != split.n_images:
        raise GroundTruthRefused([("labels", None, f"The image list names {images.n_images:,} images; "
                                                   f"this split has {split.n_images:,}.")])
    truth = _read_step("boxes", lambda: scoring.read_detection_boxes_csv(boxes, images=images, class_set=class_set))
    if len(truth.label) == 0:
        raise GroundTruthRefused([("boxes", None, "The boxes file holds no object: no class could be evaluated.")])
    if blacklist:
        _read_step("blacklist", lambda: scoring.read_detection_blacklist(blacklist, n_images=images.n_images,
                                                                         class_set=class_set))


def _read_step(name: str, read):
    """What `read` returns; its GroundTruthError becomes GroundTruthRefused on the file `name`."""
    try:
        return read()
    except scoring.GroundTruthError as exc:
        raise GroundTruthRefused(_file_errors(name, exc)) from exc


def _file_errors(name: str, exc: scoring.GroundTruthError) -> list[tuple[str, int | None, str]]:
    """The refusal lines of one file: its numbered problems, then how many more were not shown."""
    errors = [(name, e.line, e.message) for e in exc.errors]
    if exc.omitted:
        errors.append((name, None, f"... and {exc.omitted} more problem(s) not shown."))
    return errors


def ground_truth_limit(*, split: Split, name: str) -> int:
    """The most bytes a ground-truth file of `split` may have, as sent and decompressed: the
    bound of a prediction file of its task for its images (one label, image or index a line
    needs a tenth of it); a localization task's boxes file gets the localization bound, about
    ten boxes per image on average."""
    kind = split.task.kind
    if name == "boxes" and kind != Task.Kind.DETECTION:
        kind = Task.Kind.LOCALIZATION
    return scoring.max_upload_bytes(kind, split.n_images)


def upload_ground_truth(*, user, split: Split, labels: bytes | File, boxes: bytes | File = b"",
                        blacklist: bytes | File = b"") -> GroundTruth:
    """Validate, store as the split's current ground truth, audit, and queue a rescoring of its
    scored entries (none are queued when there are none, as on a first upload).

    Each file is bytes or an upload, plain text or gzip; its plain text is what is validated,
    stored and committed to (SHA-256). Raises GroundTruthRefused (nothing stored) for a file
    above ground_truth_limit (before it is read, or once its decompressed text passes it),
    bad files, and files identical to the current version: a replacement that changes nothing
    must not rescore every entry.
    """
    # Rescoring scores through services, which loads ground truth from here: import at call time.
    from submissions.rescoring import start_rescoring

    given = {name: ContentFile(data, name=name) if isinstance(data, bytes) else data
             for name, data in (("labels", labels), ("boxes", boxes), ("blacklist", blacklist)) if data}
    with ExitStack() as stack:
        texts = {name: stack.enter_context(_plain_ground_truth(split=split, name=name, upload=upload))
                 for name, upload in given.items()}
        # The readers parse whole texts; the files are then stored from their spooled copies.
        contents = {name: text.file.read() for name, text in texts.items()}
        validate_ground_truth(split=split, **contents)
        with transaction.atomic():
            Split.objects.select_for_update().filter(pk=split.pk).first()  # one upload per split at a time
            replaced = split.current_ground_truth
            if replaced and _same_files(replaced, **contents):
                raise GroundTruthRefused([("labels", None, (
                    f"These files are identical to the current ground truth (SHA-256 {replaced.commitment}); "
                    "nothing was stored and nothing rescored. To rescore after a change to the scorer, use "
                    "\u201cRescore this split\u201d on the rescoring page."))])
            ground_truth = replace_ground_truth(split=split, user=user, **{n: t.file for n, t in texts.items()})
            job = start_rescoring(user=user, split=split, ground_truth=ground_truth, reason="Ground truth replaced")
            record_audit(
                actor=user, action="ground_truth.replace" if replaced else "ground_truth.upload", target=str(split),
                year=split.task.year, obj=split, sha256=ground_truth.commitment,
                previous_sha256=replaced.commitment if replaced else "", rescoring=job.total if job else 0,
            )
            append_record(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED, payload=ground_truth_payload(ground_truth))
    return ground_truth


def _plain_ground_truth(*, split: Split, name: str, upload: File) -> uploads.PlainText:
    limit = ground_truth_limit(split=split, name=name)
    if upload.size > limit:
        raise GroundTruthRefused([(name, None, f"The file is {upload.size:,} bytes; at most {limit:,} are accepted "
                                               f"for {split.n_images:,} images.")])
    try:
        return uploads.plain_text(upload, limit=limit, error_cls=scoring.GroundTruthError)
    except scoring.GroundTruthError as exc:
        raise GroundTruthRefused([(name, e.line, e.message) for e in exc.errors]) from exc


def _same_files(version: GroundTruth, *, labels: bytes, boxes: bytes = b"", blacklist: bytes = b"") -> bool:
    sent = (sha256_of(labels), sha256_of(boxes) if boxes else "", sha256_of(blacklist) if blacklist else "")
    return sent == (version.labels_sha256, version.boxes_sha256, version.blacklist_sha256)
