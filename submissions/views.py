from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from challenge import selectors as challenge_selectors
from submissions import selectors, services
from submissions.forms import SubmissionForm


@login_required
def submit(request, slug):
    year = challenge_selectors.year_for_viewer(slug=slug, user=request.user)
    team = challenge_selectors.team_of(user=request.user, year=year)
    form = SubmissionForm(request.POST or None, request.FILES or None, year=year)
    errors = []
    if team and year.is_open() and request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            submission = services.create_submission(
                team=team, split=form.cleaned_data["split"], user=request.user, data=upload.read(),
                filename=upload.name, entry_name=form.cleaned_data["entry_name"],
                description=form.cleaned_data["description"], external_data=form.cleaned_data["external_data"],
            )
        except services.SubmissionRefused as refused:
            errors = refused.errors
        else:
            services.score_submission(submission_id=submission.pk)
            messages.success(request, "Your file was received.")
            return redirect("submissions:detail", pk=submission.pk)
    context = {"year": year, "team": team, "form": form, "file_errors": errors}
    return render(request, "submissions/submit.html", context, status=400 if errors else 200)


@login_required
def submission_detail(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    visible = submission.split.scores_are_public()
    context = {"submission": submission, "score": submission.current_score if visible else None}
    return render(request, "submissions/submission_detail.html", context)

