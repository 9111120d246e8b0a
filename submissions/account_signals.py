"""Signs that several teams of a year are one group using several accounts (the ILSVRC 2015
incident: one group used 30 accounts to pass the test quota), for organizers to review: files
identical or nearly so across teams (the integrity flags), people who signed up from one address,
teams created in a burst and submitting together, and addresses that uploads of several teams
came from. Nothing is done to a team automatically; organizers ban or pool the quota.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from challenge.accounts.models import SignUpAddress
from challenge.competition.models import ChallengeYear
from challenge.teams.models import Membership, Team
from submissions.models import IntegrityFlag, QuotaPool, Submission

# Teams created within this time of the first of them form a burst, when there are this many.
BURST_WINDOW = timedelta(hours=1)
BURST_TEAMS = 3
# Uploads of two teams of a burst this close on one split count as submitting together.
TOGETHER_WINDOW = timedelta(minutes=10)


@dataclass
class Signal:
    """One group of teams that may be one: what links them, and the teams."""

    kind: str  # "copies", "sign_up", "burst", "upload_address"
    summary: str
    teams: list[Team]
    details: list[str] = field(default_factory=list)


def year_signals(*, year: ChallengeYear) -> list[Signal]:
    """Every signal of the year, strongest kinds first (copied files, then shared addresses, then bursts)."""
    return [*copied_files(year=year), *sign_up_addresses(year=year), *upload_addresses(year=year),
            *creation_bursts(year=year)]


def _teams(ids) -> list[Team]:
    return list(Team.objects.filter(pk__in=set(ids)).order_by("name"))


def copied_files(*, year: ChallengeYear) -> list[Signal]:
    """Pairs of teams with identical or near-identical files on a split (the integrity flags)."""
    pairs: dict[tuple[int, int], list[IntegrityFlag]] = {}
    for flag in IntegrityFlag.objects.filter(split__task__year=year).select_related("split__task"):
        pairs.setdefault(tuple(sorted((flag.team_id, flag.other_team_id))), []).append(flag)
    signals = []
    for ids, flags in pairs.items():
        identical = sum(f.kind == IntegrityFlag.Kind.IDENTICAL for f in flags)
        best = max(f.agreement for f in flags)
        signals.append(Signal("copies", f"{len(flags)} flagged pair{'s' if len(flags) != 1 else ''} of files "
                                        f"({identical} identical; top-1 agreement up to {best:.1%})", _teams(ids),
                              [f"{f.get_kind_display()} on {f.split}: #{f.submission_id} and #{f.other_id}"
                               for f in flags[:5]]))
    return signals


def sign_up_addresses(*, year: ChallengeYear) -> list[Signal]:
    """Addresses from which members of two or more of the year's teams signed up."""
    by_address: dict[str, dict[int, list[str]]] = {}
    rows = (Membership.objects.filter(year=year).select_related("user")
            .values_list("team_id", "user__username", "user__sign_up_address__address"))
    for team_id, username, address in rows:
        if address:
            by_address.setdefault(address, {}).setdefault(team_id, []).append(username)
    return [Signal("sign_up", f"Members of {len(teams)} teams signed up from {address}", _teams(teams),
                   [f"{len(people)} account{'s' if len(people) != 1 else ''}: {', '.join(sorted(people))}"
                    for people in teams.values()])
            for address, teams in sorted(by_address.items()) if len(teams) >= 2]


def upload_addresses(*, year: ChallengeYear) -> list[Signal]:
    """Addresses that uploads of two or more of the year's teams came from."""
    by_address: dict[str, dict[int, int]] = {}
    rows = (Submission.objects.filter(split__task__year=year, client_address__isnull=False)
            .values_list("client_address", "team_id"))
    for address, team_id in rows:
        teams = by_address.setdefault(address, {})
        teams[team_id] = teams.get(team_id, 0) + 1
    return [Signal("upload_address", f"Uploads of {len(teams)} teams came from {address}", _teams(teams),
                   [f"{sum(teams.values())} uploads in all"])
            for address, teams in sorted(by_address.items()) if len(teams) >= 2]


def creation_bursts(*, year: ChallengeYear) -> list[Signal]:
    """Teams created within BURST_WINDOW of one another, BURST_TEAMS or more, with how often
    they then uploaded to one split within TOGETHER_WINDOW of each other."""
    created = list(Team.objects.filter(year=year).order_by("created_at", "pk").values_list("pk", "created_at"))
    signals, start = [], 0
    while start < len(created):
        end = start
        while end + 1 < len(created) and created[end + 1][1] - created[start][1] <= BURST_WINDOW:
            end += 1
        if end - start + 1 >= BURST_TEAMS:
            ids = [pk for pk, _ in created[start:end + 1]]
            together = _uploads_together(ids)
            summary = (f"{len(ids)} teams created within {_minutes(created[end][1] - created[start][1])} of each "
                       f"other")
            details = [f"then {together} upload{'s' if together != 1 else ''} within "
                       f"{_minutes(TOGETHER_WINDOW)} of another of these teams' on the same split"]
            signals.append(Signal("burst", summary, _teams(ids), details))
            start = end + 1
        else:
            start += 1
    return signals


def _uploads_together(team_ids: list[int]) -> int:
    """How many uploads of these teams came within TOGETHER_WINDOW of another team's on one split."""
    uploads = sorted(Submission.objects.filter(team_id__in=team_ids).values_list("split_id", "created_at", "team_id"))
    together = 0
    for i, (split, at, team) in enumerate(uploads):
        near = [other for other in uploads[max(i - 50, 0):i + 50]
                if other[0] == split and other[2] != team and abs(other[1] - at) <= TOGETHER_WINDOW]
        together += bool(near)
    return together


def _minutes(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 1)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def quota_pools(*, year: ChallengeYear) -> list[QuotaPool]:
    """The year's pooled quotas, each with its teams (members__team)."""
    return list(QuotaPool.objects.filter(split__task__year=year).select_related("split__task", "created_by")
                .prefetch_related("members__team").order_by("split__task__position", "-split__name", "created_at"))
