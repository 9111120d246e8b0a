"""Scored submissions written by hand for the leaderboard tests, through the real services."""

from datetime import timedelta

from django.utils import timezone

from challenge.competition.models import Split
from submissions.models import Submission
from submissions.services import create_submission
from tests.base import predictions_file, run_scoring_worker


def stored_rows(split: Split, *, basis: str = "all", track: str = "combined") -> list[dict]:
    """Every row of a split's stored board as pages and exports show it (all pages, in order)."""
    from submissions.leaderboards.models import LeaderboardBoard
    from submissions.leaderboards.selectors import board_rows

    return board_rows(LeaderboardBoard.objects.get(split=split, basis=basis, track=track))


def open_quota(*splits: Split) -> None:
    Split.objects.filter(pk__in=[s.pk for s in splits]).update(quota_per_window=1000, quota_total=None)


def truth_of(split: Split) -> list[int]:
    from tests.base import TEST_LABELS, VAL_LABELS
    return VAL_LABELS if split.name == Split.Name.VAL else TEST_LABELS


def submit(split: Split, team, user, *, wrong, entry: str = "entry", outside: bool = False,
           minutes_ago: int | None = None) -> Submission:
    """A submission whose top-5 guesses are wrong exactly on the given images (indexes, or the
    first N images when an int), stored through create_submission and then scored and ranked
    by the scoring worker, as an upload is."""
    truth = truth_of(split)
    wrong = set(range(wrong)) if isinstance(wrong, int) else set(wrong)
    rows = [[500 + i] if i in wrong else [label] for i, label in enumerate(truth)]
    submission = create_submission(team=team, split=split, user=user, data=predictions_file(rows),
                                   entry_name=entry, external_data=outside)
    if minutes_ago is not None:
        Submission.objects.filter(pk=submission.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
    run_scoring_worker()
    return Submission.objects.get(pk=submission.pk)
