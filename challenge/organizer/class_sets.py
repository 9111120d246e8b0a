"""Organizer page of class sets: the ones stored, and importing one from a devkit's files."""

from django.contrib import messages
from django.shortcuts import redirect, render

from challenge import selectors, services
from challenge.forms import ClassSetImportForm
from challenge.organizer.access import organizer_required

# Form field -> the fixed file name import_devkit looks for.
FILE_NAMES = {"meta_mat": "meta.mat", "synsets": "synsets.tsv", "edges": "is_a_edges.tsv"}


@organizer_required
def class_sets(request):
    form = ClassSetImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        files = {FILE_NAMES[f]: form.cleaned_data[f].read() for f in FILE_NAMES if form.cleaned_data.get(f)}
        try:
            class_set = services.import_class_set_upload(user=request.user, slug=form.cleaned_data["slug"],
                                                         name=form.cleaned_data["name"], files=files)
        except ValueError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, f"Class set {class_set.slug}: {class_set.n_classes:,} classes imported.")
            return redirect("organize:class-sets")
    context = {"form": form, "class_sets": selectors.class_sets_with_counts()}
    return render(request, "organize/class_sets.html", context, status=400 if request.method == "POST" else 200)
