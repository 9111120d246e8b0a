"""Teams of a year, their members (and former members), bans and invitations. The tables of teams
and memberships keep the names they had in the challenge app (db_table): moving the models moved
no rows."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class TeamQuerySet(models.QuerySet):
    def banning(self, *, user, at: datetime, reaches_back: timedelta):
        """The teams whose ban holds `user` at `at`: banned then, and the person is a member, or
        was one when the ban was set or within `reaches_back` before (challenge.policy decides
        how far back a ban reaches)."""
        member_now = Q(memberships__user=user)
        member_then = Q(former_memberships__user=user,
                        former_memberships__left_at__gte=F("banned_at") - reaches_back,
                        former_memberships__joined_at__lte=F("banned_at"))
        return self.filter(member_now | member_then, banned_until__gt=at).distinct()


class Team(models.Model):
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=100)
    affiliation = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The team-wide join link of before invitations were made per person (Invitation): kept only so
    # that an old copy is answered with what to do instead. New teams have none.
    invite_token = models.CharField(max_length=64, unique=True, null=True, blank=True, default=None)
    # A ban is public: its reason is shown next to the team's entries. It holds the people too:
    # those in the team when it was set (banned_at), and those who left shortly before.
    banned_until = models.DateTimeField(null=True, blank=True)
    banned_at = models.DateTimeField(null=True, blank=True)
    ban_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = TeamQuerySet.as_manager()

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




class FormerMembership(models.Model):
    """A membership that ended: the person left, or the captain removed them. A ban reaches the
    people who were in the team shortly before it was set, so leaving cannot escape one."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="former_memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey("competition.ChallengeYear", on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(default=timezone.now)
    # Who removed them; None when they left by themselves.
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["team", "left_at"]
        indexes = [models.Index(fields=["user", "year"], name="former_membership_person")]

    def __str__(self):
        return f"{self.user} left {self.team} on {self.left_at:%Y-%m-%d}"


class InvitationQuerySet(models.QuerySet):
    def open(self):
        """Invitations that can still be used: neither used nor cancelled."""
        return self.filter(used_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """One person invited to a team, by e-mail address. Its link (the token) lets one person join,
    once; it stays open until it is used or cancelled (by a member, or for all of a team's open
    invitations when the captain removes a member)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    address = models.EmailField()  # stored lower-case
    token = models.CharField(max_length=64, unique=True, default=new_invite_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["team", "created_at"]
        constraints = [models.UniqueConstraint(
            fields=["team", "address"], condition=Q(used_at__isnull=True, revoked_at__isnull=True),
            name="one_open_invitation_per_address")]

    def __str__(self):
        return f"{self.address} to {self.team}"
