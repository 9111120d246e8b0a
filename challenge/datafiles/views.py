"""The public pages of a year's hosted data: the list, accepting the terms, and downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST, require_safe

from challenge.competition import selectors as competition_selectors
from challenge.datafiles import downloads
from challenge.datafiles import selectors as datafile_selectors
from challenge.datafiles import services as datafile_services
from challenge.datafiles.forms import TermsForm


@require_GET
def data_files(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    return render(request, "challenge/data_files.html", _data_context(request, year))


def _data_context(request, year, form=None) -> dict:
    return {"year": year, "files": datafile_selectors.data_files_of(year=year), "form": form or TermsForm(),
            "accepted": datafile_selectors.has_accepted_terms(user=request.user, year=year)}


@require_POST
@login_required
def accept_terms(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    form = TermsForm(request.POST)
    if not form.is_valid():
        return render(request, "challenge/data_files.html", _data_context(request, year, form), status=400)
    datafile_services.accept_terms(user=request.user, year=year)
    messages.success(request, "You accepted the terms of access; the files can be downloaded.")
    return redirect("datafiles:data-files", slug=year.slug)


@require_safe  # HEAD too: download managers ask for the size before resuming
@login_required
def download(request, slug, pk, filename):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    data_file = datafile_selectors.downloadable_data_file(year=year, pk=pk)
    if not datafile_selectors.has_accepted_terms(user=request.user, year=year):
        messages.error(request, "Accept the terms of access before downloading.")
        return render(request, "challenge/data_files.html", _data_context(request, year), status=403)
    return downloads.data_file_response(request, data_file)
