"""Organizer pages for a year's hosted data files, and the audit log."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from challenge.accounts.roles import organizer_required
from challenge.competition import selectors as competition_selectors
from challenge.datafiles import selectors as datafile_selectors
from challenge.datafiles import services as datafile_services
from challenge.datafiles.forms import DataFileRegisterForm, DataFileUploadForm


@organizer_required
def data_files(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    forms = {"upload_form": DataFileUploadForm(prefix="upload"), "register_form": DataFileRegisterForm(prefix="register")}
    if request.method == "POST":
        # The two forms share the page; the field names say which one was sent.
        name = "upload_form" if "upload-title" in request.POST else "register_form"
        form = forms[name] = type(forms[name])(request.POST, request.FILES, prefix=forms[name].prefix)
        if form.is_valid():
            try:
                _add(request.user, year, form)
            except ValueError as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, "Data file added.")
                return redirect("organize:data-files", slug=year.slug)
    context = {"year": year, "files": datafile_selectors.data_files_of(year=year), **forms}
    return render(request, "organize/data_files.html", context, status=400 if request.method == "POST" else 200)


def _add(user, year, form) -> None:
    data = form.cleaned_data
    if isinstance(form, DataFileUploadForm):
        datafile_services.add_data_file(user=user, year=year, upload=data["file"], title=data["title"],
                               description=data["description"])
    else:
        datafile_services.register_data_file(user=user, year=year, storage_key=data["storage_key"], title=data["title"],
                                    description=data["description"], filename=data["filename"])


@require_POST
@organizer_required
def data_file_remove(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    data_file = datafile_selectors.data_file_of(year=year, pk=pk)
    datafile_services.remove_data_file(user=request.user, data_file=data_file)
    messages.success(request, f"{data_file.filename} removed.")
    return redirect("organize:data-files", slug=year.slug)


