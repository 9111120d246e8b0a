"""Revisions of a year's labels, written: a split's revised labels (several valid labels per
image, images left out: the ReaL layout, or class ids / WNIDs a line) and the classes retired
from a year's class set. Each becomes a new ground-truth version of the splits it revises, with
its SHA-256 commitment, audited, recorded in the ledger, and its scored entries rescored; the
official board of a finished year and its frozen archive are never touched (the revised figures
are fields and a board of their own: docs/leaderboards.md).

Error messages name lines of the file the organizer just uploaded, shown to that organizer only.
"""

from __future__ import annotations

import hashlib

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from challenge.audit.services import record_audit
from challenge.competition.ground_truth import revise_ground_truth
from challenge.competition.models import ChallengeYear, ClassRevision, GroundTruth, Split, Task
from challenge.competition.selectors import current_class_revision
from challenge.storage import sha256_of
from submissions import scoring, uploads
from submissions.ground_truth import scoring_class_set
from submissions.ground_truth_uploads import GroundTruthRefused
from submissions.ledger import append_record, class_revision_payload, ground_truth_payload
from submissions.models import LedgerRecord
from submissions.notices import notify_ground_truth_changed
from submissions.rescoring import start_rescoring

REVISED = "revised labels"


def validate_revised_labels(*, split: Split, data: bytes) -> scoring.LabelRevision:
    """Read revised labels for a classification split: the real.json layout (0-based indices in
    sorted-WNID order) or one line per image of class ids or WNIDs (an empty line leaves the
    image out), for exactly the split's images. Raises GroundTruthRefused with line numbers, for
    another task kind, and when no image is kept."""
    if split.task.kind != Task.Kind.CLASSIFICATION:
        raise GroundTruthRefused([(REVISED, None, "Revised labels (several valid labels per image) apply to "
                                                  "classification tasks only.")])
    try:
        revision = scoring.read_revision(data, class_set=scoring_class_set(split.task.classes), n_images=split.n_images)
    except scoring.GroundTruthError as exc:
        errors = [(REVISED, e.line, e.message) for e in exc.errors]
        if exc.omitted:
            errors.append((REVISED, None, f"... and {exc.omitted} more problem(s) not shown."))
        raise GroundTruthRefused(errors) from exc
    if revision.kept_images == 0:
        raise GroundTruthRefused([(REVISED, None, "Every image is left out: nothing could be scored.")])
    return revision


def upload_revised_labels(*, user, split: Split, data: bytes | File, source: str = "") -> GroundTruth:
    """Make `data` (plain text or gzip) the revised labels of the split's current ground truth:
    a new version with the same labels and the new revision, rescoring the split's scored
    entries, audited and in the ledger. `source` says where the revision came from (shown with
    the version; "uploaded by <user>" by default).

    Raises GroundTruthRefused (nothing stored) for a split without ground truth, a file above
    the split's limit, bad files (see validate_revised_labels), and a revision identical to the
    current one.
    """
    upload = ContentFile(data, name="revised.txt") if isinstance(data, bytes) else data
    limit = 4 * scoring.max_upload_bytes(Task.Kind.CLASSIFICATION, split.n_images)  # up to ~20 labels an image
    if upload.size > limit:
        raise GroundTruthRefused([(REVISED, None, f"The file is {upload.size:,} bytes; at most {limit:,} are accepted.")])
    try:
        text = uploads.plain_text(upload, limit=limit, error_cls=scoring.GroundTruthError)
    except scoring.GroundTruthError as exc:
        raise GroundTruthRefused([(REVISED, e.line, e.message) for e in exc.errors]) from exc
    with text:
        content = text.file.read()
        validate_revised_labels(split=split, data=content)
        with transaction.atomic():
            Split.objects.select_for_update().filter(pk=split.pk).first()  # one revision per split at a time
            base = split.current_ground_truth
            if base is None:
                raise GroundTruthRefused([(REVISED, None, "Upload the split's labels first: a revision revises them.")])
            if base.revised_labels_sha256 == sha256_of(content):
                raise GroundTruthRefused([(REVISED, None, "These revised labels are identical to the current ones; "
                                                          "nothing was stored and nothing rescored.")])
            version = revise_ground_truth(base=base, user=user, revised_labels=content,
                                          revision_source=source or f"uploaded by {user}")
            job = start_rescoring(user=user, split=split, ground_truth=version, reason="Labels revised")
            record_audit(actor=user, action="ground_truth.revise", target=str(split), year=split.task.year, obj=split,
                         sha256=version.commitment, previous_sha256=base.commitment, source=version.revision_source,
                         rescoring=job.total if job else 0)
            append_record(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED, payload=ground_truth_payload(version))
            if job:  # the teams scored on the version revised are told (issue 24's mail)
                notify_ground_truth_changed(split=split, ground_truth=version, previous=base)
    return version


class RetirementRefused(Exception):
    """Classes cannot be retired as asked; the message says why."""


def retire_classes(*, user, year: ChallengeYear, classes: list[str], reason: str) -> ClassRevision:
    """Retire `classes` (WNIDs or ids of the year's class set) from the year, with a public
    reason: a new class revision (cumulative), and for every split of the year with ground truth
    a new version applying it, its scored entries rescored (docs/scoring.md: retired guesses are
    skipped, images whose every label is retired are left out). Audited and in the ledger.

    Raises RetirementRefused without a reason, for a token that is not a class of the year's
    set, and when every class named is retired already.
    """
    if not reason.strip():
        raise RetirementRefused("Give the public reason for retiring these classes.")
    class_set = scoring_class_set(year.class_set)
    wanted = []
    for token in classes:
        class_id = class_set.token_ids.get(token.strip().encode())
        if class_id is None:
            raise RetirementRefused(f"{token.strip()[:40]!r} is not a class of {year.class_set} "
                                    f"(an id 1..{class_set.n_classes} or a leaf WNID).")
        wanted.append(class_set.wnids[class_id - 1])
    with transaction.atomic():
        ChallengeYear.objects.select_for_update().filter(pk=year.pk).first()  # one revision at a time
        previous = current_class_revision(year)
        before = set(previous.retired_wnids) if previous else set()
        new = sorted(set(wanted) - before)
        if not new:
            raise RetirementRefused("Every class named is retired already.")
        retired = sorted(before | set(new))
        revision = ClassRevision.objects.create(
            year=year, retired_wnids=retired, newly_retired=new, reason=reason.strip(), created_by=user,
            sha256=hashlib.sha256("".join(f"{w}\n" for w in retired).encode()).hexdigest())
        append_record(kind=LedgerRecord.Kind.CLASSES_RETIRED, payload=class_revision_payload(revision))
        rescored = 0
        versions = GroundTruth.objects.filter(split__task__year=year, is_current=True).select_related("split__task")
        for base in list(versions):
            version = revise_ground_truth(base=base, user=user, class_revision=revision)
            job = start_rescoring(user=user, split=base.split, ground_truth=version,
                                  reason=f"Classes retired: {', '.join(new[:5])}{' ...' if len(new) > 5 else ''}")
            rescored += job.total if job else 0
            append_record(kind=LedgerRecord.Kind.GROUND_TRUTH_REPLACED, payload=ground_truth_payload(version))
            if job:
                notify_ground_truth_changed(split=base.split, ground_truth=version, previous=base)
        record_audit(actor=user, action="classes.retire", target=str(year), year=year, obj=revision,
                     retired=new, reason=revision.reason, sha256=revision.sha256, rescoring=rescored)
    return revision
