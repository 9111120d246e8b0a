"""Organizers' moderation of entries and teams. Every action is audited and rebuilds the boards it
touches; a disqualification is mailed to the entry's team. Moderated entries are the organizers'
to change: the team can no longer rename, describe or withdraw them (challenge.policy)."""

from django.db import transaction

from challenge.audit.services import audit_changes, record_audit
from challenge.competition.models import Split
from challenge.teams.models import Team
from challenge.teams.services import set_team_ban
from submissions.leaderboards import services as boards
from submissions.ledger import append_record, moderation_payload
from submissions.models import LedgerRecord, Submission
from submissions.notices import queue_disqualification_mail
from submissions.quotas import set_quota_adjustment


def moderate_submission(*, user, submission: Submission, disqualified: bool, disqualified_reason: str,
                        not_comparable: bool, not_comparable_reason: str) -> Submission:
    """Set an entry's public moderation marks (a disqualification needs a reason) and rebuild its board.

    Raises ValueError when a mark is set without a reason.
    """
    if disqualified and not disqualified_reason.strip():
        raise ValueError("A disqualification needs a public reason.")
    if not_comparable and not not_comparable_reason.strip():
        raise ValueError("Say why the entry is not directly comparable.")
    with transaction.atomic():
        _moderate(user, submission, disqualified=disqualified, disqualified_reason=disqualified_reason,
                  not_comparable=not_comparable, not_comparable_reason=not_comparable_reason)
    # The organizer sees it on the next page.
    boards.mark_dirty(splits=[submission.split], teams=[submission.team_id], now=True)
    return submission


def _moderate(user, submission: Submission, **marks) -> None:
    marks["disqualified_reason"] = marks["disqualified_reason"] if marks["disqualified"] else ""
    marks["not_comparable_reason"] = marks["not_comparable_reason"] if marks["not_comparable"] else ""
    before = {name: getattr(submission, name) for name in MARKS}
    Submission.objects.filter(pk=submission.pk).update(**marks)
    submission.refresh_from_db()
    if submission.disqualified and not before["disqualified"]:
        queue_disqualification_mail(submission=submission)  # the team hears of it, with the reason
    record_audit(actor=user, action="entry.moderate", target=str(submission), year=submission.split.task.year,
                 obj=submission, changes=audit_changes(before=before, after=marks), **marks)
    append_record(kind=LedgerRecord.Kind.SUBMISSION_MODERATED, payload=moderation_payload(submission, user))


MARKS = ("disqualified", "disqualified_reason", "not_comparable", "not_comparable_reason")


class BulkAction:
    DISQUALIFY = "disqualify"
    NOT_COMPARABLE = "not_comparable"
    RESTORE = "restore"
    CHOICES = [(DISQUALIFY, "Disqualify"), (NOT_COMPARABLE, "Mark not directly comparable"),
               (RESTORE, "Restore (clear both marks)")]


def moderate_entries(*, user, submissions: list[Submission], action: str, reason: str) -> int:
    """Apply one action with one reason to several entries: disqualify or mark them not directly
    comparable (their other mark is kept), or restore them (both marks cleared). Each entry is
    audited and recorded in the ledger; each touched board is rebuilt once. Returns how many changed.

    Raises ValueError for an unknown action, or a mark without a reason.
    """
    if action not in (BulkAction.DISQUALIFY, BulkAction.NOT_COMPARABLE, BulkAction.RESTORE):
        raise ValueError(f"Unknown action: {action}")
    if action != BulkAction.RESTORE and not reason.strip():
        raise ValueError("Give the public reason for this mark.")
    changed, splits, teams = 0, {}, set()
    with transaction.atomic():
        for submission in submissions:
            marks = {name: getattr(submission, name) for name in MARKS}
            if action == BulkAction.RESTORE:
                marks.update(disqualified=False, not_comparable=False)
            else:
                mark = "disqualified" if action == BulkAction.DISQUALIFY else "not_comparable"
                marks.update({mark: True, f"{mark}_reason": reason.strip()})
            if marks == {name: getattr(submission, name) for name in MARKS}:
                continue
            _moderate(user, submission, **marks)
            changed += 1
            splits[submission.split_id] = submission.split
            teams.add(submission.team_id)
    boards.mark_dirty(splits=splits.values(), teams=teams, now=True)
    return changed


def ban_team(*, user, team: Team, banned_until, reason: str) -> Team:
    """Ban a team until a time with a public reason (None lifts it), then rebuild the year's boards."""
    return ban_teams(user=user, teams=[team], banned_until=banned_until, reason=reason)[0]


def ban_teams(*, user, teams: list[Team], banned_until, reason: str) -> list[Team]:
    """Ban teams of one year at once (one audit record each), then rebuild the year's boards once:
    a group that used 30 accounts is banned in one update, not 30."""
    banned = [set_team_ban(user=user, team=team, banned_until=banned_until, reason=reason) for team in teams]
    if banned:
        boards.mark_dirty(splits=Split.objects.filter(task__year=banned[0].year), teams=banned, now=True)
    return banned


def adjust_quota(*, user, team: Team, split: Split, extra_per_window: int, extra_total: int, reason: str):
    """Raise or lower one team's quota on one split (rankings are unaffected)."""
    return set_quota_adjustment(user=user, team=team, split=split, extra_per_window=extra_per_window,
                                extra_total=extra_total, reason=reason)


def set_baseline(*, user, submission: Submission, is_baseline: bool) -> Submission:
    """Flag an entry as an organizers' baseline (shown on its boards at its score's place with a
    mark and no rank, never counted in its team's rank) or clear the flag; audited, and its
    team's rows on its boards ranked again at once."""
    with transaction.atomic():
        Submission.objects.filter(pk=submission.pk).update(is_baseline=is_baseline)
        record_audit(actor=user, action="entry.baseline", target=str(submission), year=submission.split.task.year,
                     obj=submission, is_baseline=is_baseline)
    submission.refresh_from_db()
    boards.mark_dirty(splits=[submission.split], teams=[submission.team_id], now=True)
    return submission
