"""Organizer pages of submissions: hidden ground truth, rescoring and its progress, moderation of entries
and teams, and the statistics of a year."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from challenge.accounts.roles import organizer_required
from challenge.competition import selectors as competition_selectors
from challenge.teams.models import Team
from challenge.competition.models import Split
from submissions import account_signals, bulk_download, models, moderation, quotas, rescoring, selectors
from submissions import statistics as stats
from submissions.ground_truth_uploads import GroundTruthRefused, upload_ground_truth
from submissions.moderation import BulkAction
from submissions.organizer_forms import (
    BulkModerationForm,
    EntryFilterForm,
    GroundTruthForm,
    ModerationForm,
    QuotaAdjustmentForm,
    QuotaPoolForm,
    RescoreForm,
    RetireClassesForm,
    RevisedLabelsForm,
    TeamsBanForm,
)
from submissions.revision_uploads import RetirementRefused, retire_classes, upload_revised_labels


@organizer_required
def ground_truth(request, slug, task_slug, split_name):
    year = competition_selectors.year_for_organizer(slug=slug)
    split = competition_selectors.split_of(year=year, task_slug=task_slug, split_name=split_name)
    form = GroundTruthForm(request.POST or None, request.FILES or None,
                           localization=split.task.kind == split.task.Kind.LOCALIZATION,
                           detection=split.task.kind == split.task.Kind.DETECTION)
    errors = []
    if request.method == "POST" and form.is_valid():
        files = {name: upload for name, upload in form.cleaned_data.items() if upload}  # read in pieces
        waiting = selectors.submissions_waiting_for_ground_truth(split=split)
        try:
            version = upload_ground_truth(user=request.user, split=split, **files)
        except GroundTruthRefused as refused:
            errors = refused.errors
        else:
            job = version.rescoring_jobs.first()
            queued = f"{job.total} scored entr{'y' if job.total == 1 else 'ies'} queued for rescoring" if job \
                else "no scored entries to rescore"
            if waiting:
                queued += f"; {waiting} upload{'s' if waiting != 1 else ''} that waited for it {'are' if waiting != 1 else 'is'} scored now"
            messages.success(request, f"Ground truth stored (SHA-256 {version.commitment}); {queued}.")
            return redirect("organize:rescoring", slug=year.slug)
    return _ground_truth_page(request, year=year, split=split, form=form, errors=errors)


def _ground_truth_page(request, *, year, split, form=None, revise_form=None, errors=()):
    context = {"year": year, "split": split, "form": form or GroundTruthForm(
                   localization=split.task.kind == split.task.Kind.LOCALIZATION,
                   detection=split.task.kind == split.task.Kind.DETECTION),
               "revise_form": revise_form or RevisedLabelsForm(), "file_errors": errors,
               "revisable": split.task.kind == split.task.Kind.CLASSIFICATION,
               "versions": split.ground_truths.select_related("uploaded_by", "class_revision")}
    status = 400 if request.method == "POST" else 200
    return render(request, "organize/ground_truth.html", context, status=status)


@require_POST
@organizer_required
def revise_labels(request, slug, task_slug, split_name):
    """Upload a classification split's revised labels (ReaL sets): a new version, rescored."""
    year = competition_selectors.year_for_organizer(slug=slug)
    split = competition_selectors.split_of(year=year, task_slug=task_slug, split_name=split_name)
    form = RevisedLabelsForm(request.POST, request.FILES)
    errors = []
    if form.is_valid():
        try:
            version = upload_revised_labels(user=request.user, split=split, data=form.cleaned_data["revised"],
                                            source=form.cleaned_data["source"])
        except GroundTruthRefused as refused:
            errors = refused.errors
        else:
            job = version.rescoring_jobs.first()
            messages.success(request, f"Revised labels stored (SHA-256 {version.revised_labels_sha256}); "
                                      f"{job.total if job else 0} scored entries queued for rescoring.")
            return redirect("organize:rescoring", slug=year.slug)
    return _ground_truth_page(request, year=year, split=split, revise_form=form, errors=errors)


@organizer_required
def class_revisions(request, slug):
    """The year's class revisions, and retiring classes from it with a public reason."""
    year = competition_selectors.year_for_organizer(slug=slug)
    form = RetireClassesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revision = retire_classes(user=request.user, year=year, **form.cleaned_data)
        except RetirementRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"{len(revision.newly_retired)} class(es) retired; every split of {year.slug} "
                                      "with scored entries is being rescored.")
            return redirect("organize:class-revisions", slug=year.slug)
    context = {"year": year, "form": form, "revisions": competition_selectors.revisions_of(year=year)}
    return render(request, "organize/class_revisions.html", context, status=400 if request.method == "POST" else 200)


