"""Ranking for honest leaderboards: pure Python and numpy, no Django, no database.

Per-image losses are arrays with one value per scored image: 0/1 errors (top-5,
localization) or small non-negative costs (hierarchical LCA heights). Lower is better.

- `bootstrap_ci`, `paired_test` (McNemar's test, the sign test for costs) and `PairedResult` are
  the scoring core's (`submissions.scoring.statistics`), imported here for ranking and its callers.
- `tie_groups`: consecutive ranked entries stay in one group until one is significantly better
  than the next.
- `ladder_accepts`: the parameter-free Ladder (Blum & Hardt 2015): a new submission replaces the
  shown one only if it is better and the paired test says so.
- `rank`: which entries a board shows (`select`), in which order, with shared ranks for equal
  rounded scores, the test against the next entry and the tie groups; organizers' baseline
  entries at their score's place without a rank (as Kaggle shows its benchmarks), and per team
  the number of its entries on the board and the time of the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from submissions.scoring import PairedResult, bootstrap_ci, paired_test  # noqa: F401 (evidence reads bootstrap_ci here)

DECIMALS = 5
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The values of the models' Basis, Track and the year's row and exclusion options.
ALL, PUBLIC, PRIVATE, LADDER, FINAL = "all", "public", "private", "ladder", "final"
COMBINED, OUTSIDE = "combined", "outside"
ROWS_ALL, ROWS_FINAL = "all", "final"
EXCLUDED_STRUCK = "struck"

METRICS_BY_KIND = {
    "classification": ["top5_error", "top1_error"],
    "localization": ["localization_error", "top5_error"],
    "hierarchical": ["hierarchical_error", "top5_error"],
    "detection": ["mean_average_precision"],
}
# Figures on a split's revision of its labels (ReaL sets, retired classes), shown beside the
# original ones when an entry has them; never ranked on (see docs/leaderboards.md, "Revised labels").
REVISED_METRICS_BY_KIND = {
    "classification": ["real_top5_error", "real_top1_error", "revised_top5_error", "revised_top1_error"],
    "localization": ["revised_localization_error", "revised_top5_error"],
    "hierarchical": ["revised_hierarchical_error", "revised_top5_error"],
    "detection": ["revised_mean_average_precision"],
}
METRIC_LABELS = {
    "top5_error": "Top-5 error",
    "top1_error": "Top-1 error",
    "localization_error": "Localization error",
    "hierarchical_error": "Hierarchical error (mean LCA height)",
    "mean_average_precision": "Mean average precision",
    "real_top5_error": "ReaL top-5 error",
    "real_top1_error": "ReaL top-1 error",
    "revised_top5_error": "Top-5 error, revised classes",
    "revised_top1_error": "Top-1 error, revised classes",
    "revised_localization_error": "Localization error, revised classes",
    "revised_hierarchical_error": "Hierarchical error, revised classes",
    "revised_mean_average_precision": "Mean average precision, revised classes",
}
# Metrics whose per-image losses are costs rather than 0/1 errors: their paired test is the sign test.
COST_METRICS = {"hierarchical_error"}
# Scores, not errors: ranked highest first. Their intervals and paired tests resample images
# (a bootstrap), as mean average precision is not a mean over images.
HIGHER_IS_BETTER = {"mean_average_precision"}


def best_first(metric: str, value: float) -> float:
    """A sort key under which the best `metric` value comes first (the lowest error, the highest mAP)."""
    return -value if metric in HIGHER_IS_BETTER else value


def rounded(value: float | None, decimals: int = DECIMALS) -> float | None:
    """A score as published: rounded to the board's decimals (5, as ILSVRC did, by default)."""
    return None if value is None else round(float(value), decimals)


def ranking_rule(primary: str, *, basis: str | None = None, decimals: int = DECIMALS) -> str:
    """The sentence every board prints under its title, naming the test that really runs."""
    better = "higher" if primary in HIGHER_IS_BETTER else "lower"
    if basis == LADDER:
        return (
            f"Ladder (Blum and Hardt, 2015): each team is shown by its released {METRIC_LABELS[primary].lower()} "
            f"({better} is better), which moves only when a new submission is significantly better than the "
            f"shown one on the same images (p < 0.05). Released scores are rounded to {decimals} decimal"
            f"{'s' if decimals != 1 else ''}, the Ladder's step (the largest standard error its test can ask "
            "for); no interval, test or per-class figure is shown until the results date. Entries whose released "
            "scores are equal share a rank and the earlier submission is listed first."
        )
    if primary in HIGHER_IS_BETTER:
        test = "a paired bootstrap over images"
    elif primary in COST_METRICS:
        test = "the sign test on per-image LCA heights"
    else:
        test = "McNemar's paired test on per-image correctness"
    return (
        f"Ranked by {METRIC_LABELS[primary].lower()}, {better} is better, rounded to {decimals} decimals. Entries "
        "whose rounded scores are equal share a rank and the earlier submission is listed first. Brackets give "
        "the 95% bootstrap confidence interval over images. Each entry says whether it is significantly better "
        f"than the next ({test}, p < 0.05); entries that are not are grouped as statistically tied."
    )


