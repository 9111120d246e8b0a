"""The annotator's pages: their tasks, one question at a time or a grid of images of one class
(yes / maybe / no, keyboard shortcuts, and plain forms without JavaScript), the images of their
questions only, and accepting an invitation; and a team's report of a label that looks wrong."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from challenge.annotation import selectors, services
from challenge.annotation.forms import ANSWER_VALUES, ReportForm
from challenge.competition import selectors as competition_selectors
from challenge.teams.selectors import team_of


@require_GET
@login_required
def home(request):
    return render(request, "annotation/home.html", {"rows": selectors.tasks_for_annotator(user=request.user)})


@require_http_methods(["GET", "POST"])
@login_required
def accept(request, token):
    if request.method == "POST":
        try:
            annotator = services.accept_invitation(user=request.user, token=token)
        except services.AnnotationRefused as refused:
            messages.error(request, str(refused))
            return redirect("annotation:home")
        messages.success(request, f"You annotate {annotator.year.title} now.")
        return redirect("annotation:home")
    return render(request, "annotation/accept.html", {"token": token})


@require_http_methods(["GET", "POST"])
@login_required
def question(request, pk):
    task, annotator = selectors.task_for_annotator(user=request.user, pk=pk)
    if request.method == "POST":
        _record(request, annotator, [(request.POST.get("question"), request.POST.get("answer"))])
        return redirect("annotation:question", pk=task.pk)
    current = services.next_question(annotator=annotator, task=task)
    context = {"task": task, "question": current, "class": selectors.class_context(current.synset) if current else None,
               "stopped": current is None and services.is_stopped(annotator=annotator, task=task)}
    return render(request, "annotation/question.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def grid(request, pk):
    task, annotator = selectors.task_for_annotator(user=request.user, pk=pk)
    if request.method == "POST":
        answers = [(key.removeprefix("answer-"), value) for key, value in request.POST.items()
                   if key.startswith("answer-")]
        _record(request, annotator, answers)
        return redirect("annotation:grid", pk=task.pk)
    questions = services.grid_questions(annotator=annotator, task=task)
    context = {"task": task, "questions": questions, "class": selectors.class_context(questions[0].synset) if questions else None,
               "stopped": not questions and services.is_stopped(annotator=annotator, task=task)}
    return render(request, "annotation/grid.html", context)


def _record(request, annotator, answers) -> None:
    recorded = 0
    for question_id, answer in answers:
        if answer not in ANSWER_VALUES or not str(question_id or "").isdigit():
            continue
        try:
            services.record_answer(annotator=annotator, answer=ANSWER_VALUES[answer],
                                   question=selectors.question_for_annotator(annotator=annotator, pk=int(question_id)))
            recorded += 1
        except (services.AnnotationRefused, Http404) as refused:
            messages.error(request, str(refused))
    if not recorded and not answers:
        messages.error(request, "Choose yes, maybe or no.")


@require_GET
def image(request, question_id):
    """An image, only for an annotator the question is assigned to (anyone else: 404)."""
    found = selectors.image_for_viewer(user=request.user, question_id=question_id)
    size = "thumb" if request.GET.get("size") == "thumb" else "display"
    response = HttpResponse(services.read_image(image=found, size=size), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_http_methods(["GET", "POST"])
@login_required
def report(request, slug, task, split):
    """A team's report that a label of a validation image looks wrong."""
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    found = competition_selectors.split_of(year=year, task_slug=task, split_name=split)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_label(user=request.user, team=team_of(user=request.user, year=year), split=found,
                                  image_index=form.cleaned_data["image"], proposed=form.cleaned_data["proposed"].split(),
                                  note=form.cleaned_data["note"])
        except services.AnnotationRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "Thank you: the crowd will verify this label.")
            return redirect("leaderboards:leaderboard", slug=year.slug, task=found.task.slug, split=found.name)
    status = 400 if request.method == "POST" else 200
    return render(request, "annotation/report.html", {"year": year, "split": found, "form": form}, status=status)
