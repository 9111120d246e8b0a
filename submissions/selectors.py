"""Reads that build the submission pages."""

from django.conf import settings
from django.db.models import Max, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from challenge import policy
from challenge.competition import selectors as competition_selectors
from challenge.competition.models import GroundTruth, Split
from challenge.teams.models import Membership, Team
from config.formats import moment
from submissions import quotas, scoring
from submissions.leaderboards import numbers, ranking
from submissions.leaderboards import selectors as boards
from submissions.leaderboards.models import LeaderboardEntry
from submissions.leaderboards.ranking import METRIC_LABELS, METRICS_BY_KIND, REVISED_METRICS_BY_KIND
from submissions.models import IntegrityFlag, Score, Submission


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


def visible_scores(*, submission: Submission, user) -> dict | None:
    """The scores of a submission this viewer may see now, flat for pages and JSON; None while hidden.

    What may be seen is decided by the leaderboard's one visibility selector (organizers: all;
    others: the split's rule, so a public-subset split shows subset scores and a Ladder split
    the team's shown best). Returns {"basis", "ladder_accepted", "<metric>": value, ...,
    "intervals": {"<metric>": [low, high]}, "warnings": [...]}.
    """
    if submission.status != Submission.Status.SCORED:
        return None
    return boards.flat_scores(boards.visible_scores(submission=submission, user=user))


def score_rows(*, split: Split, shown: dict | None) -> list[dict]:
    """The metrics of the split's task in the boards' order, labelled, each with the value this
    viewer may see (None while hidden or not scored yet); then the figures on a revision of the
    labels that the entry has (ReaL, retired classes)."""
    texts = scores_text(split=split, shown=shown)
    revised = [m for m in REVISED_METRICS_BY_KIND[split.task.kind] if shown and shown.get(m) is not None]
    return [{"metric": metric, "label": METRIC_LABELS[metric], "text": texts.get(metric, "—")}
            for metric in METRICS_BY_KIND[split.task.kind] + revised]


def waits_for_ground_truth(submission: Submission) -> bool:
    """Whether a submission is stored and counted but waits for its split's first ground truth
    (no worker claims it until the organizers upload one)."""
    return (submission.status == Submission.Status.RECEIVED
            and not GroundTruth.objects.filter(split_id=submission.split_id, is_current=True).exists())


def submissions_waiting_for_ground_truth(*, split: Split) -> int:
    """How many uploads to a split wait for its first ground truth (none once it has one)."""
    if GroundTruth.objects.filter(split=split, is_current=True).exists():
        return 0
    return Submission.objects.filter(split=split, status=Submission.Status.RECEIVED).count()


def scores_hidden_until(*, submission: Submission, user):
    """When this viewer sees the entry's scores, while they are hidden now (the results date;
    None when they are not hidden, or when the year has no results date yet)."""
    if policy.entry_basis(split=submission.split, user=user, board=submission.board) is not None:
        return None
    return submission.split.task.year.results_at


def standing(*, submission: Submission, user, shown: dict | None):
    """Where a scored entry stands for its team (the leaderboards' entry_standing), or None."""
    return boards.entry_standing(submission=submission, user=user, shown=shown)


def scores_text(*, split: Split, shown: dict | None) -> dict:
    """The visible scores as pages show them: {metric: "12.345%"} (errors as percentages, mAP as a
    decimal), the figures on a revision of the labels included."""
    if not shown:
        return {}
    decimals = shown.get("decimals", ranking.DECIMALS)
    metrics = METRICS_BY_KIND[split.task.kind] + REVISED_METRICS_BY_KIND[split.task.kind]
    return {metric: numbers.metric_text(metric, shown.get(metric), decimals) for metric in metrics
            if shown.get(metric) is not None}


def submission_status(*, submission: Submission, user) -> dict:
    """What the status poll of a submission page may reveal to this viewer."""
    shown = visible_scores(submission=submission, user=user)
    return {
        "id": submission.pk,
        "status": submission.status,
        "status_display": submission.get_status_display(),
        "failure_reason": submission.failure_reason,
        "refunded": submission.refunded,
        "waiting_for_ground_truth": waits_for_ground_truth(submission),
        "scores": shown,
        "scores_text": scores_text(split=submission.split, shown=shown),
    }