def public_subset_mask(n: int, *, seed: int, fraction: float) -> np.ndarray:
    """The fixed secret subset of a split's images used for live scores (True = public).

    Exactly round(fraction * n) images (at least one, and at least one left for the final
    ranking when n > 1), chosen by a generator seeded with the split's secret seed.
    """
    k = min(max(int(round(fraction * n)), 1), max(n - 1, 1))
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n)[:k]] = True
    return mask


def tie_groups(better_than_next: list[bool]) -> list[int]:
    """Group numbers (1, 2, ...) for ranked entries, given for each entry whether it is
    significantly better than the next one; a group ends after each such entry."""
    groups, group = [], 1
    for better in better_than_next:
        groups.append(group)
        if better:
            group += 1
    return groups


def ladder_accepts(new_losses: np.ndarray, shown_losses: np.ndarray | None) -> bool:
    """Whether a new submission replaces a team's shown best on a Ladder leaderboard.

    The first submission is always shown; afterwards only a significant improvement on the
    same images (paired test at the core's level, 5%) moves the shown score.
    """
    if shown_losses is None:
        return True
    return paired_test(new_losses, shown_losses).a_significantly_better


# ---------------------------------------------------------------- which entries, in which order

@dataclass(frozen=True)
class Candidate:
    """One materialized entry as ranking needs it (read from the database by the services)."""

    entry_id: int
    score_id: int
    team_id: int
    team_name: str
    entry_name: str
    submitted_at: datetime
    external_data: bool
    is_final: bool
    ladder_accepted: bool
    stats: dict  # {basis: {metric: [value, ci_low, ci_high]}}
    excluded_reason: str  # disqualification or ban, shown with the entry; "" when ranked
    disqualified: bool
    not_comparable_reason: str | None
    description: str = ""  # the team's method description, shown with the entry
    # Still scored on an earlier version of the split's ground truth (a rescoring under way or
    # failed for it): shown marked, so that a board never mixes versions silently.
    older_ground_truth: bool = False
    is_baseline: bool = False  # an organizers' reference entry: shown at its place, never ranked
    method_url: str = ""
    code_url: str = ""


def stats_basis(basis: str) -> str:
    """The stats an entry keeps for a board's basis (the Ladder reads those on all images)."""
    return ALL if basis == LADDER else basis


def in_track(candidate: Candidate, track: str) -> bool:
    return track == COMBINED or candidate.external_data == (track == OUTSIDE)


def key_value(candidate: Candidate, basis: str, primary: str, decimals: int = DECIMALS) -> float:
    return rounded(candidate.stats[stats_basis(basis)][primary][0], decimals)


def order_key(basis: str, primary: str, decimals: int = DECIMALS) -> Callable[[Candidate], tuple]:
    """The board's order: rounded primary score (best first), then the earlier submission, then
    the lower id (entries submitted in the same instant keep the order they were received in)."""
    return lambda c: (best_first(primary, key_value(c, basis, primary, decimals)), c.submitted_at, c.entry_id)


def sort_key(candidate: Candidate, basis: str, primary: str, decimals: int = DECIMALS) -> tuple[float, int, int, int]:
    """order_key as plain numbers (the submission time in microseconds since 1970, exactly),
    the same order, a baseline after the entries of an equal rounded score (as rank places it):
    what a stored board keeps with each row to find its place again."""
    micros = (candidate.submitted_at - _EPOCH) // timedelta(microseconds=1)
    return (best_first(primary, key_value(candidate, basis, primary, decimals)), int(candidate.is_baseline), micros,
            candidate.entry_id)


