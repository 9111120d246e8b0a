"""E-mail about submissions and results: a submission failed to score; an entry was
disqualified; the deadline is 48 hours away and a team has chosen no final entry; a year's
results are published (each team is told its own ranks); the ground truth a team's entries were
scored on changed.

Each is queued at most once per person (see challenge.notices.mail). The worker's chores loop
queues what is due (`queue_due_notifications`) and its mail loop sends what waits;
`manage.py send_notifications` does both once, for cron.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from challenge.competition.models import ChallengeYear, Split
from challenge.notices.mail import Mail, queue_emails, send_queued_emails, site_url
from challenge.notices.models import EmailKind, OutgoingEmail
from challenge.policy import Basis, Board
from challenge.teams.models import Membership, Team
from submissions.leaderboards import numbers
from submissions.leaderboards.models import LeaderboardBoard, Track
from submissions.leaderboards.selectors import board_rows
from submissions.models import Score, Submission

logger = logging.getLogger(__name__)

REMINDER_BEFORE = timedelta(hours=48)
# Results published longer ago than this are not announced: a year whose date passed before
# this feature existed (or a worker that was off for weeks) must not mail everyone at once.
RESULTS_MAIL_WITHIN = timedelta(days=7)


def notify_scoring_failed(*, submission_id: int) -> int:
    """Queue the "failed to score" mail to the person who uploaded the submission (once).

    Never raises: the submission is already marked failed, and a mail that cannot be queued
    must not turn the upload's answer into an error. The problem is logged.
    """
    try:
        # A savepoint, so that a failure here leaves a caller's transaction usable.
        with transaction.atomic():
            submission = Submission.objects.select_related("submitted_by", "split__task__year").get(pk=submission_id)
            person = submission.submitted_by
            context = {"submission": submission, "year": submission.split.task.year,
                       "submission_url": site_url(reverse("submissions:detail", args=[submission.pk]))}
            return queue_emails([Mail(kind=EmailKind.SCORING_FAILED, to=person.email, user=person,
                                      template="scoring_failed", context=context,
                                      once_key=f"scoring_failed:{submission.pk}")])
    except Exception:
        logger.exception("could not queue the failure mail of submission %s", submission_id)
        return 0


def queue_disqualification_mail(*, submission: Submission) -> int:
    """Queue, to every member of the entry's team, the mail that the organizers disqualified it,
    with their public reason. Call in the moderation's transaction (a rolled-back moderation
    mails nobody); returns how many were queued."""
    year = submission.split.task.year
    context = {"submission": submission, "year": year, "team": submission.team,
               "submission_url": site_url(reverse("submissions:detail", args=[submission.pk]))}
    return queue_emails([Mail(kind=EmailKind.MODERATION, to=m.user.email, user=m.user, template="entry_disqualified",
                              context=context) for m in _members(Team.objects.filter(pk=submission.team_id))])


def _open_years_with_deadline_between(start: datetime, end: datetime):
    return ChallengeYear.objects.published().filter(is_historical=False, deadline__gt=start, deadline__lte=end)


def queue_deadline_reminders(*, at: datetime | None = None) -> int:
    """Queue, for each year whose deadline is at most 48 hours away, a reminder to every member
    of every team that has chosen no final entry. Once per person and deadline: a moved
    deadline reminds again when it comes near."""
    at = at or timezone.now()
    mails = []
    for year in _open_years_with_deadline_between(at, at + REMINDER_BEFORE):
        chose = Submission.objects.filter(split__task__year=year, is_final=True).values("team_id")
        teams = Team.objects.filter(year=year).exclude(pk__in=chose)
        context = {"year": year, "submissions_url": site_url(reverse("submissions:list", args=[year.slug]))}
        for membership in _members(teams):
            person = membership.user
            mails.append(Mail(kind=EmailKind.DEADLINE_REMINDER, to=person.email, user=person,
                              template="deadline_reminder", context={**context, "team": membership.team},
                              once_key=f"deadline:{year.pk}:{year.deadline:%Y%m%dT%H%M%S}:{person.pk}"))
    return queue_emails(mails)


def queue_results_emails(*, at: datetime | None = None) -> int:
    """Queue, for each year whose results date passed within the last week, a "results are
    published" mail to every member of every team of the year (once per person and year), with
    the team's own rank on each final board it is on."""
    at = at or timezone.now()
    years = ChallengeYear.objects.published().filter(is_historical=False, results_at__lte=at,
                                                     results_at__gt=at - RESULTS_MAIL_WITHIN)
    mails = []
    for year in years:
        # Checked before anything is rendered: the chores ask every few seconds for a week.
        sent = set(OutgoingEmail.objects.filter(once_key__startswith=f"results:{year.pk}:")
                   .values_list("once_key", flat=True))
        members = [m for m in _members(Team.objects.filter(year=year)) if f"results:{year.pk}:{m.user.pk}" not in sent]
        if not members:
            continue
        ranks = final_ranks_by_team(year=year)
        context = {"year": year, "year_url": site_url(reverse("challenge:year-detail", args=[year.slug]))}
        for membership in members:
            person = membership.user
            mails.append(Mail(kind=EmailKind.RESULTS_PUBLISHED, to=person.email, user=person,
                              template="results_published",
                              context={**context, "team": membership.team, "ranks": ranks.get(membership.team_id, [])},
                              once_key=f"results:{year.pk}:{person.pk}"))
    return queue_emails(mails)


