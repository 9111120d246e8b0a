"""Reads for the team pages. A team's published entries come from the leaderboards'
selectors (`public_entries_of_team`), which decide what a viewer may see."""

from django.contrib.auth import get_user_model

from challenge.competition.models import ChallengeYear
from challenge.teams.models import Invitation, Membership, Team


def teams_of(*, user) -> list[Team]:
    """The teams this person is in, newest year first."""
    memberships = Membership.objects.filter(user=user).select_related("team__year").order_by("-year__slug")
    return [m.team for m in memberships]


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation whose link carries `token` (open, used or cancelled), or None."""
    return Invitation.objects.select_related("team__year").filter(token=token).first()


def invitation_problem(*, invitation: Invitation | None, token: str) -> str:
    """Why the invitation link with `token` cannot be used ("" when it can), said to whoever opened it."""
    if invitation is None:
        old = Team.objects.filter(invite_token=token).first() if token else None
        whose = f"This was the team-wide link of {old.name}, and" if old else "This invitation link is not valid;"
        return (f"{whose} team-wide links no longer work: each person is invited by e-mail, with a link of their "
                "own. Ask the team to invite your e-mail address from its team page.")
    if invitation.used_at is not None:
        return ("This invitation was already used: each invitation lets one person join. Ask the team for an "
                "invitation of your own.")
    if invitation.revoked_at is not None:
        return ("This invitation was cancelled (by a member of the team, or because a member was removed). "
                "Ask the team for a new one.")
    return ""


def open_invitations(*, team: Team) -> list[Invitation]:
    """The team's invitations that can still be used, oldest first, with who sent each."""
    return list(team.invitations.open().select_related("invited_by").order_by("created_at", "pk"))


def new_invitation_of(*, team: Team, user, pk: str | None) -> Invitation | None:
    """The open invitation `pk` of this team that `user` sent: its link is shown to them (only) on
    the team page right after they sent it. None for anything else, whatever `pk` holds."""
    if not pk or not (pk.isascii() and pk.isdigit()) or len(pk) > 18 or not user.is_authenticated:
        return None
    return team.invitations.open().filter(pk=int(pk), invited_by=user).first()


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
