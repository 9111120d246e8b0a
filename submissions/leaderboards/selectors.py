"""What a viewer may see of the leaderboards, decided in one place, and the reads that serve it.

Organizers always see raw scores on all images; everyone else follows the split's visibility
rule until the results date, then the final ranking. The leaderboard page and API, the
submission pages and API and the public team page read scores here (`visible_scores`,
`public_entries_of_team`), and what may be seen is decided by challenge.policy.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.urls import reverse

from challenge import policy
from challenge.accounts.roles import is_organizer
from challenge.competition.models import ChallengeYear, GroundTruth, Split, Task
from submissions.leaderboards import numbers, ranking, segments
from submissions.leaderboards.models import (
    Basis,
    BoardSegment,
    HistoricalResult,
    LeaderboardArchive,
    LeaderboardBoard,
    LeaderboardEntry,
    Track,
)
from submissions.leaderboards.ranking import METRICS_BY_KIND, rounded, stats_basis
from submissions.leaderboards.rendering import (
    board_csv,
    board_header,
    board_payload,
    page_payload,
    render_rows,
)
from submissions.models import Score

# ---------------------------------------------------------------- one entry's scores

def visible_scores(*, submission, user, at: datetime | None = None) -> dict | None:
    """The scores of one submission that this viewer may see (for the submission page and API):
    {"basis", "scores": {metric: [value, low, high]}, "decimals", "ladder_accepted", "warnings"},
    or None while hidden.

    On a Ladder, what the Ladder releases: the team's shown primary score, rounded to the
    Ladder's step, without interval. The scoring engine's hints keep their figures (computed on
    all images) only where scores on all images are shown; on a public subset the advice computed
    on the public images alone (kept with the entry's stats); on a Ladder none (there is no public
    part: the Ladder releases its score alone)."""
    split = submission.split
    basis = policy.entry_basis(split=split, user=user, at=at, board=submission.board)
    own = LeaderboardEntry.objects.filter(submission=submission).first()
    if basis is None or own is None:
        return None
    shown = own
    if basis == Basis.LADDER and not own.ladder_accepted:
        # The Ladder shows the team's previous best again; the new score itself stays hidden.
        shown = (LeaderboardEntry.objects.filter(split=split, team_id=own.team_id, ladder_accepted=True,
                                                 submitted_at__lte=own.submitted_at)
                 .order_by("-submitted_at", "-pk").first())
    values = shown.stats.get(stats_basis(basis), {}) if shown is not None else {}
    decimals = policy.score_decimals(split=split, basis=basis)
    if basis == Basis.LADDER:
        primary = split.task.primary_metric
        values = {primary: [values[primary][0], None, None]} if primary in values else {}
    return {"basis": basis, "ladder_accepted": own.ladder_accepted if basis == Basis.LADDER else None,
            "scores": {m: [rounded(v, decimals) for v in triple] for m, triple in values.items()},
            "decimals": decimals, "warnings": _hints(own, basis)}


def _hints(entry: LeaderboardEntry, basis: str) -> list[str]:
    if basis in (Basis.ALL, Basis.PRIVATE):
        return list(Score.objects.filter(pk=entry.score_id).values_list("warnings", flat=True).first() or [])
    if basis == Basis.PUBLIC:
        return list(entry.stats.get("advice", {}).get(Basis.PUBLIC, []))
    return []


@dataclass(frozen=True)
class Standing:
    """Where a scored entry stands, for its team: the rank it would have on the board its viewer
    sees (all tracks), the team's best so far, and the link to the team's row on that board; or,
    while the split's scores are hidden, when they appear."""

    hidden: bool
    appears_at: datetime | None = None
    metric: str = ""
    text: str = ""
    rank: int | None = None
    ranked: int = 0
    best_text: str = ""
    best_entry: str = ""
    best_is_this: bool = False
    board_url: str = ""
    row_url: str = ""
    after_challenge: bool = False
    board_name: str = ""


