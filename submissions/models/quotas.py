"""Organizers' changes to one team's quota on one split. The table keeps its name from the
challenge app, where the model lived before (db_table)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["QuotaAdjustment"]


class QuotaAdjustment(models.Model):
    """An organizer's change to one team's quota on one split (positive raises, negative lowers)."""

    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="quota_adjustments")
    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="quota_adjustments")
    extra_per_window = models.IntegerField(default=0)
    extra_total = models.IntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_quotaadjustment"
        constraints = [models.UniqueConstraint(fields=["team", "split"], name="one_quota_adjustment")]
