"""Submission quotas: N per rolling window of D days and a total, per team and per person, on
each board of a split (entries after the challenge have the split's quota afresh). Teams that
organizers pooled on a split (QuotaPool: several accounts of one group) count as one team there.

A quota is taken inside the transaction that inserts the submission, after locking the
team's and the person's rows (PostgreSQL `SELECT ... FOR NO KEY UPDATE`; on SQLite the settings
make every atomic() block begin with `BEGIN IMMEDIATE`, which serializes writers). So two
uploads of one team (or of one person in two teams) count one after the other and can
never both take the last slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from challenge.audit.services import record_audit
from challenge.policy import Board
from challenge.competition.models import Split
from challenge.teams.models import Team
from config.formats import moment
from submissions.models import QuotaAdjustment, QuotaPool, QuotaPoolMember, Submission


@dataclass(frozen=True)
class Quota:
    """What is left of one split's quota for one team and one person, at one moment."""

    per_window: int
    window_days: int
    total: int | None
    team_in_window: int
    team_total: int
    person_in_window: int
    person_total: int
    next_slot_at: datetime | None  # None: a slot is free now, or none will ever open again
    pooled_teams: int = 1  # teams sharing this budget (organizers pooled their quota on the split)

    @property
    def used_in_window(self) -> int:
        return max(self.team_in_window, self.person_in_window)

    @property
    def used_total(self) -> int:
        return max(self.team_total, self.person_total)

    @property
    def remaining(self) -> int:
        left = self.per_window - self.used_in_window
        if self.total is not None:
            left = min(left, self.total - self.used_total)
        return max(left, 0)

    @property
    def total_exhausted(self) -> bool:
        return self.total is not None and self.used_total >= self.total

    def rule(self) -> str:
        days = "day" if self.window_days == 1 else f"{self.window_days} days"
        text = f"{self.per_window} submission{'s' if self.per_window != 1 else ''} per team and per person every {days}"
        if self.total is not None:
            text += f", {self.total} in total"
        if self.pooled_teams > 1:
            text += f"; shared by {self.pooled_teams} teams whose quota the organizers pooled"
        return text


class QuotaExceeded(Exception):
    """No slot is free; `quota.next_slot_at` says when one opens (None: never again)."""

    def __init__(self, quota: Quota):
        self.quota = quota
        if quota.next_slot_at is None:
            message = f"The quota is used up ({quota.rule()})."
        else:
            message = f"The quota is used up ({quota.rule()}); the next slot opens at {moment(quota.next_slot_at)}."
        super().__init__(message)


def limits_for(*, team: Team, split: Split) -> tuple[int, int | None]:
    """The per-window and total limits after the organizers' adjustment for this team."""
    adjustment = QuotaAdjustment.objects.filter(team=team, split=split).first()
    per_window = split.quota_per_window + (adjustment.extra_per_window if adjustment else 0)
    total = split.quota_total
    if total is not None and adjustment:
        total += adjustment.extra_total
    return max(per_window, 0), (max(total, 0) if total is not None else None)


def quota_for(*, team: Team, user, split: Split, at: datetime | None = None, board: str = Board.OFFICIAL) -> Quota:
    """Count what the team and the person have used on this split's `board`. Reads only; takes no lock."""
    at = at or timezone.now()
    per_window, total = limits_for(team=team, split=split)
    window_start = at - timedelta(days=split.quota_window_days)
    counted = Submission.objects.filter(split=split, board=board).counted_for_quota()
    pooled = pooled_team_ids(team=team, split=split)
    team_rows = counted.filter(team_id__in=pooled)
    # A person's submissions follow them across the teams of a year (the split is the year's).
    person_rows = counted.filter(submitted_by=user)
    team_window = list(team_rows.filter(created_at__gt=window_start).values_list("created_at", flat=True))
    person_window = list(person_rows.filter(created_at__gt=window_start).values_list("created_at", flat=True))
    team_total, person_total = team_rows.count(), person_rows.count()
    exhausted = total is not None and max(team_total, person_total) >= total
    next_slot = None
    if not exhausted:
        next_slot = _next_slot(team_window, per_window, split.quota_window_days, at)
        person_next = _next_slot(person_window, per_window, split.quota_window_days, at)
        if person_next and (next_slot is None or person_next > next_slot):
            next_slot = person_next
    return Quota(per_window, split.quota_window_days, total, len(team_window), team_total,
                 len(person_window), person_total, next_slot, pooled_teams=len(pooled))


def pooled_team_ids(*, team: Team, split: Split) -> list[int]:
    """The teams whose uploads count against `team`'s budget on `split`: its pool's, or itself."""
    pool = QuotaPoolMember.objects.filter(team=team, split=split).values_list("pool_id", flat=True).first()
    if pool is None:
        return [team.pk]
    return sorted(QuotaPoolMember.objects.filter(pool_id=pool).values_list("team_id", flat=True))