def entry_standing(*, submission, user, shown: dict | None, at: datetime | None = None) -> Standing | None:
    """Where this scored entry stands, as its team may see it now (`shown`: its flat_scores).
    None while it is not scored. The rank it would have counts the other teams' ranked rows of
    the stored board that are strictly better (the board itself may lag its newest score by a
    rebuild); the team's best is over its entries on the same split and board, on the same images."""
    split, year = submission.split, submission.split.task.year
    board = submission.board
    if policy.entry_basis(split=split, user=user, at=at, board=board) is None:
        return Standing(hidden=True, appears_at=year.results_at)
    if submission.status != submission.Status.SCORED or shown is None:
        return None
    metric = split.task.primary_metric
    value, basis = shown.get(metric), shown["basis"]
    board_basis = policy.board_basis(split=split, board=board, user=user, at=at)[0]
    bases = [Basis.FINAL, policy.final_basis(split)] if board_basis == Basis.FINAL else [board_basis]
    stored = sorted(LeaderboardBoard.objects.filter(split=split, kind=board, basis__in=bases, track=Track.COMBINED)
                    .only("pk", "built_at", "basis"), key=lambda b: bases.index(b.basis))
    rows = _ranked_rows(stored[0]) if stored else []
    sign = -1 if metric in ranking.HIGHER_IS_BETTER else 1
    better = [r for r in rows if r[2] != submission.team_id and value is not None and sign * r[3] < sign * value]
    if basis == Basis.LADDER:
        # What the Ladder released for the team (its row), never a figure it did not release.
        own_row = next((r for r in rows if r[2] == submission.team_id), None)
        best_value, best_name, best_is_this = (own_row[3], own_row[4],
                                               own_row[5] == submission.created_at.isoformat()) if own_row \
            else (value, submission.entry_name, True)
    else:
        best_value, best_name, best_is_this = _team_best(submission=submission, basis=basis, metric=metric)
    url = reverse("leaderboards:leaderboard", args=[year.slug, split.task.slug, split.name])
    url += f"?board={board}" if board != policy.Board.OFFICIAL else ""
    own = next((r for r in rows if r[2] == submission.team_id), None)
    row_url = ""
    if own is not None:
        page = own[0] // segments.PAGE_SIZE + 1
        row_url = f"{url}{'&' if '?' in url else '?'}page={page}#position-{own[1]}" if page > 1 \
            else f"{url}#position-{own[1]}"
    decimals = shown.get("decimals", ranking.DECIMALS)
    return Standing(hidden=False, metric=metric, text=numbers.metric_text(metric, value, decimals),
                    rank=len(better) + 1 if value is not None else None,
                    ranked=len({r[2] for r in rows} | {submission.team_id}),
                    best_text=numbers.metric_text(metric, best_value, decimals),
                    best_entry=best_name, best_is_this=best_is_this, board_url=url, row_url=row_url,
                    after_challenge=board == policy.Board.POST_CHALLENGE,
                    board_name=f"{split.task.title} {split.get_name_display().lower()}")


def _ranked_rows(board: LeaderboardBoard) -> list[tuple]:
    """(index in the board's rows, position, team id, primary value, entry name, submitted at) of
    each ranked row of a stored board, kept per process for each build of the board (its
    rows weigh megabytes at 1,000 teams; its segments are kept per process too)."""
    key = f"leaderboard-ranked:{board.pk}:{board.built_at.timestamp()}"
    rows = cache.get(key)
    if rows is None:
        full = (LeaderboardBoard.objects.select_related("split__task").only("pk", "basis", "segments", "split__task__kind")
                .filter(pk=board.pk).first())
        primary = METRICS_BY_KIND[full.split.task.kind][0] if full else ""
        rows = [(index, row["position"], row["team"]["id"], row["scores"][primary]["value"], row["entry"],
                 row["submitted_at"]) for index, row in enumerate(board_rows(full) if full else [])
                if row.get("position")]
        cache.set(key, rows, timeout=3600)
    return rows


def _team_best(*, submission, basis: str, metric: str) -> tuple[float | None, str, bool]:
    """The team's best primary score on the submission's split and board, on `basis`' images (a
    Ladder's shown scores), with that entry's name and whether it is this submission."""
    entries = LeaderboardEntry.objects.filter(split_id=submission.split_id, team_id=submission.team_id,
                                              submission__board=submission.board, submission__disqualified=False)
    if basis == Basis.LADDER:
        entries = entries.filter(ladder_accepted=True)
    best = None
    for submission_id, name, stats in entries.values_list("submission_id", "submission__entry_name", "stats"):
        triple = stats.get(stats_basis(basis), {}).get(metric)
        if triple and (best is None or ranking.best_first(metric, rounded(triple[0])) < ranking.best_first(metric, best[0])):
            best = (rounded(triple[0]), name, submission_id == submission.pk)
    return best if best is not None else (None, "", False)


