from django.shortcuts import render

from challenge import selectors


def home(request):
    years = selectors.visible_years(user=request.user)
    return render(request, "challenge/home.html", {"years": years})


def year_detail(request, slug):
    year = selectors.year_for_viewer(slug=slug, user=request.user)
    context = {
        "year": year,
        "tasks": selectors.tasks_with_splits(year=year),
        "team": selectors.team_of(user=request.user, year=year),
    }
    return render(request, "challenge/year_detail.html", context)
