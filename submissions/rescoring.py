"""Rescoring every entry of a split after its ground truth is replaced, in the background.

`start_rescoring` queues one item per scored entry; `score_pending` workers call
`rescore_next`, which claims one item with a row lock (SKIP LOCKED on PostgreSQL), scores it
against the job's ground truth with `record_score` (the old score stays, no longer current)
and counts progress on the job.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from challenge.audit.services import record_audit
from challenge.competition.models import GroundTruth, Split
from submissions.leaderboards import services as boards
from submissions.models import RescoringItem, RescoringJob, Submission
from submissions.revisions import evaluate_revision
from submissions.services import evaluate_stored_file, record_score

logger = logging.getLogger(__name__)


def start_rescoring(*, user, split: Split, ground_truth: GroundTruth, reason: str) -> RescoringJob | None:
    """Queue every scored entry of the split for rescoring against this ground truth.

    Returns None, and records no job, when the split has no scored entry (a "0 of 0" job
    would only be noise on the rescoring page).
    """
    entries = list(Submission.objects.filter(split=split, status=Submission.Status.SCORED).values_list("pk", flat=True))
    if not entries:
        return None
    job = RescoringJob.objects.create(split=split, ground_truth=ground_truth, total=len(entries), created_by=user,
                                      reason=reason)
    RescoringItem.objects.bulk_create([RescoringItem(job=job, submission_id=pk) for pk in entries], batch_size=1000)
    return job


class RescoringRefused(Exception):
    """A manual rescoring cannot start; the message says why."""


def rescore_split(*, user, split: Split, reason: str) -> RescoringJob:
    """Rescore every scored entry of a split against its current ground truth (after a change
    to the scorer, say), with the organizer's reason in the audit log.

    Raises RescoringRefused without a reason, without ground truth, while a rescoring of the
    split is still running, or when the split has no scored entry.
    """
    if not reason.strip():
        raise RescoringRefused("Say why the split is rescored; the reason goes to the audit log.")
    with transaction.atomic():
        Split.objects.select_for_update().filter(pk=split.pk).first()  # one start per split at a time
        ground_truth = split.current_ground_truth
        if ground_truth is None:
            raise RescoringRefused(f"{split} has no ground truth yet.")
        if RescoringJob.objects.filter(split=split).exclude(status=RescoringJob.Status.DONE).exists():
            raise RescoringRefused(f"A rescoring of {split} is still running; wait for it to finish.")
        job = start_rescoring(user=user, split=split, ground_truth=ground_truth, reason=reason.strip())
        if job is None:
            raise RescoringRefused(f"{split} has no scored entries to rescore.")
        record_audit(actor=user, action="rescoring.start", target=str(split), year=split.task.year, obj=job,
                     split=str(split), entries=job.total, reason=job.reason)
    return job


def rescore_next() -> bool:
    """Rescore one queued entry; False when nothing is queued.

    A failure to score one entry (a file gone from storage) is counted on the job and logged
    without the file's content; the entry keeps its previous score.
    """
    if not RescoringItem.objects.filter(status=RescoringItem.Status.PENDING).exists():
        return False  # an idle worker asks this several times a second: no transaction for it
    with transaction.atomic():
        item = (RescoringItem.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=RescoringItem.Status.PENDING)
                .select_related("job__ground_truth", "submission__split__task__year__class_set",
                                "submission__split__task__class_set")
                .order_by("id").first())
        if item is None:
            return False
        job = item.job
        outcome = _rescore(item)
        RescoringItem.objects.filter(pk=item.pk).update(status=outcome, finished_at=timezone.now())
        counter = "failed" if outcome == RescoringItem.Status.FAILED else "done"
        RescoringJob.objects.filter(pk=job.pk).update(**{counter: F(counter) + 1, "status": RescoringJob.Status.RUNNING})
    _finish_if_complete(job)
    return True


def _rescore(item: RescoringItem) -> str:
    submission, ground_truth = item.submission, item.job.ground_truth
    if not GroundTruth.objects.filter(pk=ground_truth.pk, is_current=True).exists():
        return RescoringItem.Status.DONE  # superseded: a newer job rescored against the newer version
    try:
        with transaction.atomic():
            result = evaluate_stored_file(submission=submission, ground_truth=ground_truth)
            revised = evaluate_revision(submission=submission, ground_truth=ground_truth, result=result)
            record_score(submission=submission, result=result, ground_truth=ground_truth, revised=revised)
    except Exception as exc:
        # The type only: a message could quote a line of the stored ground truth.
        logger.error("rescoring submission %s failed: %s", submission.pk, type(exc).__name__)
        return RescoringItem.Status.FAILED
    return RescoringItem.Status.DONE


def _finish_if_complete(job: RescoringJob) -> None:
    # Checked after the commit, so that of two workers finishing the last items together, the
    # later one sees both counts.
    finished = RescoringJob.objects.filter(pk=job.pk, done__gte=F("total") - F("failed")).exclude(
        status=RescoringJob.Status.DONE
    ).update(status=RescoringJob.Status.DONE, finished_at=timezone.now())
    if finished:
        boards.mark_dirty(splits=[job.split_id])


def jobs_of(*, year):
    return (RescoringJob.objects.filter(split__task__year=year)
            .select_related("split__task", "ground_truth__class_revision", "created_by"))
