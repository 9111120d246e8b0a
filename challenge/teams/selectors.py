"""Reads for the team pages. A team's published entries come from the leaderboards'
selectors (`public_entries_of_team`), which decide what a viewer may see."""

from django.contrib.auth import get_user_model

from challenge.competition.models import ChallengeYear
from challenge.teams.models import Membership, Team


def teams_of(*, user) -> list[Team]:
    """The teams this person is in, newest year first."""
    memberships = Membership.objects.filter(user=user).select_related("team__year").order_by("-year__slug")
    return [m.team for m in memberships]


def team_by_invite(*, token: str) -> Team | None:
    """The team whose current invitation link carries `token`, or None (unknown or rotated)."""
    return Team.objects.select_related("year").filter(invite_token=token).first()


def is_member(*, team: Team, user) -> bool:
    return user.is_authenticated and Membership.objects.filter(team=team, user=user).exists()


def captain_of(*, team: Team):
    """The captain: the member who joined first (the creator while they stay); None without members."""
    first = team.memberships.select_related("user").order_by("joined_at", "pk").first()
    return first.user if first else None


def membership_in_year(*, user, year) -> Membership | None:
    """This person's membership in a year (any team), or None; anonymous visitors have none."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, year=year).select_related("team").first()


def members_of(*, team: Team):
    """The members' users, as a queryset to look one up in."""
    return get_user_model().objects.filter(memberships__team=team)


def teams_by_year(*, user) -> dict[int, Team]:
    """The viewer's team in each year, by year id (none for anonymous visitors)."""
    if not user.is_authenticated:
        return {}
    return {m.year_id: m.team for m in Membership.objects.filter(user=user).select_related("team")}


def team_of(*, user, year: ChallengeYear) -> Team | None:
    if not user.is_authenticated:
        return None
    membership = Membership.objects.filter(user=user, year=year).select_related("team").first()
    return membership.team if membership else None


def teams_of_year(*, year: ChallengeYear):
    return year.teams.prefetch_related("memberships__user", "quota_adjustments__split__task")