def quota_rows(*, team: Team | None, user, year) -> list[dict]:
    """Per split of the year, what is left of the quota for this team and person on the board the
    split takes entries on now (submit page), which board that is, and why the split cannot be
    chosen now ("" when it can)."""
    if team is None:
        return []
    rows = []
    for task in competition_selectors.tasks_with_splits(year=year):
        for split in task.splits.all():
            opening = policy.split_opening(split)
            board = opening.board or policy.Board.OFFICIAL
            quota = quotas.quota_for(team=team, user=user, split=split, board=board)
            rows.append({"split": split, "quota": quota, "board": board, "closed": opening.reason,
                         "unavailable": opening.reason or _why_unavailable(quota)})
    return rows


def closed_reason(*, year, rows: list[dict]) -> str:
    """Why the year takes no entry on any split now, with its dates ("" when one split is open):
    the policy's reason for its first split (they differ only by each split's post-challenge switch)."""
    if any(not row["closed"] for row in rows):
        return ""
    if rows:
        return rows[0]["closed"]
    split = Split.objects.filter(task__year=year).select_related("task__year").first()
    return policy.split_opening(split).reason if split else "This year has no task to submit to yet."


def _why_unavailable(quota: quotas.Quota) -> str:
    if quota.remaining:
        return ""
    if quota.next_slot_at is None:
        return f"none left: the total is used up ({quota.rule()})"
    return f"none left until {moment(quota.next_slot_at)} ({quota.rule()})"


def team_submissions(*, team: Team, split: Split | None = None):
    rows = Submission.objects.for_team(team).select_related("split__task", "submitted_by")
    return rows.filter(split=split) if split else rows


def integrity_flags(*, year=None, reviewed: bool | None = None):
    """Integrity flags for organizers, newest first, with both teams and submissions loaded."""
    flags = IntegrityFlag.objects.select_related(
        "split__task__year", "team", "other_team", "submission", "other"
    )
    if year is not None:
        flags = flags.filter(split__task__year=year)
    if reviewed is not None:
        flags = flags.filter(reviewed=reviewed)
    return flags


def final_entry_choices(*, team: Team, year, user) -> list[dict]:
    """Per split of the year: the team's submissions with the viewer-visible primary score, the
    moderation state and whether each may be and is chosen as final; what the choice changes
    (`effect`); and the chosen ones (`chosen`). Disqualified and withdrawn entries are never final."""
    rows = []
    splits = Split.objects.filter(task__year=year).select_related("task__year").order_by("task__position", "-name")
    for split in splits:
        refusal = policy.final_choice_refusal(team=team, split=split, user=user)
        entries = []
        for submission in team_submissions(team=team, split=split):
            shown = visible_scores(submission=submission, user=user)
            eligible = submission.may_be_final()
            entries.append({"submission": submission, "eligible": eligible, "final": eligible and submission.is_final,
                            "text": scores_text(split=split, shown=shown).get(split.task.primary_metric, "—")})
        rows.append({"split": split, "entries": entries, "effect": final_entries_effect(split),
                     # Why it cannot change, beyond the deadline that `effect` already states (a ban).
                     "may_change": not refusal, "refusal": refusal if policy.entries_may_change(split) else "",
                     "chosen": [e["submission"] for e in entries if e["final"]],
                     "primary_label": METRIC_LABELS.get(split.task.primary_metric, "Error")})
    return rows