def flat_scores(shown: dict | None) -> dict | None:
    """visible_scores flattened for pages and JSON: {"basis", "ladder_accepted", "<metric>": value,
    ..., "intervals": {"<metric>": [low, high]}, "decimals", "warnings"}; None while hidden. A
    metric shown without interval (the Ladder's) has none in "intervals"."""
    if shown is None:
        return None
    flat = {"basis": shown["basis"], "ladder_accepted": shown["ladder_accepted"], "intervals": {},
            "decimals": shown["decimals"], "warnings": shown["warnings"]}
    for metric, (value, low, high) in shown["scores"].items():
        flat[metric] = value
        if low is not None:
            flat["intervals"][metric] = [low, high]
    return flat


def public_entries_of_team(*, team, user, at: datetime | None = None) -> list[dict]:
    """The team's scored entries whose scores this viewer may see, newest first, each with the
    primary score the boards show it (subset, Ladder or final basis as the rule says) and its
    decimals. Entries the team withdrew from the boards are left out here too."""
    entries = []
    rows = (LeaderboardEntry.objects.filter(team=team, submission__withdrawn=False)
            .select_related("split__task__year", "submission")
            .order_by("-submitted_at", "-pk"))
    for entry in rows:
        basis = policy.entry_basis(split=entry.split, user=user, at=at, board=entry.submission.board)
        if basis is None or (basis == Basis.LADDER and not entry.ladder_accepted):
            continue
        triple = entry.stats.get(stats_basis(basis), {}).get(entry.split.task.primary_metric)
        if triple:
            decimals = policy.score_decimals(split=entry.split, basis=basis)
            metric = entry.split.task.primary_metric
            entries.append({"submission": entry.submission, "split": entry.split,
                            "primary": rounded(triple[0], decimals), "decimals": decimals, "metric": metric,
                            "text": numbers.metric_text(metric, rounded(triple[0], decimals), decimals),
                            "after_challenge": entry.submission.board == policy.Board.POST_CHALLENGE})
    return entries


# ---------------------------------------------------------------- what ranking reads

def candidates_of(split: Split, at: datetime, board: str = policy.Board.OFFICIAL, *, teams: Iterable[int] | None = None,
                  current_ground_truth: int | None = None) -> list[ranking.Candidate]:
    """Every materialized entry of the split on one board (official, or after the challenge), of
    these teams only when given, with the moderation and ban state at `at`, and whether it is
    still scored on an earlier version of the split's ground truth (its current version's id may
    be given, when already known)."""
    fields = ("pk", "score_id", "team_id", "team__name", "team__banned_until", "team__ban_reason",
              "submission__entry_name", "submitted_at", "submission__external_data", "submission__is_final",
              "ladder_accepted", "stats", "submission__disqualified", "submission__disqualified_reason",
              "submission__not_comparable", "submission__not_comparable_reason", "submission__description",
              "score__ground_truth_id", "submission__is_baseline", "submission__method_url", "submission__code_url")
    current = current_ground_truth
    if current is None:
        current = GroundTruth.objects.filter(split=split, is_current=True).values_list("pk", flat=True).first()
    out = []
    # An entry its team withdrew (validation only) is on no board; it stays everywhere else.
    entries = LeaderboardEntry.objects.filter(split=split, submission__withdrawn=False, submission__board=board)
    if teams is not None:
        entries = entries.filter(team_id__in=list(teams))
    for row in entries.values_list(*fields):
        (pk, score_id, team_id, team_name, banned_until, ban_reason, entry_name, submitted_at, external,
         is_final, ladder, stats, dq, dq_reason, nc, nc_reason, description, ground_truth_id, baseline,
         method_url, code_url) = row
        reason = ""
        if dq:
            reason = f"Disqualified: {dq_reason or 'no reason given'}"
        elif banned_until is not None and at < banned_until:
            reason = f"Team banned: {ban_reason or 'no reason given'}"
        out.append(ranking.Candidate(pk, score_id, team_id, team_name, entry_name, submitted_at, external, is_final,
                                     ladder, stats, reason, dq, (nc_reason or "not directly comparable") if nc else None,
                                     description, older_ground_truth=ground_truth_id != current,
                                     is_baseline=baseline, method_url=method_url, code_url=code_url))
    return out


