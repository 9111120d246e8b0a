"""The path of a prediction file: validate, store, record, score."""

import logging
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import DatabaseError, InterfaceError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone

from challenge import policy
from challenge.competition.models import GroundTruth, Split
from challenge.storage import open_private_file, store_private_file
from challenge.teams.models import Team
from submissions import file_kinds, integrity, quotas, scoring, uploads
from submissions.errors import SubmissionNotAllowed, SubmissionRefused, ValidationsBusy
from submissions.ground_truth import scoring_class_set, scoring_ground_truth
from submissions.leaderboards import services as boards
from submissions.ledger import append_record, score_recorded_payload, submission_received_payload
from submissions.models import LedgerRecord, Score, Submission
from submissions.notices import notify_scoring_failed
from submissions.refusals import recorded as count_refusals
from submissions.revisions import evaluate_revision, revised_score_fields

logger = logging.getLogger(__name__)

# After this many claims a submission is failed (and refunded) rather than retried forever.
MAX_ATTEMPTS = 3
# What an upload refused for a busy worker is told to wait: about one large file's validation.
VALIDATION_RETRY_SECONDS = 5

_validating = 0  # validations running in this process now (each holds a thread and a core)
_validating_lock = threading.Lock()


@contextmanager
def validation_slot():
    """One of this process's VALIDATIONS_PER_WORKER validation slots, held while a file is read.

    Raises ValidationsBusy at once when every slot is taken: a request that waited would hold one
    of the worker's threads meanwhile, and the file is better sent again a few seconds later.
    """
    global _validating
    with _validating_lock:
        if _validating >= settings.VALIDATIONS_PER_WORKER:
            raise ValidationsBusy(retry_after=VALIDATION_RETRY_SECONDS)
        _validating += 1
    try:
        yield
    finally:
        with _validating_lock:
            _validating -= 1


def validate_prediction_file(*, split: Split, data: File) -> uploads.PlainText:
    """Check an upload (plain text or gzip) with the scoring core as it is read, in pieces, and
    return its plain text, to be stored (use it in a `with` block).

    Raises SubmissionRefused with line-numbered errors; a file above the split's limit (the
    parser's own bound for its images) before anything is read, a gzip file whose text would
    pass that limit once that much came out. Raises ValidationsBusy, before reading anything,
    while this process already validates VALIDATIONS_PER_WORKER files.
    """
    task = split.task
    limit = scoring.max_upload_bytes(task.kind, split.n_images)
    if data.size > limit:
        raise SubmissionRefused([(None, f"The file is {data.size:,} bytes; this task accepts at most {limit:,}.")])
    class_set = scoring_class_set(task.classes)
    try:
        with validation_slot():
            return uploads.plain_text(
                data, limit=limit, error_cls=scoring.PredictionFileError,
                check=lambda pieces: scoring.check_prediction_stream(task.kind, pieces, n_images=split.n_images,
                                                                     class_set=class_set),
            )
    except scoring.PredictionFileError as exc:
        errors = [(error.line, error.message) for error in exc.errors]
        if exc.omitted:  # the core lists the first bad lines; say that more were found, and how many
            errors.append((None, f"… and {exc.omitted:,} more line{'s' if exc.omitted != 1 else ''} like these."))
        wrong_task = file_kinds.wrong_task_message(task_kind=task.kind, head=file_kinds.read_head(data))
        raise SubmissionRefused([(None, wrong_task), *errors] if wrong_task else errors) from exc


@dataclass(frozen=True)
class FileCheck:
    """What an upload of a file would meet now, found without storing it or taking quota:
    `ready` when it would be accepted; `errors` as SubmissionRefused's; `message` in words."""

    ready: bool
    errors: list[tuple[int | None, str]]
    message: str