def final_entries_effect(split: Split) -> str:
    """What choosing final entries on this split changes, from when, and what the board shows meanwhile."""
    year, k = split.task.year, split.max_final_entries
    results = f"the results date ({moment(year.results_at)})" if year.results_at else "the results date"
    text = f"Choose up to {k} final entr{'y' if k == 1 else 'ies'}. "
    if year.leaderboard_rows == year.LeaderboardRows.FINAL_PER_TEAM:
        text += (f"This year's boards show each team's final entries: the ones you choose are your rows on this "
                 f"split's board from the moment you save, and in the final ranking frozen at {results}. "
                 "While you choose none, the board shows your best entry.")
    else:
        shows = "each team's best entry" if year.leaderboard_rows == year.LeaderboardRows.BEST_PER_TEAM else "every entry"
        text += (f"This year's boards show {shows}, live and in the final ranking frozen at {results}, whatever "
                 "you choose: your choice is kept with your submissions (the API gives it as is_final) but does not "
                 "change the board.")
    meanwhile = {
        Split.Visibility.HIDDEN: " Until the results date the board of this split shows no scores.",
        Split.Visibility.PUBLIC_SUBSET: " Until the results date the board ranks on a public subset of the images.",
        Split.Visibility.LADDER: " Until the results date the board shows each team's Ladder score.",
    }
    text += meanwhile.get(split.visibility, "")
    if policy.entries_may_change(split):
        text += f" You can change the choice until the deadline{f' ({moment(year.deadline)})' if year.deadline else ''}."
    else:
        text += " The deadline has passed: the choice can no longer change."
    return text


def final_entries(*, team: Team, split: Split, at=None) -> list[Submission]:
    """The team's rows in the final ranking of a board that shows final entries: the entries it
    marked, else its best entry on the final ranking's images. The board's own rule
    (ranking.select), read from the same materialized entries, so the two cannot disagree;
    disqualified and withdrawn entries are never final."""
    at = at or timezone.now()
    own = [c for c in boards.candidates_of(split, at) if c.team_id == team.pk and not c.disqualified]
    chosen = ranking.select(own, basis=policy.final_basis(split), rows_mode=ranking.ROWS_FINAL,
                            primary=split.task.primary_metric)
    by_entry = dict(LeaderboardEntry.objects.filter(pk__in=[c.entry_id for c in chosen])
                    .values_list("pk", "submission_id"))
    submissions = Submission.objects.in_bulk([by_entry[c.entry_id] for c in chosen])
    return [submissions[by_entry[c.entry_id]] for c in chosen]


def submissions_of_user_teams(*, user, year_slug: str | None = None):
    """Submissions of every team the user is in now (and their own, from earlier teams)."""
    team_ids = Membership.objects.filter(user=user).values_list("team_id", flat=True)
    rows = Submission.objects.filter(Q(team_id__in=team_ids) | Q(submitted_by=user)).select_related(
        "split__task__year", "team"
    )
    if year_slug:
        rows = rows.filter(split__task__year__slug=year_slug)
    return rows


MODERATION_FILTERS = {"disqualified": {"disqualified": True}, "not_comparable": {"not_comparable": True},
                      "clean": {"disqualified": False, "not_comparable": False}}


def organizer_entries(*, year, split=None, team=None, status: str = "", moderation: str = ""):
    """Every entry of a year for its organizers, newest first, with its current score as `current`
    (a list of at most one) and without the per-image arrays and per-class figures; optionally filtered."""
    scores = Score.objects.filter(is_current=True).defer(
        "top1_bits", "top5_bits", "localization_bits", "hierarchical_costs", "top1_labels", "detection_trace",
        "average_precision", "revised_evidence")
    rows = (Submission.objects.filter(split__task__year=year)
            .select_related("team", "split__task", "submitted_by")
            .prefetch_related(Prefetch("scores", queryset=scores, to_attr="current")))
    rows = rows.filter(split=split) if split else rows
    rows = rows.filter(team=team) if team else rows
    rows = rows.filter(status=status) if status else rows
    return rows.filter(**MODERATION_FILTERS[moderation]) if moderation else rows


def upload_ceiling() -> int:
    """The most bytes any upload of a prediction (or ground-truth) file may have: MAX_UPLOAD_BYTES
    when it is set, else the largest limit of any split (the scoring core's bound for its kind
    and number of images), so that a request no split could accept is refused unread."""
    if settings.MAX_UPLOAD_BYTES:
        return settings.MAX_UPLOAD_BYTES
    limits = [0]
    for row in Split.objects.values("task__kind").annotate(images=Max("n_images")):
        try:
            limits.append(scoring.max_upload_bytes(row["task__kind"], row["images"]))
        except ValueError:  # a kind the scoring core does not size takes no upload either
            continue
    return max(limits)
