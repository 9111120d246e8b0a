"""Leaderboard, archive, history and per-class pages: thin views over selectors."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET

from challenge import policy
from challenge.teams.selectors import team_of
from submissions.leaderboards import history, selectors
from submissions.leaderboards import per_class as per_class_report
from submissions.leaderboards.http_cache import (cached_for_anonymous, not_modified, shared_with_everyone,
                                                  with_board_headers, with_validators)
from submissions.leaderboards.models import LeaderboardArchive, Track
from submissions.leaderboards.rendering import mark_team_rows, ranking_rule


@require_GET
def leaderboard_page(request, slug, task, split):
    page = selectors.page_from(request.GET.get("page"))
    try:
        track = selectors.track_from(request.GET.get("track"))
        board = selectors.board_from(request.GET.get("board"))
        view = selectors.leaderboard_for_viewer(slug=slug, task_slug=task, split_name=split, track=track,
                                                  user=request.user, page=page, board=board)
    except (ValueError, selectors.PageOutOfRange) as exc:
        # Say what exists (the tracks, the first page) rather than a bare "not found".
        return render(request, "leaderboards/not_on_board.html", {"message": str(exc), "tracks": Track.choices},
                      status=404)
    except Http404:
        if history.is_historical(slug=slug):  # the old challenge pages' results live under /history/
            return redirect("leaderboards:history-year", slug=slug)
        raise
    own = team_of(user=request.user, year=view.split.task.year) if request.user.is_authenticated else None
    context = {"year": view.split.task.year, "split": view.split,
               "state": SimpleLazyObject(lambda: policy.year_state(view.split.task.year)),  # read only if a page is rendered
               "view": view, "tracks": Track.choices, "boards": selectors.boards_to_switch(view),
               "board_links": selectors.board_links(year=view.split.task.year),
               "rule": ranking_rule(view.split, view.basis), "page_number": page, "own_team": own,
               "has_revision": lambda: selectors.has_revision(view.split),
               "board_html": lambda: mark_team_rows(view.content(), team_id=own.pk if own else None)}
    built_at = view.stored.built_at if view.stored else None
    if not shared_with_everyone(request):  # their name, team, CSRF token or messages: no validators
        return with_board_headers(render(request, "leaderboards/leaderboard.html", context), request=request,
                                  built_at=built_at)
    version, modified_at = selectors.view_version(view), selectors.view_modified_at(view)
    response = not_modified(request, version=version, modified_at=modified_at, built_at=built_at)
    response = response or cached_for_anonymous(
        request, version=version, content_type="text/html; charset=utf-8",
        build=lambda: render(request, "leaderboards/leaderboard.html", context).content)
    return with_validators(response, request=request, version=version, modified_at=modified_at, built_at=built_at)


@require_GET
def leaderboard_export(request, slug, task, split, fmt):
    """The whole live board this viewer may see (every page), as CSV or JSON."""
    if fmt not in ("csv", "json"):
        raise Http404("Exports are CSV or JSON.")
    try:
        track = selectors.track_from(request.GET.get("track"))
        board = selectors.board_from(request.GET.get("board"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    view = selectors.leaderboard_for_viewer(slug=slug, task_slug=task, split_name=split, track=track, user=request.user,
                                            board=board)
    if view.stored is None:
        raise Http404("No scores of this board may be shown yet.")
    body, content_type = selectors.board_export(view, fmt=fmt)
    response = HttpResponse(body, content_type=f"{content_type}; charset=utf-8")
    after = {policy.Board.POST_CHALLENGE: "-post-challenge", policy.REVISED: "-revised"}.get(board, "")
    response["Content-Disposition"] = f'attachment; filename="leaderboard-{slug}-{task}-{split}{after}-{track}.{fmt}"'
    return response


@require_GET
def archive_page(request, public_id):
    archive = get_object_or_404(LeaderboardArchive.objects.select_related("split__task__year"), public_id=public_id)
    return render(request, "leaderboards/archive.html", {"archive": archive, "split": archive.split,
                                                         "year": archive.split.task.year})


@require_GET
def archive_export(request, public_id, fmt):
    archive = get_object_or_404(LeaderboardArchive, public_id=public_id)
    if fmt not in ("csv", "json"):
        raise Http404("Exports are CSV or JSON.")
    body, content_type = (archive.json_text, "application/json") if fmt == "json" else (archive.csv_text, "text/csv")
    response = HttpResponse(body.encode(), content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="leaderboard-{archive.public_id}.{fmt}"'
    response["X-Content-SHA256"] = archive.json_sha256 if fmt == "json" else archive.csv_sha256
    return response


@require_GET
def history_page(request):
    return render(request, "leaderboards/history.html", history.history_context())


@require_GET
def history_year(request, slug):
    return render(request, "leaderboards/history_year.html", history.year_context(slug=slug))


@require_GET
def per_class(request, pk):
    report = per_class_report.report_for_viewer(pk=pk, user=request.user)
    return render(request, "leaderboards/per_class.html", {"report": report, "submission": report.submission})
