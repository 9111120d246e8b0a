"""Versions of a split's hidden ground truth: stored privately with their SHA-256 commitments.

This module only stores a version someone already validated. Validating an upload with the
scoring core, queueing the rescoring and loading a version for scoring live in
`submissions.ground_truth`; the file readers themselves in `submissions.scoring.formats.ground_truth`.
"""

from django.core.files import File
from django.db import transaction

from challenge.competition.models import GroundTruth, Split
from challenge.storage import store_private_file


@transaction.atomic
def replace_ground_truth(*, split: Split, labels: bytes | File, boxes: bytes | File = b"",
                         blacklist: bytes | File = b"", user=None) -> GroundTruth:
    """Store a new ground-truth version for a split and make it the current one.

    The caller validates the content first (see submissions' scoring core); this only stores
    it privately (a file in chunks) and records the SHA-256 commitments. Old versions stay for
    their scores.
    """
    prefix = f"ground-truth/{split.pk}"
    labels_key, labels_sha = store_private_file(prefix=prefix, data=labels)
    boxes_key, boxes_sha = store_private_file(prefix=prefix, data=boxes, suffix=".csv") if boxes else ("", "")
    blacklist_key, blacklist_sha = store_private_file(prefix=prefix, data=blacklist) if blacklist else ("", "")
    split.ground_truths.filter(is_current=True).update(is_current=False)
    ground_truth = GroundTruth.objects.create(
        split=split,
        labels_key=labels_key,
        labels_sha256=labels_sha,
        boxes_key=boxes_key,
        boxes_sha256=boxes_sha,
        blacklist_key=blacklist_key,
        blacklist_sha256=blacklist_sha,
        uploaded_by=user,
    )
    return ground_truth
