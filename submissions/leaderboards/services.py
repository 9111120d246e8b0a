"""Writes that keep the materialized leaderboards current.

One door: every writer that changes what a split's boards show (scoring, rescoring,
moderation, entry edits, final entries, organizer settings, team names and bans) calls
`mark_dirty`, which counts a change on the split's `BoardBuild` row; a score_pending worker's
`rebuild_due_boards` then re-ranks the split once for all the changes of a
LEADERBOARD_REBUILD_SECONDS window and stores every board (JSON, in pages of 100 rows) in one
transaction: readers keep the previous board until it commits. Where a person must see their
own change at once (an organizer's moderation, a team's rename), the writer passes `now=True`
and the same rebuild runs in the request. What a viewer may see is decided in challenge.policy.

A new score is also materialized by `record_entry` (one entry per scored submission, its
intervals computed once, its Ladder decision taken). The API serves one stored page; the page
renders its HTML from it once per process (selectors). `archives` publishes the final ranking once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from challenge import policy
from challenge.competition.models import Split
from submissions.leaderboards import evidence, ranking
from submissions.leaderboards.models import (
    Basis,
    BoardBuild,
    LeaderboardBoard,
    LeaderboardEntry,
    LeaderboardPage,
    Track,
)
from submissions.leaderboards.rendering import PAGE_SIZE, board_metrics_of, board_payload, with_team_urls
from submissions.leaderboards.selectors import boards_changed, candidates_of
from submissions.models import Score, Submission

logger = logging.getLogger(__name__)


# Bumped when entry_stats computes something new, so that a rebuild recomputes stored entries
# (2: a public subset's advice, and no NaN in a detection entry's per-class AP).
STATS_VERSION = 2


def stats_key(*, score_id: int, split: Split) -> str:
    """What an entry's stats are computed from; a rebuild recomputes them when it changes."""
    key = f"score={score_id};bases={','.join(policy.bases_of(split))};v={STATS_VERSION}"
    if policy.has_public_subset(split):
        key += _subset_key(split)
    return key


def _subset_key(split: Split) -> str:
    return f";subset={split.public_subset_fraction!r}:{split.public_subset_seed}"


# ---------------------------------------------------------------- writes

def record_entry(*, submission: Submission, score: Score) -> LeaderboardEntry:
    """Materialize a newly recorded score: its stats and its Ladder decision. Call inside the
    transaction that records the score, after mark_dirty: the entry commits with the score,
    and the rebuild that mark_dirty asks for sees both."""
    split = Split.objects.select_related("task__year").get(pk=submission.split_id)
    entry, created = LeaderboardEntry.objects.update_or_create(
        submission=submission,
        defaults=dict(split=split, score=score, team_id=submission.team_id, submitted_at=submission.created_at,
                      stats=evidence.entry_stats(score=score, split=split),
                      stats_key=stats_key(score_id=score.pk, split=split),
                      updated_at=timezone.now()),
    )
    if created and policy.is_ladder(split) and submission.board == policy.Board.OFFICIAL:
        entry.ladder_accepted = _ladder_decision(entry=entry, split=split)
        entry.save(update_fields=["ladder_accepted"])
    return entry


def mark_dirty(*, splits: Iterable[Split | int], now: bool = False) -> None:
    """The one door to a rebuild: mark the boards of these splits (or split ids) as one change
    behind, so that a worker rebuilds them soon; with `now`, rebuild them here, through the
    same rebuild, for a person who must see their own change at once.

    A writer that changes scores calls it first in its transaction: it takes each split's
    BoardBuild row lock, which a rebuild holds while it runs, so the transaction waits for a
    running rebuild before it holds anything else (a team row that an upload locks for its
    quota, the ledger's head), and its change counts for the next rebuild.
    """
    ids = sorted({split if isinstance(split, int) else split.pk for split in splits})  # one lock order
    for split_id in ids:
        if not BoardBuild.objects.filter(split_id=split_id).update(changes=F("changes") + 1):
            BoardBuild.objects.bulk_create([BoardBuild(split_id=split_id)], ignore_conflicts=True)
            BoardBuild.objects.filter(split_id=split_id).update(changes=F("changes") + 1)
    if now:
        for split in Split.objects.filter(pk__in=ids).select_related("task__year"):
            rebuild_leaderboard(split=split)


