"""The organizers' pages of the crowd's verification: a year's tasks, invitations and annotators;
a task's settings, its archive of candidate images, its annotators' standing, aggregation with
the chosen algorithm, the disagreements, and publication as a revision of the split's labels."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from challenge.accounts.roles import organizer_required
from challenge.annotation import archives, selectors, services
from challenge.annotation.forms import AggregateForm, ArchiveForm, InviteForm, PublishForm, TaskForm
from challenge.annotation.models import Aggregation, VerificationTask
from challenge.competition import selectors as competition_selectors
from submissions.ground_truth_uploads import GroundTruthRefused


@organizer_required
def annotation(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    invite, form = InviteForm(prefix="invite"), TaskForm(prefix="task", year=year)
    if request.method == "POST" and "invite-email" in request.POST:
        invite = InviteForm(request.POST, prefix="invite")
        if invite.is_valid():
            try:
                services.invite_annotator(user=request.user, year=year, email=invite.cleaned_data["email"])
                messages.success(request, f"Invitation e-mailed to {invite.cleaned_data['email']}.")
                return redirect("organize:annotation", slug=year.slug)
            except services.AnnotationRefused as refused:
                invite.add_error(None, str(refused))
    elif request.method == "POST":
        form = TaskForm(request.POST, prefix="task", year=year)
        if form.is_valid():
            try:
                task = services.save_task(user=request.user, year=year, data=form.cleaned_data)
                return redirect("organize:annotation-task", slug=year.slug, pk=task.pk)
            except services.AnnotationRefused as refused:
                form.add_error(None, str(refused))
    context = {"year": year, "tasks": selectors.tasks_of_year(year=year), "invite": invite, "form": form,
               "annotators": selectors.annotators_of(year=year),
               "invitations": year.annotator_invitations.filter(accepted_at__isnull=True)}
    return render(request, "organize/annotation.html", context, status=400 if request.method == "POST" else 200)


@organizer_required
def task_page(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    task = get_object_or_404(VerificationTask.objects.select_related("split__task"), pk=pk, year=year)
    form = TaskForm(request.POST or None, prefix="task", year=year, instance=task)
    archive_form = ArchiveForm()
    archive_errors = []
    if request.method == "POST" and "archive" in request.FILES:
        archive_form = ArchiveForm(request.POST, request.FILES)
        if archive_form.is_valid():
            try:
                added = services.add_archive(user=request.user, task=task, upload=archive_form.cleaned_data["archive"])
                messages.success(request, f"{added} question(s) added.")
                return redirect("organize:annotation-task", slug=year.slug, pk=task.pk)
            except archives.ArchiveRefused as refused:
                archive_errors = refused.errors + ([(None, f"... and {refused.omitted} more")] if refused.omitted else [])
        form = TaskForm(prefix="task", year=year, instance=task)
    elif request.method == "POST" and form.is_valid():
        try:
            services.save_task(user=request.user, year=year, task=task, data=form.cleaned_data)
            messages.success(request, "Settings saved.")
            return redirect("organize:annotation-task", slug=year.slug, pk=task.pk)
        except services.AnnotationRefused as refused:
            form.add_error(None, str(refused))
    return _task_page(request, year=year, task=task, form=form, archive_form=archive_form, archive_errors=archive_errors)


def _task_page(request, *, year, task, form=None, archive_form=None, archive_errors=(), publish_errors=()):
    latest = selectors.latest_aggregation(task=task)
    context = {"year": year, "task": task, "form": form or TaskForm(prefix="task", year=year, instance=task),
               "archive_form": archive_form or ArchiveForm(), "archive_errors": archive_errors,
               "counts": selectors.task_counts(task=task), "standings": selectors.standings_of(task=task),
               "aggregate_form": AggregateForm(initial={"algorithm": task.algorithm}), "latest": latest,
               "disagreements": services.disagreements(aggregation=Aggregation.objects.get(pk=latest.pk))
               if latest else [],
               "publish_form": PublishForm(initial={"aggregation": latest.pk if latest else None,
                                                    "threshold": task.threshold}),
               "publish_errors": publish_errors, "publications": task.publications.select_related("ground_truth")}
    status = 400 if request.method == "POST" else 200
    return render(request, "organize/annotation_task.html", context, status=status)


@require_POST
@organizer_required
def aggregate(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    task = get_object_or_404(VerificationTask, pk=pk, year=year)
    form = AggregateForm(request.POST)
    if form.is_valid():
        try:
            result = services.aggregate_task(user=request.user, task=task, algorithm=form.cleaned_data["algorithm"])
            messages.success(request, f"Aggregated {result.n_votes:,} votes by {result.algorithm} in {result.seconds:.2f} s.")
        except services.AnnotationRefused as refused:
            messages.error(request, str(refused))
    return redirect("organize:annotation-task", slug=year.slug, pk=task.pk)


@require_POST
@organizer_required
def publish(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    task = get_object_or_404(VerificationTask.objects.select_related("split__task"), pk=pk, year=year)
    form = PublishForm(request.POST)
    errors = []
    if form.is_valid():
        result = get_object_or_404(Aggregation, pk=form.cleaned_data["aggregation"], task=task)
        try:
            publication = services.publish_aggregation(user=request.user, aggregation=result,
                                                       threshold=form.cleaned_data["threshold"])
            messages.success(request, f"Published: {publication.images_revised:,} images revised; a new ground-truth "
                                      "version of the split, its entries being rescored.")
            return redirect("organize:annotation-task", slug=year.slug, pk=task.pk)
        except services.AnnotationRefused as refused:
            errors = [str(refused)]
        except GroundTruthRefused as refused:
            errors = [message for _, _, message in refused.errors]
    else:
        errors = [e for field_errors in form.errors.values() for e in field_errors]
    return _task_page(request, year=year, task=task, publish_errors=errors)
