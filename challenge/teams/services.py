"""Writes that form teams: create, invite by link, join, leave, rename, remove a member.

A person is in at most one team per year and a team's name is unique within its year;
both are database constraints, so two simultaneous requests cannot break them either.
The captain is the member who joined first (the creator, until they leave); only the
captain renames the team or removes a member.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from challenge import policy
from challenge.accounts import rates
from challenge.audit.services import record_audit
from challenge.competition.models import ChallengeYear, Split
from challenge.notices.mail import Mail, queue_emails, site_url
from challenge.notices.models import EmailKind
from challenge.teams.models import Membership, Team, new_invite_token
from challenge.teams.selectors import captain_of, is_member, team_by_invite
from submissions.leaderboards.services import mark_dirty


class TeamError(Exception):
    """A team change that cannot be made; the message says why, for the person who tried."""


INVALID_INVITE = "This invitation link is not valid (it may have been replaced)."


def _check_year_takes_teams(year: ChallengeYear) -> None:
    reason = policy.team_change_refusal(year)
    if reason:
        raise TeamError(reason)


def _check_in_no_team(user, year: ChallengeYear) -> None:
    # A friendly message first; the database constraint still decides a race.
    if Membership.objects.filter(user=user, year=year).exists():
        raise TeamError("You are already in a team of this year; leave it first.")


def create_team(*, year: ChallengeYear, user, name: str, affiliation: str = "") -> Team:
    """Create a team in `year` with `user` as its first member.

    Raises TeamError if the user is already in a team of this year, the name is taken in
    this year, or the year takes no teams (draft, historical, past its deadline).
    """
    _check_year_takes_teams(year)
    name = name.strip()
    if not name:
        raise TeamError("A team needs a name.")
    _check_in_no_team(user, year)
    if Team.objects.filter(year=year, name__iexact=name).exists():
        raise TeamError(f"A team called {name!r} already exists in this year.")
    try:
        with transaction.atomic():
            team = Team.objects.create(year=year, name=name, affiliation=affiliation.strip(), created_by=user)
            Membership.objects.create(team=team, user=user, year=year)
    except IntegrityError as exc:  # lost a race with another request
        raise TeamError("That name was just taken, or you just joined another team.") from exc
    return team


def join_team(*, invite_token: str, user) -> Team:
    """Join the team whose invite link carries `invite_token`.

    Raises TeamError for an unknown (or rotated) token, or if the user is already in a
    team of that year (the same team included).
    """
    team = team_by_invite(token=invite_token)
    if team is None:
        raise TeamError(INVALID_INVITE)
    _check_year_takes_teams(team.year)
    if team.is_banned():
        raise TeamError("This team is banned and cannot take new members.")
    _check_in_no_team(user, team.year)
    try:
        with transaction.atomic():
            Membership.objects.create(team=team, user=user, year=team.year)
    except IntegrityError as exc:
        raise TeamError("You are already in a team of this year.") from exc
    return team


def leave_team(*, team: Team, user) -> None:
    """Leave `team`. The person's submissions stay with the team and still count against
    the person's own quota in any team they join later this year.

    Raises TeamError if the user is not a member.
    """
    deleted, _ = Membership.objects.filter(team=team, user=user).delete()
    if not deleted:
        raise TeamError("You are not a member of this team.")


def rename_team(*, team: Team, user, name: str) -> Team:
    """Give the team a new name (unique in its year), then rebuild the year's boards, which show it.

    Raises TeamError unless `user` is the captain, for an empty or taken name, or when the year
    takes no team changes (draft, historical, past its deadline).
    """
    _check_year_takes_teams(team.year)
    if captain_of(team=team) != user:
        raise TeamError("Only the team's captain can rename it.")
    name = name.strip()
    if not name:
        raise TeamError("A team needs a name.")
    if Team.objects.filter(year=team.year, name__iexact=name).exclude(pk=team.pk).exists():
        raise TeamError(f"A team called {name!r} already exists in this year.")
    try:
        with transaction.atomic():
            Team.objects.filter(pk=team.pk).update(name=name)
    except IntegrityError as exc:
        raise TeamError("That name was just taken.") from exc
    team.refresh_from_db()
    # The captain sees it at once.
    mark_dirty(splits=Split.objects.filter(task__year=team.year), teams=[team], now=True)
    return team


def remove_member(*, team: Team, by, member) -> None:
    """The captain removes another member. Their submissions stay with the team and keep counting
    against their own quota. Raises TeamError unless `by` is the captain and `member` another member."""
    if captain_of(team=team) != by:
        raise TeamError("Only the team's captain can remove members.")
    if member == by:
        raise TeamError("To leave the team yourself, use Leave.")
    deleted, _ = Membership.objects.filter(team=team, user=member).delete()
    if not deleted:
        raise TeamError("That person is not a member of this team.")


def rotate_invite_token(*, team: Team, user) -> str:
    """Replace the team's invite link, so that old copies stop working. Members only."""
    if not is_member(team=team, user=user):
        raise TeamError("Only members can replace the invitation link.")
    team.invite_token = new_invite_token()
    team.save(update_fields=["invite_token"])
    return team.invite_token


def invite_by_email(*, team: Team, user, address: str) -> None:
    """E-mail the team's invitation link to an address (once per address and link). Members only.

    Raises TeamError for a non-member, a team of a year that takes no teams, an address already
    invited with the current link, or more than INVITATIONS_PER_TEAM_PER_DAY invitations a day.
    """
    if not is_member(team=team, user=user):
        raise TeamError("Only members can invite people to this team.")
    _check_year_takes_teams(team.year)
    address = address.strip().lower()
    limit = settings.INVITATIONS_PER_TEAM_PER_DAY
    if not rates.hit(key=f"invitation:{team.pk}", limit=limit, window=timedelta(days=1)).allowed:
        raise TeamError(f"Your team sent its {limit} invitations of the day; try again tomorrow.")
    context = {"team": team, "year": team.year, "inviter": display_name(user),
               "join_url": site_url(reverse("teams:join", args=[team.invite_token]))}
    queued = queue_emails([Mail(kind=EmailKind.INVITATION, to=address, template="invitation", context=context,
                                once_key=f"invitation:{team.pk}:{team.invite_token[:16]}:{address}"[:200])])
    if not queued:
        raise TeamError(f"{address} was already invited with this link.")


def team_members(*, team: Team) -> list:
    """The members' users, in the order they joined."""
    return [m.user for m in team.memberships.select_related("user").order_by("joined_at", "pk")]


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def set_team_ban(*, user, team: Team, banned_until, reason: str) -> Team:
    """Ban a team until a time with a public reason (banned_until None lifts the ban)."""
    team.banned_until = banned_until
    team.ban_reason = reason if banned_until else ""
    team.save(update_fields=["banned_until", "ban_reason"])
    record_audit(actor=user, action="team.ban" if banned_until else "team.unban", target=team.name,
                 year=team.year, obj=team, banned_until=banned_until.isoformat() if banned_until else None, reason=reason)
    return team
