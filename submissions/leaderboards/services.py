"""Writes that keep the materialized leaderboards current. Every writer (scoring, rescoring,
moderation, final entries, organizer settings, the admin) goes through `record_entry` or
`rebuild_leaderboard`; what a viewer may see is decided in `selectors`.

The path: `record_entry` runs inside record_score's transaction (one entry per scored
submission, its intervals computed once, its Ladder decision taken), then `build_boards`
re-ranks the split and stores every board pre-rendered (HTML rows and JSON, in pages).
Pages and the API only read one stored page. `archives` publishes the final ranking once.
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from challenge.models import Split
from submissions.leaderboards import evidence, ranking
from submissions.leaderboards.models import Basis, LeaderboardBoard, LeaderboardEntry, LeaderboardPage, Track
from submissions.leaderboards.rendering import PAGE_SIZE, board_payload, metrics_of, render_rows, with_team_urls
from submissions.leaderboards.selectors import bases_of, boards_changed
from submissions.models import Score, Submission


def stats_key(*, score: Score, split: Split) -> str:
    """What an entry's stats are computed from; a rebuild recomputes them when it changes."""
    key = f"score={score.pk};bases={','.join(bases_of(split))}"
    if split.visibility == Split.Visibility.PUBLIC_SUBSET:
        key += _subset_key(split)
    return key


def _subset_key(split: Split) -> str:
    return f";subset={split.public_subset_fraction!r}:{split.public_subset_seed}"


# ---------------------------------------------------------------- writes

def record_entry(*, submission: Submission, score: Score) -> LeaderboardEntry:
    """Materialize a newly recorded score and re-rank its split. Call inside the transaction
    that records the score, so the boards never disagree with the scores."""
    split = Split.objects.select_related("task__year").get(pk=submission.split_id)
    entry, created = LeaderboardEntry.objects.update_or_create(
        submission=submission,
        defaults=dict(split=split, score=score, team_id=submission.team_id, submitted_at=submission.created_at,
                      stats=evidence.entry_stats(score=score, split=split), stats_key=stats_key(score=score, split=split),
                      updated_at=timezone.now()),
    )
    if created and split.visibility == Split.Visibility.LADDER:
        entry.ladder_accepted = _ladder_decision(entry=entry, split=split)
        entry.save(update_fields=["ladder_accepted"])
    build_boards(split=split)
    return entry


def _ladder_decision(*, entry: LeaderboardEntry, split: Split) -> bool:
    shown = (
        LeaderboardEntry.objects.filter(split=split, team_id=entry.team_id, ladder_accepted=True,
                                        submission__disqualified=False)
        .exclude(pk=entry.pk).select_related("score").order_by("-submitted_at", "-pk").first()
    )
    return evidence.improves(entry.score, shown.score if shown else None, split=split)


def rebuild_leaderboard(*, split: Split) -> None:
    """Recompute the materialized leaderboard of one split from its current scores: the one
    entry point for every writer that changes what boards show.

    Entries follow each scored submission's current score; an entry whose stats were computed
    from anything else (another score, other bases, another public subset) is recomputed; the
    Ladder is replayed in submission order, and every board is re-rendered. Idempotent;
    archives are never touched.
    """
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    with transaction.atomic():
        current = {
            score.submission_id: score
            for score in Score.objects.filter(submission__split=split, is_current=True,
                                              submission__status=Submission.Status.SCORED)
            .select_related("submission")
        }
        LeaderboardEntry.objects.filter(split=split).exclude(submission_id__in=list(current)).delete()
        entries = {e.submission_id: e for e in LeaderboardEntry.objects.filter(split=split).defer("stats")}
        created, changed = [], []
        for submission_id, score in current.items():
            entry, key = entries.get(submission_id), stats_key(score=score, split=split)
            if entry is not None and entry.stats_key == key and entry.team_id == score.submission.team_id:
                continue
            entry = entry or LeaderboardEntry(split=split, submission_id=submission_id)
            entry.score, entry.team_id, entry.submitted_at = score, score.submission.team_id, score.submission.created_at
            entry.stats, entry.stats_key, entry.updated_at = evidence.entry_stats(score=score, split=split), key, timezone.now()
            (changed if entry.pk else created).append(entry)
        LeaderboardEntry.objects.bulk_create(created, batch_size=1000)
        LeaderboardEntry.objects.bulk_update(
            changed, ["score", "team", "submitted_at", "stats", "stats_key", "updated_at"], batch_size=1000)
        _replay_ladder(split=split, scores=current)
        build_boards(split=split)


def rebuild_boards_of_changed_subsets() -> int:
    """Rebuild every public-subset split with entries computed on another subset than its own
    (after a migration drew new secret seeds, or a change made outside the organizer pages).
    Run by each score_pending pass; costs one query per public-subset split. Returns how many."""
    rebuilt = 0
    for split in Split.objects.filter(visibility=Split.Visibility.PUBLIC_SUBSET):
        if LeaderboardEntry.objects.filter(split=split).exclude(stats_key__endswith=_subset_key(split)).exists():
            rebuild_leaderboard(split=split)
            rebuilt += 1
    return rebuilt