def check_upload(*, team: Team | None, split: Split, user, data: bytes | File) -> FileCheck:
    """Check a file as create_submission would (the file's format, lines and classes; may this
    person submit to the split now, with a slot free), storing nothing and taking no quota.

    Raises nothing for a refused file or a refused submission: both come back as errors. Raises
    ValidationsBusy, before reading anything, while this process validates as many files as it may.
    """
    upload = ContentFile(data) if isinstance(data, bytes) else data
    try:
        with validate_prediction_file(split=split, data=upload) as text:
            size = text.size
    except SubmissionRefused as refused:
        return FileCheck(False, refused.errors, "This file would be refused; nothing was stored and no quota used.")
    opening = policy.may_submit(user=user, team=team, split=split)
    what = f"The file is valid ({size:,} bytes of text) for {split.task.title}, {split.get_name_display()}."
    if not opening.allowed:
        return FileCheck(False, [(None, opening.reason)], f"{what} It cannot be submitted now.")
    quota = quotas.quota_for(team=team, user=user, split=split, board=opening.board)
    if quota.remaining <= 0:
        return FileCheck(False, [(None, str(quotas.QuotaExceeded(quota)))], f"{what} No submission is left now.")
    after = " after the challenge" if opening.board == policy.Board.POST_CHALLENGE else ""
    return FileCheck(True, [], f"{what} Uploading it would use 1 of the {quota.remaining} submission"
                               f"{'s' if quota.remaining != 1 else ''} your team has left now on this split{after}.")


def check_may_submit(*, team: Team | None, split: Split, user) -> str:
    """The board an entry of `user` in `team` goes on now (challenge.policy decides); raises
    SubmissionNotAllowed with the policy's reason when they may not submit to this split now."""
    opening = policy.may_submit(user=user, team=team, split=split)
    if not opening.allowed:
        raise SubmissionNotAllowed(opening.reason)
    return opening.board


@count_refusals
def create_submission(
    *,
    team: Team | None,
    split: Split,
    user,
    data: bytes | File,
    filename: str = "",
    entry_name: str,
    description: str = "",
    external_data: bool = False,
    method_url: str = "",
    code_url: str = "",
    client_address: str | None = None,
) -> Submission:
    """Validate, take a quota slot, store the file with its SHA-256, record it as received, on
    the board the policy answers (official, or post-challenge after the results date).

    `data` is the file's bytes or an uploaded file (read in pieces, never whole), plain text
    or gzip; the plain text is what is stored, hashed and later scored. Raises
    SubmissionNotAllowed (not a member, banned team, year closed), SubmissionRefused (a bad
    file: nothing stored, nothing counted), ValidationsBusy (this process validates as many
    files as it may: nothing read, stored or counted) or quotas.QuotaExceeded. The quota is
    checked before the file is read (a team with no slot left costs no parsing), then taken
    under row locks in the transaction that inserts the row, so concurrent uploads cannot pass
    it. A score_pending worker scores it after the commit (score_submission).
    """
    board = check_may_submit(team=team, split=split, user=user)
    quotas.check_free(team=team, user=user, split=split, board=board)
    upload = ContentFile(data) if isinstance(data, bytes) else data
    with validate_prediction_file(split=split, data=upload) as text, transaction.atomic():
        quotas.lock_and_check(team=team, user=user, split=split, board=board)
        file_key, file_sha256 = store_private_file(prefix=f"submissions/{split.pk}", data=text.file)
        submission = Submission.objects.create(
            team=team,
            split=split,
            submitted_by=user,
            entry_name=entry_name,
            description=description,
            method_url=method_url,
            code_url=code_url,
            external_data=external_data,
            board=board,
            client_address=client_address,
            file_key=file_key,
            file_sha256=file_sha256,
            file_size=text.size,
            original_filename=display_filename(filename),
        )
        append_record(kind=LedgerRecord.Kind.SUBMISSION_RECEIVED, payload=submission_received_payload(submission))
        return submission


