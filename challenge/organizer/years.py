"""Organizer pages for years, their tasks and splits."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge import announcements, selectors, services
from challenge.audit import readable
from challenge.forms import SplitForm, TaskForm, YearEditForm, YearForm
from challenge.models import Split
from challenge.organizer.access import organizer_required


@require_GET
@organizer_required
def dashboard(request):
    context = {"years": selectors.organizer_years(), "recent": readable(selectors.audit_entries()[:10])}
    return render(request, "organize/dashboard.html", context)


@organizer_required
def year_create(request):
    form = YearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = services.create_year(user=request.user, data=form.cleaned_data)
        messages.success(request, f"Year {year.slug} created.")
        return redirect("organize:year", slug=year.slug)
    return render(request, "organize/year_form.html", {"form": form, "year": None})


@organizer_required
def year_edit(request, slug):
    year = selectors.year_for_organizer(slug=slug)
    # The form gets its own copy: validation writes into its instance, and the service compares
    # the stored year with the new values to record a deadline change.
    form = YearEditForm(request.POST or None, instance=selectors.year_for_organizer(slug=slug))
    if request.method == "POST" and form.is_valid():
        old_deadline, reason = year.deadline, form.cleaned_data["deadline_reason"]
        year = services.update_year(user=request.user, year=year, data=form.cleaned_data, deadline_reason=reason)
        if not form.deadline_changed():
            messages.success(request, "Year saved.")
            return redirect("organize:year", slug=year.slug)
        draft = announcements.draft_deadline_announcement(user=request.user, year=year, old_deadline=old_deadline,
                                                          new_deadline=year.deadline, reason=reason)
        messages.success(request, "Year saved. Tell the teams: review this drafted announcement, then post it.")
        return redirect("organize:announcement-edit", slug=year.slug, pk=draft.pk)
    return render(request, "organize/year_form.html", {"form": form, "year": year})


@require_GET
@organizer_required
def year_overview(request, slug):
    year = selectors.year_for_organizer(slug=slug)
    context = {
        "year": year,
        "splits": selectors.splits_with_ground_truth(year=year),
        "data_files": selectors.data_files_of(year=year),
        "deadline_changes": year.deadline_changes.select_related("changed_by"),
    }
    return render(request, "organize/year.html", context)


@organizer_required
def task_edit(request, slug, task_slug=None):
    year = selectors.year_for_organizer(slug=slug)
    task = selectors.task_of(year=year, task_slug=task_slug) if task_slug else None
    splits = {s.name: s for s in task.splits.all()} if task else {}
    form = TaskForm(request.POST or None, instance=task, year=year)
    split_forms = {
        name: SplitForm(request.POST or None, prefix=name, instance=splits.get(name), initial=_split_defaults(name),
                        split_name=name)
        for name in (Split.Name.VAL, Split.Name.TEST)
    }
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in split_forms.values()):
        task = services.save_task(user=request.user, year=year, task=task, task_data=form.cleaned_data,
                                  split_data={name: f.cleaned_data for name, f in split_forms.items()})
        messages.success(request, f"Task {task.slug} saved.")
        return redirect("organize:year", slug=year.slug)
    context = {"year": year, "task": task, "form": form, "split_forms": split_forms}
    return render(request, "organize/task_form.html", context)


def _split_defaults(name: str) -> dict:
    # ILSVRC's test server: 2 a week, hidden until the results; validation labels are public.
    if name == Split.Name.TEST:
        return {"quota_per_window": 2, "quota_window_days": 7, "visibility": Split.Visibility.HIDDEN}
    return {"labels_public": True, "quota_per_window": 20, "quota_window_days": 1}


@require_POST
@organizer_required
def split_new_subset(request, slug, task_slug, split_name):
    year = selectors.year_for_organizer(slug=slug)
    split = selectors.split_of(year=year, task_slug=task_slug, split_name=split_name)
    services.draw_public_subset(user=request.user, split=split)
    messages.success(request, f"{split.task.title} ({split.get_name_display()}) has a new secret public subset; "
                              "its boards are rebuilt on it.")
    return redirect("organize:year", slug=year.slug)
