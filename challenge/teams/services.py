"""Writes that form teams: create, invite by e-mail, join, leave, rename, remove a member.

A person is in at most one team per year and a team's name is unique within its year;
both are database constraints, so two simultaneous requests cannot break them either.
The captain is the member who joined first (the creator, until they leave); only the
captain renames the team or removes a member. Invitations are one per invited address and
single-use; removing a member cancels all of the team's open invitations, so that nobody
removed comes back through a link they saw.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from challenge import policy
from challenge.accounts import rates
from challenge.audit.services import record_audit
from challenge.competition.models import ChallengeYear, Split
from challenge.notices.mail import Mail, queue_emails, site_url
from challenge.notices.models import EmailKind
from challenge.teams.models import FormerMembership, Invitation, Membership, Team
from challenge.teams.selectors import captain_of, invitation_by_token, invitation_problem, is_member
from submissions.leaderboards.services import mark_dirty


class TeamError(Exception):
    """A team change that cannot be made; the message says why, for the person who tried."""


def _check_year_takes_teams(year: ChallengeYear, user=None) -> None:
    reason = policy.team_change_refusal(year, user=user)
    if reason:
        raise TeamError(reason)


def _check_in_no_team(user, year: ChallengeYear) -> None:
    # A friendly message first; the database constraint still decides a race.
    if Membership.objects.filter(user=user, year=year).exists():
        raise TeamError("You are already in a team of this year; leave it first.")


def create_team(*, year: ChallengeYear, user, name: str, affiliation: str = "") -> Team:
    """Create a team in `year` with `user` as its first member.

    Raises TeamError if the user is already in a team of this year, the name is taken in
    this year, the year takes no teams (draft, historical, past its deadline), or a ban holds
    the user in this year.
    """
    _check_year_takes_teams(year, user)
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
    """Join the team that sent the invitation whose link carries `invite_token`, using it up.

    Raises TeamError for an unknown, used or cancelled invitation (or an old team-wide link), a
    banned team, a year that takes no teams, a ban that holds the user, or if the user is already
    in a team of that year (the same team included).
    """
    invitation = invitation_by_token(token=invite_token)
    problem = invitation_problem(invitation=invitation, token=invite_token)
    if problem:
        raise TeamError(problem)
    team = invitation.team
    if team.is_banned():
        raise TeamError("This team is banned and cannot take new members.")
    _check_year_takes_teams(team.year, user)
    _check_in_no_team(user, team.year)
    try:
        with transaction.atomic():
            # Conditional, so that two people opening one link at once cannot both join.
            if not Invitation.objects.open().filter(pk=invitation.pk).update(used_at=timezone.now(), used_by=user):
                raise TeamError("This invitation was just used or cancelled.")
            Membership.objects.create(team=team, user=user, year=team.year)
    except IntegrityError as exc:
        raise TeamError("You are already in a team of this year.") from exc
    return team


def leave_team(*, team: Team, user) -> None:
    """Leave `team`. The person's submissions stay with the team and still count against
    the person's own quota in any team they join later this year; the membership is kept as a
    former one (a ban set on the team soon after still holds them).

    Raises TeamError if the user is not a member.
    """
    if not _end_membership(team=team, user=user, removed_by=None):
        raise TeamError("You are not a member of this team.")


@transaction.atomic
def _end_membership(*, team: Team, user, removed_by) -> bool:
    membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
    if membership is None:
        return False
    FormerMembership.objects.create(team=team, user=user, year_id=membership.year_id, joined_at=membership.joined_at,
                                    removed_by=removed_by)
    membership.delete()
    return True


def rename_team(*, team: Team, user, name: str) -> Team:
    """Give the team a new name (unique in its year), then rebuild the year's boards, which show it.

    Raises TeamError unless `user` is the captain, for an empty or taken name, when the year
    takes no team changes (draft, historical, past its deadline), or while a ban holds the captain.
    """
    _check_year_takes_teams(team.year, user)
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


def remove_member(*, team: Team, by, member) -> int:
    """The captain removes another member. Their submissions stay with the team and keep counting
    against their own quota. Every open invitation of the team is cancelled (the removed member may
    have seen their links); returns how many. Raises TeamError unless `by` is the captain and
    `member` another member."""
    if captain_of(team=team) != by:
        raise TeamError("Only the team's captain can remove members.")
    if member == by:
        raise TeamError("To leave the team yourself, use Leave.")
    with transaction.atomic():
        if not _end_membership(team=team, user=member, removed_by=by):
            raise TeamError("That person is not a member of this team.")
        return _cancel_open_invitations(team)


def cancel_open_invitations(*, team: Team, user) -> int:
    """Cancel all of the team's open invitations, so that their links stop working; returns how
    many. Members only (raises TeamError for anyone else)."""
    if not is_member(team=team, user=user):
        raise TeamError("Only members can cancel the team's invitations.")
    return _cancel_open_invitations(team)


def _cancel_open_invitations(team: Team) -> int:
    return Invitation.objects.open().filter(team=team).update(revoked_at=timezone.now())


def invite_by_email(*, team: Team, user, address: str) -> Invitation:
    """Invite one person to the team by e-mail address: an invitation of their own, whose link
    (mailed to them, and shown to `user` once) lets one person join, once. Members only.

    Raises TeamError for a non-member, a banned team, a year that takes no teams, a ban that holds
    `user`, an address with an open invitation to this team already, or more than
    INVITATIONS_PER_TEAM_PER_DAY invitations a day.
    """
    if not is_member(team=team, user=user):
        raise TeamError("Only members can invite people to this team.")
    if team.is_banned():
        raise TeamError("This team is banned and cannot invite anyone.")
    _check_year_takes_teams(team.year, user)
    address = address.strip().lower()
    already = f"{address} was already invited: their invitation is still open."
    if team.invitations.open().filter(address=address).exists():
        raise TeamError(already)
    limit = settings.INVITATIONS_PER_TEAM_PER_DAY
    if not rates.hit(key=f"invitation:{team.pk}", limit=limit, window=timedelta(days=1)).allowed:
        raise TeamError(f"Your team sent its {limit} invitations of the day; try again tomorrow.")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(team=team, address=address, invited_by=user)
            context = {"team": team, "year": team.year, "inviter": display_name(user),
                       "join_url": site_url(reverse("teams:join", args=[invitation.token]))}
            queue_emails([Mail(kind=EmailKind.INVITATION, to=address, template="invitation", context=context,
                               once_key=f"invitation:{invitation.pk}")])
    except IntegrityError as exc:  # a simultaneous invitation of the same address
        raise TeamError(already) from exc
    return invitation


def team_members(*, team: Team) -> list:
    """The members' users, in the order they joined."""
    return [m.user for m in team.memberships.select_related("user").order_by("joined_at", "pk")]


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


@transaction.atomic
def set_team_ban(*, user, team: Team, banned_until, reason: str) -> Team:
    """Ban a team until a time with a public reason (banned_until None lifts the ban). The ban holds
    the people too (challenge.policy.ban_holding): those in the team when it is set, and those who
    left shortly before. Changing a running ban keeps the moment it was set."""
    if banned_until is None:
        team.banned_at = None
    elif not (team.is_banned() and team.banned_at):
        team.banned_at = timezone.now()  # a new ban; changing a running one keeps when it was set
    team.banned_until = banned_until
    team.ban_reason = reason if banned_until else ""
    team.save(update_fields=["banned_until", "banned_at", "ban_reason"])
    record_audit(actor=user, action="team.ban" if banned_until else "team.unban", target=team.name,
                 year=team.year, obj=team, banned_until=banned_until.isoformat() if banned_until else None, reason=reason)
    return team