def _lock_boards_of(split: Split) -> BoardBuild:
    """Inside a transaction: the split's BoardBuild row, locked until the commit, so that two
    rebuilds of one split take turns and no score of it commits while one runs."""
    build = BoardBuild.objects.select_for_update().filter(split=split).first()
    if build is None:
        BoardBuild.objects.bulk_create([BoardBuild(split=split)], ignore_conflicts=True)
        build = BoardBuild.objects.select_for_update().get(split=split)
    return build


def rebuild_due_boards(*, coalesce: bool = True) -> bool:
    """The scoring worker's unit of ranking work: rebuild the boards of one split that has
    changes they do not show yet; False when there is none.

    With `coalesce`, a split whose boards were rebuilt within LEADERBOARD_REBUILD_SECONDS
    waits, so that a burst of scores costs one rebuild per window, not one each. The split is
    claimed with SELECT ... FOR UPDATE SKIP LOCKED and held until the rebuild commits: two
    workers never rebuild one split at once, and a worker that dies lets go of it. A rebuild
    that raises anything but a database error is logged and tried again a window later; the
    split keeps its previous boards meanwhile, and the worker keeps scoring.
    """
    stale = BoardBuild.objects.filter(changes__gt=F("built_changes"))
    if coalesce:
        since = timezone.now() - timedelta(seconds=settings.LEADERBOARD_REBUILD_SECONDS)
        stale = stale.filter(Q(built_at__isnull=True) | Q(built_at__lte=since))
    if not stale.exists():  # the idle worker's question, asked without opening a transaction
        return False
    with transaction.atomic():
        build = stale.select_for_update(skip_locked=True).order_by(F("built_at").asc(nulls_first=True)).first()
        if build is None:
            return False
        try:
            with transaction.atomic():
                rebuild_leaderboard(split=build.split)
        except DatabaseError:
            raise
        except Exception:
            # Fail safe, not in a crash loop (a worker that died here would stop all scoring).
            logger.exception("rebuilding the boards of split %s failed", build.split_id)
            BoardBuild.objects.filter(pk=build.pk).update(built_at=timezone.now())
    return True


def _ladder_decision(*, entry: LeaderboardEntry, split: Split) -> bool:
    shown = (
        LeaderboardEntry.objects.filter(split=split, team_id=entry.team_id, ladder_accepted=True,
                                        submission__disqualified=False, submission__board=policy.Board.OFFICIAL)
        .exclude(pk=entry.pk).select_related("score").order_by("-submitted_at", "-pk").first()
    )
    return evidence.improves(entry.score, shown.score if shown else None, split=split)


def rebuild_leaderboard(*, split: Split) -> None:
    """Recompute the materialized leaderboard of one split from its current scores: the one
    entry point for every writer that changes what boards show.

    Entries follow each scored submission's current score; an entry whose stats were computed
    from anything else (another score, other bases, another public subset) is recomputed; the
    Ladder is replayed in submission order, and every board is re-ranked and stored, all in
    one transaction (readers see the previous boards until it commits) that holds the split's
    BoardBuild row. Idempotent; archives are never touched.
    """
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    with transaction.atomic():
        build = _lock_boards_of(split)
        started = timezone.now()
        current = _follow_current_scores(split)
        _replay_ladder(split=split, scores=current)
        build_boards(split=split)
        BoardBuild.objects.filter(pk=build.pk).update(built_changes=build.changes, built_at=started)


