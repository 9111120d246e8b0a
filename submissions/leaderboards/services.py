"""Services that keep the materialized leaderboards current (what a viewer may see is decided
in leaderboard_selectors).

The path: `record_entry` runs inside record_score's transaction (one entry per scored
submission, its intervals computed once, its Ladder decision taken), then `build_boards`
re-ranks the split and stores every board pre-rendered (HTML rows and JSON, in pages).
Pages and the API only read one stored page. `rebuild_leaderboard` redoes all of it after
moderation or a ground-truth change; `submissions.archives` publishes the final ranking once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from challenge.models import ChallengeYear, Split
from challenge.roles import is_organizer
from submissions import statistics as st
from submissions.models import (
    LeaderboardBoard,
    LeaderboardEntry,
    LeaderboardPage,
    Score,
    Submission,
)

Basis = LeaderboardEntry.Basis
Track = LeaderboardEntry.Track
PAGE_SIZE = 100
DECIMALS = 5

METRICS_BY_KIND = {
    "classification": ["top5_error", "top1_error"],
    "localization": ["localization_error", "top5_error"],
    "hierarchical": ["hierarchical_error", "top5_error"],
}
METRIC_LABELS = {
    "top5_error": "Top-5 error",
    "top1_error": "Top-1 error",
    "localization_error": "Localization error",
    "hierarchical_error": "Hierarchical error (mean LCA height)",
}


def rounded(value: float | None) -> float | None:
    """Scores are published rounded to 5 decimals (as ILSVRC did), everywhere."""
    return None if value is None else round(float(value), DECIMALS)


def metrics_of(split: Split) -> list[str]:
    return METRICS_BY_KIND[split.task.kind]


def ranking_rule(split: Split) -> str:
    primary = METRIC_LABELS[split.task.primary_metric].lower()
    return (
        f"Ranked by {primary}, lower is better, rounded to {DECIMALS} decimals. Entries whose rounded "
        "scores are equal share a rank and the earlier submission is listed first. Brackets give the "
        "95% bootstrap confidence interval over images. Each entry says whether it is significantly "
        "better than the next (McNemar's paired test on per-image correctness, p < 0.05); entries "
        "that are not are grouped as statistically tied."
    )


# ---------------------------------------------------------------- per-image losses and stats

# The Score field holding each metric's per-image values: packed correctness bits, or LCA heights.
LOSS_FIELDS = {
    "top5_error": "top5_bits",
    "top1_error": "top1_bits",
    "localization_error": "localization_bits",
    "hierarchical_error": "hierarchical_costs",
}


def losses_of(score: Score, metric: str) -> np.ndarray:
    """Per-image losses of one metric (0/1 errors, or LCA heights), from the packed arrays."""
    if metric not in LOSS_FIELDS:
        raise ValueError(f"unknown metric {metric}")
    packed = getattr(score, LOSS_FIELDS[metric])
    if metric == "hierarchical_error":
        return st.unpack_values(packed, score.images)
    return (~st.unpack_bits(packed, score.images)).astype(np.int64)


def subset_mask(split: Split, n: int) -> np.ndarray:
    return st.public_subset_mask(n, seed=split.public_subset_seed, fraction=split.public_subset_fraction)


def bases_of(split: Split) -> list[str]:
    bases = [Basis.ALL]
    if split.visibility == Split.Visibility.PUBLIC_SUBSET:
        bases += [Basis.PUBLIC, Basis.PRIVATE]
    if split.visibility == Split.Visibility.LADDER:
        bases.append(Basis.LADDER)
    return bases


def entry_stats(*, score: Score, split: Split) -> dict:
    """{basis: {metric: [value, ci_low, ci_high]}} for the image sets this split shows."""
    stats: dict[str, dict] = {Basis.ALL: {}}
    mask = subset_mask(split, score.images) if split.visibility == Split.Visibility.PUBLIC_SUBSET else None
    if mask is not None:
        stats[Basis.PUBLIC], stats[Basis.PRIVATE] = {}, {}
    for metric in metrics_of(split):
        if getattr(score, metric) is None:
            continue
        losses = losses_of(score, metric)
        stats[Basis.ALL][metric] = [getattr(score, metric), *st.bootstrap_ci(losses)]
        if mask is not None:
            for basis, part in ((Basis.PUBLIC, losses[mask]), (Basis.PRIVATE, losses[~mask])):
                stats[basis][metric] = [float(part.mean()), *st.bootstrap_ci(part)]
    return stats


# ---------------------------------------------------------------- writes

def record_entry(*, submission: Submission, score: Score) -> LeaderboardEntry:
    """Materialize a newly recorded score and re-rank its split. Call inside the transaction
    that records the score, so the boards never disagree with the scores."""
    split = Split.objects.select_related("task__year").get(pk=submission.split_id)
    entry, created = LeaderboardEntry.objects.update_or_create(
        submission=submission,
        defaults=dict(split=split, score=score, team_id=submission.team_id, submitted_at=submission.created_at,
                      stats=entry_stats(score=score, split=split), updated_at=timezone.now()),
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
    metric = split.task.primary_metric
    shown_losses = losses_of(shown.score, metric) if shown else None
    return st.ladder_accepts(losses_of(entry.score, metric), shown_losses)


def rebuild_leaderboard(*, split: Split) -> None:
    """Recompute the materialized leaderboard of one split from its current scores.

    Called after moderation (disqualify, not comparable, ban) and ground-truth replacement:
    entries follow each scored submission's current score, the Ladder is replayed in
    submission order, and every board is re-rendered. Idempotent; archives are never touched.
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
        entries = {e.submission_id: e for e in LeaderboardEntry.objects.filter(split=split)}
        wanted = {stats_basis(basis) for basis in bases_of(split)}  # the Ladder reads the stats on all images
        created, changed = [], []
        for submission_id, score in current.items():
            entry = entries.get(submission_id)
            if entry and entry.score_id == score.pk and wanted <= set(entry.stats):
                continue
            entry = entry or LeaderboardEntry(split=split, submission_id=submission_id)
            entry.score, entry.team_id, entry.submitted_at = score, score.submission.team_id, score.submission.created_at
            entry.stats, entry.updated_at = entry_stats(score=score, split=split), timezone.now()
            (changed if entry.pk else created).append(entry)
        LeaderboardEntry.objects.bulk_create(created, batch_size=1000)
        LeaderboardEntry.objects.bulk_update(changed, ["score", "team", "submitted_at", "stats", "updated_at"],
                                             batch_size=1000)
        _replay_ladder(split=split, scores=current)
        build_boards(split=split)