# ---------------------------------------------------------------- reading a stored board

@dataclass
class BoardView:
    """What one viewer may see of a split's leaderboard on one track, decided in one place."""

    split: Split
    track: str
    basis: str | None  # None: nothing may be shown yet
    explanation: str
    stored: LeaderboardBoard | None = None  # the stored board shown, when there is one
    page_number: int = 1
    board: str = policy.Board.OFFICIAL  # one of policy.BOARD_VIEWS: what `board=` asked for
    stored_boards: frozenset = frozenset()  # the kinds of board the split has stored (for the switch)
    body_kind: str = "html"  # which body content() returns: "html" or "json"
    archive: LeaderboardArchive | None = None

    @property
    def kind(self) -> str:
        """The stored board (policy.Board) this view reads."""
        return policy.stored_board(self.board)

    @property
    def revised(self) -> bool:
        """Whether this is the revised view of the official board (board=revised)."""
        return self.board == policy.REVISED

    def content(self) -> str:
        """The page's body, read (or assembled) only when a response is actually built."""
        if self.stored is None:
            return ""
        return page_body(board=self.stored, page=self.page_number, body=self.body_kind, split=self.split)


def leaderboard_for_viewer(*, slug: str, task_slug: str, split_name: str, track: str, user, page: int = 1,
                           at: datetime | None = None, body: str = "html",
                           board: str = policy.Board.OFFICIAL) -> BoardView:
    """What the leaderboard page and API show this viewer, usually in one query: the stored
    boards of this split and track (one to five: one per board and basis), joined with split,
    task and year; the page's body then comes from the process cache. `board` is one of
    policy.BOARD_VIEWS (board_from). Raises Http404 for an unknown or unpublished leaderboard."""
    if split_name not in Split.Name.values:  # before it becomes part of a cache key
        raise Http404("No such leaderboard.")
    candidates = stored_boards(slug=slug, task_slug=task_slug, split_name=split_name, track=track)
    if candidates:
        split = _published_for(candidates[0].split, user)
    else:
        split = split_for_viewer(slug=slug, task_slug=task_slug, split_name=split_name, user=user)
    view = board_for_viewer(split=split, track=track, user=user, page=page, at=at, candidates=candidates,
                            board=board)
    view.body_kind = body
    return view


# Bumped (in this process) whenever a board is stored, so the process's own readers never wait
# for the micro-cache below to expire; other processes see the new board within its lifetime.
BOARDS_GENERATION_KEY = "leaderboards:generation"


def stored_boards(*, slug: str, task_slug: str, split_name: str, track: str) -> list[LeaderboardBoard]:
    """The stored boards of a split on one track, with split, task and year attached: the
    results-day hot path, and its one trick.

    Through the ORM this four-table join costs about 3 ms per request to compile, run and turn
    into instances, which bench/leaderboard.py shows cuts the page to a fifth of a trivial
    view's throughput (target: half). So each process keeps the answer for
    LEADERBOARD_CACHE_SECONDS (1 s): a crowd of readers costs one query per second per process,
    and a new board reaches every reader within that second (this process's at once)."""
    generation = cache.get(BOARDS_GENERATION_KEY, 0)
    key = f"leaderboards:boards:{generation}:{slug}:{task_slug}:{split_name}:{track}"
    boards = cache.get(key)
    if boards is None:
        boards = list(LeaderboardBoard.objects.select_related("split__task__year").defer("top")
                      .filter(split__task__year__slug=slug, split__task__slug=task_slug, split__name=split_name,
                              track=track))
        cache.set(key, boards, timeout=settings.LEADERBOARD_CACHE_SECONDS)
    return boards


def boards_changed() -> None:
    """Called whenever a board is stored: this process's readers see it at once."""
    cache.set(BOARDS_GENERATION_KEY, time.monotonic_ns(), timeout=None)