def _follow_current_scores(split: Split) -> dict[int, int]:
    """Make the split's entries follow each scored submission's current score, recomputing the
    stats of those whose key differs; returns {submission id: current score id}. Reads ids
    only, and the per-image arrays of just the scores whose entries are recomputed."""
    current = {submission_id: (score_id, team_id, created_at) for submission_id, score_id, team_id, created_at in
               Score.objects.filter(submission__split=split, is_current=True, submission__status=Submission.Status.SCORED)
               .values_list("submission_id", "pk", "submission__team_id", "submission__created_at")}
    LeaderboardEntry.objects.filter(split=split).exclude(submission_id__in=list(current)).delete()
    known = {submission_id: (pk, team_id, key) for pk, submission_id, team_id, key in
             LeaderboardEntry.objects.filter(split=split).values_list("pk", "submission_id", "team_id", "stats_key")}
    stale = []
    for submission_id, (score_id, team_id, created_at) in current.items():
        pk, known_team, known_key = known.get(submission_id, (None, None, None))
        if (known_team, known_key) != (team_id, stats_key(score_id=score_id, split=split)):
            stale.append(LeaderboardEntry(pk=pk, split=split, submission_id=submission_id, score_id=score_id,
                                          team_id=team_id, submitted_at=created_at))
    scores = Score.objects.in_bulk([entry.score_id for entry in stale])
    for entry in stale:
        entry.stats = evidence.entry_stats(score=scores[entry.score_id], split=split)
        entry.stats_key, entry.updated_at = stats_key(score_id=entry.score_id, split=split), timezone.now()
    LeaderboardEntry.objects.bulk_create([entry for entry in stale if entry.pk is None], batch_size=1000)
    LeaderboardEntry.objects.bulk_update([entry for entry in stale if entry.pk is not None],
                                         ["score", "team", "submitted_at", "stats", "stats_key", "updated_at"],
                                         batch_size=1000)
    return {submission_id: score_id for submission_id, (score_id, _, _) in current.items()}


def rebuild_boards_of_changed_subsets() -> int:
    """Rebuild every public-subset split with entries computed on another subset than its own
    (after a migration drew new secret seeds, or a change made outside the organizer pages).
    Run by each score_pending pass; costs one query per public-subset split. Returns how many."""
    changed = [split for split in Split.objects.filter(policy.public_subset_splits()).select_related("task__year")
               if LeaderboardEntry.objects.filter(split=split).exclude(stats_key__endswith=_subset_key(split)).exists()]
    mark_dirty(splits=changed, now=True)
    return len(changed)


def _replay_ladder(*, split: Split, scores: dict[int, int]) -> None:
    """Decide again, in submission order, which entries moved their team's shown Ladder score
    (`scores`: each submission's current score id)."""
    if not policy.is_ladder(split):
        return
    metric = split.task.primary_metric
    fields = ["pk", "images", "ground_truth_id", evidence.EVIDENCE_FIELDS[metric]]
    evidence_of = Score.objects.only(*fields).in_bulk(list(scores.values()))
    shown: dict[int, Score] = {}
    accepted = []
    # Only official entries take part in the Ladder; entries after the challenge are ranked on all images.
    rows = LeaderboardEntry.objects.filter(split=split, submission__board=policy.Board.OFFICIAL).values_list(
        "pk", "team_id", "submission_id", "submission__disqualified").order_by("submitted_at", "pk")
    for pk, team_id, submission_id, disqualified in rows:
        if disqualified:
            continue
        new = evidence_of[scores[submission_id]]
        if evidence.improves(new, shown.get(team_id), split=split):
            shown[team_id] = new
            accepted.append(pk)
    LeaderboardEntry.objects.filter(split=split).update(ladder_accepted=False)
    LeaderboardEntry.objects.filter(pk__in=accepted).update(ladder_accepted=True)


# ---------------------------------------------------------------- ranking

_pair_memo: dict[tuple, object] = {}  # ranking.PairedResult or scoring.PairedMapResult
# A worker lives for months; past this many pairs the memo starts over rather than grow.
_PAIR_MEMO_LIMIT = 200_000