def _replay_ladder(*, split: Split, scores: dict[int, Score]) -> None:
    if split.visibility != Split.Visibility.LADDER:
        return
    metric = split.task.primary_metric
    shown: dict[int, np.ndarray] = {}
    accepted = []
    rows = LeaderboardEntry.objects.filter(split=split).values_list(
        "pk", "team_id", "submission_id", "submission__disqualified").order_by("submitted_at", "pk")
    for pk, team_id, submission_id, disqualified in rows:
        if disqualified:
            continue
        losses = losses_of(scores[submission_id], metric)
        if st.ladder_accepts(losses, shown.get(team_id)):
            shown[team_id] = losses
            accepted.append(pk)
    LeaderboardEntry.objects.filter(split=split).update(ladder_accepted=False)
    LeaderboardEntry.objects.filter(pk__in=accepted).update(ladder_accepted=True)


# ---------------------------------------------------------------- ranking

@dataclass
class _Candidate:
    entry_id: int
    score_id: int
    team_id: int
    team_name: str
    entry_name: str
    submitted_at: datetime
    external_data: bool
    is_final: bool
    ladder_accepted: bool
    stats: dict
    excluded_reason: str
    disqualified: bool
    not_comparable_reason: str | None


def _candidates(split: Split, at: datetime) -> list[_Candidate]:
    fields = ("pk", "score_id", "team_id", "team__name", "team__banned_until", "team__ban_reason",
              "submission__entry_name", "submitted_at", "submission__external_data", "submission__is_final",
              "ladder_accepted", "stats", "submission__disqualified", "submission__disqualified_reason",
              "submission__not_comparable", "submission__not_comparable_reason")
    out = []
    for row in LeaderboardEntry.objects.filter(split=split).values_list(*fields):
        (pk, score_id, team_id, team_name, banned_until, ban_reason, entry_name, submitted_at, external,
         is_final, ladder, stats, dq, dq_reason, nc, nc_reason) = row
        reason = ""
        if dq:
            reason = f"Disqualified: {dq_reason or 'no reason given'}"
        elif banned_until is not None and at < banned_until:
            reason = f"Team banned: {ban_reason or 'no reason given'}"
        out.append(_Candidate(pk, score_id, team_id, team_name, entry_name, submitted_at, external, is_final,
                              ladder, stats, reason, dq, (nc_reason or "not directly comparable") if nc else None))
    return out