def page_body(*, board: LeaderboardBoard, page: int, body: str, split: Split) -> str:
    """A page of a stored board as the API's JSON, or ("html") its table, assembled from the
    board's segments once per process and version of the board (its build time), then kept.
    Segments are replaced, never updated, so each process keeps the segments it read by id and
    reads only the ones a change replaced. Rendering on read rather than in every update keeps
    the ranking workers' updates short on results day, when they come many times a second and
    readers read the first pages only."""
    key = f"leaderboard-page:{board.pk}:{board.built_at.timestamp()}:{page}:{body}"
    stored = cache.get(key)
    if stored is None:
        try:
            rows = board_page_rows(board, page)
        except segments.SegmentsGone:
            # This process's copy of the board (kept up to LEADERBOARD_CACHE_SECONDS) is older
            # than an update that replaced its segments: the board as stored now.
            board = _board_now(board)
            if board is None:
                return ""
            rows = board_page_rows(board, page)
        header = header_of(board)
        if body == "json":
            stored = json.dumps(page_payload(header, rows=rows, count=board.n_rows, page=page, pages=board.n_pages,
                                             older_ground_truth=board.n_older), separators=(",", ":"))
        else:
            stored = render_rows(rows, header["metrics"], older_ground_truth=board.n_older,
                                 decimals=header.get("decimals", ranking.DECIMALS))
        cache.set(key, stored, timeout=None)
    return stored


def header_of(board: LeaderboardBoard) -> dict:
    """What the board's pages say besides their rows, as it was ranked (rendering.board_header)."""
    return board.header or board_header(board.split, basis=board.basis, track=board.track)


def board_index(board: LeaderboardBoard) -> list[segments.SegmentInfo]:
    """A stored board's segments in order, as its index describes them."""
    return [segments.SegmentInfo.from_json(item) for item in board.segments]


def segment_rows(pks: list[int]) -> dict[int, list[dict]]:
    """Stored rows of these segments (fresh lists, the caller's to change), from the process
    cache or one query for those it lacks."""
    found = cache.get_many([f"leaderboard-segment:{pk}" for pk in pks])
    rows = {pk: found[f"leaderboard-segment:{pk}"] for pk in pks if f"leaderboard-segment:{pk}" in found}
    missing = [pk for pk in pks if pk not in rows]
    if missing:
        fresh = {pk: json.loads(text) for pk, text in BoardSegment.objects.filter(pk__in=missing)
                 .values_list("pk", "rows")}
        cache.set_many({f"leaderboard-segment:{pk}": value for pk, value in fresh.items()}, timeout=300)
        rows.update(fresh)
    return rows


def remember_segments(rows_by_pk: dict[int, list[dict]]) -> None:
    """Keep segments this process has just written, as segment_rows keeps those it read."""
    cache.set_many({f"leaderboard-segment:{pk}": rows for pk, rows in rows_by_pk.items()}, timeout=300)


def board_page_rows(board: LeaderboardBoard, page: int, *, size: int = segments.PAGE_SIZE) -> list[dict]:
    """The served rows of one page (from 1) of a stored board, `size` rows a page."""
    return segments.page_rows(board_index(board), page, segment_rows, size=size, ties=board.basis != Basis.LADDER)


def board_rows(board: LeaderboardBoard) -> list[dict]:
    """Every row of a stored board as pages and exports show it, in order (as stored now when an
    update replaced the segments that this copy of the board names)."""
    try:
        return segments.all_rows(board_index(board), segment_rows, ties=board.basis != Basis.LADDER)
    except segments.SegmentsGone:
        current = _board_now(board)
        if current is None:
            return []
        return segments.all_rows(board_index(current), segment_rows, ties=current.basis != Basis.LADDER)


def _board_now(board: LeaderboardBoard) -> LeaderboardBoard | None:
    """The board as stored now (None once it is gone): a copy kept by a process may be an update behind."""
    return LeaderboardBoard.objects.filter(pk=board.pk).first()


