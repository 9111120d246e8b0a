"""Organizers' moderation of entries and teams. Every action is audited and rebuilds the boards it touches."""

from django.db import transaction

from challenge.models import Split, Team
from challenge.services import record_audit, set_quota_adjustment, set_team_ban
from submissions.leaderboards import services as boards
from submissions.ledger import append_record, moderation_payload
from submissions.models import LedgerRecord, Submission


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
        Submission.objects.filter(pk=submission.pk).update(
            disqualified=disqualified, disqualified_reason=disqualified_reason if disqualified else "",
            not_comparable=not_comparable, not_comparable_reason=not_comparable_reason if not_comparable else "",
        )
        submission.refresh_from_db()
        record_audit(actor=user, action="entry.moderate", target=str(submission), year=submission.split.task.year,
                     disqualified=disqualified, disqualified_reason=disqualified_reason,
                     not_comparable=not_comparable, not_comparable_reason=not_comparable_reason)
        append_record(kind=LedgerRecord.Kind.SUBMISSION_MODERATED, payload=moderation_payload(submission, user))
    boards.rebuild_leaderboard(split=submission.split)
    return submission


def ban_team(*, user, team: Team, banned_until, reason: str) -> Team:
    """Ban a team until a time with a public reason (None lifts it), then rebuild the year's boards."""
    team = set_team_ban(user=user, team=team, banned_until=banned_until, reason=reason)
    boards.rebuild_leaderboards(splits=Split.objects.filter(task__year=team.year))
    return team


def adjust_quota(*, user, team: Team, split: Split, extra_per_window: int, extra_total: int, reason: str):
    """Raise or lower one team's quota on one split (rankings are unaffected)."""
    return set_quota_adjustment(user=user, team=team, split=split, extra_per_window=extra_per_window,
                                extra_total=extra_total, reason=reason)