def _in_track(candidate: _Candidate, track: str) -> bool:
    return track == Track.COMBINED or candidate.external_data == (track == Track.OUTSIDE)


def _select(candidates: list[_Candidate], *, basis: str, rows_mode: str, primary: str) -> list[_Candidate]:
    """Which entries appear: per team its best, its final ones, its Ladder-shown one, or all."""
    candidates = [c for c in candidates if c.stats.get(stats_basis(basis), {}).get(primary)]
    if basis == Basis.LADDER:
        shown: dict[int, _Candidate] = {}
        for c in sorted(candidates, key=lambda c: (c.submitted_at, c.entry_id)):
            if c.ladder_accepted:
                shown[c.team_id] = c
        return list(shown.values())
    if rows_mode == ChallengeYear.LeaderboardRows.ALL_ENTRIES:
        return candidates
    by_team: dict[int, list[_Candidate]] = {}
    for c in candidates:
        by_team.setdefault(c.team_id, []).append(c)
    chosen = []
    for team_entries in by_team.values():
        finals = [c for c in team_entries if c.is_final]
        if rows_mode == ChallengeYear.LeaderboardRows.FINAL_PER_TEAM and finals:
            chosen.extend(finals)
        else:  # best per team; a team that selected no final entries is shown by its best (as Kaggle does)
            chosen.append(min(team_entries, key=_order(basis, primary)))
    return chosen


def _order(basis: str, primary: str):
    """The board's order: rounded primary score, then the earlier submission."""
    return lambda c: (key_value(c, basis, primary), c.submitted_at, c.entry_id)


def stats_basis(basis: str) -> str:
    return Basis.ALL if basis == Basis.LADDER else basis


def key_value(c: _Candidate, basis: str, primary: str) -> float:
    return rounded(c.stats[stats_basis(basis)][primary][0])


_pair_memo: dict[tuple, st.PairedResult] = {}
# A worker lives for months; past this many pairs the memo starts over rather than grow.
_PAIR_MEMO_LIMIT = 200_000


def _paired_results(split: Split, ranked: list[_Candidate], basis: str, primary: str) -> list:
    """Each ranked entry against the next, on the basis' images; memoized per pair of scores
    (a score's bits never change), so a new score costs two or three tests, not a thousand.
    The public subset is part of the key: an organizer may change its fraction or seed."""
    subset = (split.public_subset_fraction, split.public_subset_seed) if basis in (Basis.PUBLIC, Basis.PRIVATE) else None
    pairs = [(a.score_id, b.score_id, basis, primary, subset) for a, b in zip(ranked, ranked[1:])]
    if len(_pair_memo) > _PAIR_MEMO_LIMIT:
        _pair_memo.clear()
    missing = {sid for a, b, *_ in pairs if (a, b, basis, primary, subset) not in _pair_memo for sid in (a, b)}
    if missing:
        scores = Score.objects.filter(pk__in=missing).only("pk", "images", LOSS_FIELDS[primary])
        losses = {s.pk: losses_of(s, primary) for s in scores}
        mask = None
        for pair in pairs:
            if pair in _pair_memo:
                continue
            a, b = pair[0], pair[1]
            la, lb = losses[a], losses[b]
            if basis in (Basis.PUBLIC, Basis.PRIVATE):
                mask = subset_mask(split, la.size) if mask is None or mask.size != la.size else mask
                part = mask if basis == Basis.PUBLIC else ~mask
                la, lb = la[part], lb[part]
            _pair_memo[pair] = st.paired_test(la, lb)
    return [_pair_memo[p] for p in pairs] + [None]


