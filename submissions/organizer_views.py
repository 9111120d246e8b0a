"""Organizer pages of submissions: hidden ground truth, rescoring progress, moderation of entries and teams."""

from django.contrib import messages
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge import selectors as challenge_selectors
from challenge.forms import QuotaAdjustmentForm, TeamBanForm
from challenge.models import Team
from challenge.organizer.access import organizer_required
from submissions import models, moderation, rescoring, selectors
from submissions.ground_truth import GroundTruthRefused, upload_ground_truth
from submissions.organizer_forms import GroundTruthForm, ModerationForm


@organizer_required
def ground_truth(request, slug, task_slug, split_name):
    year = challenge_selectors.year_for_organizer(slug=slug)
    split = challenge_selectors.split_of(year=year, task_slug=task_slug, split_name=split_name)
    form = GroundTruthForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        files = {name: (form.cleaned_data[name].read() if form.cleaned_data[name] else b"")
                 for name in ("labels", "boxes", "blacklist")}
        try:
            version = upload_ground_truth(user=request.user, split=split, **files)
        except GroundTruthRefused as refused:
            errors = refused.errors
        else:
            messages.success(request, f"Ground truth stored (SHA-256 {version.commitment}); rescoring queued.")
            return redirect("organize_submissions:rescoring", slug=year.slug)
    context = {"year": year, "split": split, "form": form, "file_errors": errors,
               "versions": split.ground_truths.select_related("uploaded_by")}
    status = 400 if request.method == "POST" else 200
    return render(request, "organize/ground_truth.html", context, status=status)


@require_GET
@organizer_required
def rescoring_jobs(request, slug):
    year = challenge_selectors.year_for_organizer(slug=slug)
    return render(request, "organize/rescoring.html", {"year": year, "jobs": rescoring.jobs_of(year=year)})


@require_GET
@organizer_required
def entries(request, slug):
    year = challenge_selectors.year_for_organizer(slug=slug)
    # The per-image bit arrays are not shown here: leave them in the database.
    scores = models.Score.objects.filter(is_current=True).defer(
        "top1_bits", "top5_bits", "localization_bits", "hierarchical_costs", "top1_labels")
    rows = (models.Submission.objects.filter(split__task__year=year)
            .select_related("team", "split__task", "submitted_by")
            .prefetch_related(Prefetch("scores", queryset=scores, to_attr="current")))
    flags = selectors.integrity_flags(year=year)
    return render(request, "organize/entries.html", {"year": year, "entries": rows, "flags": flags})


@require_POST
@organizer_required
def entry_moderate(request, slug, pk):
    year = challenge_selectors.year_for_organizer(slug=slug)
    submission = get_object_or_404(models.Submission, pk=pk, split__task__year=year)
    form = ModerationForm(request.POST)
    if form.is_valid():
        try:
            moderation.moderate_submission(user=request.user, submission=submission, **form.cleaned_data)
            messages.success(request, f"Entry #{submission.pk} updated.")
        except ValueError as refused:
            messages.error(request, str(refused))
    return redirect("organize_submissions:entries", slug=year.slug)


@require_GET
@organizer_required
def teams(request, slug):
    year = challenge_selectors.year_for_organizer(slug=slug)
    context = {"year": year, "teams": challenge_selectors.teams_of(year=year),
               "ban_form": TeamBanForm(), "quota_form": QuotaAdjustmentForm(year=year)}
    return render(request, "organize/teams.html", context)


@require_POST
@organizer_required
def team_ban(request, slug, pk):
    year = challenge_selectors.year_for_organizer(slug=slug)
    team = get_object_or_404(Team, pk=pk, year=year)
    form = TeamBanForm(request.POST)
    if form.is_valid():
        moderation.ban_team(user=request.user, team=team, **form.cleaned_data)
        messages.success(request, f"{team.name}: ban {'set' if form.cleaned_data['banned_until'] else 'lifted'}.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize_submissions:teams", slug=year.slug)


@require_POST
@organizer_required
def team_quota(request, slug, pk):
    year = challenge_selectors.year_for_organizer(slug=slug)
    team = get_object_or_404(Team, pk=pk, year=year)
    form = QuotaAdjustmentForm(request.POST, year=year)
    if form.is_valid():
        moderation.adjust_quota(user=request.user, team=team, **form.cleaned_data)
        messages.success(request, f"{team.name}: quota adjusted.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize_submissions:teams", slug=year.slug)
