"""The public pages of the challenge: the home page, a year, its class set and the search in it."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from challenge import policy
from challenge.competition import classes
from challenge.competition import selectors as competition_selectors
from challenge.competition.forms import ClassSearchForm
from challenge.datafiles import selectors as datafile_selectors
from challenge.notices import announcements
from challenge.teams import selectors as team_selectors
from submissions.leaderboards.selectors import best_since_challenge, year_winners


def home(request):
    years = competition_selectors.years_open_first(competition_selectors.visible_years(user=request.user))
    teams, winners = team_selectors.teams_by_year(user=request.user), year_winners(years=years)
    since = best_since_challenge(years=years)
    cards = [{"year": y, "state": policy.year_state(y), "team": teams.get(y.pk), "winner": winners.get(y.pk),
              "best_since": since.get(y.pk)} for y in years]
    return render(request, "challenge/home.html", {"cards": cards})


def year_detail(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
    context = {
        "year": year,
        "state": policy.year_state(year),
        "tasks": competition_selectors.tasks_with_splits(year=year),
        "team": team_selectors.team_of(user=request.user, year=year),
        "commitments": competition_selectors.test_commitments(year=year),
        "data_files": datafile_selectors.data_files_of(year=year),
        "deadline_changes": year.deadline_changes.exclude(old_deadline=None),
        "announcements": announcements.posted_announcements(year=year),
        "winner": year_winners(years=[year]).get(year.pk),
        "revisions": competition_selectors.revisions_of(year=year),
        "best_since": best_since_challenge(years=[year]).get(year.pk),
    }
    return render(request, "challenge/year_detail.html", context)


@require_GET
def class_list(request, slug):
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
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
    year = competition_selectors.year_for_viewer(slug=slug, user=request.user)
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


