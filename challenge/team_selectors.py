"""Reads for the team pages.

`challenge` never imports `submissions`; a team's entries are reached through the reverse
relation `team.submissions`, which needs no import.
"""

from challenge.models import Membership, Team


def teams_of(*, user) -> list[Team]:
    """The teams this person is in, newest year first."""
    memberships = Membership.objects.filter(user=user).select_related("team__year").order_by("-year__slug")
    return [m.team for m in memberships]


def published_entries(*, team: Team) -> list[dict]:
    """The team's scored entries whose scores are public now, newest first, with their score."""
    entries = []
    # All score versions in one query, the current one picked below: one query per entry
    # made the public team page grow with the team's history.
    rows = (team.submissions.filter(status="scored").select_related("split__task__year")
            .prefetch_related("scores").order_by("-created_at"))
    for submission in rows:
        split = submission.split
        if not split.scores_are_public():
            continue
        score = next((s for s in submission.scores.all() if s.is_current), None)
        if score is None:
            continue
        entries.append({"submission": submission, "split": split, "score": score,
                        "primary": score.metric(split.task.primary_metric)})
    return entries


def team_by_invite(*, token: str) -> Team | None:
    """The team whose current invitation link carries `token`, or None (unknown or rotated)."""
    return Team.objects.select_related("year").filter(invite_token=token).first()


def is_member(*, team: Team, user) -> bool:
    return user.is_authenticated and Membership.objects.filter(team=team, user=user).exists()
