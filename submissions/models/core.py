"""Submissions and their scores."""

__all__ = ["Score", "Submission", "SubmissionQuerySet"]

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from challenge.policy import Board


class SubmissionQuerySet(models.QuerySet):
    def counted_for_quota(self):
        """Submissions that use up quota: every stored one except those refunded because
        they failed through the site's own fault. Files refused by validation are never stored."""
        return self.filter(refunded=False)

    def pending(self):
        return self.filter(status=Submission.Status.RECEIVED)

    def scored(self):
        return self.filter(status=Submission.Status.SCORED)

    def for_team(self, team):
        return self.filter(team=team)

    def eligible_for_final(self):
        """Entries a team may choose as final: scored, neither disqualified nor withdrawn."""
        return self.scored().filter(disqualified=False, withdrawn=False)


class Submission(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        SCORING = "scoring", "Scoring"
        SCORED = "scored", "Scored"
        FAILED = "failed", "Failed"

    team = models.ForeignKey("teams.Team", on_delete=models.PROTECT, related_name="submissions")
    split = models.ForeignKey("competition.Split", on_delete=models.PROTECT, related_name="submissions")
    # Quota is counted per person too: this stays with the person when they leave a team.
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions"
    )
    entry_name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    # Where the method is described and its code kept: shown with the entry on boards and exports.
    method_url = models.URLField(max_length=500, blank=True, verbose_name="paper URL")
    code_url = models.URLField(max_length=500, blank=True, verbose_name="code URL")
    external_data = models.BooleanField(default=False, help_text="Uses training data beyond the provided set.")
    file_key = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField()
    original_filename = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    failure_reason = models.TextField(blank=True)
    refunded = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Refreshed by the scoring worker while it scores (the database's clock): a claim whose last
    # heartbeat is too old is a dead worker's (services._claimable_rows).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    scored_at = models.DateTimeField(null=True, blank=True)
    is_final = models.BooleanField(default=False)
    # Moderation, shown publicly with its reason.
    disqualified = models.BooleanField(default=False)
    disqualified_reason = models.CharField(max_length=500, blank=True)
    not_comparable = models.BooleanField(default=False)
    not_comparable_reason = models.CharField(max_length=500, blank=True)
    # The team took this (validation) entry off the public boards; it stays in its list and the ledger.
    withdrawn = models.BooleanField(default=False)
    # The board the entry went on, decided by challenge.policy when it was received.
    board = models.CharField(max_length=16, choices=Board.choices, default=Board.OFFICIAL)
    # An organizers' reference entry: shown at its score's place with a mark, never ranked.
    is_baseline = models.BooleanField(default=False)
    # Where the upload came from, for organizers' multiple-account signals only (never shown to teams).
    client_address = models.GenericIPAddressField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["split", "team", "created_at"])]
        constraints = [models.CheckConstraint(condition=~Q(file_key=""), name="submission_has_file")]

    def __str__(self):
        return f"#{self.pk} {self.entry_name} ({self.team})"

    def may_be_final(self) -> bool:
        return self.status == self.Status.SCORED and not self.disqualified and not self.withdrawn

    @property
    def current_score(self):
        return self.scores.filter(is_current=True).first()


class Score(models.Model):
    """The outcome of scoring one submission against one ground-truth version.

    Per-image outcomes are kept as packed bit arrays (12.5 KB per 100,000 images) so that
    per-class errors, confidence intervals, paired tests and the Ladder never re-read files.
    A detection score keeps its mAP, the AP of each class (by WNID) and the compact trace of
    its ranked detections (scoring.DetectionTrace: ~2 bytes a detection) instead: its
    intervals and paired tests resample images. Rescoring after a ground-truth change adds a
    new current Score and keeps the old one.
    """

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    ground_truth = models.ForeignKey("competition.GroundTruth", on_delete=models.PROTECT, related_name="scores")
    is_current = models.BooleanField(default=True)
    images = models.PositiveIntegerField()
    top1_error = models.FloatField(null=True, blank=True)
    top5_error = models.FloatField(null=True, blank=True)
    localization_error = models.FloatField(null=True, blank=True)
    hierarchical_error = models.FloatField(null=True, blank=True)
    hierarchical_error_normalized = models.FloatField(null=True, blank=True)
    top1_bits = models.BinaryField(null=True, blank=True)
    top5_bits = models.BinaryField(null=True, blank=True)
    localization_bits = models.BinaryField(null=True, blank=True)
    hierarchical_costs = models.BinaryField(null=True, blank=True)
    top1_labels = models.BinaryField(null=True, blank=True)
    mean_average_precision = models.FloatField(null=True, blank=True)
    average_precision = models.JSONField(null=True, blank=True)
    detection_trace = models.BinaryField(null=True, blank=True)
    # Figures on the ground-truth version's revision (ReaL label sets, retired classes), by the
    # names the boards use (real_top5_error, revised_top5_error, ..., real_images), and the
    # per-image evidence their intervals resample (an npz of packed bits; see submissions.revisions).
    revised_metrics = models.JSONField(default=dict, blank=True)
    revised_evidence = models.BinaryField(null=True, blank=True)
    # The engine's hints with their figures (computed on all images), and the same advice without
    # them: the leaderboards' selectors show the second while the scores themselves are not public.
    warnings = models.JSONField(default=list, blank=True)
    advice = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submission", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission"], condition=Q(is_current=True), name="score_one_current"
            )
        ]

    def metric(self, name: str):
        return getattr(self, name)
