"""Writes that keep the materialized leaderboards current.

One door: every writer that changes what a split's boards show (scoring, rescoring,
moderation, entry edits, final entries, organizer settings, team names and bans) calls
`mark_dirty`, which counts a change on the split's `BoardBuild` row and says what changed
(`BoardChange`: one team's entries, or everything) in the writer's transaction, and wakes the
ranking workers when it commits. A worker's `rebuild_due_boards` then brings the split's boards
up to date (`_bring_up_to_date`) in one transaction: readers keep the previous boards until it
commits. Where a person must see their own change at once (an organizer's moderation, a team's
rename), the writer passes `now=True` and the same update runs in the request.

Most changes are one team's (a new score, a withdrawal, a moderation, a final choice, a ban):
the team's rows on each board are ranked again from its own entries alone (ranking.members),
compared with where they were (`BoardPlacement`), and only the rows that differ are taken out
and put back in the board's stored segments; the tests against the next entry and the ranks of
exact ties are set again where rows came or went (segments.SegmentedBoard). Positions, ranks
and tie groups are derived when a page is read, so nothing below the change is rewritten: the
cost grows with the change, not with the board. A change that moves everything (the year's
row or exclusion settings, the visibility or public subset, a new ground truth) ranks the whole
split again (`rebuild_leaderboard`), which is also the reference the incremental result is
checked against (tests/leaderboards/test_incremental_ranking.py).

A new score is also materialized by `record_entry` (one entry per scored submission, its
intervals computed once, its Ladder decision taken). Pages are assembled from the segments by
each process when first read (selectors). What a viewer may see is decided in challenge.policy.
`archives` publishes the final ranking once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from challenge import policy
from challenge.competition.models import GroundTruth, Split
from challenge.teams.models import Team
from submissions.leaderboards import evidence, ranking, segments, wakeup
from submissions.leaderboards.models import (
    Basis,
    BoardBuild,
    BoardChange,
    BoardPlacement,
    BoardSegment,
    LeaderboardBoard,
    LeaderboardEntry,
    Track,
)
from submissions.leaderboards.rendering import board_header, board_metrics_of, team_url, with_team_urls
from submissions.leaderboards.selectors import (
    board_index,
    boards_changed,
    candidates_of,
    remember_segments,
    segment_rows,
)
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


def settings_key(split: Split) -> str:
    """Everything but the teams' entries that a split's boards are ranked with: the boards it
    keeps (official, after the challenge), the year's row and exclusion settings, the bases and
    public subset, the task's metric and the current ground truth (which decides the rows marked
    as scored on an earlier one). Boards are updated team by team only under the settings they
    were last ranked with in full."""
    year, task = split.task.year, split.task
    current = _current_ground_truth(split)
    key = (f"boards={','.join(board_kinds(split, timezone.now()))};"
           f"rows={year.leaderboard_rows};excluded={year.excluded_display};bases={','.join(policy.bases_of(split))};"
           f"kind={task.kind};metric={task.primary_metric};ground_truth={current};"
           f"decimals={','.join(str(policy.score_decimals(split=split, basis=b)) for b in policy.bases_of(split))}")
    if policy.has_public_subset(split):
        key += _subset_key(split)
    return key


def _current_ground_truth(split: Split) -> int | None:
    if hasattr(split, "current_ground_truth_id"):  # read with the split (_split_to_rank)
        return split.current_ground_truth_id
    return GroundTruth.objects.filter(split=split, is_current=True).values_list("pk", flat=True).first()


def _split_to_rank(split_id: int) -> Split:
    """The split with its task, year and current ground truth, in one query."""
    current = GroundTruth.objects.filter(split=OuterRef("pk"), is_current=True).values("pk")[:1]
    return (Split.objects.select_related("task__year").annotate(current_ground_truth_id=Subquery(current))
            .get(pk=split_id))


def _incremental(split: Split) -> bool:
    # Categories won on a detection board are counted over every ranked entry: any new entry may
    # take classes from any other, so those boards are ranked whole (they hold hundreds of entries).
    return split.task.kind != split.task.Kind.DETECTION


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


def mark_dirty(*, splits: Iterable[Split | int], now: bool = False,
               teams: Iterable[Team | int] | None = None) -> None:
    """The one door to a board update: mark the boards of these splits (or split ids) as one
    change behind, so that a ranking worker updates them soon (woken when this commits); with
    `now`, update them here, through the same update, for a person who must see their own
    change at once. `teams` (teams or ids) says that only these teams' entries changed (a
    score, a moderation, a rename, a withdrawal, final entries, a ban): only their rows are
    ranked again. Without it anything may have changed and the split is ranked again whole.

    A writer that changes scores calls it first in its transaction: it takes each split's
    BoardBuild row lock, which an update holds while it runs, so the transaction waits for a
    running update before it holds anything else (a team row that an upload locks for its
    quota, the ledger's head), and its change counts for the next update.
    """
    ids = sorted({split if isinstance(split, int) else split.pk for split in splits})  # one lock order
    team_ids = None if teams is None else sorted({team if isinstance(team, int) else team.pk for team in teams})
    for split_id in ids:
        if not BoardBuild.objects.filter(split_id=split_id).update(changes=F("changes") + 1):
            BoardBuild.objects.bulk_create([BoardBuild(split_id=split_id)], ignore_conflicts=True)
            BoardBuild.objects.filter(split_id=split_id).update(changes=F("changes") + 1)
        BoardChange.objects.bulk_create([BoardChange(split_id=split_id, team_id=team)
                                         for team in (team_ids if team_ids is not None else [None])])
    wakeup.announce()
    if now:
        for split_id in ids:  # the update loads and locks each split itself
            _bring_up_to_date(split_id, whole=False)


def _lock_boards_of(split: Split) -> BoardBuild:
    """Inside a transaction: the split's BoardBuild row, locked until the commit, so that two
    updates of one split take turns and no score of it commits while one runs."""
    build = BoardBuild.objects.select_for_update().filter(split=split).first()
    if build is None:
        BoardBuild.objects.bulk_create([BoardBuild(split=split)], ignore_conflicts=True)
        build = BoardBuild.objects.select_for_update().get(split=split)
    return build


def rebuild_due_boards(*, coalesce: bool = True) -> bool:
    """The ranking worker's unit of work: update the boards of one split that has changes they
    do not show yet; False when there is none.

    With `coalesce`, a split whose boards were updated within LEADERBOARD_REBUILD_SECONDS (0 by
    default: none) waits, so that a burst of scores costs one update per window. The split is
    claimed with SELECT ... FOR UPDATE SKIP LOCKED and held until the update commits: two
    workers never update one split at once, and a worker that dies lets go of it. An update
    that raises anything but a database error is logged and tried again a window later; the
    split keeps its previous boards meanwhile, and the worker keeps scoring.
    """
    stale = BoardBuild.objects.filter(changes__gt=F("built_changes"))
    if coalesce and settings.LEADERBOARD_REBUILD_SECONDS:
        since = timezone.now() - timedelta(seconds=settings.LEADERBOARD_REBUILD_SECONDS)
        stale = stale.filter(Q(built_at__isnull=True) | Q(built_at__lte=since))
    if not stale.exists():  # the idle worker's question, asked without opening a transaction
        return False
    with transaction.atomic():
        build = (stale.select_for_update(skip_locked=True).only("split_id")
                 .order_by(F("built_at").asc(nulls_first=True)).first())
        if build is None:
            return False
        try:
            with transaction.atomic():
                _bring_up_to_date(build.split_id, whole=False)
        except DatabaseError:
            raise
        except Exception:
            # Fail safe, not in a crash loop (a worker that died here would stop all scoring).
            logger.exception("rebuilding the boards of split %s failed", build.split_id)
            BoardBuild.objects.filter(pk=build.pk).update(built_at=timezone.now())
    return True


def rebuild_leaderboard(*, split: Split) -> None:
    """Recompute the materialized leaderboard of one split from its current scores, whole: the
    reference the incremental updates are checked against, and what a change that moves every
    row needs.

    Entries follow each scored submission's current score; an entry whose stats were computed
    from anything else (another score, other bases, another public subset) is recomputed; the
    Ladder is replayed in submission order, and every board is re-ranked and stored, all in
    one transaction (readers see the previous boards until it commits) that holds the split's
    BoardBuild row. Idempotent; archives are never touched.
    """
    _bring_up_to_date(split.pk, whole=True)


def _bring_up_to_date(split_id: int, *, whole: bool) -> None:
    split = _split_to_rank(split_id)
    with transaction.atomic(savepoint=False):  # its caller's transaction, or its own
        build = _lock_boards_of(split)
        started = timezone.now()
        changes = list(BoardChange.objects.filter(split=split).values_list("pk", "team_id"))
        teams = {team for _, team in changes}
        key = settings_key(split)
        if whole or None in teams or build.ranked_with != key or not _incremental(split):
            logger.debug("split %s ranked whole (%s)", split.pk, "asked" if whole else "everything may have changed")
            _rank_whole(split)
        elif teams:
            logger.debug("split %s ranked again for %d team(s)", split.pk, len(teams))
            try:
                with transaction.atomic():
                    _rank_teams_again(split, teams)
            except segments.BoardInconsistent as exc:
                logger.error("the boards of split %s did not hold what their index said (%s): ranked whole",
                             split.pk, exc)
                _rank_whole(split)
        BoardChange.objects.filter(pk__in=[pk for pk, _ in changes]).delete()
        BoardBuild.objects.filter(pk=build.pk).update(built_changes=build.changes, built_at=started, ranked_with=key)


def _rank_whole(split: Split) -> None:
    current = _follow_current_scores(split)
    _replay_ladder(split=split, scores=current)
    build_boards(split=split)


def _follow_current_scores(split: Split, teams: Iterable[int] | None = None) -> dict[int, int]:
    """Make the split's entries (of these teams, when given) follow each scored submission's
    current score, recomputing the stats of those whose key differs; returns {submission id:
    current score id}. Reads ids only, and the per-image arrays of just the scores whose entries
    are recomputed."""
    scores = Score.objects.filter(submission__split=split, is_current=True, submission__status=Submission.Status.SCORED)
    entries = LeaderboardEntry.objects.filter(split=split)
    if teams is not None:
        scores = scores.filter(submission__team_id__in=list(teams))
        entries = entries.filter(team_id__in=list(teams))
    current = {submission_id: (score_id, team_id, created_at) for submission_id, score_id, team_id, created_at in
               scores.values_list("submission_id", "pk", "submission__team_id", "submission__created_at")}
    entries.exclude(submission_id__in=list(current)).delete()
    known = {submission_id: (pk, team_id, key) for pk, submission_id, team_id, key in
             entries.values_list("pk", "submission_id", "team_id", "stats_key")}
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


def _ladder_decision(*, entry: LeaderboardEntry, split: Split) -> bool:
    shown = (
        LeaderboardEntry.objects.filter(split=split, team_id=entry.team_id, ladder_accepted=True,
                                        submission__disqualified=False, submission__board=policy.Board.OFFICIAL)
        .exclude(pk=entry.pk).select_related("score").order_by("-submitted_at", "-pk").first()
    )
    return evidence.improves(entry.score, shown.score if shown else None, split=split)


def _replay_ladder(*, split: Split, scores: dict[int, int], teams: Iterable[int] | None = None) -> None:
    """Decide again, in submission order, which entries moved their team's shown Ladder score
    (`scores`: each submission's current score id), for every team or these. A team's Ladder
    depends on its own entries alone."""
    if not policy.is_ladder(split):
        return
    metric = split.task.primary_metric
    fields = ["pk", "images", "ground_truth_id", evidence.EVIDENCE_FIELDS[metric]]
    evidence_of = Score.objects.only(*fields).in_bulk(list(scores.values()))
    shown: dict[int, Score] = {}
    accepted = []
    # Only official entries take part in the Ladder; entries after the challenge are ranked on all images.
    entries = LeaderboardEntry.objects.filter(split=split, submission__board=policy.Board.OFFICIAL)
    if teams is not None:
        entries = entries.filter(team_id__in=list(teams))
    rows = entries.values_list("pk", "team_id", "submission_id", "submission__disqualified").order_by("submitted_at", "pk")
    for pk, team_id, submission_id, disqualified in rows:
        if disqualified:
            continue
        new = evidence_of[scores[submission_id]]
        if evidence.improves(new, shown.get(team_id), split=split):
            shown[team_id] = new
            accepted.append(pk)
    entries.update(ladder_accepted=False)
    LeaderboardEntry.objects.filter(pk__in=accepted).update(ladder_accepted=True)


def mark_ended_bans(*, at: datetime | None = None) -> int:
    """Mark for an update the teams whose ban ended since the last look (a ban that ends by
    itself has no writer to pass the one door); run by the workers' chores, in a few queries
    whatever the number of splits. Returns how many teams were marked."""
    at = at or timezone.now()
    builds = list(BoardBuild.objects.values_list("split_id", "split__task__year_id", "bans_checked_at"))
    if not builds:
        return 0
    looked = [checked for _, _, checked in builds]
    ended = Team.objects.filter(banned_until__lte=at, year_id__in={year for _, year, _ in builds})
    if None not in looked:
        ended = ended.filter(banned_until__gt=min(looked))
    by_year: dict[int, list[tuple[int, datetime]]] = {}
    for team, year, until in ended.values_list("pk", "year_id", "banned_until"):
        by_year.setdefault(year, []).append((team, until))
    marked: set[int] = set()
    for split_id, year, checked in builds:
        teams = [team for team, until in by_year.get(year, []) if checked is None or until > checked]
        if teams:
            mark_dirty(splits=[split_id], teams=teams)
            marked.update(teams)
    BoardBuild.objects.filter(split_id__in=[split_id for split_id, _, _ in builds]).update(bans_checked_at=at)
    return len(marked)


# ---------------------------------------------------------------- ranking

_pair_memo: dict[tuple, object] = {}  # ranking.PairedResult or scoring.PairedMapResult
# A worker lives for months; past this many pairs the memo starts over rather than grow.
_PAIR_MEMO_LIMIT = 200_000


def _paired_results(split: Split, basis: str, primary: str, pairs: list[tuple[int, int]]) -> list:
    """The test of score A against score B on the basis' images, for each (A, B) of `pairs`."""
    tested = _paired_results_by_basis(split, primary, [(basis, a, b) for a, b in pairs])
    return [tested[(basis, a, b)] for a, b in pairs]


def _paired_results_by_basis(split: Split, primary: str, wanted: list[tuple[str, int, int]]) -> dict:
    """{(basis, score A, score B): the test of A against B on the basis' images}; memoized per pair
    of scores (a score's bits never change), so a new score costs two or three tests, not a
    thousand, and the scores of the missing pairs are read in one query. The public subset is
    part of the key: an organizer may change its fraction or seed."""
    subset = (split.public_subset_fraction, split.public_subset_seed)
    keys = {(basis, a, b): (a, b, basis, primary, subset if basis in (Basis.PUBLIC, Basis.PRIVATE) else None)
            for basis, a, b in wanted}
    if len(_pair_memo) > _PAIR_MEMO_LIMIT:
        _pair_memo.clear()
    missing = {score for key in keys.values() if key not in _pair_memo for score in key[:2]}
    if missing:
        scores = {s.pk: s for s in Score.objects.filter(pk__in=missing).only(
            "pk", "images", "ground_truth", evidence.EVIDENCE_FIELDS[primary])}
        for (basis, a, b), key in keys.items():
            if key not in _pair_memo:
                _pair_memo[key] = evidence.paired(scores[a], scores[b], split=split, basis=basis, metric=primary)
    return {wanted_pair: _pair_memo[key] for wanted_pair, key in keys.items()}


def _paired_tests(split: Split, basis: str, primary: str):
    """Each ranked entry against the next, on the basis' images (ranking.PairedTests)."""

    def tests(ranked: list[ranking.Candidate]) -> list[ranking.PairedResult | None]:
        return _paired_results(split, basis, primary, [(a.score_id, b.score_id) for a, b in zip(ranked, ranked[1:])]) + [None]

    return tests


def rank_rows(*, split: Split, basis: str, track: str, at: datetime | None = None,
              candidates: list[ranking.Candidate] | None = None, board: str = policy.Board.OFFICIAL) -> list[dict]:
    """The ranked, rounded rows of one board (ranked entries first, then excluded ones).
    `candidates` (all of the split's entries on that board) may be passed in when ranking several
    boards. After the challenge there are no final entries: each team is shown by its best."""
    at = at or timezone.now()
    year, primary = split.task.year, split.task.primary_metric
    rows_mode = rows_mode_of(year, board)
    rows = ranking.rank(
        candidates if candidates is not None else candidates_of(split, at, board), basis=basis, track=track,
        rows_mode=rows_mode, excluded_display=year.excluded_display, primary=primary,
        metrics=board_metrics_of(split), paired_tests=_paired_tests(split, basis, primary),
        decimals=policy.score_decimals(split=split, basis=basis))
    return with_team_urls(rows)


def _rank_lines(split: Split, basis: str, track: str, candidates: list[ranking.Candidate], *, decimals: int,
                board: str):
    year, primary = split.task.year, split.task.primary_metric
    lines = ranking.rank_lines(candidates, basis=basis, track=track, rows_mode=rows_mode_of(year, board),
                               excluded_display=year.excluded_display, primary=primary, metrics=board_metrics_of(split),
                               paired_tests=_paired_tests(split, basis, primary), decimals=decimals)
    with_team_urls([row for _, row in lines])
    return lines


def rebuild_boards_of_changed_subsets() -> int:
    """Rebuild every public-subset split with entries computed on another subset than its own
    (after a migration drew new secret seeds, or a change made outside the organizer pages).
    Run by each score_pending pass; costs one query per public-subset split. Returns how many."""
    changed = [split for split in Split.objects.filter(policy.public_subset_splits()).select_related("task__year")
               if LeaderboardEntry.objects.filter(split=split).exclude(stats_key__endswith=_subset_key(split)).exists()]
    mark_dirty(splits=changed, now=True)
    return len(changed)


# ---------------------------------------------------------------- storage

_VOLATILE = ("better_than_next", "p_value_next", "_b")  # set from the rows around it, not the entry


def _digest(row: dict) -> str:
    """What a stored row shows of its own entry (its place and team, names, scores, marks)."""
    own = {name: value for name, value in row.items() if name not in _VOLATILE}
    return hashlib.blake2b(json.dumps(own, sort_keys=True, separators=(",", ":")).encode(), digest_size=8).hexdigest()


def _dumps(rows: list[dict]) -> str:
    return json.dumps(rows, separators=(",", ":"))


def build_boards(*, split: Split) -> None:
    """Rank and store every board of a split (official, and after the challenge; each basis it
    shows, each track), whole, and where each team's rows are (BoardPlacement). The official
    board's entries never include entries sent after the challenge, so their arrival leaves it
    as it was."""
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    now = timezone.now()
    kinds = board_kinds(split, now)
    # The frozen final board is written once by freeze_results and never rebuilt.
    kept = Q(basis=Basis.FINAL, kind=policy.Board.OFFICIAL)
    for kind in kinds:
        kept |= Q(kind=kind, basis__in=policy.bases_of(split, kind))
    LeaderboardBoard.objects.filter(split=split).exclude(kept).delete()
    primary = split.task.primary_metric
    placements: dict[int, dict[str, list]] = {}
    for kind in kinds:
        candidates = candidates_of(split, now, kind)
        for basis in policy.bases_of(split, kind):
            decimals = policy.score_decimals(split=split, basis=basis)
            for track in Track.values:
                stored = []
                for candidate, row in _rank_lines(split, basis, track, candidates, decimals=decimals, board=kind):
                    section = segments.RANKED if row["position"] is not None or row["is_baseline"] else segments.STRUCK
                    key = [section, *ranking.sort_key(candidate, basis, primary, decimals)]
                    stored.append(segments.stored_row(row, key=key, score_id=candidate.score_id))
                    placements.setdefault(candidate.team_id, {}).setdefault(
                        board_label(kind=kind, basis=basis, track=track), []).append(
                        [stored[-1]["_k"], _digest(stored[-1])])
                _store_whole(split=split, basis=basis, track=track, stored=stored, board=kind)
    BoardPlacement.objects.filter(split=split).delete()
    BoardPlacement.objects.bulk_create([BoardPlacement(split=split, team_id=team, rows=rows)
                                        for team, rows in placements.items()], batch_size=2000)


def store_board(*, split: Split, basis: str, track: str, rows: list[dict],
                board: str = policy.Board.OFFICIAL) -> LeaderboardBoard:
    """Store these ranked rows (as rank_rows gives them) as a split's board on a basis and track:
    the frozen final board, which is written once and never updated."""
    return _store_whole(split=split, basis=basis, track=track, stored=[segments.stored_row(row) for row in rows],
                        board=board)


def _store_whole(*, split: Split, basis: str, track: str, stored: list[dict],
                 board: str = policy.Board.OFFICIAL) -> LeaderboardBoard:
    board, _ = LeaderboardBoard.objects.get_or_create(split=split, kind=board, basis=basis, track=track)
    # Segments are replaced, never updated: a segment id names immutable content (see selectors.page_body).
    BoardSegment.objects.filter(board=board).delete()
    chunks = segments.chunked(stored, settings.LEADERBOARD_SEGMENT_ROWS)
    created = BoardSegment.objects.bulk_create([BoardSegment(board=board, rows=_dumps(chunk)) for chunk in chunks],
                                               batch_size=500)
    index = [segments.summarize(chunk, pk=segment.pk) for chunk, segment in zip(chunks, created)]
    _save_board(board, split=split, index=index, n_teams=len({row["team"]["id"] for row in stored}),
                top=segments.served(stored[0]) if stored else {})
    return board


def _save_board(board: LeaderboardBoard, *, split: Split, index: list[segments.SegmentInfo], n_teams: int,
                top: dict) -> None:
    totals = segments.totals(index)
    board.segments, board.n_rows, board.n_ranked = [info.to_json() for info in index], totals.n_rows, totals.n_ranked
    board.n_pages, board.n_older, board.n_teams, board.top = totals.n_pages, totals.n_older, n_teams, top
    board.header = board_header(split, basis=board.basis, track=board.track, board=board.kind)
    board.built_at = timezone.now()
    board.save(update_fields=["segments", "header", "n_rows", "n_ranked", "n_pages", "n_older", "n_teams", "top",
                              "built_at"])
    boards_changed()


# ---------------------------------------------------------------- one team's rows again

def _rank_teams_again(split: Split, teams: set[int]) -> None:
    """Rank again only these teams' rows on every board of the split (their entries changed).
    The boards' segments that the changes touch are read in one query, the scores of the tests
    against the next entry in another, and what changed is written in a few (whatever the
    number of boards). Raises segments.BoardInconsistent when a board does not hold what the
    placements say."""
    at = timezone.now()
    current = _follow_current_scores(split, teams=teams)
    _replay_ladder(split=split, scores=current, teams=teams)
    placements = {p.team_id: p for p in BoardPlacement.objects.filter(split=split, team_id__in=list(teams))}
    placed = {team: dict(placements[team].rows) if team in placements else {} for team in teams}
    boards = {(b.kind, b.basis, b.track): b for b in LeaderboardBoard.objects.filter(split=split).exclude(basis=Basis.FINAL)}
    edits = []
    ground_truth = _current_ground_truth(split)
    for kind in board_kinds(split, at):
        entries_of: dict[int, list[ranking.Candidate]] = {team: [] for team in teams}
        for candidate in candidates_of(split, at, kind, teams=teams, current_ground_truth=ground_truth):
            entries_of[candidate.team_id].append(candidate)
        for basis in policy.bases_of(split, kind):
            for track in Track.values:
                if (kind, basis, track) not in boards:
                    raise segments.BoardInconsistent(f"no {kind}:{basis}:{track} board")
                edit = _board_edit(split, boards[(kind, basis, track)], entries_of, placed)
                if edit is not None:
                    edits.append(edit)
    _write_edits(split, edits)
    gone = [team for team in teams if not placed[team]]
    BoardPlacement.objects.filter(split=split, team_id__in=gone).delete()
    moved = [placements[team] for team in teams if placed[team] and team in placements]
    for placement in moved:
        placement.rows = placed[placement.team_id]
    BoardPlacement.objects.bulk_update(moved, ["rows"])
    BoardPlacement.objects.bulk_create([BoardPlacement(split=split, team_id=team, rows=placed[team])
                                        for team in teams if placed[team] and team not in placements])


@dataclass
class _Edit:
    """One board's part of an update: the rows that go, the rows that come, how many more teams
    it shows, and the board being edited."""

    board: LeaderboardBoard
    removals: list[list]
    insertions: list[dict]
    teams_delta: int
    segmented: segments.SegmentedBoard

    @property
    def touched(self) -> list[list]:
        return [*self.removals, *(row["_k"] for row in self.insertions)]


def _board_edit(split: Split, board: LeaderboardBoard, entries_of: dict[int, list[ranking.Candidate]],
                placed: dict[int, dict]) -> _Edit | None:
    """What these teams' rows change on one board (None: nothing); updates `placed`."""
    year, primary, metrics = split.task.year, split.task.primary_metric, board_metrics_of(split)
    label = board_label(kind=board.kind, basis=board.basis, track=board.track)
    decimals = policy.score_decimals(split=split, basis=board.basis)
    removals, insertions, teams_delta = [], [], 0
    for team in sorted(entries_of):
        ranked, baselines, struck = ranking.members(
            entries_of[team], basis=board.basis, track=board.track, rows_mode=rows_mode_of(year, board.kind),
            excluded_display=year.excluded_display, primary=primary)
        activity = ranking.team_activity(entries_of[team], track=board.track)
        rows = [_team_row(c, section, basis=board.basis, primary=primary, metrics=metrics, decimals=decimals,
                          activity=activity[team])
                for section, group in ((segments.RANKED, ranked), (segments.RANKED, baselines),
                                       (segments.STRUCK, struck)) for c in group]
        new = [[row["_k"], _digest(row)] for row in rows]
        old = placed[team].get(label, [])
        kept_new = {(tuple(key), digest) for key, digest in new}
        kept_old = {(tuple(key), digest) for key, digest in old}
        removals += [key for key, digest in old if (tuple(key), digest) not in kept_new]
        insertions += [row for row, (key, digest) in zip(rows, new) if (tuple(key), digest) not in kept_old]
        teams_delta += bool(new) - bool(old)
        if new:
            placed[team][label] = new
        else:
            placed[team].pop(label, None)
    if not (removals or insertions):
        return None
    segmented = segments.SegmentedBoard(board_index(board), segment_rows,
                                        rows_per_segment=settings.LEADERBOARD_SEGMENT_ROWS)
    return _Edit(board=board, removals=removals, insertions=insertions, teams_delta=teams_delta, segmented=segmented)


def board_label(*, kind: str, basis: str, track: str) -> str:
    """How BoardPlacement names a board of the split."""
    return f"{kind}:{basis}:{track}"


def board_kinds(split: Split, at: datetime) -> list[str]:
    """The boards a split keeps at `at` (policy.boards_of), and the post-challenge one whenever
    it holds entries."""
    return list(dict.fromkeys([*policy.boards_of(split, at), *Submission.objects.filter(
        split=split, board=policy.Board.POST_CHALLENGE).values_list("board", flat=True)[:1]]))


def rows_mode_of(year, kind: str) -> str:
    """Which rows a board of this kind shows per team: the year's choice; after the challenge
    there are no final entries, so each team is shown by its best there."""
    if kind == policy.Board.POST_CHALLENGE and year.leaderboard_rows == year.LeaderboardRows.FINAL_PER_TEAM:
        return year.LeaderboardRows.BEST_PER_TEAM
    return year.leaderboard_rows


def _team_row(candidate: ranking.Candidate, section: int, *, basis: str, primary: str, metrics: list[str],
              decimals: int, activity: dict) -> dict:
    row = ranking.board_row(candidate, basis, metrics, primary=primary, decimals=decimals)
    row["team"]["url"] = team_url(candidate.team_id)
    row.update(activity)
    stored = segments.stored_row(row, key=[section, *ranking.sort_key(candidate, basis, primary, decimals)],
                                 score_id=candidate.score_id)
    if section == segments.RANKED and not candidate.is_baseline:
        stored["_b"] = 0  # a ranked row; its true count of equal scores before it is set in place
    return stored


def _write_edits(split: Split, edits: list[_Edit]) -> None:
    """Apply each board's edit to its segments: take the rows out, put the new ones in, set the
    ranks of exact ties and the tests against the next entry again where rows came or went;
    then write the segments that changed (new ids) and each board's index."""
    wanted = [pk for edit in edits for pk in edit.segmented.wanted(edit.touched)]
    read = segment_rows(wanted)
    pairs_of = []
    for edit in edits:
        edit.segmented.give(read)
        for key in edit.removals:
            edit.segmented.remove(key)
        for row in edit.insertions:
            edit.segmented.insert(row)
        for value in sorted({key[1] for key in edit.touched if key[0] == segments.RANKED}):
            edit.segmented.renumber_ties(value)
        pairs_of.append(edit.segmented.pairs_to_test(edit.touched))
    primary = split.task.primary_metric

    def tests_next(edit: _Edit, following: dict | None) -> bool:
        # A Ladder board runs no test on its images (ranking.rank): its rows say nothing of the next.
        return following is not None and edit.board.basis != Basis.LADDER

    tested = _paired_results_by_basis(split, primary, [
        (edit.board.basis, row["_s"], following["_s"])
        for edit, pairs in zip(edits, pairs_of) for row, following in pairs if tests_next(edit, following)])
    for edit, pairs in zip(edits, pairs_of):
        for row, following in pairs:
            test = tested[(edit.board.basis, row["_s"], following["_s"])] if tests_next(edit, following) else None
            edit.segmented.set_test(row, ranking.test_fields(test))
    finished = [edit.segmented.finish() for edit in edits]
    fresh = [(edit, segment) for edit, (ordered, _) in zip(edits, finished) for segment in ordered
             if segment.info.pk is None]
    created = BoardSegment.objects.bulk_create([BoardSegment(board=edit.board, rows=_dumps(segment.rows))
                                                for edit, segment in fresh])
    for (_, segment), stored in zip(fresh, created):
        segment.info.pk = stored.pk
    remember_segments({segment.info.pk: segment.rows for _, segment in fresh})
    BoardSegment.objects.filter(pk__in=[pk for _, replaced in finished for pk in replaced]).delete()
    for edit, (ordered, _) in zip(edits, finished):
        top = edit.board.top
        if not ordered:
            top = {}
        elif ordered[0].dirty:  # written again: its first row may be another
            top = segments.served(ordered[0].rows[0])
        _save_board(edit.board, split=split, index=[segment.info for segment in ordered],
                    n_teams=edit.board.n_teams + edit.teams_delta, top=top)

