"""Versions of a split's hidden ground truth: stored privately with their SHA-256 commitments.

This module only stores a version someone already validated. Validating an upload with the
scoring core, queueing the rescoring and loading a version for scoring live in
`submissions.ground_truth` (and for revisions `submissions.revisions`); the file readers
themselves in `submissions.scoring.formats.ground_truth` (and `.label_sets` for revisions).
"""

from django.core.files import File
from django.db import transaction

from challenge.competition.models import ClassRevision, GroundTruth, Split
from challenge.storage import store_private_file

# A version that keeps its predecessor's revision of the labels (the default when only some
# files change), as opposed to one given new revised labels or none.
KEEP = object()


@transaction.atomic
def replace_ground_truth(*, split: Split, labels: bytes | File, boxes: bytes | File = b"",
                         blacklist: bytes | File = b"", user=None, revised_labels: bytes | File = b"",
                         class_revision: ClassRevision | None = None, revision_source: str = "",
                         revised_from: GroundTruth | None = None) -> GroundTruth:
    """Store a new ground-truth version for a split and make it the current one.

    The caller validates the content first (see submissions' scoring core); this only stores
    it privately (a file in chunks) and records the SHA-256 commitments, with the revised
    labels and the year's class revision when given; without revised labels, those of
    `revised_from` (the version replaced) are kept. Old versions stay for their scores.
    """
    prefix = f"ground-truth/{split.pk}"
    labels_key, labels_sha = store_private_file(prefix=prefix, data=labels)
    boxes_key, boxes_sha = store_private_file(prefix=prefix, data=boxes, suffix=".csv") if boxes else ("", "")
    blacklist_key, blacklist_sha = store_private_file(prefix=prefix, data=blacklist) if blacklist else ("", "")
    revised_key, revised_sha = store_private_file(prefix=prefix, data=revised_labels) if revised_labels else ("", "")
    if not revised_labels and revised_from is not None and revised_from.revised_labels_key:
        revised_key, revised_sha = revised_from.revised_labels_key, revised_from.revised_labels_sha256
        revision_source = revision_source or revised_from.revision_source
    split.ground_truths.filter(is_current=True).update(is_current=False)
    return GroundTruth.objects.create(
        split=split,
        labels_key=labels_key,
        labels_sha256=labels_sha,
        boxes_key=boxes_key,
        boxes_sha256=boxes_sha,
        blacklist_key=blacklist_key,
        blacklist_sha256=blacklist_sha,
        revised_labels_key=revised_key,
        revised_labels_sha256=revised_sha,
        class_revision=class_revision,
        revision_source=revision_source[:500],
        uploaded_by=user,
    )


@transaction.atomic
def revise_ground_truth(*, base: GroundTruth, user=None, revised_labels=KEEP, class_revision=KEEP,
                        revision_source: str | None = None) -> GroundTruth:
    """A new current version of `base`'s split with the same label, box and blacklist files
    (stored once, shared: files are never changed) and a new revision: `revised_labels` (bytes
    or a file; b"" for none) and/or `class_revision` (None for none), each kept from `base`
    unless given. The caller validates the revised labels first.
    """
    split = base.split
    if revised_labels is KEEP:
        revised_key, revised_sha = base.revised_labels_key, base.revised_labels_sha256
    elif revised_labels:
        revised_key, revised_sha = store_private_file(prefix=f"ground-truth/{split.pk}", data=revised_labels)
    else:
        revised_key, revised_sha = "", ""
    split.ground_truths.filter(is_current=True).update(is_current=False)
    return GroundTruth.objects.create(
        split=split,
        labels_key=base.labels_key, labels_sha256=base.labels_sha256,
        boxes_key=base.boxes_key, boxes_sha256=base.boxes_sha256,
        blacklist_key=base.blacklist_key, blacklist_sha256=base.blacklist_sha256,
        revised_labels_key=revised_key, revised_labels_sha256=revised_sha,
        class_revision=base.class_revision if class_revision is KEEP else class_revision,
        revision_source=(base.revision_source if revision_source is None else revision_source)[:500],
        uploaded_by=user,
    )