def _paired_tests(split: Split, basis: str, primary: str):
    """Each ranked entry against the next, on the basis' images; memoized per pair of scores
    (a score's bits never change), so a new score costs two or three tests, not a thousand.
    The public subset is part of the key: an organizer may change its fraction or seed."""
    subset = (split.public_subset_fraction, split.public_subset_seed) if basis in (Basis.PUBLIC, Basis.PRIVATE) else None

    def tests(ranked: list[ranking.Candidate]) -> list[ranking.PairedResult | None]:
        pairs = [(a.score_id, b.score_id, basis, primary, subset) for a, b in zip(ranked, ranked[1:])]
        if len(_pair_memo) > _PAIR_MEMO_LIMIT:
            _pair_memo.clear()
        missing = {sid for a, b, *_ in pairs if (a, b, basis, primary, subset) not in _pair_memo for sid in (a, b)}
        if missing:
            scores = {s.pk: s for s in Score.objects.filter(pk__in=missing).only(
                "pk", "images", "ground_truth", evidence.EVIDENCE_FIELDS[primary])}
            for pair in pairs:
                if pair not in _pair_memo:
                    _pair_memo[pair] = evidence.paired(scores[pair[0]], scores[pair[1]], split=split, basis=basis,
                                                       metric=primary)
        return [_pair_memo[p] for p in pairs] + [None]

    return tests


def rank_rows(*, split: Split, basis: str, track: str, at: datetime | None = None,
              candidates: list[ranking.Candidate] | None = None, board: str = policy.Board.OFFICIAL) -> list[dict]:
    """The ranked, rounded rows of one board (ranked entries first, then excluded ones).
    `candidates` (all of the split's entries on that board) may be passed in when ranking several
    boards. After the challenge there are no final entries: each team is shown by its best."""
    at = at or timezone.now()
    year, primary = split.task.year, split.task.primary_metric
    rows_mode = year.leaderboard_rows
    if board == policy.Board.POST_CHALLENGE and rows_mode == year.LeaderboardRows.FINAL_PER_TEAM:
        rows_mode = year.LeaderboardRows.BEST_PER_TEAM
    rows = ranking.rank(
        candidates if candidates is not None else candidates_of(split, at, board), basis=basis, track=track,
        rows_mode=rows_mode, excluded_display=year.excluded_display, primary=primary,
        metrics=board_metrics_of(split), paired_tests=_paired_tests(split, basis, primary),
        decimals=policy.score_decimals(split=split, basis=basis))
    return with_team_urls(rows)


# ---------------------------------------------------------------- storage

def build_boards(*, split: Split) -> None:
    """Rank and store every board of a split (official, and after the challenge; each basis it
    shows, each track), as JSON pages. The official board's entries never include entries
    sent after the challenge, so their arrival leaves it as it was."""
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    now = timezone.now()
    kinds = list(dict.fromkeys([*policy.boards_of(split, now), *Submission.objects.filter(
        split=split, board=policy.Board.POST_CHALLENGE).values_list("board", flat=True)[:1]]))
    # The frozen final board is written once by freeze_results and never rebuilt.
    kept = Q(basis=Basis.FINAL, kind=policy.Board.OFFICIAL)
    for kind in kinds:
        kept |= Q(kind=kind, basis__in=policy.bases_of(split, kind))
    LeaderboardBoard.objects.filter(split=split).exclude(kept).delete()
    for kind in kinds:
        candidates = candidates_of(split, now, kind)
        for basis in policy.bases_of(split, kind):
            for track in Track.values:
                rows = rank_rows(split=split, basis=basis, track=track, candidates=candidates, board=kind)
                store_board(split=split, basis=basis, track=track, rows=rows, board=kind)


def store_board(*, split: Split, basis: str, track: str, rows: list[dict],
                board: str = policy.Board.OFFICIAL) -> LeaderboardBoard:
    chunks = [rows[i:i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
    stored, _ = LeaderboardBoard.objects.update_or_create(
        split=split, kind=board, basis=basis, track=track,
        defaults=dict(n_rows=len(rows), n_teams=len({row["team"]["id"] for row in rows}), n_pages=len(chunks),
                      rows=rows, built_at=timezone.now()),
    )
    # Pages are replaced, never updated: a page id then names immutable content (see selectors.page_body).
    stored.pages.all().delete()
    older = sum(1 for row in rows if row.get("older_ground_truth"))
    LeaderboardPage.objects.bulk_create(
        LeaderboardPage(board=stored, number=number,
                        json=json.dumps(board_payload(split, basis=basis, track=track, rows=chunk, count=len(rows),
                                                      page=number, pages=len(chunks), older_ground_truth=older,
                                                      board=board),
                                        separators=(",", ":")))
        for number, chunk in enumerate(chunks, start=1)
    )
    boards_changed()
    return stored
