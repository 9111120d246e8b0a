from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST, require_safe

from challenge import announcements, classes, downloads, policy, selectors, services
from challenge.forms import ClassSearchForm, TermsForm
from submissions.leaderboards.selectors import year_winners


def home(request):
    years = selectors.years_open_first(selectors.visible_years(user=request.user))
    teams, winners = selectors.teams_by_year(user=request.user), year_winners(years=years)
    cards = [{"year": y, "state": policy.year_state(y), "team": teams.get(y.pk), "winner": winners.get(y.pk)}
             for y in years]
    return render(request, "challenge/home.html", {"cards": cards})


def year_detail(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    context = {
        "year": year,
        "state": policy.year_state(year),
        "tasks": selectors.tasks_with_splits(year=year),
        "team": selectors.team_of(user=request.user, year=year),
        "commitments": selectors.test_commitments(year=year),
        "data_files": selectors.data_files_of(year=year),
        "deadline_changes": year.deadline_changes.exclude(old_deadline=None),
        "announcements": announcements.posted_announcements(year=year),
        "winner": year_winners(years=[year]).get(year.pk),
    }
    return render(request, "challenge/year_detail.html", context)


@require_GET
def class_list(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    form = ClassSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    hierarchy = classes.hierarchy_of(year.class_set)
    context = {
        "year": year, "form": form, "query": query, "hierarchy": hierarchy,
        "results": classes.search_synsets(class_set=year.class_set, query=query) if query else None,
        "leaves": [s for s in hierarchy.synsets.values() if s.is_leaf],
        "roots": [(root, hierarchy.leaf_counts[root.ilsvrc_id]) for root in hierarchy.roots],
    }
    return render(request, "challenge/class_list.html", context)


@require_GET
def class_detail(request, slug, wnid):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    hierarchy = classes.hierarchy_of(year.class_set)
    synset = next((s for s in hierarchy.synsets.values() if s.wnid == wnid), None)
    if synset is None:
        raise Http404("No such class.")
    context = {
        "year": year, "synset": synset, "path": hierarchy.path_to_root(synset),
        "parents": hierarchy.parents_of(synset), "children": hierarchy.children_of(synset),
        "leaf_count": hierarchy.leaf_counts[synset.ilsvrc_id], "leaves": hierarchy.leaves_under(synset),
    }
    return render(request, "challenge/class_detail.html", context)


@require_GET
def data_files(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    return render(request, "challenge/data_files.html", _data_context(request, year))


def _data_context(request, year, form=None) -> dict:
    return {"year": year, "files": selectors.data_files_of(year=year), "form": form or TermsForm(),
            "accepted": selectors.has_accepted_terms(user=request.user, year=year)}


@require_POST
@login_required
def accept_terms(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    form = TermsForm(request.POST)
    if not form.is_valid():
        return render(request, "challenge/data_files.html", _data_context(request, year, form), status=400)
    services.accept_terms(user=request.user, year=year)
    messages.success(request, "You accepted the terms of access; the files can be downloaded.")
    return redirect("challenge:data-files", slug=year.slug)


@require_safe  # HEAD too: download managers ask for the size before resuming
@login_required
def download(request, slug, pk, filename):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    data_file = selectors.data_file_of(year=year, pk=pk)
    if not selectors.has_accepted_terms(user=request.user, year=year):
        messages.error(request, "Accept the terms of access before downloading.")
        return render(request, "challenge/data_files.html", _data_context(request, year), status=403)
    return downloads.data_file_response(request, data_file)