def board_for_viewer(*, split: Split, track: str, user, page: int = 1, at: datetime | None = None,
                     candidates: list[LeaderboardBoard] | None = None,
                     board: str = policy.Board.OFFICIAL) -> BoardView:
    """The page of the board this viewer may see (the official one, the one after the challenge,
    or the revised view of the official one: policy.board_basis decides its basis). A constant
    number of queries whatever the board's size: the split's boards on this track (none when
    they are given), and after the results date the archive's permanent link. After the results
    date the public sees the frozen final board written by freeze_results (the live final board
    until the freeze has run); the revised view then shows the live board on the final ranking's
    images. Raises PageOutOfRange for a page past the board's last."""
    basis, explanation = policy.board_basis(split=split, board=board, user=user, at=at)
    view = BoardView(split=split, track=track, basis=basis, explanation=explanation, page_number=page, board=board)
    if basis is None:
        return view
    wanted = [basis]
    if basis == Basis.FINAL:
        view.archive = (LeaderboardArchive.objects.only("public_id", "frozen_at", "csv_sha256", "json_sha256")
                        .filter(split=split, track=track).first())
        wanted = [Basis.FINAL, policy.final_basis(split)]  # the live final board until the freeze has run
    if candidates is None:
        candidates = list(LeaderboardBoard.objects.defer("top").filter(split=split, track=track))
    view.stored_boards = frozenset(stored.kind for stored in candidates)
    by_basis = {stored.basis: stored for stored in candidates if stored.kind == view.kind}
    view.stored = next((by_basis[b] for b in wanted if b in by_basis), None)
    view.basis = view.stored.basis if view.stored is not None else wanted[-1]
    if view.stored is not None and page > view.stored.n_pages:
        raise PageOutOfRange(page=page, pages=view.stored.n_pages)
    if view.stored is None and page > 1:
        raise PageOutOfRange(page=page, pages=0)
    return view


def boards_to_switch(view: BoardView) -> list[tuple[str, str]]:
    """The boards of a split a reader may switch between: the official one, the one after the
    challenge once it is open or holds entries, and the revised view while it is shown (the page
    links it where the labels were revised). (value, label) pairs; no query."""
    kinds = set(policy.boards_of(view.split)) | view.stored_boards | {view.board}
    labels = dict(policy.Board.choices)
    return [(value, labels.get(value, "On the revised labels")) for value in policy.BOARD_VIEWS if value in kinds]


def board_links(*, year: ChallengeYear) -> list[dict]:
    """Every board of a year, task by task, for the switch on a board page: {"task", "splits"}.
    Kept per process until the year changes (adding a task touches it), so that a board page
    costs no query for it."""
    key = f"leaderboards:links:{year.pk}:{year.updated_at.timestamp()}"
    links = cache.get(key)
    if links is None:
        by_task: dict[int, dict] = {}
        for split in Split.objects.filter(task__year=year).select_related("task").order_by(
                "task__position", "task__slug", "-name"):
            by_task.setdefault(split.task_id, {"task": split.task, "splits": []})["splits"].append(split)
        links = list(by_task.values())
        cache.set(key, links, timeout=None)
    return links


class PageOutOfRange(Http404):
    """A page number past the last page of the board the viewer may see."""

    def __init__(self, *, page: int, pages: int):
        self.page, self.pages = page, pages
        super().__init__(f"This board has no page {page}. It has {pages} page{'s' if pages != 1 else ''}.")


def split_for_viewer(*, slug: str, task_slug: str, split_name: str, user) -> Split:
    """A split with its task and year in one query; 404 unless the year is visible to the viewer."""
    return _published_for(Split.objects.select_related("task__year")
                          .filter(task__year__slug=slug, task__slug=task_slug, name=split_name).first(), user)


def _published_for(split: Split | None, user) -> Split:
    """The split, unless it is missing or its year is unpublished and the viewer no organizer (404)."""
    if split is None or not (split.task.year.is_published() or is_organizer(user)):
        raise Http404("No such leaderboard.")
    return split


def board_from(value: str | None) -> str:
    """The board named in a query string (`board=`: one of policy.BOARD_VIEWS, the official one
    by default); ValueError for another."""
    board = value or policy.Board.OFFICIAL
    if board not in policy.BOARD_VIEWS:
        raise ValueError(f"Unknown board {board!r}; use one of {', '.join(policy.BOARD_VIEWS)}.")
    return board


