"""Append to and verify the hash-chained record of submissions and scores.

The link hash is SHA-256 over `prev_hash`, the sequence number, the kind and the canonical
JSON payload, one per line, so anyone with a database dump can re-check the chain without
this code. Payloads hold ids, SHA-256 digests, scores and times: never ground-truth content.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from challenge.competition.models import ClassRevision, GroundTruth
from challenge.policy import Board
from submissions.models import LedgerHead, LedgerRecord, Score, Submission

GENESIS_HASH = "0" * 64


def canonical_json(payload: dict) -> str:
    """One spelling per value: sorted keys, no spaces, ASCII only, no NaN."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def link_hash(*, prev_hash: str, sequence: int, kind: str, payload: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{sequence}\n{kind}\n{payload}".encode()).hexdigest()


def append_record(*, kind: str, payload: dict) -> LedgerRecord:
    """Append one record after the current head, atomically.

    Runs inside the caller's transaction when there is one, so the record commits (or rolls
    back) with the change it describes. The head row is locked first: concurrent appends
    wait for each other instead of forking the chain. Raises ValueError for a payload
    that is not JSON (e.g. NaN).
    """
    text = canonical_json(payload)
    with transaction.atomic():
        head, _ = LedgerHead.objects.select_for_update().get_or_create(
            pk=1, defaults={"sequence": 0, "hash": GENESIS_HASH}
        )
        sequence = head.sequence + 1
        digest = link_hash(prev_hash=head.hash, sequence=sequence, kind=kind, payload=text)
        record = LedgerRecord.objects.create(
            sequence=sequence, kind=kind, payload=text, prev_hash=head.hash, hash=digest
        )
        LedgerHead.objects.filter(pk=1).update(sequence=sequence, hash=digest)
    return record


def submission_received_payload(submission: Submission) -> dict:
    return {
        "submission": submission.pk,
        "team": submission.team_id,
        "split": submission.split_id,
        "submitted_by": submission.submitted_by_id,
        "file_sha256": submission.file_sha256,
        "file_size": submission.file_size,
        "created_at": submission.created_at.isoformat(),
        # Only for entries after the challenge: the records of official entries keep their form.
        **({"board": submission.board} if submission.board != Board.OFFICIAL else {}),
    }


def score_recorded_payload(score: Score) -> dict:
    return {
        "submission": score.submission_id,
        "score": score.pk,
        "ground_truth": score.ground_truth_id,
        "images": score.images,
        "metrics": _score_metrics(score),
        **_evidence_digest(score),
        **_revised_figures(score),
        "created_at": score.created_at.isoformat(),
    }


def _revised_figures(score: Score) -> dict:
    # Only scores on a revised version carry them: the records of every other score keep their form.
    if not score.revised_metrics:
        return {}
    return {"revised_metrics": score.revised_metrics,
            "revised_evidence_sha256": hashlib.sha256(bytes(score.revised_evidence or b"")).hexdigest()}


def _evidence_digest(score: Score) -> dict:
    # What the boards' intervals and tests are computed from: a detection score keeps its
    # ranked trace instead of per-image bits (the error tasks' key is unchanged, for old records).
    if score.detection_trace is not None:
        return {"detection_trace_sha256": hashlib.sha256(bytes(score.detection_trace)).hexdigest()}
    return {"top5_bits_sha256": hashlib.sha256(bytes(score.top5_bits)).hexdigest()}


def ground_truth_payload(ground_truth) -> dict:
    """The published commitments of a ground-truth version: digests, never the answers. A revised
    version adds the digest of its revised labels and its class revision (other records keep their form)."""
    payload = {
        "ground_truth": ground_truth.pk,
        "split": ground_truth.split_id,
        "labels_sha256": ground_truth.labels_sha256,
        "boxes_sha256": ground_truth.boxes_sha256,
        "blacklist_sha256": ground_truth.blacklist_sha256,
        "uploaded_by": ground_truth.uploaded_by_id,
        "uploaded_at": ground_truth.uploaded_at.isoformat(),
    }
    if ground_truth.revised_labels_sha256:
        payload["revised_labels_sha256"] = ground_truth.revised_labels_sha256
    if ground_truth.class_revision_id:
        payload["class_revision"] = ground_truth.class_revision_id
    return payload


def class_revision_payload(revision: ClassRevision) -> dict:
    """A year's class revision as published: the retired WNIDs' digest and the public reason."""
    return {
        "class_revision": revision.pk,
        "year": revision.year_id,
        "retired_wnids": list(revision.retired_wnids),
        "sha256": revision.sha256,
        "reason": revision.reason,
        "by": revision.created_by_id,
        "at": revision.created_at.isoformat(),
    }


MODERATION_MARKS = ("disqualified", "disqualified_reason", "not_comparable", "not_comparable_reason")


def moderation_payload(submission: Submission, user) -> dict:
    """An entry's public moderation marks as set now (later records may change them)."""
    return {
        "submission": submission.pk,
        "disqualified": submission.disqualified,
        "disqualified_reason": submission.disqualified_reason,
        "not_comparable": submission.not_comparable,
        "not_comparable_reason": submission.not_comparable_reason,
        "by": getattr(user, "pk", None),
        "at": timezone.now().isoformat(),
    }


