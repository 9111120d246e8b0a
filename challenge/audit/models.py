"""The organizers' audit log. The table keeps its name from the challenge app (db_table)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEntry(models.Model):
    """Who did what, when: every organizer action, visible to organizers."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=100)
    year = models.ForeignKey(
        "competition.ChallengeYear", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    target = models.CharField(max_length=300, blank=True)
    # The object acted on (its model name and id), so that the log can link to it; empty for
    # records written before these fields, and for objects with no page.
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "challenge_auditentry"
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
