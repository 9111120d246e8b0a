"""Organizer pages of a year's teams: the list with their quotas and bans, and banning a team."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from challenge import policy
from challenge.accounts.roles import organizer_required
from challenge.competition import selectors as competition_selectors
from challenge.teams import selectors as team_selectors
from challenge.teams.forms import TeamBanForm
from challenge.teams.models import Team
from submissions import moderation
from submissions.organizer_forms import QuotaAdjustmentForm


@require_GET
@organizer_required
def teams(request, slug):
    year = competition_selectors.year_for_organizer(slug=slug)
    teams = team_selectors.teams_of_year(year=year)
    for team in teams:
        team.held_by_ban = policy.people_held_by_ban(team)  # whom each running ban holds
    context = {"year": year, "teams": teams,
               "ban_form": TeamBanForm(), "quota_form": QuotaAdjustmentForm(year=year)}
    return render(request, "organize/teams.html", context)


@require_POST
@organizer_required
def team_ban(request, slug, pk):
    year = competition_selectors.year_for_organizer(slug=slug)
    team = get_object_or_404(Team, pk=pk, year=year)
    form = TeamBanForm(request.POST)
    if form.is_valid():
        moderation.ban_team(user=request.user, team=team, **form.cleaned_data)
        messages.success(request, f"{team.name}: ban {'set' if form.cleaned_data['banned_until'] else 'lifted'}.")
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect("organize:teams", slug=year.slug)
