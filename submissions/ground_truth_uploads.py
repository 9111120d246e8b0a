"""The organizer's upload of a split's hidden ground truth: validated by the scoring core, stored
as the split's current version, audited, recorded in the ledger, and its scored entries queued
for rescoring. Loading a stored version for scoring is `submissions.ground_truth` (a reader this
service does not need, and that rescoring and scoring need without it).

Error messages name lines and tokens of the file the organizer just uploaded, and are shown to
that organizer only."""

from __future__ import annotations

from contextlib import ExitStack

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from challenge.audit.services import record_audit
from challenge.competition.ground_truth import replace_ground_truth
from challenge.competition.models import GroundTruth, Split, Task
from challenge.competition.selectors import current_class_revision
from challenge.storage import sha256_of
from submissions import scoring, uploads
from submissions.ground_truth import scoring_class_set
from submissions.ledger import append_record, ground_truth_payload
from submissions.models import LedgerRecord
from submissions.notices import notify_ground_truth_changed
from submissions.rescoring import start_rescoring


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
            # The year's retired classes and the split's revised labels carry over to the new labels.
            ground_truth = replace_ground_truth(split=split, user=user, **{n: t.file for n, t in texts.items()},
                                                class_revision=current_class_revision(split.task.year),
                                                revised_from=replaced)
            job = start_rescoring(user=user, split=split, ground_truth=ground_truth, reason="Ground truth replaced")
            record_audit(
                actor=user, action="ground_truth.replace" if replaced else "ground_truth.upload", target=str(split),
                year=split.task.year, obj=split, sha256=ground_truth.commitment,
                previous_sha256=replaced.commitment if replaced else "", rescoring=job.total if job else 0,
            )
            append_record(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED, payload=ground_truth_payload(ground_truth))
            if replaced and job:
                notify_ground_truth_changed(split=split, ground_truth=ground_truth, previous=replaced)
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
