"""Organizers' changes to one team's quota on one split. The table keeps its name from the
challenge app, where the model lived before (db_table)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["QuotaAdjustment", "QuotaPool", "QuotaPoolMember"]


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


class QuotaPool(models.Model):
    """Teams that draw on one shared budget on one split: what organizers do when several accounts
    turn out to be one group (ILSVRC 2015: one group used 30 accounts to pass the test quota)."""

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="quota_pools")
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"shared quota on {self.split}"


class QuotaPoolMember(models.Model):
    """One team of a pool. The split is the pool's, copied so that the database itself keeps a
    team in at most one pool per split."""

    pool = models.ForeignKey(QuotaPool, on_delete=models.CASCADE, related_name="members")
    team = models.ForeignKey("teams.Team", on_delete=models.CASCADE, related_name="quota_pools")
    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "split"], name="one_quota_pool_per_split")]