def _next_slot(times: list[datetime], per_window: int, window_days: int, at: datetime) -> datetime | None:
    """When the window has a free slot again: the moment enough of its entries age out."""
    excess = len(times) - per_window
    if excess < 0:
        return None
    if per_window == 0:
        return None
    times = sorted(times)
    return max(times[excess] + timedelta(days=window_days), at)


def check_free(*, team: Team, user, split: Split, board: str = Board.OFFICIAL) -> Quota:
    """Raise QuotaExceeded when no slot is free now; reads only, takes no lock. The intake asks
    before it reads a file, so that a team with no slot left costs no parsing; the slot itself is
    taken later by lock_and_check, which counts again under locks."""
    quota = quota_for(team=team, user=user, split=split, board=board)
    if quota.remaining <= 0:
        raise QuotaExceeded(quota)
    return quota


def lock_and_check(*, team: Team, user, split: Split, board: str = Board.OFFICIAL) -> Quota:
    """Inside an atomic block: lock the team's and the person's rows, then count.

    Raises QuotaExceeded when no slot is free. The locks are held until the caller's
    transaction ends, so the caller must insert its submission in that same transaction.
    Rows are always locked in the order teams (every team of its pool on the split, by id),
    then person, so two uploads never deadlock.
    """
    _locked(Team.objects.filter(pk__in=pooled_team_ids(team=team, split=split)).order_by("pk"))
    _locked(get_user_model().objects.filter(pk=user.pk))
    quota = quota_for(team=team, user=user, split=split, board=board)
    if quota.remaining <= 0:
        raise QuotaExceeded(quota)
    return quota


def _locked(rows: QuerySet) -> None:
    # Evaluating the queryset issues SELECT ... FOR NO KEY UPDATE (a no-op on SQLite, whose
    # IMMEDIATE transactions already hold the database's write lock). NO KEY: two uploads
    # still take turns, but a scoring worker's commit, which checks that its entry's team
    # exists (FOR KEY SHARE), does not wait for an upload that in turn waits for the ledger
    # that worker holds: that was a deadlock. Ordered by id only (several teams of a pool are
    # locked in one order), so no join locks the year's row too.
    list(rows.order_by("pk").select_for_update(no_key=True).values_list("pk", flat=True))


@transaction.atomic
def set_quota_adjustment(*, user, team: Team, split: Split, extra_per_window: int, extra_total: int,
                         reason: str) -> QuotaAdjustment:
    """Raise (positive) or lower (negative) one team's quota on one split; replaces any earlier one."""
    adjustment, _ = QuotaAdjustment.objects.update_or_create(
        team=team, split=split,
        defaults=dict(extra_per_window=extra_per_window, extra_total=extra_total, reason=reason, created_by=user),
    )
    record_audit(actor=user, action="team.quota", target=f"{team.name} on {split}", year=team.year, obj=team,
                 extra_per_window=extra_per_window, extra_total=extra_total, reason=reason)
    return adjustment


@transaction.atomic
def pool_quota(*, user, teams: list[Team], splits: list[Split], reason: str) -> list[QuotaPool]:
    """Make these teams (two or more, of one year) draw on one shared budget on each split: their
    uploads count together against the split's quota. A team already pooled on a split brings its
    pool along (the pools merge). Audited. Raises ValueError for fewer than two teams."""
    if len({team.pk for team in teams}) < 2:
        raise ValueError("Pool the quota of two teams or more.")
    pools = []
    for split in splits:
        members = set(team.pk for team in teams)
        earlier_ids = set(QuotaPoolMember.objects.filter(split=split, team_id__in=members).values_list("pool_id", flat=True))
        earlier = list(QuotaPool.objects.select_for_update().filter(pk__in=earlier_ids))
        members |= set(QuotaPoolMember.objects.filter(pool__in=earlier).values_list("team_id", flat=True))
        QuotaPool.objects.filter(pk__in=[pool.pk for pool in earlier]).delete()
        pool = QuotaPool.objects.create(split=split, reason=reason, created_by=user)
        QuotaPoolMember.objects.bulk_create([QuotaPoolMember(pool=pool, team_id=pk, split=split) for pk in sorted(members)])
        pools.append(pool)
        names = sorted(Team.objects.filter(pk__in=members).values_list("name", flat=True))
        record_audit(actor=user, action="team.quota_pool", target=f"{', '.join(names)} on {split}",
                     year=split.task.year, obj=pool, teams=names, reason=reason)
    return pools


@transaction.atomic
def leave_quota_pool(*, user, team: Team, split: Split) -> None:
    """Give the team its own budget on the split again (a pool left with one team goes). Audited."""
    member = QuotaPoolMember.objects.select_related("pool").filter(team=team, split=split).first()
    if member is None:
        return
    pool = member.pool
    member.delete()
    if pool.members.count() < 2:
        pool.delete()
    record_audit(actor=user, action="team.quota_unpool", target=f"{team.name} on {split}", year=team.year, obj=team)