def track_from(value: str | None) -> str:
    """The track named in a query string (combined by default); ValueError for an unknown one."""
    track = value or Track.COMBINED
    if track not in Track.values:
        raise ValueError(f"Unknown track {track!r}; use one of {', '.join(Track.values)}.")
    return track


# Far beyond any board, and inside PostgreSQL's integer (a larger number there is a 500, not a 404).
LAST_PAGE_NUMBER = 2**31 - 1


def page_from(value: str | None) -> int:
    """The page number asked for: the first for none, nonsense or less than one."""
    try:
        return min(max(int(value or 1), 1), LAST_PAGE_NUMBER)
    except ValueError:
        return 1


def view_version(view: BoardView) -> str:
    """A key naming everything a rendered leaderboard shows: which stored board and version
    (its build time moves with every change) and page, which basis and rule text, which archive,
    and the year's and task's titles and phase, which the page prints around the board."""
    board = f"{view.stored.pk}:{view.stored.built_at.timestamp()}:{view.page_number}" if view.stored else "none"
    archive = view.archive.pk if view.archive else "none"
    year, task = view.split.task.year, view.split.task
    around = "\n".join([view.explanation, year.title, task.title, policy.phase(year)])
    digest = hashlib.sha256(around.encode()).hexdigest()[:16]
    return f"{view.split.pk}:{view.board}:{view.track}:{view.basis}:{board}:{archive}:{digest}"


def view_modified_at(view: BoardView) -> datetime | None:
    """When what a rendered leaderboard shows last changed, for Last-Modified: the stored page's
    build, the archive's freeze, and the results date (which switches boards without a build)."""
    year = view.split.task.year
    stamps = [view.stored.built_at] if view.stored else []
    stamps += [view.archive.frozen_at] if view.archive else []
    stamps += [year.results_at] if policy.results_are_out(year) else []
    return max(stamps, default=None)


def board_document(view: BoardView) -> dict:
    """The API body for a BoardView: what this viewer is told, then the stored page's payload."""
    stored = view.content()
    payload = json.loads(stored) if stored else board_payload(view.split, basis=view.basis, track=view.track,
                                                              rows=[], pages=0, frozen=False, board=view.board)
    # The revised view reads a stored official board: say which view this is (`board` keeps its place).
    return {"visible": view.basis is not None, "explanation": view.explanation, **payload, "board": view.board}


def board_export(view: BoardView, *, fmt: str) -> tuple[str, str]:
    """The whole board behind a BoardView (every page), as ("CSV or JSON text", content type).
    The caller checks that the view shows a board (view.stored). Raises ValueError for another format."""
    if fmt not in ("csv", "json"):
        raise ValueError(f"unknown export format {fmt!r}")
    rows, header = board_rows(view.stored), header_of(view.stored)
    if fmt == "csv":
        return board_csv(rows, header["metrics"], decimals=header.get("decimals", ranking.DECIMALS)), "text/csv"
    payload = page_payload(header, rows=rows, older_ground_truth=view.stored.n_older)
    return json.dumps({"visible": True, "explanation": view.explanation, **payload, "board": view.board},
                      indent=1), "application/json"


# ---------------------------------------------------------------- what a past year is remembered by

def historical_winners() -> list[HistoricalResult]:
    """The lowest shown top-5 classification error of each historical year, oldest first."""
    best: dict[str, HistoricalResult] = {}
    shown = (HistoricalResult.objects.shown().filter(task__slug="classification", top5_cls_error__isnull=False,
                                                     task__year__status=ChallengeYear.Status.PUBLISHED)
             .select_related("task__year").order_by("task__year__slug", "top5_cls_error", "position"))
    for result in shown:
        best.setdefault(result.task.year.slug, result)
    return list(best.values())


def historical_detection_winners() -> list[HistoricalResult]:
    """The winner of each historical year's object detection (the first shown row of its table,
    the provided-data track's winner as the official pages list it), oldest first."""
    first: dict[str, HistoricalResult] = {}
    shown = (HistoricalResult.objects.shown().filter(task__kind=Task.Kind.DETECTION, mean_ap__isnull=False,
                                                     task__year__status=ChallengeYear.Status.PUBLISHED)
             .select_related("task__year").order_by("task__year__slug", "position"))
    for result in shown:
        first.setdefault(result.task.year.slug, result)
    return list(first.values())