def rank_rows(*, split: Split, basis: str, track: str, at: datetime | None = None,
              candidates: list[_Candidate] | None = None) -> list[dict]:
    """The ranked, rounded rows of one board (ranked entries first, then excluded ones).
    `candidates` (all of the split's entries) may be passed in when ranking several boards."""
    at = at or timezone.now()
    year, primary, metrics = split.task.year, split.task.primary_metric, metrics_of(split)
    everything = [c for c in (candidates if candidates is not None else _candidates(split, at)) if _in_track(c, track)]
    rows_mode = year.leaderboard_rows
    shown = _select([c for c in everything if not c.disqualified], basis=basis, rows_mode=rows_mode, primary=primary)
    ranked = sorted((c for c in shown if not c.excluded_reason), key=_order(basis, primary))
    excluded = []
    if year.excluded_display == ChallengeYear.ExcludedDisplay.STRUCK:
        struck = [c for c in shown if c.excluded_reason]
        struck += [c for c in _select(everything, basis=basis, rows_mode=rows_mode, primary=primary) if c.disqualified]
        excluded = sorted(struck, key=_order(basis, primary))
    tests = _paired_results(split, ranked, basis, primary)
    groups = st.tie_groups([bool(t and t.a_significantly_better) for t in tests[:-1]] + [False])
    members: dict[int, list[int]] = {}
    for position, group in enumerate(groups, start=1):
        members.setdefault(group, []).append(position)
    rows, rank, previous = [], 0, None
    for position, (c, test, group) in enumerate(zip(ranked, tests, groups), start=1):
        value = key_value(c, basis, primary)
        if value != previous:
            rank, previous = position, value
        rows.append(_row(c, basis, metrics, position=position, rank=rank, test=test, group=group,
                         tied_with=[members[group][0], members[group][-1]] if len(members[group]) > 1 else None))
    for c in excluded:
        rows.append(_row(c, basis, metrics, position=None, rank=None, test=None, group=None, tied_with=None))
    return rows


def _row(c: _Candidate, basis: str, metrics: list[str], *, position, rank, test, group, tied_with) -> dict:
    values = c.stats[stats_basis(basis)]
    return {
        "position": position,
        "rank": rank,
        "team": {"id": c.team_id, "name": c.team_name, "url": reverse("teams:detail", args=[c.team_id])},
        "entry": c.entry_name,
        "submitted_at": c.submitted_at.isoformat(),
        "outside_data": c.external_data,
        "scores": {
            m: {"value": rounded(values[m][0]), "ci_low": rounded(values[m][1]), "ci_high": rounded(values[m][2])}
            for m in metrics if m in values
        },
        "better_than_next": None if test is None else test.a_significantly_better,
        "p_value_next": None if test is None else rounded(test.p_value),
        "tie_group": group,
        "tied_with": tied_with,
        "not_comparable": c.not_comparable_reason,
        "excluded": c.excluded_reason or None,
    }


# ---------------------------------------------------------------- rendering and storage

def render_rows(rows: list[dict], metrics: list[str]) -> str:
    shaped = [{**row, "cells": [row["scores"].get(m) for m in metrics],
               "when": datetime.fromisoformat(row["submitted_at"]).strftime("%Y-%m-%d %H:%M UTC")} for row in rows]
    return render_to_string("leaderboards/_rows.html", {"rows": shaped, "labels": [METRIC_LABELS[m] for m in metrics]})


def build_boards(*, split: Split) -> None:
    """Rank and store every board of a split (each basis it shows, each track), pre-rendered."""
    split = Split.objects.select_related("task__year").get(pk=split.pk)
    # The frozen final board is written once by freeze_results and never rebuilt.
    LeaderboardBoard.objects.filter(split=split).exclude(basis__in=[*bases_of(split), Basis.FINAL]).delete()
    candidates = _candidates(split, timezone.now())
    for basis in bases_of(split):
        for track in Track.values:
            rows = rank_rows(split=split, basis=basis, track=track, candidates=candidates)
            store_board(split=split, basis=basis, track=track, rows=rows)