def final_ranks_by_team(*, year: ChallengeYear) -> dict[int, list[dict]]:
    """Each team's best row on each of the year's frozen final boards (all tracks): {team id:
    [{"board", "rank", "ranked", "score", "url"}]}, in the boards' order (task, then test before
    validation). One query for the boards, and their segments (each kept per process)."""
    boards = (LeaderboardBoard.objects.filter(split__task__year=year, kind=Board.OFFICIAL, basis=Basis.FINAL,
                                              track=Track.COMBINED)
              .select_related("split__task").order_by("split__task__position", "split__task__slug", "-split__name"))
    ranks: dict[int, list[dict]] = {}
    for board in boards:
        split, metric = board.split, board.split.task.primary_metric
        ranked = [row for row in board_rows(board) if row.get("rank")]
        url = site_url(reverse("leaderboards:leaderboard", args=[year.slug, split.task.slug, split.name]))
        for row in ranked:
            team = row["team"]["id"]
            if any(r["split"] == split.pk for r in ranks.get(team, [])):
                continue  # the team's best row comes first
            ranks.setdefault(team, []).append({
                "split": split.pk, "board": f"{split.task.title}, {split.get_name_display()}", "rank": row["rank"],
                "ranked": len(ranked), "score": f"{numbers.metric_name(metric)} "
                                                f"{numbers.metric_text(metric, row['scores'][metric]['value'])}",
                "url": url})
    return ranks


def notify_ground_truth_changed(*, split: Split, ground_truth, previous) -> int:
    """Queue, for every member of every team with an entry scored on the split's previous ground
    truth, a mail saying that it changed and that those entries are rescored (once per person
    and version). Call in the transaction that stores the new version."""
    scored = (Score.objects.filter(submission__split=split, is_current=True, ground_truth=previous)
              .values_list("submission__team_id", flat=True))
    counts: dict[int, int] = {}
    for team_id in scored:
        counts[team_id] = counts.get(team_id, 0) + 1
    year = split.task.year
    context = {"year": year, "split": split, "ground_truth": ground_truth, "previous": previous,
               "submissions_url": site_url(reverse("submissions:list", args=[year.slug]))}
    mails = [Mail(kind=EmailKind.GROUND_TRUTH_CHANGED, to=m.user.email, user=m.user, template="ground_truth_changed",
                  context={**context, "team": m.team, "entries": counts[m.team_id]},
                  once_key=f"ground_truth:{ground_truth.pk}:{m.user.pk}")
             for m in _members(Team.objects.filter(pk__in=list(counts)))]
    return queue_emails(mails)


def _members(teams):
    active = get_user_model().objects.filter(is_active=True).exclude(email="")
    return Membership.objects.filter(team__in=teams, user__in=active).select_related("user", "team")


def queue_due_notifications(*, at: datetime | None = None) -> int:
    """Queue the reminders and results mail that are due (the chores loop's part); returns how many."""
    return queue_deadline_reminders(at=at) + queue_results_emails(at=at)


def send_notifications(*, at: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Queue the reminders and results mail that are due, then send up to `limit` waiting mails
    (`manage.py send_notifications`, for cron; the worker's chores and mail loops do both parts)."""
    queued = queue_due_notifications(at=at)
    handled = 0
    while handled < limit and (batch := send_queued_emails()):
        handled += batch
    return {"queued": queued, "handled": handled}
