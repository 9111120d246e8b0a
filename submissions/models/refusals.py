"""Uploads that were refused (a bad file, a used-up quota, a closed year): counted for the
organizers' statistics. Nothing of the file is kept, only why it was refused."""

__all__ = ["RefusedUpload"]

from django.conf import settings
from django.db import models
from django.utils import timezone


class RefusedUpload(models.Model):
    class Kind(models.TextChoices):
        INVALID_FILE = "invalid_file", "The file did not validate"
        QUOTA = "quota", "The quota was used up"
        NOT_ALLOWED = "not_allowed", "Not allowed to submit (no team, banned, closed)"

    split = models.ForeignKey("competition.Split", on_delete=models.CASCADE, related_name="refused_uploads")
    team = models.ForeignKey("teams.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # The first problem, with line numbers and quoted tokens taken out so that alike refusals group.
    reason = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["split", "at"])]
