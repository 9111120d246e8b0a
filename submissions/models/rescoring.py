"""Rescoring after a split's ground truth is replaced: one job per replacement, one item per entry.

The items are the queue: `score_pending` claims one at a time with a row lock (SKIP LOCKED), so
several workers share a job without taking the same entry twice.
"""

__all__ = ["RescoringItem", "RescoringJob"]

from django.conf import settings
from django.db import models
from django.utils import timezone


class RescoringJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="rescoring_jobs")
    ground_truth = models.ForeignKey("competition.GroundTruth", on_delete=models.CASCADE, related_name="rescoring_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Why: a ground-truth replacement, or the organizer's words for a manual rescoring.
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"rescoring of {self.split} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * (self.done + self.failed) / self.total)


class RescoringItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(RescoringJob, on_delete=models.CASCADE, related_name="items")
    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "submission"], name="rescoring_item_once")]
