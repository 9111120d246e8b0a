"""The path of a prediction file: validate, store, record, score."""

import logging

from django.db import transaction
from django.utils import timezone

from challenge.models import Split, Team
from challenge.services import read_private_file, store_private_file
from submissions import scoring
from submissions.ledger import append_record, score_recorded_payload, submission_received_payload
from submissions.models import LedgerRecord, Score, Submission
from submissions.truth import scoring_class_set, scoring_ground_truth

logger = logging.getLogger(__name__)


class SubmissionRefused(Exception):
    """The upload was refused before anything was stored; it costs no quota.

    `errors` is a list of (line or None, message) pairs a person can act on.
    """

    def __init__(self, errors: list[tuple[int | None, str]]):
        self.errors = errors
        super().__init__("; ".join(message for _, message in errors))


def validate_prediction_file(*, split: Split, data: bytes) -> None:
    """Parse the file with the scoring core; raise SubmissionRefused with line-numbered errors."""
    task = split.task
    limit = scoring.max_upload_bytes(task.kind, split.n_images)
    if len(data) > limit:
        raise SubmissionRefused([(None, f"The file is {len(data):,} bytes; this task accepts at most {limit:,}.")])
    class_set = scoring_class_set(task.year.class_set)
    parse = scoring.parse_localization if task.kind == task.Kind.LOCALIZATION else scoring.parse_classification
    try:
        parse(data, n_images=split.n_images, class_set=class_set)
    except scoring.PredictionFileError as exc:
        raise SubmissionRefused([(error.line, error.message) for error in exc.errors]) from exc


def create_submission(
    *,
    team: Team,
    split: Split,
    user,
    data: bytes,
    filename: str = "",
    entry_name: str,
    description: str = "",
    external_data: bool = False,
) -> Submission:
    """Validate, store the file with its SHA-256, and record the submission as received.

    Raises SubmissionRefused (nothing stored, nothing counted) for a bad file. The caller
    scores it after the transaction commits (see score_submission).
    """
    validate_prediction_file(split=split, data=data)
    with transaction.atomic():
        file_key, file_sha256 = store_private_file(prefix=f"submissions/{split.pk}", data=data)
        submission = Submission.objects.create(
            team=team,
            split=split,
            submitted_by=user,
            entry_name=entry_name,
            description=description,
            external_data=external_data,
            file_key=file_key,
            file_sha256=file_sha256,
            file_size=len(data),
            original_filename=filename[:255],
        )
        append_record(kind=LedgerRecord.Kind.SUBMISSION_RECEIVED, payload=submission_received_payload(submission))
        return submission


def score_submission(*, submission_id: int) -> Submission:
    """Score one submission against its split's current ground truth. Idempotent.

    The row is claimed with a conditional update, so two workers never score it at once; a
    failure marks it failed (and refunded: it was the site's fault, the file had validated)
    before the exception is logged, so nothing is left stuck in `scoring`.
    """
    claimed = Submission.objects.filter(
        pk=submission_id, status__in=[Submission.Status.RECEIVED, Submission.Status.SCORING]
    ).update(status=Submission.Status.SCORING, claimed_at=timezone.now())
    submission = Submission.objects.select_related("split__task__year__class_set").get(pk=submission_id)
    if not claimed:
        return submission
    try:
        result, ground_truth = _evaluate(submission)
    except Exception as exc:
        logger.exception("scoring submission %s failed", submission_id)
        Submission.objects.filter(pk=submission_id).update(
            status=Submission.Status.FAILED, failure_reason=_public_reason(exc), refunded=True
        )
        submission.refresh_from_db()
        return submission
    with transaction.atomic():
        record_score(submission=submission, result=result, ground_truth=ground_truth)
        Submission.objects.filter(pk=submission_id).update(status=Submission.Status.SCORED, scored_at=timezone.now())
    submission.refresh_from_db()
    return submission


def _evaluate(submission: Submission):
    split = submission.split
    ground_truth = split.current_ground_truth
    if ground_truth is None:
        raise RuntimeError("This split has no ground truth yet.")
    class_set = scoring_class_set(split.task.year.class_set)
    truth = scoring_ground_truth(ground_truth, class_set)
    data = read_private_file(submission.file_key)
    return scoring.evaluate_bytes(split.task.kind, data, truth, class_set=class_set), ground_truth


def _public_reason(exc: Exception) -> str:
    # Never echo internal messages: they may name storage keys or ground-truth files.
    if isinstance(exc, scoring.PredictionFileError):
        return str(exc)
    return "Scoring failed on the server. This submission does not count against your quota."


def record_score(*, submission: Submission, result: "scoring.Result", ground_truth) -> Score:
    """Store a result as the submission's current score (keeping earlier ones)."""
    bits = result.to_bits()
    metrics = result.metrics
    submission.scores.filter(is_current=True).update(is_current=False)
    score = Score.objects.create(
        submission=submission,
        ground_truth=ground_truth,
        images=result.images,
        top1_error=metrics["top1_error"],
        top5_error=metrics["top5_error"],
        localization_error=metrics.get("localization_error"),
        hierarchical_error=metrics.get("hierarchical_error"),
        hierarchical_error_normalized=metrics.get("hierarchical_error_normalized"),
        top1_bits=bits["top1_correct"],
        top5_bits=bits["top5_correct"],
        localization_bits=bits.get("loc_correct"),
        hierarchical_costs=bits.get("hier_cost"),
        top1_labels=bits.get("top1_labels"),
        warnings=list(result.warnings),
    )
    append_record(kind=LedgerRecord.Kind.SCORE_RECORDED, payload=score_recorded_payload(score))
    return score
