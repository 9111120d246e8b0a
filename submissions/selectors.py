"""Reads that build the submission and leaderboard pages."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from challenge.models import Membership, Split
from submissions.models import Submission


def submission_for_viewer(*, pk: int, user) -> Submission:
    """A submission, for members of its team and organizers only; 404 for anyone else."""
    submission = get_object_or_404(
        Submission.objects.select_related("team", "split__task__year", "submitted_by"), pk=pk
    )
    if user.is_authenticated and (
        user.has_perm("submissions.view_submission")
        or submission.submitted_by_id == user.pk
        or Membership.objects.filter(user=user, team=submission.team).exists()
    ):
        return submission
    raise Http404("No such submission.")


def simple_leaderboard(*, split: Split) -> list[dict]:
    """Best scored entry per team, lowest primary error first; ties go to the earlier one."""
    metric = split.task.primary_metric
    best: dict[int, dict] = {}
    scored = (
        Submission.objects.scored()
        .filter(split=split, scores__is_current=True)
        .select_related("team")
        .values("team_id", "team__name", "entry_name", "created_at",
                "scores__top1_error", "scores__top5_error", f"scores__{metric}")
        .order_by(f"scores__{metric}", "created_at")
    )
    for row in scored:
        best.setdefault(row["team_id"], row)
    rows = list(best.values())
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["primary"] = row[f"scores__{metric}"]
    return rows