def year_winners(*, years) -> dict[int, dict]:
    """What each past year's card and page may say of its winner: {year id: {"team", "metric",
    "value", "text", "partial"}}. A historical year: its shown classification winner (at its
    source's precision); a year held here: the first row of its first task's frozen final test
    board (all tracks), once published. Two queries whatever the number of years."""
    years = [y for y in years if y.is_historical or policy.results_are_out(y)]
    winners = {}
    by_slug = {y.slug: y for y in years if y.is_historical}
    for result in (historical_winners() if by_slug else []):
        if result.task.year.slug in by_slug:
            winners[by_slug[result.task.year.slug].pk] = {
                "team": result.team_name, "metric": "top-5 error", "value": result.top5_cls_error,
                "text": numbers.published_text("top5_error", result.top5_cls_error),
                "partial": result.verified == HistoricalResult.Verified.PARTIAL}
    held = [y.pk for y in years if not y.is_historical]
    # Only the first row's fields are read (kept apart from the board's segments).
    boards = (LeaderboardBoard.objects.filter(split__task__year__in=held, split__name=Split.Name.TEST,
                                              kind=policy.Board.OFFICIAL, basis=Basis.FINAL, track=Track.COMBINED,
                                              n_rows__gt=0)
              .order_by("split__task__position", "split__task__slug")
              .values_list("split__task__year_id", "split__task__kind", "top__team__name", "top__scores"))
    for year_id, kind, team, scores in boards:
        metric = METRICS_BY_KIND[kind][0]
        if year_id not in winners and team and scores and metric in scores:
            winners[year_id] = {"team": team, "metric": numbers.metric_name(metric), "value": scores[metric]["value"],
                                "text": numbers.metric_text(metric, scores[metric]["value"]), "partial": False}
    return winners


def best_since_challenge(*, years) -> dict[int, dict]:
    """The best entry sent after the challenge of each year held here, beside its winner: the first
    ranked row of its first task's post-challenge test board (all tracks). {year id: {"team",
    "entry", "metric", "value", "text", "submitted_at", "url"}}. One query (the first row is kept
    apart from the board's segments), and the board's first page for a board whose first row is a
    baseline (which is never anyone's best)."""
    held = [y.pk for y in years if not y.is_historical and policy.results_are_out(y)]
    boards = (LeaderboardBoard.objects.filter(split__task__year__in=held, split__name=Split.Name.TEST,
                                              kind=policy.Board.POST_CHALLENGE, basis=Basis.ALL,
                                              track=Track.COMBINED, n_rows__gt=0)
              .order_by("split__task__position", "split__task__slug")
              .values_list("pk", "split__task__year_id", "split__task__year__slug", "split__task__slug",
                           "split__task__kind", "top"))
    best = {}
    for pk, year_id, year_slug, task_slug, kind, first in boards:
        if year_id in best:
            continue
        if first.get("is_baseline") or first.get("excluded"):  # not ranked: read on to the first ranked row
            stored = LeaderboardBoard.objects.only("pk", "basis", "segments").get(pk=pk)
            first = next((r for r in board_page_rows(stored, 1) if r.get("rank")), None)
        metric = METRICS_BY_KIND[kind][0]
        if first is None or metric not in first["scores"]:
            continue
        value = first["scores"][metric]["value"]
        best[year_id] = {"team": first["team"]["name"], "entry": first["entry"], "metric": numbers.metric_name(metric),
                         "value": value, "text": numbers.metric_text(metric, value),
                         "submitted_at": first["submitted_at"],
                         "url": reverse("leaderboards:leaderboard", args=[year_slug, task_slug, Split.Name.TEST])
                         + f"?board={policy.Board.POST_CHALLENGE}"}
    return best


def has_revision(split: Split) -> bool:
    """Whether a split's current ground truth revises its labels or classes (the leaderboard page
    then links the board of the revised figures)."""
    return GroundTruth.objects.filter(split=split, is_current=True).exclude(
        revised_labels_sha256="", class_revision__isnull=True).exists()