def select(candidates: list[Candidate], *, basis: str, rows_mode: str, primary: str) -> list[Candidate]:
    """Which entries appear: per team its best, its final ones, its Ladder-shown one, or all."""
    candidates = [c for c in candidates if c.stats.get(stats_basis(basis), {}).get(primary)]
    if basis == LADDER:
        shown: dict[int, Candidate] = {}
        for c in sorted(candidates, key=lambda c: (c.submitted_at, c.entry_id)):
            if c.ladder_accepted:
                shown[c.team_id] = c
        return list(shown.values())
    if rows_mode == ROWS_ALL:
        return candidates
    by_team: dict[int, list[Candidate]] = {}
    for c in candidates:
        by_team.setdefault(c.team_id, []).append(c)
    chosen = []
    for team_entries in by_team.values():
        finals = [c for c in team_entries if c.is_final]
        if rows_mode == ROWS_FINAL and finals:
            chosen.extend(finals)
        else:  # best per team; a team that selected no final entries is shown by its best (as Kaggle does)
            chosen.append(min(team_entries, key=order_key(basis, primary)))
    return chosen


PairedTests = Callable[[list[Candidate]], list[PairedResult | None]]


def members(candidates: list[Candidate], *, basis: str, track: str, rows_mode: str,
            excluded_display: str, primary: str) -> tuple[list[Candidate], list[Candidate], list[Candidate]]:
    """Which entries one board shows, unordered: (ranked, baselines, struck through). Baselines
    (organizers' reference entries) are shown at their score's place without a rank, unless
    disqualified or excluded. Each team's rows follow from its own entries alone, so a change to
    one team's entries is ranked again by calling this with that team's candidates (what the
    stored boards' incremental updates do)."""
    everything = [c for c in candidates if in_track(c, track)]
    baselines = [c for c in everything if c.is_baseline and not c.disqualified and not c.excluded_reason
                 and c.stats.get(stats_basis(basis), {}).get(primary)]
    entries = [c for c in everything if not c.is_baseline]
    shown = select([c for c in entries if not c.disqualified], basis=basis, rows_mode=rows_mode,
                   primary=primary)
    ranked = [c for c in shown if not c.excluded_reason]
    struck = []
    if excluded_display == EXCLUDED_STRUCK:
        struck = [c for c in shown if c.excluded_reason]
        struck += [c for c in select(entries, basis=basis, rows_mode=rows_mode, primary=primary) if c.disqualified]
    return ranked, baselines, struck


def rank(candidates: list[Candidate], *, basis: str, track: str, rows_mode: str, excluded_display: str,
         primary: str, metrics: list[str], paired_tests: PairedTests, decimals: int = DECIMALS) -> list[dict]:
    """The ranked, rounded rows of one board: ranked entries first, then excluded ones (struck).

    `paired_tests(ranked)` returns, for each ranked entry, its test against the next one
    (None for the last); the caller supplies it because it needs the per-image losses. Scores
    are rounded to `decimals`, and ranked by their rounded values.

    A Ladder board shows what the Ladder releases and nothing else computed on its images: each
    team's released primary score, rounded to the Ladder's step (`decimals`), with no interval,
    no paired test or tie group and no categories won (all of them come from every image).
    """
    return [row for _, row in rank_lines(candidates, basis=basis, track=track, rows_mode=rows_mode,
                                         excluded_display=excluded_display, primary=primary, metrics=metrics,
                                         paired_tests=paired_tests, decimals=decimals)]


def rank_lines(candidates: list[Candidate], *, basis: str, track: str, rows_mode: str, excluded_display: str,
               primary: str, metrics: list[str], paired_tests: PairedTests,
               decimals: int = DECIMALS) -> list[tuple[Candidate, dict]]:
    """rank(), each row with the entry it shows."""
    ladder = basis == LADDER
    if ladder:
        metrics = [primary]
    shown, baselines, struck = members(candidates, basis=basis, track=track, rows_mode=rows_mode,
                                       excluded_display=excluded_display, primary=primary)
    ranked = sorted(shown, key=order_key(basis, primary, decimals))
    excluded = sorted(struck, key=order_key(basis, primary, decimals))
    tests = [None] * len(ranked) if ladder else paired_tests(ranked)
    groups = tie_groups([bool(t and t.a_significantly_better) for t in tests[:-1]] + [False])
    in_group: dict[int, list[int]] = {}
    for position, group in enumerate(groups, start=1):
        in_group.setdefault(group, []).append(position)
    rows, place, previous = [], 0, None
    for position, (c, test, group) in enumerate(zip(ranked, tests, groups), start=1):
        value = key_value(c, basis, primary, decimals)
        if value != previous:
            place, previous = position, value
        tied = [in_group[group][0], in_group[group][-1]] if len(in_group[group]) > 1 and not ladder else None
        rows.append(_row(c, basis, metrics, position=position, rank=place, test=test,
                         group=None if ladder else group, tied_with=tied, decimals=decimals, intervals=not ladder))
    won = None if ladder else categories_won([c.stats.get("class_ap", {}).get(stats_basis(basis)) for c in ranked])
    for row, count in zip(rows, won or []):
        row["categories_won"] = count
    lines = list(zip(ranked, rows))
    lines = _with_baselines(lines, [(c, _row(c, basis, metrics, position=None, rank=None, test=None, group=None,
                                             tied_with=None, decimals=decimals, intervals=not ladder))
                                    for c in sorted(baselines, key=order_key(basis, primary, decimals))], primary)
    lines += [(c, _row(c, basis, metrics, position=None, rank=None, test=None, group=None, tied_with=None,
                       decimals=decimals, intervals=not ladder)) for c in excluded]
    activity = team_activity(candidates, track=track)
    for c, row in lines:
        row.update(activity[c.team_id])
    return lines