def rebuild_leaderboards(*, splits) -> None:
    """rebuild_leaderboard for each split (a year's settings, a team's name or ban)."""
    for split in splits:
        rebuild_leaderboard(split=split)


def _replay_ladder(*, split: Split, scores: dict[int, Score]) -> None:
    if split.visibility != Split.Visibility.LADDER:
        return
    shown: dict[int, Score] = {}
    accepted = []
    rows = LeaderboardEntry.objects.filter(split=split).values_list(
        "pk", "team_id", "submission_id", "submission__disqualified").order_by("submitted_at", "pk")
    for pk, team_id, submission_id, disqualified in rows:
        if disqualified:
            continue
        if evidence.improves(scores[submission_id], shown.get(team_id), split=split):
            shown[team_id] = scores[submission_id]
            accepted.append(pk)
    LeaderboardEntry.objects.filter(split=split).update(ladder_accepted=False)
    LeaderboardEntry.objects.filter(pk__in=accepted).update(ladder_accepted=True)


# ---------------------------------------------------------------- ranking

def candidates_of(split: Split, at: datetime) -> list[ranking.Candidate]:
    """Every materialized entry of the split, with the moderation and ban state at `at`."""
    fields = ("pk", "score_id", "team_id", "team__name", "team__banned_until", "team__ban_reason",
              "submission__entry_name", "submitted_at", "submission__external_data", "submission__is_final",
              "ladder_accepted", "stats", "submission__disqualified", "submission__disqualified_reason",
              "submission__not_comparable", "submission__not_comparable_reason", "submission__description")
    out = []
    # An entry its team withdrew (validation only) is on no board; it stays everywhere else.
    for row in LeaderboardEntry.objects.filter(split=split, submission__withdrawn=False).values_list(*fields):
        (pk, score_id, team_id, team_name, banned_until, ban_reason, entry_name, submitted_at, external,
         is_final, ladder, stats, dq, dq_reason, nc, nc_reason, description) = row
        reason = ""
        if dq:
            reason = f"Disqualified: {dq_reason or 'no reason given'}"
        elif banned_until is not None and at < banned_until:
            reason = f"Team banned: {ban_reason or 'no reason given'}"
        out.append(ranking.Candidate(pk, score_id, team_id, team_name, entry_name, submitted_at, external, is_final,
                                     ladder, stats, reason, dq, (nc_reason or "not directly comparable") if nc else None,
                                     description))
    return out


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
              candidates: list[ranking.Candidate] | None = None) -> list[dict]:
    """The ranked, rounded rows of one board (ranked entries first, then excluded ones).
    `candidates` (all of the split's entries) may be passed in when ranking several boards."""
    at = at or timezone.now()
    year, primary = split.task.year, split.task.primary_metric
    rows = ranking.rank(
        candidates if candidates is not None else candidates_of(split, at), basis=basis, track=track,
        rows_mode=year.leaderboard_rows, excluded_display=year.excluded_display, primary=primary,
        metrics=metrics_of(split), paired_tests=_paired_tests(split, basis, primary))
    return with_team_urls(rows)


# ---------------------------------------------------------------- storage

def build_boards(*, split: Split) -> None:
    """Rank and store every board of a split (each basis it shows, each track), pre-rendered."""
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    # The frozen final board is written once by freeze_results and never rebuilt.
    LeaderboardBoard.objects.filter(split=split).exclude(basis__in=[*bases_of(split), Basis.FINAL]).delete()
    candidates = candidates_of(split, timezone.now())
    for basis in bases_of(split):
        for track in Track.values:
            rows = rank_rows(split=split, basis=basis, track=track, candidates=candidates)
            store_board(split=split, basis=basis, track=track, rows=rows)


def store_board(*, split: Split, basis: str, track: str, rows: list[dict]) -> LeaderboardBoard:
    metrics = metrics_of(split)
    chunks = [rows[i:i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
    board, _ = LeaderboardBoard.objects.update_or_create(
        split=split, basis=basis, track=track,
        defaults=dict(n_rows=len(rows), n_teams=len({row["team"]["id"] for row in rows}), n_pages=len(chunks),
                      rows=rows, built_at=timezone.now()),
    )
    # Pages are replaced, never updated: a page id then names immutable content (see selectors.page_body).
    board.pages.all().delete()
    LeaderboardPage.objects.bulk_create(
        LeaderboardPage(board=board, number=number, html=render_rows(chunk, metrics),
                        json=json.dumps(board_payload(split, basis=basis, track=track, rows=chunk, count=len(rows),
                                                      page=number, pages=len(chunks)), separators=(",", ":")))
        for number, chunk in enumerate(chunks, start=1)
    )
    boards_changed()
    return board
