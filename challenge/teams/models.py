"""Teams of a year, their members and bans. The tables keep the names they had in the
challenge app (db_table): moving the models moved no rows."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class Team(models.Model):
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="teams")
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
        db_table = "challenge_team"
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
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "challenge_membership"
        ordering = ["team", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="one_team_per_person_per_year")]

    def __str__(self):
        return f"{self.user} in {self.team}"


