"""The tamper-evident record: an append-only, hash-chained log of what happened to submissions.

Each record commits to the one before it, so editing or deleting any row (or rewriting a
score behind the log's back) shows up as a broken link when `manage.py verify_ledger` runs.
"""

__all__ = ["LedgerHead", "LedgerRecord"]

from django.db import models
from django.utils import timezone


class LedgerRecord(models.Model):
    """One link of the chain. `hash` = SHA-256 of `prev_hash`, sequence, kind and payload
    (see submissions.ledger.link_hash); `payload` is canonical JSON and never holds ground truth."""

    class Kind(models.TextChoices):
        SUBMISSION_RECEIVED = "submission_received", "Submission received"
        SCORE_RECORDED = "score_recorded", "Score recorded"
        GROUND_TRUTH_REPLACED = "ground_truth_replaced", "Ground truth replaced"
        SUBMISSION_MODERATED = "submission_moderated", "Submission moderated"
        CLASSES_RETIRED = "classes_retired", "Classes retired from a year"

    sequence = models.PositiveBigIntegerField(unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    payload = models.TextField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sequence"]

    def __str__(self):
        return f"#{self.sequence} {self.kind} {self.hash[:12]}"


class LedgerHead(models.Model):
    """The single row that points at the newest record.

    Appending locks this row (SELECT ... FOR UPDATE) inside the caller's transaction, so
    concurrent appends take turns and the chain never forks; it also lets verification
    notice records deleted from the end of the chain.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self):
        return f"ledger head #{self.sequence} {self.hash[:12]}"