@require_GET
@organizer_required
def rescoring_jobs(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    context = {"year": year, "jobs": rescoring.jobs_of(year=year), "form": RescoreForm(year=year)}
    return render(request, "organize/rescoring.html", context)


@require_POST
@organizer_required
def rescore_split(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    form = RescoreForm(request.POST, year=year)
    if form.is_valid():
        try:
            job = rescoring.rescore_split(user=request.user, **form.cleaned_data)
        except rescoring.RescoringRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Rescoring of {job.split} queued: {job.total} entries.")
            return redirect("organize:rescoring", slug=year.slug)
    context = {"year": year, "jobs": rescoring.jobs_of(year=year), "form": form}
    return render(request, "organize/rescoring.html", context, status=400)


@require_GET
@organizer_required
def rescoring_status(request, slug):
    """The progress of the year's rescoring jobs, for the rescoring page to update itself."""
    year = competition_selectors.year_for_organizer(slug=slug)
    jobs = [{"id": job.pk, "status": job.status, "status_display": job.get_status_display(), "done": job.done,
             "failed": job.failed, "total": job.total, "percent": job.percent,
             "finished_at": job.finished_at.strftime("%Y-%m-%d %H:%M:%S") if job.finished_at else None}
            for job in rescoring.jobs_of(year=year)[:50]]
    return JsonResponse({"jobs": jobs}, headers={"Cache-Control": "no-store"})


@require_GET
@organizer_required
def entries(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    filters = EntryFilterForm(request.GET or None, year=year)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.organizer_entries(year=year, **{k: v for k, v in chosen.items() if v})
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"year": year, "page": page, "filters": filters, "query": query.urlencode(),
               "flags": selectors.integrity_flags(year=year), "bulk_actions": BulkAction.CHOICES,
               "splits": Split.objects.filter(task__year=year).select_related("task")
               .order_by("task__position", "task__slug", "-name")}
    return render(request, "organize/entries.html", context)


@require_POST
@organizer_required
def entries_bulk(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    form = BulkModerationForm(request.POST, year=year)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        try:
            changed = moderation.moderate_entries(user=request.user, submissions=list(form.cleaned_data["entries"]),
                                                  action=form.cleaned_data["action"], reason=form.cleaned_data["reason"])
            messages.success(request, f"{changed} entr{'y' if changed == 1 else 'ies'} changed.")
        except ValueError as refused:
            messages.error(request, str(refused))
    # Back to the same filtered list; the query is parsed and re-encoded, never echoed as sent.
    query = QueryDict(request.POST.get("query", "")).urlencode()
    return redirect(reverse("organize:entries", args=[year.slug]) + (f"?{query}" if query else ""))


@require_POST
@organizer_required
def entry_moderate(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    submission = get_object_or_404(models.Submission, pk=pk, split__task__year=year)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            moderation.moderate_submission(user=request.user, submission=submission, **form.cleaned_data)
            messages.success(request, f"Entry #{submission.pk} updated.")
        except ValueError as refused:
            messages.error(request, str(refused))
    return redirect("organize:entries", slug=year.slug)


@require_GET
@organizer_required
def signals(request, slug):
    """Signs that several teams are one group using several accounts, and what to do about it."""
    year = competition_selectors.year_for_organizer(slug=slug)
    context = {"year": year, "signals": account_signals.year_signals(year=year),
               "pools": account_signals.quota_pools(year=year),
               "splits": Split.objects.filter(task__year=year).select_related("task").order_by("task__position", "-name")}
    return render(request, "organize/signals.html", context)


@require_POST
@organizer_required
def quota_pool(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    form = QuotaPoolForm(request.POST, year=year)
    if form.is_valid():
        data = form.cleaned_data
        pools = quotas.pool_quota(user=request.user, teams=list(data["teams"]), splits=list(data["splits"]),
                                  reason=data["reason"])
        messages.success(request, f"{len(data['teams'])} teams now share one quota on {len(pools)} split"
                                  f"{'s' if len(pools) != 1 else ''}.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize:signals", slug=year.slug)


@require_POST
@organizer_required
def quota_unpool(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    member = get_object_or_404(models.QuotaPoolMember.objects.select_related("team", "split"), pk=pk,
                               split__task__year=year)
    quotas.leave_quota_pool(user=request.user, team=member.team, split=member.split)
    messages.success(request, f"{member.team.name} has its own quota on {member.split} again.")
    return redirect("organize:signals", slug=year.slug)


@require_POST
@organizer_required
def teams_ban(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    form = TeamsBanForm(request.POST, year=year)
    if form.is_valid():
        moderation.ban_teams(user=request.user, teams=list(form.cleaned_data["teams"]),
                             banned_until=form.cleaned_data["banned_until"], reason=form.cleaned_data["ban_reason"])
        messages.success(request, f"{len(form.cleaned_data['teams'])} teams banned.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize:signals", slug=year.slug)


@require_GET
@organizer_required
def split_submissions_zip(request, slug, split_pk):
    """Every submission of a split in one zip (files as stored, a manifest CSV), streamed; audited."""
    year = competition_selectors.year_for_organizer(slug=slug)
    split = get_object_or_404(Split.objects.select_related("task__year"), pk=split_pk, task__year=year)
    name, chunks = bulk_download.download_split_submissions(user=request.user, split=split)
    response = StreamingHttpResponse(chunks, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@organizer_required
def entry_baseline(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    submission = get_object_or_404(models.Submission, pk=pk, split__task__year=year)
    flag = request.POST.get("is_baseline") == "on"
    moderation.set_baseline(user=request.user, submission=submission, is_baseline=flag)
    messages.success(request, f"Entry #{submission.pk} is {'a baseline now' if flag else 'no baseline now'}.")
    return redirect("organize:entries", slug=year.slug)


@require_POST
@organizer_required
def team_quota(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    team = get_object_or_404(Team, pk=pk, year=year)
    form = QuotaAdjustmentForm(request.POST, year=year)
    if form.is_valid():
        moderation.adjust_quota(user=request.user, team=team, **form.cleaned_data)
        messages.success(request, f"{team.name}: quota adjusted.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize:teams", slug=year.slug)


@require_GET
@organizer_required
def statistics(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    figures = stats.year_figures(year=year)
    charts = {"per_day": stats.submissions_chart(figures), "best": stats.best_score_charts(figures)}
    return render(request, "organize/statistics.html", {"year": year, "figures": figures, "charts": charts})


@require_GET
@organizer_required
def statistics_csv(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    response = HttpResponse(stats.figures_csv(stats.year_figures(year=year)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{year.slug}-statistics.csv"'
    return response
