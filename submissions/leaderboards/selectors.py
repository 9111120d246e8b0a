"""What a viewer may see of a leaderboard, decided in one place (organizers always see raw
scores), and the reads that serve the page and the API on results day: one prepared query for
the stored page, its body from the process cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection
from django.http import Http404

from challenge.models import ChallengeYear, Split, Task
from challenge.roles import is_organizer
from submissions.leaderboard import Basis, Track, board_payload, final_basis, viewer_basis
from submissions.models import LeaderboardArchive, LeaderboardBoard, LeaderboardPage


@dataclass
class BoardView:
    """What one viewer may see of a split's leaderboard on one track, decided in one place."""

    split: Split
    track: str
    basis: str | None  # None: nothing may be shown yet
    explanation: str
    page: LeaderboardPage | None = None
    body_kind: str = "html"  # which stored body content() returns: "html" or "json"
    archive: LeaderboardArchive | None = None

    def content(self) -> str:
        """The stored page's body, read only when a response is actually rendered."""
        return page_body(page=self.page, body=self.body_kind) if self.page is not None else ""


def leaderboard_for_viewer(*, slug: str, task_slug: str, split_name: str, track: str, user, page: int = 1,
                           at: datetime | None = None, body: str = "html") -> BoardView:
    """What the leaderboard page and API show this viewer, usually in one query: the stored
    pages of every board of this split, track and page number, joined with split, task and
    year (a split has one to four boards); the page's body then comes from the process cache.
    Raises Http404 for an unknown or unpublished leaderboard."""
    candidates = _stored_pages(slug=slug, task_slug=task_slug, split_name=split_name, track=track, page=page)
    if candidates:
        split = _published_for(candidates[0].board.split, user)
    else:
        split = split_for_viewer(slug=slug, task_slug=task_slug, split_name=split_name, user=user)
    view = board_for_viewer(split=split, track=track, user=user, page=page, at=at, candidates=candidates)
    view.body_kind = body
    return view


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _run_prepared(name: str, sql: str, types: list[str], params: list) -> list[tuple]:
    """Run `sql` (with %s placeholders) as a PostgreSQL prepared statement, preparing it the
    first time this process uses a database connection. PostgreSQL only.
    Not for a pooler in transaction mode (PgBouncer), where sessions are shared."""
    with connection.cursor() as cursor:
        raw = connection.connection
        prepared = getattr(connection, "_prepared_statements", None)
        if prepared is None or prepared[0] is not raw:
            prepared = connection._prepared_statements = (raw, set())
        if name not in prepared[1]:
            # Checked once per connection, so that a statement left by an earlier user of the
            # same session is reused instead of failing (which would abort a transaction).
            cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [name])
            if not cursor.fetchall():
                numbered = sql
                for index in range(1, len(types) + 1):
                    numbered = numbered.replace("%s", f"${index}", 1)
                cursor.execute(f"PREPARE {name}({', '.join(types)}) AS {numbered}")
            prepared[1].add(name)
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        return cursor.fetchall()


def _stored_pages(*, slug: str, task_slug: str, split_name: str, track: str, page: int) -> list[LeaderboardPage]:
    """The hot path of results day, as one hand-written query: building this four-table join
    through the ORM costs more than running it, and on PostgreSQL planning it costs more than
    executing it, so it is a prepared statement (once per database connection). Returns pages
    (without their bodies) with board, split, task and year attached, holding only the fields
    the selector and page use. Other databases (the embedded SQLite) take the same join
    through the ORM, which also converts their column values."""
    if connection.vendor != "postgresql":
        return list(
            LeaderboardPage.objects.select_related("board__split__task__year").defer("html", "json")
            .filter(board__split__task__year__slug=slug, board__split__task__slug=task_slug,
                    board__split__name=split_name, board__track=track, number=page)
        )
    sql = f"""
        SELECT p.id, p.number, b.id, b.basis, b.n_rows, b.n_pages, b.built_at,
               s.id, s.name, s.visibility, t.id, t.slug, t.title, t.kind,
               y.id, y.slug, y.title, y.status, y.results_at, y.is_historical
        FROM {_table(LeaderboardPage)} p
        JOIN {_table(LeaderboardBoard)} b ON b.id = p.board_id
        JOIN {_table(Split)} s ON s.id = b.split_id
        JOIN {_table(Task)} t ON t.id = s.task_id
        JOIN {_table(ChallengeYear)} y ON y.id = t.year_id
        WHERE y.slug = %s AND t.slug = %s AND s.name = %s AND b.track = %s AND p.number = %s"""
    rows = _run_prepared("leaderboard_pages", sql, ["text", "text", "text", "text", "int"],
                         [slug, task_slug, split_name, track, page])
    pages = []
    for (pid, number, bid, basis, n_rows, n_pages, built_at, sid, name, visibility, tid, tslug, title, kind,
         yid, yslug, ytitle, status, results_at, historical) in rows:
        year = ChallengeYear(id=yid, slug=yslug, title=ytitle, status=status, results_at=results_at,
                             is_historical=historical)
        split = Split(id=sid, name=name, visibility=visibility,
                      task=Task(id=tid, slug=tslug, title=title, kind=kind, year=year))
        board = LeaderboardBoard(id=bid, split=split, basis=basis, track=track, n_rows=n_rows, n_pages=n_pages,
                                 built_at=built_at)
        pages.append(LeaderboardPage(id=pid, board=board, number=number))
    return pages


