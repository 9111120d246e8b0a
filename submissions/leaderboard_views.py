from django.shortcuts import render

from challenge import selectors as challenge_selectors
from submissions import selectors


def leaderboard(request, slug, task, split):
    year = challenge_selectors.year_for_viewer(slug=slug, user=request.user)
    split_obj = challenge_selectors.split_of(year=year, task_slug=task, split_name=split)
    visible = split_obj.scores_are_public()
    rows = selectors.simple_leaderboard(split=split_obj) if visible else []
    context = {"year": year, "split": split_obj, "rows": rows, "visible": visible}
    return render(request, "submissions/leaderboard.html", context)
