"""Organizer pages for a year's hosted data files, and the audit log."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge import selectors, services
from challenge.audit import readable
from challenge.forms import AuditFilterForm, DataFileRegisterForm, DataFileUploadForm
from challenge.organizer.access import organizer_required


@organizer_required
def data_files(request, slug):
    year = selectors.year_for_organizer(slug=slug)
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
    context = {"year": year, "files": selectors.data_files_of(year=year), **forms}
    return render(request, "organize/data_files.html", context, status=400 if request.method == "POST" else 200)


def _add(user, year, form) -> None:
    data = form.cleaned_data
    if isinstance(form, DataFileUploadForm):
        services.add_data_file(user=user, year=year, upload=data["file"], title=data["title"],
                               description=data["description"])
    else:
        services.register_data_file(user=user, year=year, storage_key=data["storage_key"], title=data["title"],
                                    description=data["description"], filename=data["filename"])


@require_POST
@organizer_required
def data_file_remove(request, slug, pk):
    year = selectors.year_for_organizer(slug=slug)
    data_file = selectors.data_file_of(year=year, pk=pk)
    services.remove_data_file(user=request.user, data_file=data_file)
    messages.success(request, f"{data_file.filename} removed.")
    return redirect("organize:data-files", slug=year.slug)


@require_GET
@organizer_required
def audit_log(request):
    filters = AuditFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        raise Http404("No such year or person.")
    chosen = filters.cleaned_data if filters.is_bound else {}
    entries = selectors.audit_entries(year=chosen.get("year"), kind=chosen.get("kind", ""), person=chosen.get("person"))
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"page": page, "records": readable(page.object_list), "year": chosen.get("year"), "filters": filters,
               "query": query.urlencode()}
    return render(request, "organize/audit.html", context)
