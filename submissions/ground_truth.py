"""Uploading a split's hidden ground truth: validated by the scoring core, stored privately, rescored.

Nothing here logs or echoes the answers: error messages name lines and tokens of the file the
organizer just uploaded, and are shown to that organizer only.
"""

from django.db import transaction

from challenge.models import GroundTruth, Split
from challenge.services import record_audit, replace_ground_truth
from submissions import scoring
from submissions.ledger import append_record, ground_truth_payload
from submissions.models import LedgerRecord
from submissions.rescoring import start_rescoring
from submissions.truth import scoring_class_set


class GroundTruthRefused(Exception):
    """The upload was refused; nothing was stored. `errors` are (file, line or None, message)."""

    def __init__(self, errors: list[tuple[str, int | None, str]]):
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the ground truth")


def validate_ground_truth(*, split: Split, labels: bytes, boxes: bytes = b"", blacklist: bytes = b"") -> None:
    """Check the files against the split's class set and number of images.

    Localization needs boxes; other tasks take none. Raises GroundTruthRefused listing
    line-numbered problems per file.
    """
    class_set = scoring_class_set(split.task.year.class_set)
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
            errors.extend((name, e.line, e.message) for e in exc.errors)
            if exc.omitted:
                errors.append((name, None, f"... and {exc.omitted} more problem(s) not shown."))
    if not errors:
        try:
            scoring.GroundTruth(labels=parsed["labels"], boxes=parsed.get("boxes"), blacklist=parsed.get("blacklist"))
        except scoring.GroundTruthError as exc:
            errors.extend(("boxes", e.line, e.message) for e in exc.errors)
        except ValueError as exc:
            errors.append(("labels", None, str(exc)))
    if errors:
        raise GroundTruthRefused(errors)


def upload_ground_truth(*, user, split: Split, labels: bytes, boxes: bytes = b"", blacklist: bytes = b"") -> GroundTruth:
    """Validate, store as the split's current ground truth, audit, and queue a rescoring of its entries.

    Raises GroundTruthRefused (nothing stored) for bad files.
    """
    validate_ground_truth(split=split, labels=labels, boxes=boxes, blacklist=blacklist)
    with transaction.atomic():
        replaced = split.current_ground_truth
        ground_truth = replace_ground_truth(split=split, labels=labels, boxes=boxes, blacklist=blacklist, user=user)
        job = start_rescoring(user=user, split=split, ground_truth=ground_truth)
        record_audit(
            actor=user, action="ground_truth.replace" if replaced else "ground_truth.upload", target=str(split),
            year=split.task.year, sha256=ground_truth.commitment,
            previous_sha256=replaced.commitment if replaced else "", rescoring=job.total,
        )
        append_record(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED, payload=ground_truth_payload(ground_truth))
    return ground_truth