def submit_upload(
    *, team: Team | None, user, split: Split, file, entry_name: str, description: str = "",
    external_data: bool = False, method_url: str = "", code_url: str = "", client_address: str | None = None,
) -> Submission:
    """The browser's and the API's upload: create_submission, and nothing more.

    Raises what create_submission raises. The file (as Django spooled it) is read in pieces,
    never whole. The answer goes out as soon as the file is validated, stored and counted;
    a score_pending worker scores the `received` row and ranks it (a web worker never waits
    for scoring or ranking).
    """
    return create_submission(
        team=team, split=split, user=user, data=file, filename=file.name or "",
        entry_name=entry_name, description=description, external_data=external_data,
        method_url=method_url, code_url=code_url, client_address=client_address,
    )


def score_submission(*, submission_id: int, heartbeat: float | None = None) -> Submission:
    """Score one submission against its split's current ground truth. Idempotent.

    The row is claimed with a conditional UPDATE (received, or a dead worker's claim), so two
    workers never score it at once, and a scored row is never scored again. With `heartbeat`
    (seconds; the workers pass SCORING_HEARTBEAT_SECONDS) the claim is refreshed that often
    while the file is scored, so a live worker keeps it however long the scoring takes, and a
    dead worker's claim is taken over after three missed beats; a claim without heartbeats is
    taken over after SCORING_STALE_CLAIM_SECONDS.
    A failure marks it failed and refunded (the file had validated: the fault is the site's)
    before it is logged, so nothing is left stuck in `scoring`; a DatabaseError instead puts
    the row back in the queue and is raised (MAX_ATTEMPTS claims bound the retries).
    """
    now = timezone.now()
    claimed = _claimable_rows(now).filter(pk=submission_id).update(
        status=Submission.Status.SCORING, claimed_at=now, heartbeat_at=Now() if heartbeat else None,
        attempts=F("attempts") + 1,
    )
    submission = Submission.objects.select_related(
        "split__task__year__class_set", "split__task__class_set", "team").get(pk=submission_id)
    if not claimed:
        return submission
    if submission.attempts > MAX_ATTEMPTS:
        _fail(submission_id, "Scoring failed on the server several times. This submission does not count "
                             "against your quota.")
        submission.refresh_from_db()
        return submission
    with ClaimHeartbeat(submission_id=submission_id, every=heartbeat) if heartbeat else nullcontext():
        return _score_claimed(submission)


def _score_claimed(submission: Submission) -> Submission:
    submission_id = submission.pk
    try:
        result, ground_truth = _evaluate(submission)
        revised = evaluate_revision(submission=submission, ground_truth=ground_truth, result=result)
        with transaction.atomic():
            score = record_score(submission=submission, result=result, ground_truth=ground_truth, revised=revised)
            Submission.objects.filter(pk=submission_id).update(
                status=Submission.Status.SCORED, scored_at=timezone.now()
            )
    except (DatabaseError, InterfaceError):
        # The database failed (a restart, a lost connection): not the file's fault, so the row
        # goes back to the queue rather than failing. If the database is still away this fails
        # too, and the worker gives the row back once it is up again (release_claim).
        release_claim(submission_id=submission_id)
        raise
    except Exception as exc:
        logger.exception("scoring submission %s failed", submission_id)
        _fail(submission_id, _public_reason(exc))
        submission.refresh_from_db()
        return submission
    submission.refresh_from_db()
    try:
        integrity.check_submission(submission=submission, score=score)
    except Exception:
        # A failed check must not undo a score; organizers can rerun it.
        logger.exception("integrity check of submission %s failed", submission_id)
    return submission


def release_claim(*, submission_id: int) -> None:
    """Put a submission this worker claimed but could not score back in the queue."""
    Submission.objects.filter(pk=submission_id, status=Submission.Status.SCORING).update(
        status=Submission.Status.RECEIVED)


def _fail(submission_id: int, reason: str) -> None:
    Submission.objects.filter(pk=submission_id).update(
        status=Submission.Status.FAILED, failure_reason=reason, refunded=True
    )
    notify_scoring_failed(submission_id=submission_id)