def store_board(*, split: Split, basis: str, track: str, rows: list[dict]) -> LeaderboardBoard:
    metrics = metrics_of(split)
    chunks = [rows[i:i + PAGE_SIZE] for i in range(0, len(rows), PAGE_SIZE)] or [[]]
    board, _ = LeaderboardBoard.objects.update_or_create(
        split=split, basis=basis, track=track,
        defaults=dict(n_rows=len(rows), n_pages=len(chunks), rows=rows, built_at=timezone.now()),
    )
    # Pages are replaced, never updated: a page id then names immutable content (see page_body).
    board.pages.all().delete()
    LeaderboardPage.objects.bulk_create(
        LeaderboardPage(board=board, number=number, html=render_rows(chunk, metrics),
                        json=json.dumps(board_payload(split, basis=basis, track=track, rows=chunk, count=len(rows),
                                                      page=number, pages=len(chunks)), separators=(",", ":")))
        for number, chunk in enumerate(chunks, start=1)
    )
    return board


def board_payload(split: Split, *, basis: str | None, track: str, rows: list, count: int | None = None,
                  page: int = 1, pages: int = 1, frozen: bool | None = None) -> dict:
    """The JSON body of one board page (API), of an empty board, and of an archive's export."""
    return {
        "frozen": basis == Basis.FINAL if frozen is None else frozen, "year": split.task.year.slug,
        "task": split.task.slug, "split": split.name, "track": track, "basis": basis,
        "primary_metric": split.task.primary_metric, "count": len(rows) if count is None else count,
        "page": page, "pages": pages, "rule": ranking_rule(split), "entries": rows,
    }


# ---------------------------------------------------------------- the results date

def final_basis(split: Split) -> str:
    """The images the final ranking is computed on: the hidden rest for a public-subset split."""
    return Basis.PRIVATE if split.visibility == Split.Visibility.PUBLIC_SUBSET else Basis.ALL


# ---------------------------------------------------------------- what a viewer may see

def viewer_basis(*, split: Split, user, at: datetime | None = None) -> tuple[str | None, str]:
    """Which board this viewer may see, and why. Organizers always see raw scores on all images;
    everyone else follows the split's visibility rule until the results date."""
    if is_organizer(user):
        return Basis.ALL, "Organizer view: raw scores on all images, whatever the visibility rule."
    if split.task.year.results_are_out(at):
        # The frozen board once freeze_results has run; until then the live one on final_basis.
        return Basis.FINAL, "Final results."
    rule = split.visibility
    if rule == Split.Visibility.IMMEDIATE:
        return Basis.ALL, "Scores on all images of this split, live."
    if rule == Split.Visibility.PUBLIC_SUBSET:
        return Basis.PUBLIC, ("Live scores on a fixed, secret subset of the images; the final ranking "
                              "uses the rest and is published at the results date.")
    if rule == Split.Visibility.LADDER:
        return Basis.LADDER, ("Ladder: a team's shown score changes only when a new submission beats its "
                              "shown best significantly (paired test on the same images); otherwise the "
                              "previous best is shown again.")
    return None, "Scores on this split are hidden until the results are announced."


def visible_scores(*, submission: Submission, user, at: datetime | None = None) -> dict | None:
    """The scores of one submission that this viewer may see (for the submission page and API):
    {"basis", "scores": {metric: [value, low, high]}, "ladder_accepted"}, or None while hidden."""
    split = submission.split
    basis, _ = viewer_basis(split=split, user=user, at=at)
    if basis == Basis.FINAL:
        basis = final_basis(split)
    entry = LeaderboardEntry.objects.filter(submission=submission).first()
    if basis is None or entry is None:
        return None
    if basis == Basis.LADDER and not entry.ladder_accepted:
        # The Ladder shows the team's previous best again; the new score itself stays hidden.
        entry = (LeaderboardEntry.objects.filter(split=split, team_id=entry.team_id, ladder_accepted=True,
                                                 submitted_at__lte=entry.submitted_at)
                 .order_by("-submitted_at", "-pk").first()) or entry
    values = entry.stats.get(stats_basis(basis), {})
    return {"basis": basis, "ladder_accepted": entry.ladder_accepted if basis == Basis.LADDER else None,
            "scores": {m: [rounded(v) for v in triple] for m, triple in values.items()}}
