"""Published results of the historical ILSVRC years, with their sources."""

__all__ = ["HistoricalResult"]

from django.db import models


class HistoricalResultQuerySet(models.QuerySet):
    def shown(self):
        """Rows verified against their source, and partly verified ones (shown with a note)."""
        return self.exclude(verified=HistoricalResult.Verified.NO)


class HistoricalResult(models.Model):
    """One row of a published ILSVRC results table, as transcribed with its source."""

    class Verified(models.TextChoices):
        YES = "yes", "Verified against the cited source"
        PARTIAL = "partial", "Partly verified"
        NO = "no", "Not verified"

    task = models.ForeignKey("challenge.Task", on_delete=models.CASCADE, related_name="historical_results")
    position = models.PositiveSmallIntegerField(help_text="Order in the source table (1 = winner).")
    team_name = models.CharField(max_length=200)
    entry = models.CharField(max_length=300, blank=True)
    extra_training_data = models.CharField(max_length=200, blank=True)
    top5_cls_error = models.FloatField(null=True, blank=True)
    top5_loc_error = models.FloatField(null=True, blank=True)
    source = models.TextField()
    verified = models.CharField(max_length=8, choices=Verified.choices)

    objects = HistoricalResultQuerySet.as_manager()

    class Meta:
        ordering = ["task", "position"]
        constraints = [models.UniqueConstraint(fields=["task", "position"], name="historical_result_position")]

    def __str__(self):
        return f"{self.task} #{self.position} {self.team_name}"

    @property
    def uses_outside_data(self) -> bool:
        value = self.extra_training_data.strip().lower()
        return bool(value) and not value.startswith("no")
