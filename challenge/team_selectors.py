"""Reads for the team pages. A team's published entries come from the leaderboards'
selectors (`public_entries_of_team`), which decide what a viewer may see."""

from challenge.models import Membership, Team


def teams_of(*, user) -> list[Team]:
    """The teams this person is in, newest year first."""
    memberships = Membership.objects.filter(user=user).select_related("team__year").order_by("-year__slug")
    return [m.team for m in memberships]


def team_by_invite(*, token: str) -> Team | None:
    """The team whose current invitation link carries `token`, or None (unknown or rotated)."""
    return Team.objects.select_related("year").filter(invite_token=token).first()


def is_member(*, team: Team, user) -> bool:
    return user.is_authenticated and Membership.objects.filter(team=team, user=user).exists()
