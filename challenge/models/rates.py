"""Counts of events per key and window, for the rate limits that must hold across every worker
and host (the API's token and upload throttles, team invitations)."""

from django.db import models


class RateCount(models.Model):
    # One row per key: its current window and how many events it has counted. Incremented in
    # one statement (see challenge.rates), so simultaneous requests on any host cannot both
    # read the same count.
    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"], name="rate_count_window")]  # purging old rows

    def __str__(self):
        return f"{self.key}: {self.count} since {self.window_start:%Y-%m-%d %H:%M:%S}"