def _with_baselines(lines: list[tuple[Candidate, dict]], baselines: list[tuple[Candidate, dict]],
                    primary: str) -> list[tuple[Candidate, dict]]:
    """Ranked rows with the baseline rows (each in board order) placed at their scores: after the
    ranked entries whose rounded score is as good or better."""
    merged, pending = [], list(baselines)
    for line in lines:
        value = best_first(primary, line[1]["scores"][primary]["value"])
        while pending and best_first(primary, pending[0][1]["scores"][primary]["value"]) < value:
            merged.append(pending.pop(0))
        merged.append(line)
    return merged + pending


def team_activity(candidates: list[Candidate], *, track: str) -> dict[int, dict]:
    """Per team of these entries on a board's track: its number of entries there and the time of
    the last one, as every row of the team shows them ({team id: {"team_entries", "last_entry_at"}}).
    A team's figures follow from its own entries alone."""
    count: dict[int, int] = {}
    last: dict[int, datetime] = {}
    for c in candidates:
        if in_track(c, track):
            count[c.team_id] = count.get(c.team_id, 0) + 1
            last[c.team_id] = max(last.get(c.team_id, c.submitted_at), c.submitted_at)
    return {team: {"team_entries": count[team], "last_entry_at": last[team].isoformat()} for team in count}


def board_row(c: Candidate, basis: str, metrics: list[str], *, primary: str, decimals: int = DECIMALS) -> dict:
    """One entry's row as a board shows it, without what depends on the other rows: its place
    (position, rank, tie group), its test against the next entry and its team's activity
    (team_activity) are left out. On a Ladder board, as rank shows it: the primary score alone,
    without interval."""
    ladder = basis == LADDER
    return _row(c, basis, [primary] if ladder else metrics, position=None, rank=None, test=None, group=None,
                tied_with=None, decimals=decimals, intervals=not ladder)


def test_fields(test: PairedResult | None) -> dict:
    """A row's comparison with the next ranked entry, as the board shows it (None for the last)."""
    return {"better_than_next": None if test is None else test.a_significantly_better,
            "p_value_next": None if test is None else rounded(test.p_value)}


def categories_won(class_aps: list[list[float | None] | None]) -> list[int] | None:
    """For ranked entries (best first), how many classes each has the highest AP of, as ILSVRC's
    detection results counted them; the higher-ranked entry takes a tie, and a class nobody
    detects (AP 0 for all) is won by no one. None when the entries carry no per-class AP."""
    if not class_aps or any(aps is None for aps in class_aps):
        return None
    table = np.array([[-1.0 if ap is None else ap for ap in aps] for aps in class_aps], dtype=float)
    winners = np.argmax(table, axis=0)  # the first (highest-ranked) maximum on a tie
    won = winners[table[winners, np.arange(table.shape[1])] > 0]
    return np.bincount(won, minlength=len(class_aps)).tolist()


def _row(c: Candidate, basis: str, metrics: list[str], *, position, rank, test, group, tied_with,
         decimals: int = DECIMALS, intervals: bool = True) -> dict:
    values = c.stats[stats_basis(basis)]

    def shown(triple: list) -> dict:
        value, low, high = triple
        if not intervals:
            low = high = None
        return {"value": rounded(value, decimals), "ci_low": rounded(low, decimals), "ci_high": rounded(high, decimals)}

    return {
        "position": position,
        "rank": rank,
        "team": {"id": c.team_id, "name": c.team_name},
        "entry": c.entry_name,
        "description": c.description,
        "submitted_at": c.submitted_at.isoformat(),
        "outside_data": c.external_data,
        "scores": {m: shown(values[m]) for m in metrics if m in values},
        **test_fields(test),
        "tie_group": group,
        "tied_with": tied_with,
        "not_comparable": c.not_comparable_reason,
        "excluded": c.excluded_reason or None,
        "older_ground_truth": c.older_ground_truth,
        "is_baseline": c.is_baseline,
        "method_url": c.method_url,
        "code_url": c.code_url,
    }
