"""Flags raised when two teams' prediction files are identical or nearly so."""

__all__ = ["IntegrityFlag"]

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class IntegrityFlag(models.Model):
    """Two submissions of different teams on one split whose predictions (nearly) coincide.

    `submission` is the later one (the one whose scoring raised the flag); `other` is the
    earlier one it matched. Organizers review flags; nothing is done to a team automatically.
    """

    class Kind(models.TextChoices):
        IDENTICAL = "identical", "Identical file (same SHA-256)"
        NEAR_IDENTICAL = "near_identical", "Near-identical top-1 predictions"

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="integrity_flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    submission = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("submissions.Submission", on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    other_team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="+")
    # Fraction of images on which the two top-1 labels agree (1.0 for identical files).
    agreement = models.FloatField()
    reviewed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["submission", "other"], name="integrity_flag_once_per_pair"),
            models.CheckConstraint(condition=~Q(team=F("other_team")), name="integrity_flag_two_teams"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.team} and {self.other_team} on {self.split}"