def page_body(*, page: LeaderboardPage, body: str) -> str:
    """A stored page's HTML or JSON. Pages are replaced, never updated, when a board is rebuilt,
    so a page id (with its board's build time) names immutable content: no invalidation needed."""
    key = f"leaderboard-page:{page.pk}:{page.board.built_at.timestamp()}:{body}"
    stored = cache.get(key)
    if stored is None:
        stored = LeaderboardPage.objects.filter(pk=page.pk).values_list(body, flat=True).first() or ""
        cache.set(key, stored, timeout=None)
    return stored


def board_for_viewer(*, split: Split, track: str, user, page: int = 1, at: datetime | None = None,
                     candidates: list[LeaderboardPage] | None = None) -> BoardView:
    """The page of the board this viewer may see. A constant number of queries whatever the
    board's size: one page row (none when the candidate pages are given), and after the results
    date the archive's permanent link. After the results date the public sees the frozen final
    board written by freeze_results (the live final board until the freeze has run)."""
    basis, explanation = viewer_basis(split=split, user=user, at=at)
    view = BoardView(split=split, track=track, basis=basis, explanation=explanation)
    if basis is None:
        return view
    wanted = [basis]
    if basis == Basis.FINAL:
        view.archive = (LeaderboardArchive.objects.only("public_id", "frozen_at", "csv_sha256", "json_sha256")
                        .filter(split=split, track=track).first())
        wanted = [Basis.FINAL, final_basis(split)]  # the live final board until the freeze has run
    if candidates is None:
        candidates = list(LeaderboardPage.objects.select_related("board")
                          .only("board__basis", "board__n_pages", "board__n_rows", "board__built_at", "number")
                          .filter(board__split=split, board__basis__in=wanted, board__track=track, number=page))
    by_basis = {p.board.basis: p for p in candidates}
    view.page = next((by_basis[b] for b in wanted if b in by_basis), None)
    view.basis = view.page.board.basis if view.page is not None else wanted[-1]
    return view


def split_for_viewer(*, slug: str, task_slug: str, split_name: str, user) -> Split:
    """A split with its task and year in one query; 404 unless the year is visible to the viewer."""
    return _published_for(Split.objects.select_related("task__year")
                          .filter(task__year__slug=slug, task__slug=task_slug, name=split_name).first(), user)


def _published_for(split: Split | None, user) -> Split:
    """The split, unless it is missing or its year is unpublished and the viewer no organizer (404)."""
    if split is None or not (split.task.year.is_published() or is_organizer(user)):
        raise Http404("No such leaderboard.")
    return split


def track_from(value: str | None) -> str:
    """The track named in a query string (combined by default); ValueError for an unknown one."""
    track = value or Track.COMBINED
    if track not in Track.values:
        raise ValueError(f"Unknown track {track!r}; use one of {', '.join(Track.values)}.")
    return track


def page_from(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1


def view_version(view: BoardView) -> str:
    """A key naming everything a rendered leaderboard shows: which stored page (ids change on
    every rebuild), which basis and rule text, and which archive."""
    page = f"{view.page.pk}:{view.page.board.built_at.timestamp()}" if view.page else "none"
    archive = view.archive.pk if view.archive else "none"
    digest = hashlib.sha256(view.explanation.encode()).hexdigest()[:16]
    return f"{view.split.pk}:{view.track}:{view.basis}:{page}:{archive}:{digest}"


def board_json(view: BoardView) -> str:
    """The API body for a BoardView: the stored JSON, prefixed with what this viewer is told."""
    head = '{"visible":%s,"explanation":%s,' % ("false" if view.basis is None else "true", json.dumps(view.explanation))
    stored = view.content() or json.dumps(board_payload(view.split, basis=view.basis, track=view.track, rows=[],
                                                        pages=0, frozen=False))
    return head + stored.lstrip()[1:]