def _score_metrics(score: Score) -> dict:
    names = ["top1_error", "top5_error", "localization_error", "hierarchical_error", "hierarchical_error_normalized",
             "mean_average_precision"]
    return {name: getattr(score, name) for name in names if getattr(score, name) is not None}


@dataclass(frozen=True)
class BrokenLink:
    sequence: int
    reason: str

    def __str__(self):
        return f"record #{self.sequence}: {self.reason}"


def verify_chain(*, check_rows: bool = True) -> BrokenLink | None:
    """Walk the chain from the first record; return the first broken link, or None if intact.

    With check_rows, each record is also compared with the rows it describes, so a score
    or file digest edited in the database (without touching the log) is reported too; an
    entry's moderation marks are compared with the last record of its moderation (earlier
    ones describe marks since changed).
    """
    expected_prev, expected_sequence = GENESIS_HASH, 1
    last_moderation: dict[int, LedgerRecord] = {}
    for record in LedgerRecord.objects.order_by("sequence").iterator(chunk_size=2000):
        broken = _check_link(record, expected_prev, expected_sequence)
        if broken is None and check_rows:
            broken = _check_against_rows(record)
        if broken:
            return broken
        if record.kind == LedgerRecord.Kind.SUBMISSION_MODERATED:
            last_moderation[json.loads(record.payload)["submission"]] = record
        expected_prev, expected_sequence = record.hash, record.sequence + 1
    head = LedgerHead.objects.filter(pk=1).first()
    last = expected_sequence - 1
    if head is not None and (head.sequence, head.hash) != (last, expected_prev):
        return BrokenLink(last + 1, f"missing: the head points at record #{head.sequence}, the chain ends at #{last}")
    return _check_moderation_against_rows(last_moderation, after=last) if check_rows else None


def _check_moderation_against_rows(last_moderation: dict[int, LedgerRecord], *, after: int) -> BrokenLink | None:
    """The first entry whose moderation marks differ from the last record of them (a mark set or
    cleared in the database without its record); an entry never moderated must carry no mark
    (reported as missing after the chain's last record, `after`)."""
    rows = {pk: marks for pk, *marks in Submission.objects.filter(
        Q(pk__in=list(last_moderation)) | Q(disqualified=True) | Q(not_comparable=True)
    ).values_list("pk", *MODERATION_MARKS)}
    for pk in sorted(rows.keys() - last_moderation.keys()):
        return BrokenLink(after + 1, f"missing: submission {pk} carries a moderation mark that no record sets")
    for pk, record in sorted(last_moderation.items(), key=lambda item: item[1].sequence):
        payload = json.loads(record.payload)
        if pk not in rows:
            return BrokenLink(record.sequence, f"submission {pk} is missing from the database")
        if list(rows[pk]) != [payload[mark] for mark in MODERATION_MARKS]:
            return BrokenLink(record.sequence, f"submission {pk}'s moderation differs from what was recorded")
    return None


def _check_link(record: LedgerRecord, expected_prev: str, expected_sequence: int) -> BrokenLink | None:
    if record.sequence != expected_sequence:
        return BrokenLink(expected_sequence, f"missing: the next record found is #{record.sequence}")
    if record.prev_hash != expected_prev:
        return BrokenLink(record.sequence, "does not point at the previous record's hash")
    try:
        canonical = canonical_json(json.loads(record.payload))
    except ValueError:
        return BrokenLink(record.sequence, "payload is not valid JSON")
    if canonical != record.payload:
        return BrokenLink(record.sequence, "payload is not in canonical form")
    digest = link_hash(prev_hash=record.prev_hash, sequence=record.sequence, kind=record.kind, payload=record.payload)
    if digest != record.hash:
        return BrokenLink(record.sequence, "hash does not match its content")
    return None


def _check_against_rows(record: LedgerRecord) -> BrokenLink | None:
    payload = json.loads(record.payload)
    if record.kind == LedgerRecord.Kind.SUBMISSION_RECEIVED:
        submission = Submission.objects.filter(pk=payload["submission"]).first()
        if submission is None:
            return BrokenLink(record.sequence, f"submission {payload['submission']} is missing from the database")
        if submission_received_payload(submission) != payload:
            return BrokenLink(record.sequence, f"submission {submission.pk} differs from what was recorded")
    elif record.kind == LedgerRecord.Kind.GROUND_TRUTH_REPLACED:
        ground_truth = GroundTruth.objects.filter(pk=payload["ground_truth"]).first()
        if ground_truth is None or ground_truth_payload(ground_truth) != payload:
            return BrokenLink(record.sequence, f"ground truth {payload['ground_truth']} differs from what was recorded")
    elif record.kind == LedgerRecord.Kind.CLASSES_RETIRED:
        revision = ClassRevision.objects.filter(pk=payload["class_revision"]).first()
        if revision is None or class_revision_payload(revision) != payload:
            return BrokenLink(record.sequence, f"class revision {payload['class_revision']} differs from what was recorded")
    elif record.kind == LedgerRecord.Kind.SCORE_RECORDED:
        score = Score.objects.filter(pk=payload["score"]).first()
        if score is None:
            return BrokenLink(record.sequence, f"score {payload['score']} is missing from the database")
        if score_recorded_payload(score) != payload:
            return BrokenLink(record.sequence, f"score {score.pk} differs from what was recorded")
    return None
