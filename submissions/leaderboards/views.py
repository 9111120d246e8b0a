"""Leaderboard, archive, history and per-class pages: thin views over selectors."""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from submissions.leaderboards import history, per_class as per_class_report, selectors
from submissions.leaderboards.http_cache import cached_for_anonymous, not_modified, with_validators
from submissions.leaderboards.models import LeaderboardArchive, Track
from submissions.leaderboards.rendering import ranking_rule


@require_GET
def leaderboard_page(request, slug, task, split):
    try:
        track = selectors.track_from(request.GET.get("track"))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    page = selectors.page_from(request.GET.get("page"))
    view = selectors.leaderboard_for_viewer(slug=slug, task_slug=task, split_name=split, track=track,
                                              user=request.user, page=page)
    context = {"year": view.split.task.year, "split": view.split, "view": view, "tracks": Track.choices,
               "rule": ranking_rule(view.split), "page_number": page}
    if request.user.is_authenticated:  # their page shows their name and a CSRF token: no validators
        return render(request, "leaderboards/leaderboard.html", context)
    version, modified_at = selectors.view_version(view), selectors.view_modified_at(view)
    response = not_modified(request, version=version, modified_at=modified_at) or cached_for_anonymous(
        request, version=version, content_type="text/html; charset=utf-8",
        build=lambda: render(request, "leaderboards/leaderboard.html", context).content)
    return with_validators(response, request=request, version=version, modified_at=modified_at)


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
