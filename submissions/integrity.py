"""The integrity check run when a submission is scored: does it copy another team's?

Identical files are found through the SHA-256 index; near-identical ones by comparing
top-1 labels (the Score's packed `top1_labels`) with the latest few scored submissions
of every other team on the same split, which bounds the cost at
teams x LATEST_PER_TEAM x images byte comparisons in numpy.
"""

from __future__ import annotations

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from submissions.models import IntegrityFlag, Score, Submission
from submissions.packed import unpack_values

NEAR_IDENTICAL_AGREEMENT = 0.98
LATEST_PER_TEAM = 5


def _top1_labels(score: Score) -> np.ndarray | None:
    """The top-1 label per image, or None when the score kept none."""
    return unpack_values(score.top1_labels, score.images) if score.top1_labels else None


def check_submission(*, submission: Submission, score: Score) -> list[IntegrityFlag]:
    """Flag other teams' submissions on the same split that this one copies (or nearly).

    Returns the flags raised now. Idempotent: a pair is flagged at most once.
    """
    others = Submission.objects.filter(split=submission.split_id).exclude(team=submission.team_id)
    flags = []
    identical = others.filter(file_sha256=submission.file_sha256).exclude(status=Submission.Status.FAILED)
    matched = set()
    for other in identical.order_by("created_at")[:20]:
        matched.add(other.pk)
        flags.append(_flag(submission, other, IntegrityFlag.Kind.IDENTICAL, 1.0))
    mine = _top1_labels(score)
    if mine is not None:
        for other_score in _latest_scores_of_other_teams(submission, score):
            if other_score.submission_id in matched:
                continue
            theirs = _top1_labels(other_score)
            if theirs is None or theirs.shape != mine.shape or not len(mine):
                continue
            agreement = float(np.count_nonzero(mine == theirs)) / len(mine)
            if agreement > NEAR_IDENTICAL_AGREEMENT:
                flags.append(_flag(submission, other_score.submission, IntegrityFlag.Kind.NEAR_IDENTICAL, agreement))
    return [flag for flag in flags if flag is not None]


def _latest_scores_of_other_teams(submission: Submission, score: Score):
    """The current scores of the latest few submissions of every other team that could be near
    copies of `score`. Top-1 labels that agree on a fraction a of the images give top-1 errors
    (against one ground truth) at most 1 - a apart, so only scores that close are read: at a
    thousand teams their labels are megabytes per check. Scores against another ground-truth
    version (a rescoring under way) cannot be compared that way and are all read."""
    latest = (
        Submission.objects.scored()
        .filter(split=submission.split_id)
        .exclude(team=submission.team_id)
        .exclude(pk=submission.pk)
        .annotate(recency=Window(RowNumber(), partition_by=[F("team_id")], order_by=F("created_at").desc()))
        .filter(recency__lte=LATEST_PER_TEAM)
        .values_list("pk", flat=True)
    )
    margin = 1 - NEAR_IDENTICAL_AGREEMENT + 1e-9  # the bound is exact; the slack absorbs float rounding
    close = Q(ground_truth=score.ground_truth_id, top1_error__gte=score.top1_error - margin,
              top1_error__lte=score.top1_error + margin)
    return (
        Score.objects.filter(close | ~Q(ground_truth=score.ground_truth_id), submission__in=list(latest),
                             is_current=True)
        .select_related("submission")
        .defer("top1_bits", "top5_bits", "localization_bits", "hierarchical_costs")
    )


def _flag(submission: Submission, other: Submission, kind: str, agreement: float) -> IntegrityFlag | None:
    try:
        with transaction.atomic():
            return IntegrityFlag.objects.create(
                split_id=submission.split_id, kind=kind, submission=submission, other=other,
                team_id=submission.team_id, other_team_id=other.team_id, agreement=agreement,
            )
    except IntegrityError:  # flagged already (a rescore, or a second worker)
        return None