def display_filename(name: str) -> str:
    """The uploader's file name, kept only to show back to them: never used as a path, so it
    loses any folders and control characters (PostgreSQL text cannot even hold a NUL)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:255]


class ClaimHeartbeat:
    """While the block runs, a thread of its own (with its own database connection) refreshes
    a submission's claim every `every` seconds, by the database's clock (the hosts' clocks
    may disagree); the claim is stale after three missed beats (_claimable_rows)."""

    def __init__(self, *, submission_id: int, every: float):
        self.submission_id, self.every = submission_id, every
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{submission_id}", daemon=True)

    def __enter__(self) -> "ClaimHeartbeat":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.thread.join()

    def _beat(self) -> None:
        try:
            while not self.stopping.wait(self.every):
                try:
                    Submission.objects.filter(pk=self.submission_id, status=Submission.Status.SCORING).update(
                        heartbeat_at=Now())
                except DatabaseError as exc:  # the claim may go stale, and another worker take it over
                    logger.warning("refreshing the claim on submission %s failed: %s", self.submission_id, exc)
        finally:
            connection.close()  # this thread's own


def _claimable_rows(now):
    """Submissions a worker may claim: received, or claimed by a worker that has been silent too
    long to be alive (three missed heartbeats, SCORING_HEARTBEAT_SECONDS, by the database's clock;
    for a claim made without heartbeats, SCORING_STALE_CLAIM_SECONDS): the row is scored again;
    on a split that has ground truth. An upload to a split without ground truth yet waits
    `received`, unclaimed (never failed, never spun over), until the organizers' first version
    makes it claimable."""
    stale = now - timedelta(seconds=settings.SCORING_STALE_CLAIM_SECONDS)
    silent = Now() - timedelta(seconds=3 * settings.SCORING_HEARTBEAT_SECONDS)
    scoring = Submission.Status.SCORING
    unclaimed = (Q(status=Submission.Status.RECEIVED) | Q(status=scoring, heartbeat_at__lt=silent)
                 | Q(status=scoring, heartbeat_at__isnull=True, claimed_at__lt=stale))
    has_truth = Exists(GroundTruth.objects.filter(split_id=OuterRef("split_id"), is_current=True))
    return Submission.objects.filter(unclaimed, has_truth)


def claimable_submission_ids(*, limit: int = 10) -> list[int]:
    """Submissions waiting for a worker: received, or claimed by one that died, oldest first;
    not those waiting for their split's ground truth."""
    rows = _claimable_rows(timezone.now())
    return list(rows.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


def _evaluate(submission: Submission):
    ground_truth = submission.split.current_ground_truth
    if ground_truth is None:
        raise RuntimeError("This split has no ground truth yet.")
    return evaluate_stored_file(submission=submission, ground_truth=ground_truth), ground_truth


def evaluate_stored_file(*, submission: Submission, ground_truth) -> "scoring.Result | scoring.DetectionResult":
    """Score the stored file of a submission against one ground-truth version (a detection
    task's: its image list, boxes and blacklist, on the task's own classes).

    Scores what was stored (never the upload in memory), so a score always matches the
    file its SHA-256 names; read in pieces, so a worker holds the parsed arrays, never the
    text (300 MB at 10M images). Raises the scoring core's errors and storage errors."""
    split = submission.split
    class_set = scoring_class_set(split.task.classes)
    truth = scoring_ground_truth(ground_truth, class_set)
    limit = scoring.max_upload_bytes(split.task.kind, split.n_images)
    with open_private_file(submission.file_key) as handle:
        pieces = scoring.iter_decompressed(handle, limit=limit)
        return scoring.evaluate_stream(split.task.kind, pieces, truth, class_set=class_set)


def _score_fields(result: "scoring.Result | scoring.DetectionResult") -> dict:
    """The Score fields of a result: the errors with their per-image evidence, or a detection's
    mAP, AP per class (by WNID) and the ranked trace its intervals resample."""
    if isinstance(result, scoring.DetectionResult):
        return {"mean_average_precision": result.mean_average_precision,
                "average_precision": result.average_precision, "detection_trace": result.trace.to_bytes()}
    bits = result.to_bits()
    metrics = result.metrics
    return {
        "top1_error": metrics["top1_error"],
        "top5_error": metrics["top5_error"],
        "localization_error": metrics.get("localization_error"),
        "hierarchical_error": metrics.get("hierarchical_error"),
        "hierarchical_error_normalized": metrics.get("hierarchical_error_normalized"),
        "top1_bits": bits["top1_correct"],
        "top5_bits": bits["top5_correct"],
        "localization_bits": bits.get("loc_correct"),
        "hierarchical_costs": bits.get("hier_cost"),
        "top1_labels": bits.get("top1_labels"),
        "warnings": list(result.warnings),
        "advice": list(result.advice),
    }


def _public_reason(exc: Exception) -> str:
    # Never echo internal messages: they may name storage keys or ground-truth files.
    if isinstance(exc, scoring.PredictionFileError):
        return str(exc)
    return "Scoring failed on the server. This submission does not count against your quota."


def record_score(*, submission: Submission, result: "scoring.Result | scoring.DetectionResult", ground_truth,
                 revised: "scoring.RevisedResult | None" = None) -> Score:
    """Store a result as the submission's current score (keeping earlier ones), with its figures
    on the version's revision when it has one (`revised`, see submissions.revisions), materialize
    it for the leaderboards and ask for a rebuild of its split's boards. Call inside a transaction."""
    boards.mark_dirty(splits=[submission.split_id], teams=[submission.team_id])
    submission.scores.filter(is_current=True).update(is_current=False)
    score = Score.objects.create(submission=submission, ground_truth=ground_truth, images=result.images,
                                 **_score_fields(result), **revised_score_fields(revised))
    boards.record_entry(submission=submission, score=score)
    # Last: the ledger's head row is one lock for the whole site, so it is held only from here
    # to the commit.
    append_record(kind=LedgerRecord.Kind.SCORE_RECORDED, payload=score_recorded_payload(score))
    return score


class FinalEntriesRefused(Exception):
    """The choice of final entries cannot be saved (too many, not the team's, too late)."""


def mark_final_entries(*, team: Team, split: Split, submission_ids: list[int], user=None) -> list[Submission]:
    """Make exactly these of the team's scored submissions on `split` its final entries (`user`
    is the member who chooses, when a person does).

    Raises FinalEntriesRefused after the deadline, while a ban holds the team or `user`, for more
    than `split.max_final_entries`,
    or for an id that is not one of the team's scored submissions on this split (or is
    disqualified or withdrawn: those are never final). Locks the
    team's row so two browser tabs cannot together mark more than K.
    """
    refusal = policy.final_choice_refusal(team=team, split=split, user=user)
    if refusal:
        raise FinalEntriesRefused(refusal)
    wanted = set(submission_ids)
    if len(wanted) > split.max_final_entries:
        raise FinalEntriesRefused(f"Choose at most {split.max_final_entries} final entries.")
    with transaction.atomic():
        list(Team.objects.select_for_update().filter(pk=team.pk).values_list("pk", flat=True))
        own = Submission.objects.eligible_for_final().filter(team=team, split=split)
        chosen = list(own.filter(pk__in=wanted))
        if len(chosen) != len(wanted):
            raise FinalEntriesRefused("Only your team's scored submissions on this split, neither disqualified "
                                      "nor withdrawn, can be final.")
        Submission.objects.filter(team=team, split=split, is_final=True).exclude(pk__in=wanted).update(is_final=False)
        own.filter(pk__in=wanted).update(is_final=True)
    # The team sees its choice on the board at once (where the board shows final entries).
    boards.mark_dirty(splits=[split], teams=[team], now=True)
    return chosen
