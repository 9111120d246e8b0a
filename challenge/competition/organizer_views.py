"""Organizer pages of the competition: the dashboard, years, their tasks and splits (and a new
secret public subset), and the class sets with their import from a devkit's files."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge.accounts.roles import organizer_required
from challenge.audit import selectors as audit_selectors
from challenge.audit.selectors import readable
from challenge.competition import selectors as competition_selectors
from challenge.competition import services as competition_services
from challenge.competition.forms import ClassSetImportForm, SplitForm, TaskForm, YearCopyForm, YearEditForm, YearForm
from challenge.competition.models import Split
from challenge.datafiles import selectors as datafile_selectors
from challenge.notices import announcements


@require_GET
@organizer_required
def dashboard(request):
    years = list(competition_selectors.organizer_years())
    to_do = {year.pk: sum(not item.done for item in competition_selectors.setup_checklist(year=year))
             for year in years if not year.is_historical}
    context = {"years": years, "to_do": to_do, "recent": readable(audit_selectors.audit_entries()[:10])}
    return render(request, "organize/dashboard.html", context)


@organizer_required
def year_create(request):
    form = YearForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        year = competition_services.create_year(user=request.user, data=form.cleaned_data)
        messages.success(request, f"Year {year.slug} created.")
        return redirect("organize:year", slug=year.slug)
    return render(request, "organize/year_form.html", {"form": form, "year": None})


@organizer_required
def year_edit(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    # The form gets its own copy: validation writes into its instance, and the service compares
    # the stored year with the new values to record a deadline change.
    form = YearEditForm(request.POST or None, instance=competition_selectors.year_for_organizer(slug=slug))
    if request.method == "POST" and form.is_valid():
        old_deadline, reason = year.deadline, form.cleaned_data["deadline_reason"]
        year = competition_services.update_year(user=request.user, year=year, data=form.cleaned_data, deadline_reason=reason)
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
    year = competition_selectors.year_for_organizer(slug=slug)
    checklist = competition_selectors.setup_checklist(year=year)
    context = {
        "year": year,
        "splits": competition_selectors.splits_with_ground_truth(year=year),
        "data_files": datafile_selectors.data_files_of(year=year),
        "deadline_changes": year.deadline_changes.select_related("changed_by"),
        "checklist": checklist, "to_do": sum(not item.done for item in checklist),
        "copy_form": YearCopyForm(initial={"slug": f"{year.slug}-copy", "title": f"{year.title} (copy)"}),
    }
    return render(request, "organize/year.html", context)


@require_POST
@organizer_required
def year_copy(request, slug):
    source = competition_selectors.year_for_organizer(slug=slug)
    form = YearCopyForm(request.POST)
    if form.is_valid():
        try:
            year = competition_services.copy_year(user=request.user, source=source, **form.cleaned_data)
        except competition_services.YearCopyRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, f"{year.title} is a draft copy of {source.title}: its tasks, splits, quotas, "
                                      "rules, class set and data files. Set its dates and upload its ground truth; "
                                      "the checklist says what is left.")
            return redirect("organize:year", slug=year.slug)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize:year", slug=source.slug)


@organizer_required
def task_edit(request, slug, task_slug=None):
    year = competition_selectors.year_for_organizer(slug=slug)
    task = competition_selectors.task_of(year=year, task_slug=task_slug) if task_slug else None
    splits = {s.name: s for s in task.splits.all()} if task else {}
    form = TaskForm(request.POST or None, instance=task, year=year)
    split_forms = {
        name: SplitForm(request.POST or None, prefix=name, instance=splits.get(name), initial=_split_defaults(name),
                        split_name=name)
        for name in (Split.Name.VAL, Split.Name.TEST)
    }
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in split_forms.values()):
        task = competition_services.save_task(user=request.user, year=year, task=task, task_data=form.cleaned_data,
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
    year = competition_selectors.year_for_organizer(slug=slug)
    split = competition_selectors.split_of(year=year, task_slug=task_slug, split_name=split_name)
    competition_services.draw_public_subset(user=request.user, split=split)
    messages.success(request, f"{split.task.title} ({split.get_name_display()}) has a new secret public subset; "
                              "its boards are rebuilt on it.")
    return redirect("organize:year", slug=year.slug)


# Form field -> the fixed file name import_devkit looks for.
FILE_NAMES = {"meta_mat": "meta.mat", "synsets": "synsets.tsv", "edges": "is_a_edges.tsv"}


@organizer_required
def class_sets(request):
    form = ClassSetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = {FILE_NAMES[f]: form.cleaned_data[f].read() for f in FILE_NAMES if form.cleaned_data.get(f)}
        try:
            class_set = competition_services.import_class_set_upload(user=request.user, slug=form.cleaned_data["slug"],
                                                         name=form.cleaned_data["name"], files=files)
        except ValueError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Class set {class_set.slug}: {class_set.n_classes:,} classes imported.")
            return redirect("organize:class-sets")
    context = {"form": form, "class_sets": competition_selectors.class_sets_with_counts()}
    return render(request, "organize/class_sets.html", context, status=400 if request.method == "POST" else 200)
