"""Teams of a year, their members, bans and quota adjustments."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class Team(models.Model):
    year = models.ForeignKey("challenge.ChallengeYear", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    affiliation = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invite_token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    # A ban is public: its reason is shown next to the team's entries.
    banned_until = models.DateTimeField(null=True, blank=True)
    ban_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "name"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="team_unique_name_per_year")]

    def __str__(self):
        return self.name

    def is_banned(self, at=None) -> bool:
        at = at or timezone.now()
        return self.banned_until is not None and at < self.banned_until


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    # Copied from the team so that the database itself enforces one team per person per year.
    year = models.ForeignKey("challenge.ChallengeYear", on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="one_team_per_person_per_year")]

    def __str__(self):
        return f"{self.user} in {self.team}"


class QuotaAdjustment(models.Model):
    """An organizer's change to one team's quota on one split (positive raises, negative lowers)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="quota_adjustments")
    split = models.ForeignKey("challenge.Split", on_delete=models.CASCADE, related_name="quota_adjustments")
    extra_per_window = models.IntegerField(default=0)
    extra_total = models.IntegerField(default=0)
    reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "split"], name="one_quota_adjustment")]


class TermsAcceptance(models.Model):
    """A user's acceptance of a year's terms of access, required before any download."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="terms_acceptances")
    year = models.ForeignKey("challenge.ChallengeYear", on_delete=models.CASCADE, related_name="terms_acceptances")
    accepted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="terms_accepted_once")]


class DataFile(models.Model):
    """A file of a year's hosted data (devkit, image lists, archives), in private storage."""

    year = models.ForeignKey("challenge.ChallengeYear", on_delete=models.CASCADE, related_name="data_files")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    filename = models.CharField(max_length=255, help_text="The name a downloader's browser saves.")
    storage_key = models.CharField(max_length=500)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    position = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year", "position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["year", "filename"], name="data_file_unique_name"),
            models.CheckConstraint(condition=~Q(storage_key=""), name="data_file_has_key"),
        ]

    def __str__(self):
        return self.filename


class AuditEntry(models.Model):
    """Who did what, when: every organizer action, visible to organizers."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=100)
    year = models.ForeignKey(
        "challenge.ChallengeYear", on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_entries"
    )
    target = models.CharField(max_length=300, blank=True)
    # The object acted on (its model name and id), so that the log can link to it; empty for
    # records written before these fields, and for objects with no page.
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
