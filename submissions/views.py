"""Team-facing submission pages: submit, a submission and its live status, the team's list."""


from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from challenge import policy
from challenge.competition import selectors as competition_selectors
from challenge.competition.models import Split
from challenge.storage import open_private_file
from challenge.teams import selectors as team_selectors
from config.api_errors import error_body
from config.network import client_address
from config.throttles import upload_wait
from submissions import entries, quotas, scoring, selectors, services
from submissions.forms import EntryForm, FinalEntriesForm, SubmissionForm


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _form_errors(form) -> list[tuple[None, str]]:
    rows = []
    for name, messages_ in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        rows += [(None, f"{label}: {message}" if label else message) for message in messages_]
    return rows


@login_required
def submit(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    team = team_selectors.team_of(user=request.user, year=year)
    quota_rows = selectors.quota_rows(team=team, user=request.user, year=year)
    unavailable = {row["split"].pk: row["unavailable"] for row in quota_rows if row["unavailable"]}
    check_only = bool(request.POST.get("check_only"))
    form = SubmissionForm(request.POST or None, request.FILES or None, year=year, unavailable=unavailable,
                          check_only=check_only)
    errors, status, retry_after, checked = [], 400 if request.method == "POST" else 200, None, None
    if request.method == "POST" and (wait := upload_wait(request)) is not None:
        errors, status = [(None, f"Too many uploads in a short time; try again in {wait} s.")], 429
    elif request.method == "POST" and form.is_valid() and check_only:
        try:
            checked, status = services.check_upload(team=team, user=request.user, split=form.cleaned_data["split"],
                                                    data=form.cleaned_data["file"]), 200
        except services.ValidationsBusy as exc:
            errors, status, retry_after = [(None, str(exc))], 503, exc.retry_after
        else:
            if _wants_json(request):
                return JsonResponse({**error_body(checked.errors), "ready": checked.ready, "message": checked.message})
    elif request.method == "POST" and form.is_valid():
        try:
            submission = services.submit_upload(team=team, user=request.user, client_address=client_address(request),
                                                **form.cleaned_data)
        except services.SubmissionRefused as refused:
            errors = refused.errors
        except quotas.QuotaExceeded as exc:
            errors, status = [(None, str(exc))], 429
        except services.SubmissionNotAllowed as exc:
            errors, status = [(None, str(exc))], 403
        except services.ValidationsBusy as exc:
            errors, status, retry_after = [(None, str(exc))], 503, exc.retry_after
        else:
            url = reverse("submissions:detail", args=[submission.pk])
            return JsonResponse({"redirect": url}) if _wants_json(request) else redirect(url)
    if _wants_json(request) and status != 200:
        response = JsonResponse(error_body([*errors, *_form_errors(form)]), status=status)
    else:
        response = render(request, "submissions/submit.html", _submit_context(
            request, year=year, team=team, form=form, errors=errors, checked=checked, quota_rows=quota_rows,
            unavailable=unavailable),
            status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _submit_context(request, *, year, team, form, errors, checked, quota_rows, unavailable) -> dict:
    return {"year": year, "state": policy.year_state(year), "team": team, "form": form, "file_errors": errors,
            "refusal": policy.submit_refusal(user=request.user, team=team) if team else "",
            "unconfirmed": not policy.email_confirmed(request.user), "checked": checked, "quotas": quota_rows,
            "closed": selectors.closed_reason(year=year, rows=quota_rows),
            "tasks": list(dict.fromkeys(row["split"].task for row in quota_rows)),
            "all_unavailable": bool(quota_rows) and len(unavailable) == len(quota_rows),
            "after_challenge": any(row["board"] == policy.Board.POST_CHALLENGE for row in quota_rows)}


CLIENT_PATH = settings.BASE_DIR / "static" / "client" / "ilsvrc_submit.py"


@require_GET
def client_script(request):
    """The command-line client under the name every instruction uses (the static copy's name
    carries a hash of its content, which a browser would keep)."""
    response = FileResponse(open(CLIENT_PATH, "rb"), as_attachment=True, filename="ilsvrc_submit.py",
                            content_type="text/x-python; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def sample_file(request, slug, task, split):
    """A prediction file in the right format and length for a validation split, scoring at chance."""
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    split = competition_selectors.split_of(year=year, task_slug=task, split_name=split)
    if split.name != Split.Name.VAL:
        raise Http404("Samples are offered for validation splits.")
    data = scoring.sample_file(split.task.kind, n_images=split.n_images, n_classes=split.task.classes.n_classes)
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sample-{year.slug}-{split.task.slug}-val.txt"'
    return response


@login_required
def submission_detail(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    shown = selectors.visible_scores(submission=submission, user=request.user)
    refusal = policy.entry_change_refusal(submission=submission, user=request.user)
    context = {"submission": submission, "shown": shown,
               "score_rows": selectors.score_rows(split=submission.split, shown=shown),
               "standing": selectors.standing(submission=submission, user=request.user, shown=shown),
               "may_change": not refusal,
               # Members are told why they cannot change the entry (moderated, banned, past the deadline).
               "change_refusal": refusal if team_selectors.is_member(team=submission.team, user=request.user) else "",
               "waiting_for_ground_truth": selectors.waits_for_ground_truth(submission),
               "per_class_shown": policy.per_class_reports_shown(submission.split),
               "entry_form": EntryForm(initial={"entry_name": submission.entry_name,
                                                "description": submission.description,
                                                "method_url": submission.method_url, "code_url": submission.code_url})}
    return render(request, "submissions/submission_detail.html", context)


@login_required
@require_POST
def edit_entry(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    form = EntryForm(request.POST)
    try:
        if not form.is_valid():
            raise entries.EntryChangeRefused("; ".join(m for ms in form.errors.values() for m in ms))
        entries.edit_entry(submission=submission, user=request.user, **form.cleaned_data)
    except entries.EntryChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The entry's name and description were saved; the boards show them now.")
    return redirect("submissions:detail", pk=submission.pk)


@login_required
@require_POST
def withdraw_entry(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    withdrawn = request.POST.get("withdrawn") == "yes"
    try:
        entries.set_withdrawn(submission=submission, user=request.user, withdrawn=withdrawn)
    except entries.EntryChangeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The entry was withdrawn from the public board; it stays in your list."
                         if withdrawn else "The entry is back on the public board.")
    return redirect("submissions:detail", pk=submission.pk)


@login_required
def submission_status(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    status = selectors.submission_status(submission=submission, user=request.user)
    where = selectors.standing(submission=submission, user=request.user, shown=status["scores"])
    status["standing_html"] = render_to_string("submissions/_standing.html", {"standing": where}, request=request)
    return JsonResponse(status)


@never_cache  # the team's own predictions
@login_required
def submission_file(request, pk):
    submission = selectors.submission_for_viewer(pk=pk, user=request.user)
    name = f"submission-{submission.pk}.txt"
    # Streamed from storage in blocks: the stored text of a 10M-image file is about 300 MB.
    return FileResponse(open_private_file(submission.file_key), as_attachment=True, filename=name,
                        content_type="text/plain")


@login_required
def team_submissions(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    team = team_selectors.team_of(user=request.user, year=year)
    if team is None:
        raise Http404("You are in no team of this year.")
    context = {"year": year, "state": policy.year_state(year), "team": team,
               "splits": selectors.final_entry_choices(team=team, year=year, user=request.user)}
    return render(request, "submissions/team_submissions.html", context)


@login_required
@require_POST
def mark_final(request, slug, split_pk):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    team = team_selectors.team_of(user=request.user, year=year)
    split = get_object_or_404(Split.objects.select_related("task__year"), task__year=year, pk=split_pk)
    if team is None:
        raise Http404("You are in no team of this year.")
    form = FinalEntriesForm(request.POST, team=team, split=split)
    if not form.is_valid():
        messages.error(request, "; ".join(m for ms in form.errors.values() for m in ms))
        return redirect("submissions:list", slug=year.slug)
    try:
        chosen = services.mark_final_entries(team=team, split=split, submission_ids=form.cleaned_data["submissions"],
                                             user=request.user)
    except services.FinalEntriesRefused as exc:
        messages.error(request, str(exc))
    else:
        names = ", ".join(f"“{s.entry_name}” (#{s.pk})" for s in chosen)
        saved = f"your final entr{'y is' if len(chosen) == 1 else 'ies are'} {names}" if chosen else "you chose none"
        messages.success(request, f"Saved for {split.task.title} ({split.get_name_display()}): {saved}.")
    return redirect("submissions:list", slug=year.slug)

